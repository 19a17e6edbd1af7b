"""Shared building blocks of feedsim: seeded randomness, reference data, geography, time, HTTP types.

Nothing here knows any upstream's format; the upstream modules do. Nothing here is shared with the
feed clients either: feedsim reads only the project's reference CSVs, never its parsing code.
"""

from __future__ import annotations

import csv
import functools
import hashlib
import json
import random
import string
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

STOCKHOLM = ZoneInfo("Europe/Stockholm")
DEFAULT_NOW = "2026-11-01T00:00:00"
SEP = "\x1f"  # joins key parts: cannot appear in codes or paths, so ("a", "bc") != ("ab", "c")


# -- seeded randomness ---------------------------------------------------------------------------
def stable_int(*parts: object) -> int:
    """Return a 64-bit integer derived from the parts with SHA-256 (never Python's salted hash())."""
    digest = hashlib.sha256(SEP.join(str(p) for p in parts).encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big")


def unit(*parts: object) -> float:
    """Return a deterministic float in [0, 1) for the parts."""
    return stable_int(*parts) / 2**64


def rng(*parts: object) -> random.Random:
    """Return a random.Random seeded from the parts (seed, upstream, key...)."""
    return random.Random(stable_int(*parts))


def poisson(r: random.Random, lam: float) -> int:
    """Draw a Poisson count (Knuth for small means, a rounded normal for large ones)."""
    if lam <= 0:
        return 0
    if lam > 40:
        return max(0, round(r.gauss(lam, lam**0.5)))
    limit, k, p = pow(2.718281828459045, -lam), 0, 1.0
    while True:
        p *= r.random()
        if p <= limit:
            return k
        k += 1


_ALPHABET = string.ascii_letters + string.digits


def fake_concept_id(kind: str, code: str) -> str:
    """Return a JobTech-shaped concept id (xxxx_xxx_xxx) derived from a concept kind and code."""
    digest = hashlib.sha256(f"concept{SEP}{kind}{SEP}{code}".encode()).digest()
    chars = [_ALPHABET[b % len(_ALPHABET)] for b in digest[:10]]
    return "".join(chars[:4]) + "_" + "".join(chars[4:7]) + "_" + "".join(chars[7:10])


# -- identity and organisation numbers -----------------------------------------------------------
def luhn_digit(digits: str) -> int:
    """Return the Luhn check digit for the digits (weights 2,1,2,1... from the left, as Skatteverket)."""
    total = 0
    for i, ch in enumerate(digits):
        d = int(ch) * (2 if i % 2 == 0 else 1)
        total += d // 10 + d % 10
    return (10 - total % 10) % 10


def luhn_valid(number: str) -> bool:
    """Whether a 10-digit number (YYMMDDNNNC or an organisation number) has a valid check digit."""
    digits = "".join(ch for ch in number if ch.isdigit())
    if len(digits) == 12:
        digits = digits[2:]
    return len(digits) == 10 and luhn_digit(digits[:9]) == int(digits[9])


def personnummer(r: random.Random) -> str:
    """Return a syntactically valid Swedish national identity number, YYYYMMDD-NNNC."""
    birth = date(1945, 1, 1) + timedelta(days=r.randrange(0, 365 * 60))
    serial = f"{r.randrange(0, 1000):03d}"
    yymmdd = birth.strftime("%y%m%d")
    return f"{birth:%Y%m%d}-{serial}{luhn_digit(yymmdd + serial)}"


def organisation_number(r: random.Random, prefix: str = "55") -> str:
    """Return a 10-digit organisation number with a valid check digit (55... = aktiebolag).

    Its third digit is at least 2, as in every legal entity's number, so that it never reads as a
    birth date (a sole trader's number is the owner's personnummer, which the platform quarantines).
    """
    body = prefix + "".join(str(r.randrange(10)) for _ in range(9 - len(prefix)))
    if body[2] in "01":
        body = body[:2] + str(int(body[2]) + 2) + body[3:]
    return body + str(luhn_digit(body))


# -- reference data ------------------------------------------------------------------------------
def reference_dir() -> Path:
    """The project's reference data folder (include/reference), located from the vagled package."""
    import vagled

    return Path(vagled.__file__).resolve().parents[1] / "reference"


def _read_csv(name: str) -> list[dict[str, str]]:
    path = reference_dir() / name
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@dataclass(frozen=True)
class Municipality:
    code: str
    name: str
    county_code: str


@dataclass(frozen=True)
class Reference:
    """The code lists feedsim serves data for, read once from include/reference."""

    counties: dict[str, str]  # county_code -> county_name
    municipalities: tuple[Municipality, ...]
    ssyk: dict[str, tuple[int, str, str]]  # code -> (level, label, parent)
    sun_fields: dict[str, tuple[int, str, str]]  # code -> (level, label, parent)
    area_counties: tuple[str, ...]

    @functools.cached_property
    def municipality_by_code(self) -> dict[str, Municipality]:
        return {m.code: m for m in self.municipalities}

    @functools.cached_property
    def area_municipalities(self) -> tuple[Municipality, ...]:
        return tuple(m for m in self.municipalities if m.county_code in self.area_counties)

    def municipalities_in(self, county_code: str) -> tuple[Municipality, ...]:
        return tuple(m for m in self.municipalities if m.county_code == county_code)

    def ssyk_codes(self, level: int) -> list[str]:
        return sorted(code for code, (lvl, _, _) in self.ssyk.items() if lvl == level)

    def sun_codes(self, level: int, prefix: str = "") -> list[str]:
        return sorted(c for c, (lvl, _, _) in self.sun_fields.items() if lvl == level and c.startswith(prefix))


@functools.cache
def reference() -> Reference:
    """Load the reference CSVs (cached for the process)."""
    from vagled.config import area_county_codes

    counties = {row["county_code"]: row["county_name"] for row in _read_csv("counties.csv")}
    municipalities = tuple(
        Municipality(row["municipality_code"], row["municipality_name"], row["county_code"])
        for row in _read_csv("municipalities.csv")
    )
    ssyk = {
        row["ssyk_code"]: (int(row["level"]), row["label_sv"], row["parent_code"]) for row in _read_csv("ssyk2012.csv")
    }
    sun = {
        row["sun_field_code"]: (int(row["level"]), row["label_sv"], row["parent_code"])
        for row in _read_csv("sun2020_fields.csv")
    }
    return Reference(counties, municipalities, ssyk, sun, tuple(area_county_codes()))


# Approximate populations at the end of 2024 (SCB, rounded): the 52 municipalities of the area and a
# few large cities elsewhere. Volumes of every upstream are proportional to these.
POPULATION_2024 = {
    # Uppsala län
    "0305": 22_600,
    "0319": 9_700,
    "0330": 20_800,
    "0331": 14_400,
    "0360": 21_600,
    "0380": 245_000,
    "0381": 47_600,
    "0382": 22_400,
    # Södermanlands län
    "0428": 9_200,
    "0461": 11_500,
    "0480": 58_000,
    "0481": 12_100,
    "0482": 16_600,
    "0483": 35_000,
    "0484": 108_000,
    "0486": 38_500,
    "0488": 14_200,
    # Östergötlands län
    "0509": 5_300,
    "0512": 3_800,
    "0513": 10_100,
    "0560": 5_500,
    "0561": 11_600,
    "0562": 22_000,
    "0563": 7_700,
    "0580": 167_000,
    "0581": 145_000,
    "0582": 14_900,
    "0583": 44_000,
    "0584": 7_400,
    "0586": 28_400,
    # Örebro län
    "1814": 8_600,
    "1860": 5_600,
    "1861": 16_100,
    "1862": 9_500,
    "1863": 6_800,
    "1864": 4_700,
    "1880": 160_000,
    "1881": 22_600,
    "1882": 11_500,
    "1883": 30_100,
    "1884": 10_800,
    "1885": 23_600,
    # Västmanlands län
    "1904": 4_300,
    "1907": 10_300,
    "1960": 8_900,
    "1961": 16_600,
    "1962": 5_700,
    "1980": 158_000,
    "1981": 23_200,
    "1982": 13_500,
    "1983": 26_600,
    "1984": 14_300,
    # large cities outside the area
    "0180": 988_000,
    "1480": 607_000,
    "1280": 362_000,
}


def population(code: str, year: int = 2024) -> int:
    """Population of a municipality in a year: the 2024 table, a small default elsewhere, a gentle trend."""
    base = POPULATION_2024.get(code)
    if base is None:
        # Outside the area: a small, stable, code-specific default (8 000 - 40 000).
        base = 8_000 + int(unit("population", code) * 32_000)
    growth = 1.0 + (0.006 if base > 50_000 else 0.0015) * (year - 2024)
    return max(1_000, round(base * growth))


# Approximate county centres (lat, lon) to place municipalities and addresses.
COUNTY_CENTRE = {
    "01": (59.33, 18.06),
    "03": (59.86, 17.64),
    "04": (59.37, 16.51),
    "05": (58.41, 15.62),
    "06": (57.78, 14.16),
    "07": (56.88, 14.81),
    "08": (56.66, 16.36),
    "09": (57.64, 18.29),
    "10": (56.16, 15.59),
    "12": (55.60, 13.00),
    "13": (56.67, 12.86),
    "14": (57.71, 11.97),
    "17": (59.38, 13.50),
    "18": (59.27, 15.21),
    "19": (59.61, 16.55),
    "20": (60.61, 15.63),
    "21": (60.67, 17.14),
    "22": (62.39, 17.31),
    "23": (63.18, 14.64),
    "24": (63.83, 20.26),
    "25": (65.58, 22.15),
}


def municipality_centre(code: str) -> tuple[float, float]:
    """Return (lat, lon) of a municipality: its county centre, offset deterministically (seat = centre)."""
    lat, lon = COUNTY_CENTRE.get(code[:2], (59.0, 16.0))
    if code.endswith("80"):
        return lat, lon
    return lat + (unit("lat", code) - 0.5) * 0.7, lon + (unit("lon", code) - 0.5) * 1.2


# -- time ----------------------------------------------------------------------------------------
def parse_time(text: str) -> datetime:
    """Parse an ISO time as the upstreams accept it: no offset means Europe/Stockholm local time.

    Accepts YYYY-MM-DD, YYYY-MM-DDTHH:MM[:SS[.ffffff]], with a space instead of T, and Z or +hh:mm.

    Raises:
        ValueError: the text is not such a time.
    """
    text = text.strip().replace(" ", "T")
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    parsed = datetime.fromisoformat(text)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=STOCKHOLM)
    return parsed


def local_str(ts: float) -> str:
    """Format an epoch time as Stockholm local time without offset (YYYY-MM-DDTHH:MM:SS)."""
    return datetime.fromtimestamp(ts, STOCKHOLM).strftime("%Y-%m-%dT%H:%M:%S")


def day_start(day: date) -> float:
    """Epoch seconds of local midnight starting the day."""
    return datetime(day.year, day.month, day.day, tzinfo=STOCKHOLM).timestamp()


def local_date(ts: float) -> date:
    return datetime.fromtimestamp(ts, STOCKHOLM).date()


def utc_now_str(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# -- JSON ----------------------------------------------------------------------------------------
try:  # orjson is a project dependency and ~5x faster; the stdlib is a safe fallback.
    import orjson as _orjson
except ImportError:  # pragma: no cover - exercised only without orjson
    _orjson = None


def dumps(obj: Any) -> bytes:
    """Serialise to compact UTF-8 JSON, keys in insertion order (every generator builds them in order)."""
    if _orjson is not None:
        return _orjson.dumps(obj)
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def json_array_stream(items: Iterable[Any], chunk_bytes: int = 64 * 1024) -> Iterator[bytes]:
    """Stream a JSON array of items in chunks of about chunk_bytes, never holding the whole array."""
    buffer = bytearray(b"[")
    first = True
    for item in items:
        if not first:
            buffer += b","
        buffer += dumps(item)
        first = False
        if len(buffer) >= chunk_bytes:
            yield bytes(buffer)
            buffer.clear()
    buffer += b"]"
    yield bytes(buffer)


def jsonl_stream(items: Iterable[Any], chunk_bytes: int = 64 * 1024) -> Iterator[bytes]:
    """Stream items as JSON lines in chunks of about chunk_bytes."""
    buffer = bytearray()
    for item in items:
        buffer += dumps(item)
        buffer += b"\n"
        if len(buffer) >= chunk_bytes:
            yield bytes(buffer)
            buffer.clear()
    if buffer:
        yield bytes(buffer)


# -- HTTP request and response -------------------------------------------------------------------
@dataclass
class SimConfig:
    """What every generator needs: the seed, the volume scale and the sim's fixed 'now'."""

    seed: int = 42
    scale: float = 0.05
    now: datetime = field(default_factory=lambda: parse_time(DEFAULT_NOW))

    @property
    def now_ts(self) -> float:
        return self.now.timestamp()

    @property
    def today(self) -> date:
        return self.now.astimezone(STOCKHOLM).date()


class HttpError(Exception):
    """Raised by a handler to answer with an error status and a short JSON message."""

    def __init__(self, status: int, message: str, content_type: str = "application/json") -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.content_type = content_type


@dataclass
class Request:
    """One HTTP request, as an upstream handler sees it (feedsim's own fault parameters removed)."""

    method: str
    conn_id: str
    path: str  # below the connection's base path, always starting with "/"
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes
    faults: frozenset[str]
    sim: SimConfig
    client_ip: str = "127.0.0.1"
    host: str = "127.0.0.1"
    claimed: set[str] = field(default_factory=set)  # data faults a handler applied
    state: dict[str, Any] = field(default_factory=dict)  # per-server state (e.g. SCB's rate limiter)

    def q(self, name: str, default: str | None = None) -> str | None:
        values = self.query.get(name)
        return values[-1] if values else default

    def qlist(self, name: str) -> list[str]:
        out: list[str] = []
        for value in self.query.get(name, []):
            out.extend(v for v in value.split(",") if v)
        return out

    def qint(self, name: str, default: int, lo: int | None = None, hi: int | None = None) -> int:
        raw = self.q(name)
        if raw is None or raw == "":
            return default
        try:
            value = int(raw)
        except ValueError as exc:
            raise HttpError(400, f"{name} must be an integer, got {raw!r}") from exc
        if lo is not None and value < lo:
            raise HttpError(400, f"{name} must be >= {lo}")
        if hi is not None and value > hi:
            raise HttpError(400, f"{name} must be <= {hi}")
        return value

    def fault(self, name: str) -> bool:
        """Whether the data fault is asked for; marks it as applied (for the server's fault log)."""
        if name in self.faults:
            self.claimed.add(name)
            return True
        return False

    def url(self, path: str, params: list[tuple[str, str]] | None = None) -> str:
        """Absolute URL of a path under this connection, as the client reached the server."""
        query = f"?{urlencode(params)}" if params else ""
        return f"http://{self.host}/{self.conn_id}{path}{query}"


@dataclass
class Response:
    """What a handler returns: a status, a content type, and bytes or an iterator of byte chunks."""

    status: int = 200
    content_type: str = "application/json"
    body: bytes | Iterable[bytes] = b""
    headers: list[tuple[str, str]] = field(default_factory=list)


def json_response(obj: Any, status: int = 200) -> Response:
    return Response(status=status, content_type="application/json", body=dumps(obj))


class Picker:
    """Decides which records a data fault touches: the first eligible record, then a seeded share.

    The choice depends only on (seed, fault, record key), so the same records are touched on every run.
    """

    def __init__(self, req: Request, fault: str, rate: float = 0.05) -> None:
        self.req = req
        self.fault = fault
        self.rate = rate
        self.active = fault in req.faults
        self._first = True

    def __call__(self, key: object) -> bool:
        if not self.active:
            return False
        if self._first or unit(self.req.sim.seed, "fault", self.fault, key) < self.rate:
            self._first = False
            self.req.claimed.add(self.fault)
            return True
        return False
