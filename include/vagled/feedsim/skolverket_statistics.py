"""Skolverket's statistics service on siris.skolverket.se (``skolverket_statistics``).

The connection's base is ``https://siris.skolverket.se/siris``; below it:

- ``GET /reports/sossok_api/omrade/?pVerkform=Gymnasieskola&pHmantyp=00`` -> the areas of a school
  form, ``[{"kod": "Efter gymnasieskolan", "namn": "Efter gymnasieskolan"}, ...]``;
- ``GET /reports/sossok_api/lasar/?pVerkform=..&pOmrade=..&pStatomr=..`` -> the published years,
  ``[{"kod": "2024", "namn": "2024"}, ...]``, newest first;
- ``GET /reports/sossok_api/dokument/?pVerkform=..&pOmrade=..&pLasar=2024`` -> the files of a year,
  ``[{"url": "//<host>/siris/sitevision_doc.getFile?p_id=..", "titel", "typ", "filetype", "tabell_nr",
  "rubrik"}]``; the p_ids change every year;
- ``GET /sitevision_doc.getFile?p_id=N`` -> one national workbook (or the PDF memo);
- ``GET /reports/export_api/runexport/?pFormat=xls&pExportID=186|184&pAr=YYYY&...&pVerkform=21`` -> the
  county (186) or municipality (184) export: one sheet per programme (names cut at Excel's 31
  characters), title rows, ``Avgångsläsår: 2018/19`` on row 5, the header row where column A is
  ``Län`` or ``Kommun``, ``.`` for a missing value and ``..`` for a group too small to show, and a
  closing description sheet. A year not published answers with the same workbook without rows.

Statistics year Y (published in October Y+2) holds the cohort that graduated in spring Y-5, with its
status 1, 3 and 5 years after the diploma. Skolverket's servers allow about 10 calls per 10 s per
client and answer a burst with a bare 429 (no Retry-After, no body).

Faults: ``listed_file_missing`` (the listing lists the next year, whose files are missing),
``bare_429``, ``schema_drift`` (an export's share column renamed), ``bad_codes``, ``missing_fields``,
``duplicates``, ``empty_page`` (exports with no rows).
"""

from __future__ import annotations

import functools
import io
from datetime import date

from vagled.feedsim.common import HttpError, Picker, Request, Response, dumps, reference, rng, stable_int

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FIRST_YEAR = 2016
AREA = "Efter gymnasieskolan"
AREAS = ("Elever", "Betyg och examen", "Genomströmning", AREA, "Personal")
COUNTY_EXPORT, MUNICIPALITY_EXPORT = "186", "184"
OWNERS = ("Samtliga", "Kommunal", "Enskild")
# The programme sheets as Skolverket names them; (name, base share established 1 year after, base studying).
PROGRAMMES: tuple[tuple[str, float, float], ...] = (
    ("Samtliga nationella program", 38.0, 30.0),
    ("Yrkesprogram", 58.0, 8.0),
    ("Högskoleförberedande program", 20.0, 50.0),
    ("Barn- och fritidsprogrammet", 50.0, 14.0),
    ("Bygg- och anläggningsprogrammet", 72.0, 4.0),
    ("El- och energiprogrammet", 70.0, 6.0),
    ("Fordons- och transportprogrammet", 66.0, 4.0),
    ("Handels- och administrationsprogrammet", 52.0, 9.0),
    ("Hantverksprogrammet", 44.0, 10.0),
    ("Hotell- och turismprogrammet", 48.0, 9.0),
    ("Industritekniska programmet", 71.0, 5.0),
    ("Naturbruksprogrammet", 55.0, 8.0),
    ("Restaurang- och livsmedelsprogrammet", 56.0, 6.0),
    ("VVS- och fastighetsprogrammet", 74.0, 4.0),
    ("Vård- och omsorgsprogrammet", 64.0, 12.0),
    ("Ekonomiprogrammet", 28.0, 44.0),
    ("Estetiska programmet", 24.0, 36.0),
    ("Humanistiska programmet", 18.0, 50.0),
    ("Naturvetenskapsprogrammet", 10.0, 68.0),
    ("Samhällsvetenskapsprogrammet", 22.0, 48.0),
    ("Teknikprogrammet", 20.0, 56.0),
)
SHARE_HEADERS = tuple(
    f"Andel {kind} {years} år efter examen" for years in (1, 3, 5) for kind in ("etablerade", "studerande")
)
DRIFTED_HEADER = "Andel i arbete 1 år efter examen"


def published_years(today: date) -> list[int]:
    """Statistics years published by ``today`` (year Y on 1 October of Y+2), newest first."""
    last = today.year - 2 if today >= date(today.year, 10, 1) else today.year - 3
    return list(range(last, FIRST_YEAR - 1, -1))


def sheet_name(programme: str) -> str:
    return programme[:31]  # Excel allows no longer sheet names


def cohort_of(year: int) -> str:
    return f"{year - 6}/{(year - 5) % 100:02d}"


def _p_id(year: int, table: str) -> int:
    return 540_000 + stable_int("siris-doc", year, table) % 20_000


@functools.cache
def _documents(year: int) -> tuple[dict[str, str], ...]:
    titles = (
        ("Tabell 1A", "Etableringsstatus 1 år efter examen per program", "XLSX"),
        ("Tabell 2A", "Etableringsstatus 3 år efter examen per program", "XLSX"),
        ("Tabell 3A", "Etableringsstatus 5 år efter examen per program", "XLSX"),
        ("", "PM Etablering på arbetsmarknaden efter gymnasieskolan", "PDF"),
    )
    return tuple(
        {"p_id": str(_p_id(year, number or title)), "tabell_nr": number, "rubrik": title, "filetype": kind}
        for number, title, kind in titles
    )


def _limited(req: Request) -> bool:
    """Whether this request breaks Skolverket's burst limit (about 10 calls per 10 s per client)."""
    from vagled.feedsim.scb import RateLimiter

    limiter = req.state.get("skolverket_limiter")
    if limiter is None:
        limit, window = req.state.get("skolverket_rate", (10, 10.0))
        limiter = req.state.setdefault("skolverket_limiter", RateLimiter(limit, window))
    return not limiter.allow(req.client_ip)


def _value(r, base: float) -> float:
    return round(min(99.0, max(0.5, base + r.uniform(-9.0, 9.0))), 1)


def _rows(req: Request, year: int, programme: tuple[str, float, float], level: str) -> list[list[object]]:
    ref = reference()
    name, established, studying = programme
    rows: list[list[object]] = []
    if level == "county":
        places = [("Riket", "", "", "")] + [(n, c, "", "") for c, n in sorted(ref.counties.items())]
    else:
        places = [(ref.counties[m.county_code], m.county_code, m.name, m.code) for m in ref.municipalities]
    bad, missing, dup = Picker(req, "bad_codes"), Picker(req, "missing_fields"), Picker(req, "duplicates")
    trend = (year - 2020) * 0.6
    for county_name, county_code, municipality_name, municipality_code in places:
        code = municipality_code or county_code or "00"
        for owner in OWNERS:
            r = rng(req.sim.seed, "siris", year, name, code, owner)
            scale = 40 if level == "municipality" else 400
            if owner == "Enskild" and r.random() < (0.5 if level == "municipality" else 0.1):
                continue  # no independent school of this programme there
            # skewed: a few small groups in small municipalities, below what Skolverket shows
            count = max(0, int(scale * (0.1 + 1.2 * r.random() ** 2) * (3 if owner == "Samtliga" else 1)))
            shares: list[object] = []
            for years_after in (1, 3, 5):
                lift = {1: 0.0, 3: 9.0, 5: 14.0}[years_after]
                for base in (established + lift + trend, studying - lift / 2):
                    shares.append(_value(r, base))
            if count < 10:
                shares = [".."] * 6  # too few to show
                count_cell: object = count if count else ".."
            else:
                count_cell = count
                if r.random() < 0.04:
                    shares[4:6] = [".", "."]  # no follow-up five years on for this group
            key = (year, name, code, owner)
            if level == "county":
                row: list[object] = [county_name, county_code, owner, count_cell, *shares]
            else:
                row = [municipality_name, municipality_code, county_name, county_code, owner, count_cell, *shares]
            if bad(key):
                row[1] = "9999" if level == "municipality" else "99"
            if missing(key):
                row[1] = None
            rows.append(row)
            if dup(key):
                rows.append(list(row))
    return rows


def export_workbook(req: Request, year: int, level: str, *, with_rows: bool) -> bytes:
    from openpyxl import Workbook  # heavy: only when a workbook is asked for

    workbook = Workbook(write_only=True)
    drift = req.fault("schema_drift")
    renamed = req.fault("renamed_column")  # the county code's column under another name
    for programme in PROGRAMMES:
        sheet = workbook.create_sheet(sheet_name(programme[0]))
        title = "län" if level == "county" else "kommun"
        sheet.append(["Etablering på arbetsmarknaden och fortsatta studier efter gymnasieskolan"])
        sheet.append([f"Gymnasieskola, per {title}"])
        sheet.append([f"Program: {programme[0]}"])
        sheet.append([])
        sheet.append([f"Avgångsläsår: {cohort_of(year)}"])
        sheet.append([])
        shares = [DRIFTED_HEADER if drift and h == SHARE_HEADERS[0] else h for h in SHARE_HEADERS]
        county_code = "Länskod" if renamed else "Läns-kod"
        if level == "county":
            sheet.append(["Län", county_code, "Typ av huvudman", "Antal", *shares])
        else:
            sheet.append(["Kommun", "Kommun-kod", "Län", county_code, "Typ av huvudman", "Antal", *shares])
        if with_rows:
            for row in _rows(req, year, programme, level):
                sheet.append(row)
    notes = workbook.create_sheet("Variabelbeskrivning")
    for line in (
        "Etablerad: förvärvsarbetande med en inkomst över en viss nivå.",
        ". = Uppgift saknas",
        ".. = Uppgiften är för få elever för att redovisas",
    ):
        notes.append([line])
    return _save(workbook)


def national_workbook(year: int, document: dict[str, str]) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(document["tabell_nr"])
    sheet.append([f"{document['tabell_nr']}: {document['rubrik']}, avgångsläsår {cohort_of(year)}"])
    sheet.append([f"Etableringsstatus {year}"])
    sheet.append([])
    sheet.append(
        [
            "Program",
            "Antal",
            "Etablerade",
            "Osäker etablering",
            "Svag ställning",
            "Studerande",
            "Arbetslös eller i åtgärd",
            "Utanför",
        ]
    )
    for name, established, studying in PROGRAMMES:
        r = rng("siris-national", year, name, document["tabell_nr"])
        rest = 100.0 - established - studying
        sheet.append(
            [
                name,
                5000 + int(r.random() * 20000),
                established,
                round(rest * 0.3, 1),
                round(rest * 0.25, 1),
                studying,
                round(rest * 0.2, 1),
                round(rest * 0.25, 1),
            ]
        )
    return _save(workbook)


def _save(workbook) -> bytes:
    from vagled.feedsim.municipal_files import _normalise_zip

    raw = io.BytesIO()
    workbook.save(raw)
    return _normalise_zip(raw.getvalue())


def _years(req: Request) -> list[int]:
    years = published_years(req.sim.today)
    if req.fault("listed_file_missing"):
        years = [years[0] + 1, *years]  # listed before its files were put up
    return years


def handle(req: Request) -> Response:
    """Route a skolverket_statistics request."""
    if _limited(req):
        return Response(status=429, content_type="text/plain", body=b"")  # bare: no Retry-After, no body
    path = req.path.rstrip("/")
    published = published_years(req.sim.today)
    if path == "/reports/sossok_api/omrade":
        if req.q("pVerkform") != "Gymnasieskola":
            return Response(body=dumps([]))
        return Response(body=dumps([{"kod": a, "namn": a} for a in AREAS]))
    if path == "/reports/sossok_api/lasar":
        if req.q("pVerkform") != "Gymnasieskola" or req.q("pOmrade") != AREA:
            return Response(body=dumps([]))
        return Response(body=dumps([{"kod": str(y), "namn": str(y)} for y in _years(req)]))
    if path == "/reports/sossok_api/dokument":
        year = req.qint("pLasar", 0)
        if req.q("pOmrade") != AREA or year not in _years(req):
            return Response(body=dumps([]))
        listing = [
            {
                "url": f"//{req.host}/{req.conn_id}/sitevision_doc.getFile?p_id={d['p_id']}",
                "titel": f"{d['tabell_nr'] or 'PM'} {d['rubrik']} {year}",
                "typ": "Tabell" if d["tabell_nr"] else "PM",
                "filetype": d["filetype"],
                "tabell_nr": d["tabell_nr"],
                "rubrik": d["rubrik"],
            }
            for d in _documents(year)
        ]
        return Response(body=dumps(listing))
    if path == "/sitevision_doc.getFile":
        p_id = req.q("p_id") or ""
        for year in published:
            for document in _documents(year):
                if document["p_id"] == p_id:
                    if document["filetype"] == "PDF":
                        return Response(content_type="application/pdf", body=b"%PDF-1.4\n% PM\n%%EOF\n")
                    return Response(content_type=XLSX_TYPE, body=national_workbook(year, document))
        raise HttpError(404, "Dokumentet finns inte", content_type="text/html; charset=utf-8")
    if path == "/reports/export_api/runexport":
        export_id, year = req.q("pExportID"), req.qint("pAr", 0)
        if export_id not in (COUNTY_EXPORT, MUNICIPALITY_EXPORT) or req.q("pVerkform") != "21":
            raise HttpError(400, f"Okänd export {export_id}", content_type="text/html; charset=utf-8")
        level = "county" if export_id == COUNTY_EXPORT else "municipality"
        # an unpublished year is no error here: the workbook simply has no rows
        with_rows = year in published and not req.fault("empty_page")
        return Response(
            content_type=XLSX_TYPE,
            body=export_workbook(req, year, level, with_rows=with_rows),
            headers=[("Content-Disposition", f'attachment; filename="export_{export_id}_{year}.xlsx"')],
        )
    raise HttpError(404, f"no such path: {req.path}")
