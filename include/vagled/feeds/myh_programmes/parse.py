"""YH programmes from MYH's "Resultat ansökningsomgång" workbooks: SUN field, level and granted places.

One xlsx per application round (connection ``myh_results``; the workbook paths per round are
configuration: include/reference/myh_rounds.toml). Sheets Innehållsförteckning, Definitioner,
Tabell 1-4; the header row is found by its ``Diarienummer`` cell (row 6 in MYH's files, never
assumed) and columns by their header text. Tabell 3 has one row per application: Utbildningsområde,
``SUN5 inriktning`` (a SUN 2020 field code plus MYH's letter: ``481ab`` -> ``481a``), Utbildningsnamn,
Beslut (Beviljad / Avslag), Diarienummer, Län, Kommun (a name, or ``Flera kommuner``: then Tabell 4
lists them), YH-poäng, Studieform (Bunden / Distans), Studietakt %, Utbildningsanordnare
administrativ enhet, ..., Beviljade utbildningsomgångar, Beviljade platser totalt.

A granted application is one planned programme: one record, with its places once (for the whole
application, never multiplied per municipality) and the codes of every municipality it is given
in. Rejected applications and programmes given nowhere in the area are counted as out of area, not
loaded. A municipality name that maps to no code is kept in ``unmapped_municipalities`` and the
record is quarantined with it. The round's first intakes start the year after the round
("ansökningsår 2024 med beslutsår 2025"): the start date is 1 January of that year (a year, not a
day). The SUN level follows from the length: YH-poäng / 200 = years at full pace; two years or more
is level 5, shorter level 4 (SUN 2020's levels of post-secondary education).
"""

from __future__ import annotations

import functools
import io
import re
import tomllib
from collections.abc import Iterator, Mapping
from datetime import date
from typing import Any

from vagled.config import REFERENCE_DIR, area_county_codes
from vagled.pipeline.feed import ParseFailure, SourceStructureError
from vagled.pipeline.period import Period
from vagled.privacy import mask_identity_numbers

FEED = "myh_programmes"
CONN_ID = "myh_results"
CONFIG_PATH = REFERENCE_DIR / "myh_rounds.toml"
GRANTED = "beviljad"
SEVERAL = "flera kommuner"
HEADER_SEARCH_ROWS = 30
# header cell (case-folded) -> field: an exact header first, else one that starts with it and a space
COLUMNS = {
    "diarienummer": "dnr",
    "utbildningsnamn": "name",
    "utbildningsanordnare": "provider",
    "utbildningsområde": "area",
    "sun5 inriktning": "sun",
    "län": "county",
    "kommun": "municipality",
    "beslut": "decision",
    "beviljade platser totalt": "places",
    "beviljade utbildningsomgångar": "rounds",
    "studietakt": "pace",
    "studieform": "form",
    "yh-poäng": "credits",
}
# YH-poäng per year of full-time study; SUN 2020 level 5 is post-secondary education of two years or more
CREDITS_PER_YEAR = 200
REQUIRED = ("dnr", "name", "provider", "sun", "municipality", "decision", "places")
_ROUND = re.compile(r"(?:ansökningsår|ansökningsomgång)\s+(\d{4})", re.IGNORECASE)


@functools.cache
def rounds() -> list[dict[str, Any]]:
    """The configured application rounds: [{"year", "path"}]."""
    with CONFIG_PATH.open("rb") as handle:
        return list(tomllib.load(handle)["round"])


@functools.cache
def municipality_codes_by_name() -> dict[str, str]:
    """Municipality name (case-folded, single spaces) -> code, from the reference list."""
    from vagled.warehouse.reference import read_reference

    return {_fold(r["municipality_name"]): r["municipality_code"] for r in read_reference("municipalities")}


def _fold(name: str) -> str:
    return " ".join(str(name).split()).casefold()


def sun_field(value: Any) -> str | None:
    """``SUN5 inriktning`` reduced to the SUN 2020 field: ``481ac`` -> ``481a`` (lower case)."""
    if value is None or str(value).strip() == "":
        return None
    code = str(value).strip().lower()
    return code[:4] if len(code) >= 4 else code


def _places(value: Any) -> int | None:
    if value is None or str(value).strip() in ("", "-"):
        return None
    number = float(str(value).replace(" ", "").replace("\u00a0", "").replace(",", "."))
    if not number.is_integer():
        raise ValueError(f"places {value!r} is not a whole number")
    return int(number)


def _pace(value: Any) -> int | None:
    if value is None or str(value).strip() == "":
        return None
    return round(float(str(value).strip().rstrip("%").replace(",", ".")))


def _distance(value: Any) -> bool | None:
    """Studieform: Distans (at a distance) or Bunden (on site)."""
    if value is None or str(value).strip() == "":
        return None
    folded = str(value).strip().casefold()
    if folded == "distans":
        return True
    if folded == "bunden":
        return False
    raise ValueError(f"studieform {value!r} is neither Distans nor Bunden")


def _header(rows: list[tuple]) -> tuple[int, dict[str, int]]:
    """The header row (0-based) and field -> column, found by the Diarienummer cell.

    Raises:
        SourceStructureError: no header row in the first rows.
    """
    for at, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        cells = [_fold(c) if c is not None else "" for c in row]
        if "diarienummer" not in cells:
            continue
        fields: dict[str, int] = {}
        for exact in (True, False):
            for column, cell in enumerate(cells):
                for start, field in COLUMNS.items():
                    if field not in fields and (cell == start if exact else cell.startswith(start + " ")):
                        fields[field] = column
                        break
        return at, fields
    raise SourceStructureError(f"no header row with 'Diarienummer' in the first {HEADER_SEARCH_ROWS} rows")


def sun_level(credits: Any) -> str | None:
    """The SUN 2020 level of a YH programme from its length: YH-poäng / 200 = years at full pace."""
    if credits is None or str(credits).strip() == "":
        return None
    years = float(str(credits).replace(",", ".")) / CREDITS_PER_YEAR
    return "5" if years >= 2 else "4"


def _sheet(workbook, number: int):
    for name in workbook.sheetnames:
        if _fold(name).startswith(f"tabell {number}"):
            return workbook[name]
    return None


def _round_year(workbook, rows: list[tuple]) -> int:
    """The round's year from the titles above the header (or the table of contents)."""
    texts = [str(c) for row in rows[:HEADER_SEARCH_ROWS] for c in row if c is not None]
    contents = _sheet_named(workbook, "innehållsförteckning")
    if contents is not None:
        texts += [str(c) for row in contents.iter_rows(max_row=HEADER_SEARCH_ROWS, values_only=True) for c in row if c]
    for value in texts:
        match = _ROUND.search(value)
        if match:
            return int(match.group(1))
    raise SourceStructureError("the workbook names no 'ansökningsomgång YYYY' above its tables")


def _sheet_named(workbook, name: str):
    return next((workbook[n] for n in workbook.sheetnames if _fold(n) == name), None)


def _several(workbook) -> dict[str, list[str]]:
    """Tabell 4: diarienummer -> the municipality names of a programme given in several."""
    sheet = _sheet(workbook, 4)
    if sheet is None:
        return {}
    rows = list(sheet.iter_rows(values_only=True))
    at, fields = _header(rows)
    if "municipality" not in fields:
        raise SourceStructureError("Tabell 4 has no Kommun column")
    out: dict[str, list[str]] = {}
    for row in rows[at + 1 :]:
        dnr, name = row[fields["dnr"]], row[fields["municipality"]]
        if dnr is not None and name is not None and str(name).strip():
            out.setdefault(str(dnr).strip(), []).append(" ".join(str(name).split()))
    return out


def offering_id(dnr: str) -> str:
    """The offering id of an application: ``myh:`` and its diarienummer with other signs as ``-``."""
    return "myh:" + re.sub(r"[^0-9A-Za-z_.:-]+", "-", dnr.strip())


def parse_workbook(body: bytes, content_type: str) -> Iterator[dict[str, Any] | ParseFailure]:
    """One record per application of Tabell 3 (the rejected ones too: in_area leaves them out).

    Raises:
        SourceStructureError: no Tabell 3, no header row, a required column or the round is missing.
    """
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(body), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a file that is no workbook
        yield ParseFailure(f"the workbook cannot be read: {type(exc).__name__}: {exc}", body[:200].hex())
        return
    try:
        sheet = _sheet(workbook, 3)
        if sheet is None:
            raise SourceStructureError(f"no sheet 'Tabell 3' (sheets: {workbook.sheetnames})")
        rows = list(sheet.iter_rows(values_only=True))
        at, fields = _header(rows)
        absent = [f for f in REQUIRED if f not in fields]
        if absent:
            raise SourceStructureError(f"Tabell 3 has no column(s) for {absent} (header: {rows[at]})")
        year = _round_year(workbook, rows)
        several = _several(workbook)
        by_name = municipality_codes_by_name()
        for number, row in enumerate(rows[at + 1 :], start=at + 2):
            if not any(c is not None and str(c).strip() for c in row):
                continue
            try:
                yield _record(row, fields, year, several, by_name)
            except (ValueError, TypeError, IndexError) as exc:
                yield ParseFailure(f"Tabell 3 row {number}: {exc}", str(row)[:500])
    finally:
        workbook.close()


def _record(
    row: tuple, fields: dict[str, int], year: int, several: Mapping[str, list[str]], by_name: Mapping[str, str]
) -> dict[str, Any]:
    def cell(field: str) -> Any:
        return row[fields[field]] if field in fields and fields[field] < len(row) else None

    dnr = str(cell("dnr") or "").strip()
    if not dnr:
        raise ValueError("no diarienummer")
    named = " ".join(str(cell("municipality") or "").split())
    names = several.get(dnr, []) if _fold(named) == SEVERAL else ([named] if named else [])
    codes = sorted({by_name[_fold(n)] for n in names if _fold(n) in by_name})
    unmapped = [n for n in names if _fold(n) not in by_name]
    if not names:
        unmapped = [named or "(none)"]
    area = set(area_county_codes())
    in_area = [c for c in codes if c[:2] in area]
    name, pnr = mask_identity_numbers(str(cell("name") or "").strip() or None)
    return {
        "offering_id": offering_id(dnr),
        "offering_code": dnr,
        "offering_name": name,
        "provider_name": " ".join(str(cell("provider") or "").split()) or None,
        "provider_org_number": None,
        "provider_type": "yrkeshogskola",
        "sun_field_code": sun_field(cell("sun")),
        "education_level": sun_level(cell("credits")),
        "municipality_code": (in_area or codes or [None])[0],
        "start_date": date(year + 1, 1, 1),
        "end_date": None,
        "pace_percent": _pace(cell("pace")),
        "is_distance": _distance(cell("form")),
        "places": _places(cell("places")),
        "language": None,
        "source_updated": None,
        "url": None,
        "personal_number_found": pnr,
        "source": "myh",
        "start_semester": None,
        "application_deadline": None,
        "type_of_school": "yh",
        "municipality_codes": ",".join(codes) or None,
        "unmapped_municipalities": "; ".join(unmapped) or None,
        # not staged: read by in_area
        "decision": _fold(cell("decision") or ""),
        "in_area": bool(in_area),
    }


def in_scope(record: Mapping[str, Any]) -> bool:
    """A granted application given in the area, or one whose municipality could not be read (quarantined)."""
    if record.get("decision") != GRANTED:
        return False
    return bool(record.get("in_area")) or bool(record.get("unmapped_municipalities"))


def land(conn, batch_id: int, period: Period | None, params: Mapping[str, Any]) -> dict[str, Any]:
    """Land the workbook of every configured round."""
    from vagled.pipeline.load import land_payload
    from vagled.sources.http import HttpSource

    source = HttpSource(CONN_ID)
    for part, item in enumerate(rounds()):
        # a workbook cut short (no ZIP directory) is retried, never parsed as a broken file
        response = source.fetch(item["path"], expect="zip")
        land_payload(
            conn,
            batch_id,
            FEED,
            part,
            source_url=response.url,
            body=response.body,
            content_type=response.content_type,
            request_params={"round": item["year"], "path": item["path"]},
        )
    return {"parts": len(rounds()), "rounds": [r["year"] for r in rounds()]}
