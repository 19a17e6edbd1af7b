"""From education to work: Skolverket's establishment statistics after upper secondary (UF0139).

Connection ``skolverket_statistics`` (base ``https://siris.skolverket.se/siris``):

1. ``reports/sossok_api/lasar/?pVerkform=Gymnasieskola&pOmrade=Efter gymnasieskolan&pStatomr=..`` lists
   the published years; a year a run asks for that is not listed fails the batch (not yet published).
2. ``reports/sossok_api/dokument/?..&pLasar=<year>`` lists the year's files; every XLSX among them (the
   national tables) is fetched through the URL the listing gives (p_ids change every year) and kept
   in raw. The national tables are kept, not parsed: the county and municipality exports hold the
   same figures at the area's level.
3. ``reports/export_api/runexport/?pFormat=xls&pExportID=<id>&pAr=<year>&..`` gives the county and the
   municipality export (ids and token from configuration: reported by one public client only).

An export has one sheet per programme (names cut at 31 characters), title rows with
``Avgångsläsår: 2018/19``, a header row where column A is ``Län`` or ``Kommun``, and per place and owner
type the cohort's size and six shares (established / studying 1, 3 and 5 years after). Each row
becomes three records, one per years-after; ``.`` and ``..`` stay NULL with their reason. Cohort,
activity year and years-after are kept apart: the activity year is the cohort's graduation year plus
the years after. A workbook that lost a column, or whose header row moved out of reach, rejects the
batch (a renamed column is never guessed).

Configuration: include/reference/education_transitions.toml.
"""

from __future__ import annotations

import functools
import io
import re
import tomllib
from collections.abc import Iterator, Mapping
from datetime import date, datetime
from typing import Any
from urllib.parse import urljoin

from vagled.config import REFERENCE_DIR, STOCKHOLM, area_county_codes
from vagled.pipeline.feed import ParseFailure, SourceStructureError
from vagled.pipeline.period import Period, years_param

FEED = "education_transitions"
CONN_ID = "skolverket_statistics"
CONFIG_PATH = REFERENCE_DIR / "education_transitions.toml"
XLSX_MAGIC = b"PK\x03\x04"
# The header row is looked for in this many rows of a sheet: below it, it has moved too far to trust.
HEADER_SEARCH_ROWS = 30
YEARS_AFTER = (1, 3, 5)
OWNER_TYPES = {"samtliga": "samtliga", "kommunal": "kommunal", "enskild": "enskild", "region": "region"}

STAGED_COLUMNS = (
    "region_level",
    "region_code",
    "county_code",
    "municipality_code",
    "programme_sheet",
    "programme_code",
    "owner_type",
    "cohort",
    "cohort_year",
    "years_after",
    "activity_year",
    "graduates",
    "graduates_status",
    "share_established",
    "share_established_status",
    "share_studying",
    "share_studying_status",
)
NATURAL_KEY = ("cohort_year", "programme_code", "region_code", "owner_type", "years_after")

_COHORT = re.compile(r"Avgångsläsår:\s*(\d{4})/(\d{2})")
_SHARE = re.compile(r"^andel\b.*\b(etablerade|studerande)\b.*?\b([135])\s*år\b", re.IGNORECASE)


@functools.cache
def config() -> dict[str, Any]:
    with CONFIG_PATH.open("rb") as handle:
        return tomllib.load(handle)


# -- which years a run loads ----------------------------------------------------------------------
def statistics_years(period: Period | None, params: Mapping[str, Any]) -> list[int]:
    """The statistics years a run loads: param ``years``, else those published inside the period.

    Year Y is published in October of Y + 2, so the scheduled run of October 2026 loads 2024.

    Raises:
        ValueError: ``years`` is malformed, or neither ``years`` nor a period is given.
    """
    named = years_param(params.get("years"))
    if named is not None:
        return named
    if period is None:
        raise ValueError("a run needs a period or the param years")
    limits = config()["limits"]
    month, lag = int(limits["published_month"]), int(limits["publication_lag_years"])
    start, end = period.start.astimezone(STOCKHOLM), period.end.astimezone(STOCKHOLM)
    out = []
    for year in range(start.year - lag - 1, end.year - lag + 1):
        published = datetime(year + lag, month, 1, tzinfo=STOCKHOLM)
        if start <= published < end:
            out.append(year)
    return out


def needs_period(params: Mapping[str, Any]) -> bool:
    return params.get("years") in (None, "", [])


# -- landing --------------------------------------------------------------------------------------
@functools.cache
def rate_limiter():
    """One limiter per process, its budget shared with the other slots of the upstream's pool."""
    from vagled.feeds.scb_key_figures.parse import limiter
    from vagled.pools import per_task_calls

    limits = config()["limits"]
    return limiter(per_task_calls(CONN_ID, int(limits["calls"])), float(limits["per_seconds"]))


def _listing_params(extra: dict[str, str]) -> dict[str, str]:
    cfg = config()["listing"]
    return {"pVerkform": cfg["school_form"], "pOmrade": cfg["area"], **extra}


def listed_years(source) -> set[int]:
    """The years Skolverket's listing says are published for establishment after upper secondary.

    Raises:
        SourceStructureError: the listing is not a list of ``{"kod": ...}``.
    """
    import orjson

    cfg = config()["listing"]
    items = orjson.loads(
        source.fetch("reports/sossok_api/lasar/", params=_listing_params({"pStatomr": cfg["area"]})).body
    )
    if not isinstance(items, list) or not all(isinstance(i, dict) and "kod" in i for i in items):
        raise SourceStructureError(f"Skolverket's year listing is not a list of {{kod, namn}}: {str(items)[:200]}")
    return {int(i["kod"]) for i in items if str(i["kod"]).isdigit()}


def document_path(base_url: str, url: str) -> str:
    """The path below the connection of a document URL from the listing (``//host/siris/..``).

    Raises:
        SourceStructureError: the URL points outside the connection's service.
    """
    absolute = urljoin(base_url + "/", url)
    if not absolute.startswith(base_url + "/"):
        raise SourceStructureError(f"Skolverket's listing points outside {base_url}: {url!r}")
    return absolute[len(base_url) + 1 :]


def export_params(export_id: str, year: int) -> dict[str, str]:
    cfg = config()["export"]
    params = {
        "pFormat": "xls",
        "pExportID": export_id,
        "pAr": str(year),
        "pLan": "",
        "pKommun": "",
        "pHmantyp": "",
        "pUttag": "null",
        "pFlikar": "1",
        "pVerkform": cfg["school_form_code"],
    }
    if cfg.get("token"):
        params["pToken"] = cfg["token"]
    return params


def land(conn, batch_id: int, period: Period | None, params: Mapping[str, Any]) -> dict[str, Any]:
    """Land, for every year of the run, the year's listing, its national workbooks and both exports.

    Raises:
        UpstreamError: a year is not listed, a listed file is missing, or an answer is not a workbook.
    """
    import orjson

    from vagled.pipeline.load import land_payload
    from vagled.sources.http import HttpSource, UpstreamError

    years = statistics_years(period, params)
    if not years:
        raise UpstreamError(f"no statistics year is published in {period}: nothing to load")
    source = HttpSource(CONN_ID, rate_limiter=rate_limiter(), backoff=1.0)
    listed = listed_years(source)
    missing = [y for y in years if y not in listed]
    if missing:
        raise UpstreamError(
            f"{', '.join(map(str, missing))} not in Skolverket's listing of '{config()['listing']['area']}' "
            f"(listed: {', '.join(map(str, sorted(listed))) or 'none'}): not published yet"
        )
    cfg = config()
    parts = 0

    def keep(response, request_params: dict[str, Any]) -> None:
        nonlocal parts
        land_payload(
            conn,
            batch_id,
            FEED,
            parts,
            source_url=response.url,
            body=response.body,
            content_type=response.content_type,
            request_params=request_params,
        )
        parts += 1

    def fetch_workbook(path: str, query: dict[str, str] | None, what: str):
        try:
            response = source.fetch(path, params=query, expect="zip")
        except UpstreamError as exc:
            raise UpstreamError(f"{what} is listed but could not be fetched: {exc}") from exc
        return response

    for year in years:
        listing = source.fetch("reports/sossok_api/dokument/", params=_listing_params({"pLasar": str(year)}))
        keep(listing, {"year": year, "kind": "listing"})
        documents = orjson.loads(listing.body)
        wanted = [d for d in documents if isinstance(d, dict) and d.get("filetype") in cfg["listing"]["filetypes"]]
        if not wanted:
            raise UpstreamError(f"Skolverket lists {year} but its listing holds no {cfg['listing']['filetypes']} file")
        for document in wanted:
            path = document_path(source.base_url, str(document.get("url", "")))
            what = f"{year} {document.get('tabell_nr') or ''} ({document.get('rubrik')})"
            keep(
                fetch_workbook(path, None, what), {"year": year, "kind": "national", "table": document.get("tabell_nr")}
            )
        for level in ("county", "municipality"):
            export_id = cfg["export"][f"{level}_export_id"]
            response = fetch_workbook(
                "reports/export_api/runexport/", export_params(export_id, year), f"export {export_id} for {year}"
            )
            keep(response, {"year": year, "kind": "export", "level": level, "export_id": export_id})
    return {"parts": parts, "years": years}


# -- parsing --------------------------------------------------------------------------------------
@functools.cache
def programme_names() -> dict[str, str]:
    """Normalised sheet name (programme name, alias or code) -> programme code."""
    from vagled.warehouse.reference import upper_secondary_programmes

    out: dict[str, str] = {}
    for row in upper_secondary_programmes():
        for name in (row["programme_name"], row["programme_code"], *row["sheet_aliases"]):
            out[_norm(str(name))] = str(row["programme_code"])
    return out


def _norm(text: str) -> str:
    return " ".join(text.replace("\u2013", "-").split()).casefold()


def programme_code(sheet: str) -> str | None:
    """The programme a sheet is about: by name, alias or code; a name cut at 31 characters by its prefix."""
    names = programme_names()
    key = _norm(sheet)
    if key in names:
        return names[key]
    if len(sheet) >= 31:
        hits = {code for name, code in names.items() if name.startswith(key)}
        if len(hits) == 1:
            return hits.pop()
    return None


def cell_value(value: Any, *, whole: bool) -> tuple[float | int | None, str | None]:
    """A cell as (value, None) or (None, reason) for a marker; ``45,3`` and ``45.3`` read alike.

    Raises:
        ValueError: neither a number nor a known marker.
    """
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a number")
    if isinstance(value, int | float):
        number = value
    else:
        text = "" if value is None else str(value).strip()
        markers = config()["values"]["markers"]
        if text in markers:
            return None, markers[text]
        if text == "":
            raise ValueError("empty cell")
        try:
            number = float(text.replace("\u00a0", "").replace(" ", "").replace(",", "."))
        except ValueError:
            raise ValueError(f"{text!r} is neither a number nor a known marker") from None
    if whole:
        if number != int(number):
            raise ValueError(f"{value!r} is not a whole number")
        return int(number), None
    return round(float(number), 1), None


class Layout:
    """Where the columns of one export sheet are, read from its header row."""

    def __init__(self, header: list[Any], sheet: str) -> None:
        names = [("" if h is None else " ".join(str(h).split())) for h in header]
        self.level = "county" if names[0] == "Län" else "municipality"
        self.shares: dict[tuple[str, int], int] = {}
        for index, name in enumerate(names):
            match = _SHARE.match(name)
            if match:
                self.shares[(match.group(1).lower(), int(match.group(2)))] = index
        wanted = {(kind, years) for kind in ("etablerade", "studerande") for years in YEARS_AFTER}
        missing_shares = sorted(wanted - set(self.shares))
        required = ["Läns-kod", "Typ av huvudman", "Antal"] + (["Kommun-kod"] if self.level == "municipality" else [])
        missing = [r for r in required if r not in names]
        if missing or missing_shares:
            lost = missing + [f"Andel {kind} {years} år efter examen" for kind, years in missing_shares]
            raise SourceStructureError(
                f"sheet {sheet!r}: the export's columns changed, {', '.join(lost)} not found "
                f"(header: {' | '.join(n for n in names if n)})"
            )
        self.county = names.index("Läns-kod")
        self.county_name = names.index("Län")
        self.municipality = names.index("Kommun-kod") if self.level == "municipality" else None
        self.owner = names.index("Typ av huvudman")
        self.count = names.index("Antal")
        self.width = len(names)


def _code(value: Any, digits: int) -> str | None:
    if value is None:
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return f"{int(value):0{digits}d}"
    text = str(value).strip()
    return (text.zfill(digits) if text.isdigit() and len(text) == digits - 1 else text) or None


def parse(body: bytes, content_type: str) -> Iterator[dict[str, Any] | ParseFailure]:
    """Read one landed payload: an export yields three records per row; a listing or national table none.

    Raises:
        SourceStructureError: a workbook without a recognisable export header, or with lost columns.
    """
    if not body.startswith(XLSX_MAGIC):
        return  # the year's listing (JSON), kept as evidence only
    from openpyxl import load_workbook

    # read-only: rows are streamed from the sheet XML, never the whole workbook held as cells
    workbook = load_workbook(io.BytesIO(body), read_only=True, data_only=True)
    try:
        yield from _parse_workbook(workbook)
    finally:
        workbook.close()


def _parse_workbook(workbook) -> Iterator[dict[str, Any] | ParseFailure]:
    sheets = [ws for ws in workbook.worksheets if "beskrivning" not in ws.title.casefold()]
    if sheets:
        first = next(sheets[0].iter_rows(min_row=1, max_row=1, values_only=True), (None,))
        if str(first[0] or "").startswith("Tabell "):
            return  # a national table: kept in raw, its figures are not the area's
    found_any, rows_seen = False, 0
    for sheet in sheets:
        rows = sheet.iter_rows(values_only=True)
        cohort: tuple[str, int] | None = None
        layout: Layout | None = None
        for line_no, row in enumerate(rows, start=1):
            first = row[0] if row else None
            if layout is None:
                text = "" if first is None else str(first)
                match = _COHORT.search(text)
                if match:
                    start = int(match.group(1))
                    cohort = (f"{match.group(1)}/{match.group(2)}", start + 1)
                if text.strip() in ("Län", "Kommun"):
                    layout = Layout(list(row), sheet.title)
                    found_any = True
                    if cohort is None:
                        raise SourceStructureError(
                            f"sheet {sheet.title!r}: no 'Avgångsläsår: YYYY/YY' above the header"
                        )
                elif line_no >= HEADER_SEARCH_ROWS:
                    break
                continue
            if all(v is None or str(v).strip() == "" for v in row):
                continue
            rows_seen += 1
            yield from _records(sheet.title, line_no, list(row), layout, cohort)
        if layout is None:
            raise SourceStructureError(
                f"sheet {sheet.title!r}: no header row whose column A is 'Län' or 'Kommun' in its first "
                f"{HEADER_SEARCH_ROWS} rows"
            )
    if not found_any:
        raise SourceStructureError("the workbook has no export sheet")
    if not rows_seen:
        # Skolverket answers an unpublished year with an empty export; a listed year must have rows
        raise SourceStructureError("the export holds no rows although its year is listed as published")


def _records(
    sheet: str, line_no: int, row: list[Any], layout: Layout, cohort: tuple[str, int]
) -> Iterator[dict[str, Any] | ParseFailure]:
    row = row + [None] * (layout.width - len(row))
    where = f"sheet {sheet!r} row {line_no}"
    excerpt = " | ".join("" if v is None else str(v) for v in row)[:300]
    programme = programme_code(sheet)
    if programme is None:
        yield ParseFailure(f"{where}: sheet {sheet!r} is no known programme", excerpt, check="known_programme")
        return
    county = _code(row[layout.county], 2)
    if county is None and str(row[layout.county_name] or "").strip() == "Riket":
        county = "00"  # the national row: outside every county
    municipality = _code(row[layout.municipality], 4) if layout.municipality is not None else None
    owner_text = str(row[layout.owner] or "").strip()
    owner = OWNER_TYPES.get(owner_text.casefold(), owner_text.casefold() or None)
    try:
        graduates, graduates_status = cell_value(row[layout.count], whole=True)
        shares = {key: cell_value(row[index], whole=False) for key, index in layout.shares.items()}
    except ValueError as exc:
        yield ParseFailure(f"{where}: {exc}", excerpt)
        return
    label, cohort_year = cohort
    for years in YEARS_AFTER:
        established, established_status = shares[("etablerade", years)]
        studying, studying_status = shares[("studerande", years)]
        yield {
            "region_level": layout.level,
            "region_code": municipality if layout.level == "municipality" else county,
            "county_code": county,
            "municipality_code": municipality,
            "programme_sheet": sheet,
            "programme_code": programme,
            "owner_type": owner,
            "cohort": label,
            "cohort_year": cohort_year,
            "years_after": years,
            "activity_year": cohort_year + years,
            "graduates": graduates,
            "graduates_status": graduates_status,
            "share_established": established,
            "share_established_status": established_status,
            "share_studying": studying,
            "share_studying_status": studying_status,
        }


# -- what the suite and the area filter need --------------------------------------------------------
@functools.cache
def known_county_codes() -> frozenset[str]:
    from vagled.warehouse.reference import read_reference

    return frozenset(row["county_code"] for row in read_reference("counties"))


def in_area(record: Mapping[str, Any]) -> bool:
    """Out of the area: the national row and rows of a known county outside it. An unknown or
    missing code stays in, so that the suite quarantines it instead of it vanishing."""
    county = record.get("county_code")
    if county == "00":
        return False
    return county not in known_county_codes() or county in area_county_codes()


def suite_parameters(conn) -> dict[str, Any]:
    from vagled.feeds.kolada_key_figures.parse import area_municipality_codes

    programmes = [r[0] for r in conn.execute("select programme_code from core.upper_secondary_programme")]
    return {
        "region_codes": [*area_county_codes(), *area_municipality_codes(conn)],
        "programme_codes": programmes,
    }


def published_on(year: int) -> date:
    """The day Skolverket publishes statistics year ``year`` (the 1st of the configured month)."""
    limits = config()["limits"]
    return date(year + int(limits["publication_lag_years"]), int(limits["published_month"]), 1)
