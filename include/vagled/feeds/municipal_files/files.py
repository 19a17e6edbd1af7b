"""The municipalities' own monthly files: one sub-path per municipality code, each file its own way.

Connection ``municipal_files`` is an HTTP location (``GET {code}/`` lists a municipality's files,
``[{"month": "2026-09", "name": "komvux_kursdeltagare.csv", ...}]``, and ``GET {code}/{YYYY-MM}/{name}``
serves one) or a folder (conn_type ``fs``, extra ``path``) holding ``{code}/{YYYY-MM}/{name}``.
Files are CSV (semicolon or comma, UTF-8 or Windows-1252, decimal comma, title rows above the
header) or XLSX, and every municipality spells its headers its own way: HEADER_ALIASES maps them to
one schema. A file that cannot be read, or that has a column of personal data (a name, an identity
number), is quarantined whole, with the reason and without its values; an identity number inside a
cell is masked and its row quarantined.

Each municipality's files are their own batches (partition = the municipality code), loaded by
vagled.feeds.municipal_komvux.parse and vagled.feeds.municipal_programmes.parse.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any, Protocol

from vagled.config import STOCKHOLM
from vagled.feeds.municipal_files.text_tables import (
    XLSX_CONTENT_TYPE,
    BadRow,
    Formula,
    UnreadableFile,
    decode_text,
    is_xlsx,
    normalise_header,
    read_table,
)
from vagled.pipeline.feed import ParseFailure, SourceStructureError
from vagled.pipeline.period import Period
from vagled.privacy import mask_identity_numbers
from vagled.sources.http import UpstreamError

CONN_ID = "municipal_files"

# canonical field -> the header spellings seen in the municipalities' files (matched without case,
# '_' and '-'). A spelling not listed here is not guessed: the file is quarantined and the new
# spelling is added here.
HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "municipality_code": ("Kommunkod", "Kommun kod", "Kommun-kod", "Kommunnr", "Kommun nr"),
    "municipality_name": ("Kommun", "Kommunnamn"),
    "month": ("Månad", "Manad", "Period", "År-månad"),
    "course_code": ("Kurskod", "Kurs kod"),
    "course_name": ("Kursnamn", "Kurs", "Benämning"),
    "study_form": ("Studieform", "Undervisningsform"),
    "participants": ("Antal deltagare", "Antal", "Deltagare", "Antal_deltagare"),
    "women": ("varav kvinnor", "Kvinnor", "Antal kvinnor"),
    "pace_percent": ("Genomsnittlig studietakt (%)", "Studietakt %", "Snitt studietakt", "Studietakt"),
    "programme": ("Insats", "Insatstyp", "Åtgärd"),
    "target_group": ("Målgrupp", "Malgrupp"),
    "share_women_percent": ("Andel kvinnor (%)", "Andel kvinnor", "Andel kvinnor proc"),
    "cost_ksek": ("Kostnad (tkr)", "Kostnad tkr", "Kostnad, tkr"),
    "comment": ("Kommentar", "Anmärkning", "Övrigt"),
}
# Headers that mean a column of personal data: such a file is never loaded.
PERSONAL_DATA_HEADERS = frozenset(
    normalise_header(h)
    for h in (
        "Namn",
        "Förnamn",
        "Efternamn",
        "Fullständigt namn",
        "Elevnamn",
        "Elevens namn",
        "Deltagarnamn",
        "Deltagarens namn",
        "Deltagare namn",
        "Personnummer",
        "Personnr",
        "Pnr",
        "Samordningsnummer",
        "Födelsedatum",
    )
)
_MONTH = re.compile(r"^(\d{4})-?(\d{1,2})(?:-\d{1,2})?")


def months_ending_in(period: Period) -> list[str]:
    """Every month (``YYYY-MM``) that ends inside the period, in Swedish time.

    A calendar month's period is that month; the scheduled interval (10th to 10th, when every
    municipality has delivered) is the month before.
    """
    start, end = period.start.astimezone(STOCKHOLM), period.end.astimezone(STOCKHOLM)
    year, month = (start.year, start.month - 1) if start.month > 1 else (start.year - 1, 12)
    out = []
    while True:
        boundary = datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=STOCKHOLM)
        if boundary > end:
            return out
        if boundary > start:
            out.append(f"{year:04d}-{month:02d}")
        year, month = (year + (month == 12), month % 12 + 1)


class FileDrop(Protocol):
    """Where the municipalities deliver: an HTTP location or a folder."""

    def listing(self, code: str) -> dict[tuple[str, str], str]:
        """``(month, kind) -> file name`` of every file the municipality has delivered."""

    def fetch(self, code: str, month: str, name: str) -> tuple[str, bytes, str]:
        """``(source url, body, content type)`` of one delivered file."""


class HttpFileDrop:
    """``GET {code}/`` lists a municipality's files as JSON, ``GET {code}/{month}/{name}`` serves one."""

    def __init__(self, conn_id: str = CONN_ID) -> None:
        from vagled.sources.http import HttpSource

        self.source = HttpSource(conn_id)

    def listing(self, code: str) -> dict[tuple[str, str], str]:
        import orjson

        items = orjson.loads(self.source.fetch(f"{code}/").body)
        return {
            (str(item.get("month")), str(item.get("name", "")).rsplit(".", 1)[0]): str(item.get("name"))
            for item in items
            if isinstance(item, dict)
        }

    def fetch(self, code: str, month: str, name: str) -> tuple[str, bytes, str]:
        response = self.source.fetch(f"{code}/{month}/{name}", expect="bytes" if name.endswith(".xlsx") else "text")
        return response.url, response.body, response.content_type


class FolderFileDrop:
    """A folder ``{path}/{code}/{YYYY-MM}/{name}`` (a share or a mounted drop box), from a File (path) connection."""

    _MONTH_DIR = re.compile(r"^\d{4}-\d{2}$")

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)
        if not self.root.is_dir():
            raise UpstreamError(f"connection {CONN_ID!r}: folder {self.root} does not exist")

    def listing(self, code: str) -> dict[tuple[str, str], str]:
        folder = self.root / code
        if not folder.is_dir():
            return {}
        return {
            (month_dir.name, item.name.rsplit(".", 1)[0]): item.name
            for month_dir in sorted(folder.iterdir())
            if month_dir.is_dir() and self._MONTH_DIR.match(month_dir.name)
            for item in sorted(month_dir.iterdir())
            if item.is_file() and not item.name.startswith(".")
        }

    def fetch(self, code: str, month: str, name: str) -> tuple[str, bytes, str]:
        path = self.root / code / month / name
        content_type = XLSX_CONTENT_TYPE if name.lower().endswith(".xlsx") else "text/csv"
        return path.resolve().as_uri(), path.read_bytes(), content_type


def file_drop(conn_id: str = CONN_ID) -> FileDrop:
    """The connection's file drop: a folder for conn_type ``fs`` (extra ``path``), else HTTP."""
    from airflow.sdk import BaseHook

    conn = BaseHook.get_connection(conn_id)
    if conn.conn_type in ("fs", "file"):
        from airflow.providers.standard.hooks.filesystem import FSHook

        return FolderFileDrop(FSHook(fs_conn_id=conn_id).get_path())
    return HttpFileDrop(conn_id)


def land_files(conn, batch_id: int, period: Period, params: Mapping[str, Any], *, feed: str, kind: str) -> dict:
    """Land the municipality's ``kind`` file of every month that ends in the period.

    Raises:
        UpstreamError: the municipality has not delivered a month's file (yet), or it cannot be fetched.
    """
    from vagled.pipeline.load import land_payload

    code = str(params["partition"])
    drop = file_drop()
    delivered = drop.listing(code)
    parts = 0
    for month in months_ending_in(period):
        name = delivered.get((month, kind))
        if name is None:
            raise UpstreamError(f"municipality {code} has not delivered {kind} for {month} (not in its listing)")
        source_url, body, content_type = drop.fetch(code, month, name)
        land_payload(
            conn,
            batch_id,
            feed,
            parts,
            source_url=source_url,
            body=body,
            content_type=content_type,
            request_params={"municipality_code": code, "month": month, "name": name},
        )
        parts += 1
    return {"parts": parts, "municipality_code": code}


# -- parsing --------------------------------------------------------------------------------------
def parse_file(
    body: bytes,
    content_type: str,
    *,
    required: tuple[str, ...],
    build: Callable[[dict[str, Any]], dict[str, Any]],
) -> Iterator[dict[str, Any] | ParseFailure]:
    """Read one municipality file and yield a record per row (``build`` maps a row to staged columns).

    A file that cannot be read or has a personal-data column yields one ParseFailure for the whole
    file, whose excerpt holds no values of it.
    """
    try:
        table = read_table(body, content_type, HEADER_ALIASES, required)
        personal = [h for h in table.header if normalise_header(h) in PERSONAL_DATA_HEADERS]
        if personal:
            yield ParseFailure(
                f"the file has a column of personal data ({', '.join(personal)}); nothing of it is loaded",
                "columns: " + " | ".join(table.header),
                check="no_personal_data_columns",
            )
            return
        for line_no, row in table.rows:
            if isinstance(row, BadRow):
                yield ParseFailure(f"row {line_no}: {row.reason}")
                continue
            masked, found = _masked(row)
            formulas = [name for name, value in row.items() if isinstance(value, Formula)]
            if formulas:
                # a formula's result is not in the file (or may be stale): never guess it
                excerpt = " | ".join(f"{k}={_masked_text(str(v))}" for k, v in masked.items())
                yield ParseFailure(
                    f"row {line_no}: {', '.join(formulas)} holds a formula, not a value",
                    excerpt[:500],
                    check="no_formula_cells",
                )
                continue
            try:
                yield {**build(masked), "personal_number_found": found}
            except (ValueError, TypeError) as exc:
                excerpt = " | ".join(f"{k}={v}" for k, v in masked.items())
                yield ParseFailure(f"row {line_no}: {exc}", excerpt[:500])
    except (UnreadableFile, SourceStructureError) as exc:
        yield ParseFailure(
            f"the file cannot be read: {_masked_text(str(exc))}", _excerpt(body, content_type), check="readable_file"
        )


def _masked(row: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    out, found = {}, False
    for key, value in row.items():
        if isinstance(value, str):
            value, hit = mask_identity_numbers(value)
            found = found or hit
        out[key] = value
    return out, found


def _masked_text(text: str) -> str:
    return mask_identity_numbers(text)[0] or ""


def _excerpt(body: bytes, content_type: str) -> str:
    if is_xlsx(body, content_type):
        return f"{len(body)} bytes of {content_type or 'an XLSX file'}"
    return _masked_text(decode_text(body[:400]))[:300]


def text(value: Any) -> str | None:
    if value is None:
        return None
    value = str(value).strip()
    return value or None


def municipality_code(value: Any) -> str | None:
    """'0380', or 380 from a spreadsheet that dropped the leading zero."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return f"{int(value):04d}"
    value = text(value)
    return value.zfill(4) if value and value.isdigit() and len(value) == 3 else value


def first_of_month(value: Any) -> date | None:
    """The month of a row: '2026-09', '202609', '2026-09-01' or a spreadsheet date.

    Raises:
        ValueError: not a month.
    """
    if isinstance(value, datetime | date):
        return date(value.year, value.month, 1)
    value = text(value)
    if value is None:
        return None
    match = _MONTH.match(value)
    if match is None:
        raise ValueError(f"{value!r} is not a month")
    return date(int(match.group(1)), int(match.group(2)), 1)


def municipalities_to_load(params: Mapping[str, Any]) -> list[str]:
    """The municipality codes a run loads: the area's, or the subset in param ``municipalities``.

    Raises:
        ValueError: a code in ``municipalities`` is not a municipality of the area.
    """
    from vagled.feeds.kolada_key_figures.parse import area_municipality_codes
    from vagled.warehouse.db import connect

    with connect(autocommit=True) as conn:
        area = area_municipality_codes(conn)
    wanted = params.get("municipalities") or []
    if isinstance(wanted, str):
        wanted = [code.strip() for code in wanted.split(",") if code.strip()]
    unknown = sorted(set(wanted) - set(area))
    if unknown:
        raise ValueError(f"param municipalities: {', '.join(unknown)} are not municipalities of the area")
    return [code for code in area if code in set(wanted)] if wanted else area
