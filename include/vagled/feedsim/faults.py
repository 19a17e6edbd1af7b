"""Faults feedsim injects: their names, how they are asked for, and which request gets which.

A fault is asked for per request (query ``feedsim_fault=NAME`` or header ``X-Feedsim-Fault: NAME``,
repeatable or comma-separated) or per run (``FeedSim(faults=[...], fault_rate=r)`` / CLI ``--fault``).
A spec is ``NAME[:N][@CONNECTION[/PATH]]``: ``:N`` applies the fault to the first N matching requests
only (``http_429:2`` = two 429s, then success), ``@CONNECTION`` limits it to one upstream and
``/PATH`` to the paths below it that start so (``truncated@municipal_files/0486/2026-09/``: one
municipality's files of one month).
Which requests a run-level fault hits is seeded by (seed, fault, path + query, how many times that
path + query was requested before), so a rerun of the same request sequence sees the same faults.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from dataclasses import dataclass

from vagled.config import UPSTREAM_CONN_IDS
from vagled.feedsim.common import unit

# Connection ids are the platform's configuration, not a format: feedsim serves exactly these.
ALL_UPSTREAMS = UPSTREAM_CONN_IDS

# name -> one-line description (docs/feedsim.md explains each in full).
FAULTS: dict[str, str] = {
    "http_429": "429 Too Many Requests with Retry-After: 1",
    "bare_429": "429 Too Many Requests without Retry-After and without a body (Skolverket's burst limit)",
    "http_500": "500 Internal Server Error",
    "http_503": "503 Service Unavailable with Retry-After: 1",
    "slow": "the answer starts after a delay (FeedSim(slow_seconds=2.0))",
    "timeout": "the server hangs (FeedSim(timeout_seconds=30.0)) before answering; interruptible by stop()",
    "reset": "the connection is reset (TCP RST) part-way through the body",
    "truncated": "the body is cut part-way, with a correct-looking Content-Type and length",
    "invalid_utf8": "bytes that are not valid UTF-8 inside a text value",
    "wrong_content_type": "200 with a text/html error page instead of the data",
    "empty_page": "a well-formed answer with no records (paging metadata unchanged)",
    "duplicates": "some records appear twice in the same answer",
    "bad_codes": "unknown or retired municipality / SSYK / county codes in some records",
    "negative_counts": "negative numbers in count fields of some records",
    "missing_fields": "required fields missing from some records",
    "schema_drift": "a field renamed (headline->title, Antal->Antal personer, ...)",
    "pnr_in_text": "a Luhn-valid national identity number inside free text of some records",
    "wrong_encoding": "text declared in one encoding but sent in another (UTF-8 vs Windows-1252)",
    "archive_cut": "an archive download announces its whole length and closes part-way (resumable by Range)",
    "corrupt_zip": "an archive whose compressed member data is damaged in the middle",
    "member_not_jsonl": "an archive whose member holds one JSON array instead of JSON lines",
    "index_missing_year": "the archive index page does not list the last complete year",
    "missing_next_page": "Kolada: the page an answer's next_url names is gone (404)",
    "v2_path": "Kolada: the answer is paged as the retired v2 did (next_page pointing to /v2/)",
    "cell_limit": "SCB: data calls over 50 cells are refused (403 problem JSON) though /config announces 150 000",
    "header_moved": "MYH workbook: the header row of Tabell 3 and 4 sits two rows lower than on row 6",
    "listed_file_missing": "a listing lists a year whose files are not there (yet)",
    "renamed_column": "Skolverket's export: the key column Läns-kod renamed Länskod",
}

TRANSPORT_FAULTS = frozenset(
    {
        "http_429",
        "bare_429",
        "http_500",
        "http_503",
        "slow",
        "timeout",
        "reset",
        "truncated",
        "invalid_utf8",
        "wrong_content_type",
    }
)
DATA_FAULTS = frozenset(FAULTS) - TRANSPORT_FAULTS

# Which upstreams implement each data fault (transport faults apply to every endpoint).
APPLIES_TO: dict[str, tuple[str, ...]] = {
    "empty_page": ALL_UPSTREAMS,
    # a json-stat2 answer cannot hold a cell twice
    "duplicates": tuple(c for c in ALL_UPSTREAMS if c != "scb_pxweb"),
    "bad_codes": ALL_UPSTREAMS,
    "listed_file_missing": ("skolverket_statistics",),
    "renamed_column": ("skolverket_statistics",),
    "negative_counts": (
        "jobtech_jobstream",
        "jobtech_historical",
        "kolada",
        "scb_pxweb",
        "myh_results",
        "municipal_files",
    ),
    # the statistics workbooks' cells are all there or the cache is another: schema_drift is their fault
    "missing_fields": tuple(u for u in ALL_UPSTREAMS if u != "af_statistics"),
    "schema_drift": ALL_UPSTREAMS,
    "pnr_in_text": ("jobtech_jobstream", "jobtech_historical", "education_offerings", "myh_results", "municipal_files"),
    # JSON upstreams: the UTF-8 JSON is sent as Windows-1252; CSV upstreams: the other encoding.
    # Workbooks are binary (UTF-8 XML inside a ZIP): the page is the only text af_statistics serves;
    # MYH and Skolverket's statistics serve workbooks only.
    "wrong_encoding": tuple(c for c in ALL_UPSTREAMS if c not in ("myh_results", "skolverket_statistics")),
    "archive_cut": ("jobtech_historical",),
    "corrupt_zip": ("jobtech_historical",),
    "member_not_jsonl": ("jobtech_historical",),
    "index_missing_year": ("jobtech_historical",),
    "missing_next_page": ("kolada",),
    "v2_path": ("kolada",),
    "cell_limit": ("scb_pxweb",),
    "header_moved": ("myh_results",),
}


@dataclass(frozen=True)
class FaultSpec:
    """One parsed fault spec: NAME[:N][@CONNECTION[/PATH]]."""

    name: str
    limit: int | None = None  # apply to the first `limit` matching requests only
    conn_id: str | None = None  # only requests to this upstream
    path: str | None = None  # only paths below the upstream that start with this

    def matches(self, conn_id: str, path_query: str) -> bool:
        if self.conn_id and self.conn_id != conn_id:
            return False
        return not self.path or path_query.startswith(f"/{conn_id}/{self.path}")

    @property
    def text(self) -> str:
        out = self.name
        if self.limit is not None:
            out += f":{self.limit}"
        if self.conn_id:
            out += f"@{self.conn_id}"
        if self.path:
            out += f"/{self.path}"
        return out


def parse_fault_spec(text: str) -> FaultSpec:
    """Parse NAME[:N][@CONNECTION[/PATH]].

    Raises:
        ValueError: unknown fault name or a malformed count.
    """
    raw = text.strip()
    conn_id = path = None
    if "@" in raw:
        raw, target = raw.split("@", 1)
        conn_id, _, path = target.strip().partition("/")
        conn_id, path = conn_id or None, path.lstrip("/") or None
    limit = None
    if ":" in raw:
        raw, count = raw.split(":", 1)
        if not count.strip().isdigit():
            raise ValueError(f"fault {text!r}: the count after ':' must be a whole number")
        limit = int(count)
    name = raw.strip()
    if name not in FAULTS:
        raise ValueError(f"unknown fault {name!r}; known: {', '.join(sorted(FAULTS))}")
    return FaultSpec(name, limit, conn_id, path)


def parse_fault_list(values: list[str] | tuple[str, ...]) -> list[FaultSpec]:
    """Parse repeatable / comma-separated fault specs, keeping their order."""
    specs: list[FaultSpec] = []
    for value in values:
        for part in value.split(","):
            if part.strip():
                specs.append(parse_fault_spec(part))
    return specs


class FaultPlanner:
    """Decides, thread-safely and reproducibly, which faults apply to a request."""

    def __init__(self, seed: int, run_faults: list[FaultSpec], fault_rate: float = 1.0) -> None:
        if not 0.0 <= fault_rate <= 1.0:
            raise ValueError("fault_rate must be between 0 and 1")
        self.seed = seed
        self.run_faults = run_faults
        self.fault_rate = fault_rate
        self._lock = threading.Lock()
        self._path_counts: dict[str, int] = defaultdict(int)
        self._used: dict[str, int] = defaultdict(int)  # spec key -> times applied

    def plan(self, conn_id: str, path_query: str, request_specs: list[FaultSpec]) -> frozenset[str]:
        """Return the fault names for one request.

        Args:
            conn_id: the upstream the request is for.
            path_query: the request path and query without feedsim's own parameters.
            request_specs: faults asked for by this request (query parameter or header).
        """
        active: set[str] = set()
        with self._lock:
            nth = self._path_counts[path_query]
            self._path_counts[path_query] += 1
            for spec in request_specs:
                if not spec.matches(conn_id, path_query):
                    continue
                if spec.limit is not None:
                    # Per-request "first N": counted per (spec, path) so that a retried URL recovers.
                    key = f"req{spec.text}|{path_query}"
                    if self._used[key] >= spec.limit:
                        continue
                    self._used[key] += 1
                active.add(spec.name)
            for spec in self.run_faults:
                if not spec.matches(conn_id, path_query):
                    continue
                key = f"run|{spec.text}"
                if spec.limit is not None and self._used[key] >= spec.limit:
                    continue
                if self.fault_rate < 1.0 and unit(self.seed, "runfault", spec.name, path_query, nth) >= self.fault_rate:
                    continue
                self._used[key] += 1
                active.add(spec.name)
        return frozenset(active)
