"""Municipalities' own monthly files (``municipal_files``), as they really arrive: each its own way.

``GET /`` lists the municipalities, ``GET /{code}/`` lists a municipality's files, and
``GET /{code}/{YYYY-MM}/komvux_kursdeltagare.csv|xlsx`` and ``.../arbetsmarknadsinsatser.csv|xlsx``
serve them. Each municipality has a fixed profile (not seed dependent): CSV or XLSX, semicolon or
comma, Windows-1252 or UTF-8 (with or without BOM), zero to two title rows before the header, and
its own spelling of every header ("Kommunkod", "Kommun kod", "KOMMUNKOD"...). Decimals use a comma.
A month's files arrive on the 5th of the next month; files exist from January 2023.
"""

from __future__ import annotations

import csv
import functools
import io
import re
import zipfile
from datetime import date
from typing import Any, NamedTuple

from vagled.feedsim.common import (
    HttpError,
    Picker,
    Request,
    Response,
    dumps,
    personnummer,
    population,
    reference,
    rng,
    unit,
)

FIRST_MONTH = (2023, 1)
KINDS = ("komvux_kursdeltagare", "arbetsmarknadsinsatser")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
XLSX_FORCED = frozenset({"0484", "1861"})  # at least these send Excel files
# Hallsberg's Excel export carries a title and a source row above the header.
TWO_TITLE_ROWS = frozenset({"1861"})

HEADERS: dict[str, tuple[str, ...]] = {
    "kommunkod": ("Kommunkod", "Kommun kod", "KOMMUNKOD", "Kommun-kod"),
    "kommun": ("Kommun", "Kommunnamn", "KOMMUN"),
    "manad": ("Månad", "Period", "MÅNAD", "Manad"),
    "kurskod": ("Kurskod", "Kurs kod", "KURSKOD"),
    "kursnamn": ("Kursnamn", "Kurs", "KURSNAMN", "Benämning"),
    "studieform": ("Studieform", "Undervisningsform", "STUDIEFORM"),
    "deltagare": ("Antal deltagare", "Antal", "Deltagare", "ANTAL_DELTAGARE"),
    "kvinnor": ("varav kvinnor", "Varav kvinnor", "Kvinnor", "ANTAL_KVINNOR"),
    "studietakt": ("Genomsnittlig studietakt (%)", "Studietakt %", "Snitt studietakt", "STUDIETAKT"),
    "insats": ("Insats", "Insatstyp", "INSATS", "Åtgärd"),
    "malgrupp": ("Målgrupp", "Malgrupp", "MÅLGRUPP"),
    "andel_kvinnor": ("Andel kvinnor (%)", "Andel kvinnor", "ANDEL_KVINNOR_PROC"),
    "kostnad": ("Kostnad (tkr)", "Kostnad tkr", "KOSTNAD_TKR", "Kostnad, tkr"),
    "kommentar": ("Kommentar", "Anmärkning", "KOMMENTAR", "Övrigt"),
}
COLUMNS = {
    "komvux_kursdeltagare": (
        "kommunkod",
        "kommun",
        "manad",
        "kurskod",
        "kursnamn",
        "studieform",
        "deltagare",
        "kvinnor",
        "studietakt",
        "kommentar",
    ),
    "arbetsmarknadsinsatser": (
        "kommunkod",
        "kommun",
        "manad",
        "insats",
        "malgrupp",
        "deltagare",
        "andel_kvinnor",
        "kostnad",
        "kommentar",
    ),
}
COURSES = (
    ("SFIKURA", "Svenska för invandrare, kurs A", 3.0),
    ("SFIKURB", "Svenska för invandrare, kurs B", 3.0),
    ("SFIKURC", "Svenska för invandrare, kurs C", 2.5),
    ("SFIKURD", "Svenska för invandrare, kurs D", 2.0),
    ("GRNSVA", "Svenska som andraspråk, grundläggande", 1.5),
    ("GRNMAT", "Matematik, grundläggande", 1.5),
    ("MATMAT01a", "Matematik 1a", 1.2),
    ("SVESVE01", "Svenska 1", 1.0),
    ("ENGENG05", "Engelska 5", 1.2),
    ("VARD-YP", "Vård- och omsorg, yrkespaket undersköterska", 2.0),
    ("BARN-YP", "Barnskötare, yrkespaket", 1.0),
    ("LAGER-YP", "Lager och logistik, yrkespaket", 0.8),
    ("KOCK-YP", "Kock, yrkespaket", 0.6),
    ("EL-YP", "Elinstallation, yrkespaket", 0.5),
    ("SAMSAM01b", "Samhällskunskap 1b", 0.8),
    ("NAKNAK01a1", "Naturkunskap 1a1", 0.6),
    ("DATDAT01", "Dator- och kommunikationsteknik", 0.5),
)
PROGRAMMES = (
    "Arbetsmarknadsanställning",
    "Praktik",
    "Feriejobb",
    "Jobbcoachning",
    "Yrkesutbildning",
    "Studie- och yrkesvägledning",
)
TARGET_GROUPS = (
    "Ungdomar 16-24 år",
    "Utrikes födda",
    "Personer med funktionsnedsättning",
    "Långtidsarbetslösa",
    "Försörjningsstödstagare",
)
_SEASON = {1: 1.0, 2: 1.05, 3: 1.05, 4: 1.0, 5: 0.95, 6: 0.6, 7: 0.3, 8: 0.7, 9: 1.05, 10: 1.05, 11: 1.0, 12: 0.8}


class Profile(NamedTuple):
    xlsx: bool
    delimiter: str
    encoding: str  # cp1252, utf-8 or utf-8-sig
    title_rows: int
    variants: dict[str, int]


@functools.cache
def profile(code: str) -> Profile:
    """How a municipality writes its files: fixed per municipality, independent of the seed."""
    xlsx = code in XLSX_FORCED or unit("mf-xlsx", code) < 0.05
    delimiter = "," if unit("mf-delim", code) < 0.15 else ";"
    x = unit("mf-enc", code)
    encoding = "cp1252" if x < 0.75 else ("utf-8" if x < 0.95 else "utf-8-sig")
    y = unit("mf-title", code)
    title_rows = 0 if y < 0.6 else (1 if y < 0.85 else 2)
    if code in TWO_TITLE_ROWS:
        title_rows = 2
    variants = {name: int(unit("mf-head", code, name) * len(options)) for name, options in HEADERS.items()}
    return Profile(xlsx, delimiter, encoding, title_rows, variants)


def file_name(code: str, kind: str) -> str:
    return f"{kind}.{'xlsx' if profile(code).xlsx else 'csv'}"


def months(today: date) -> list[tuple[int, int]]:
    out = []
    year, month = FIRST_MONTH
    while True:
        nxt = (year + 1, 1) if month == 12 else (year, month + 1)
        if date(nxt[0], nxt[1], 5) > today:
            return out
        out.append((year, month))
        year, month = nxt


def _decimal(value: float) -> str:
    return f"{value:.1f}".replace(".", ",")


def _rows(seed: int, code: str, kind: str, year: int, month: int) -> list[dict[str, Any]]:
    muni = reference().municipality_by_code[code]
    pop = population(code, year)
    period = f"{year}-{month:02d}"
    r = rng(seed, "mf", code, kind, year, month)
    out = []
    if kind == "komvux_kursdeltagare":
        n_courses = min(len(COURSES), 4 + pop // 8000)
        courses = sorted(COURSES, key=lambda c: unit("mf-course", code, c[0]))[:n_courses]
        weight = sum(c[2] for c in courses)
        enrolled = pop * 0.012 * _SEASON[month]
        for course_code, course_name, w in sorted(courses):
            count = max(0, round(enrolled * w / weight * r.uniform(0.8, 1.2)))
            out.append(
                {
                    "kommunkod": code,
                    "kommun": muni.name,
                    "manad": period,
                    "kurskod": course_code,
                    "kursnamn": course_name,
                    "studieform": "Distans" if r.random() < 0.3 else "Närundervisning",
                    "deltagare": count,
                    "kvinnor": round(count * r.uniform(0.45, 0.7)),
                    "studietakt": _decimal(r.choice((50, 62.5, 75, 87.5, 100)) if count else 0.0),
                    "kommentar": r.choice(("Preliminära siffror", "Inkl. distansdeltagare"))
                    if r.random() < 0.06
                    else "",
                }
            )
    else:
        for programme in PROGRAMMES:
            for group in TARGET_GROUPS:
                if unit("mf-prog", code, programme, group) > 0.45:
                    continue
                if programme == "Feriejobb" and month not in (6, 7, 8):
                    continue
                count = max(0, round(pop * 0.0015 * r.uniform(0.5, 1.5)))
                out.append(
                    {
                        "kommunkod": code,
                        "kommun": muni.name,
                        "manad": period,
                        "insats": programme,
                        "malgrupp": group,
                        "deltagare": count,
                        "andel_kvinnor": _decimal(r.uniform(30, 65)),
                        "kostnad": _decimal(count * r.uniform(8, 25)),
                        "kommentar": "Avser hela månaden" if r.random() < 0.05 else "",
                    }
                )
    return out


def _apply_faults(req: Request, code: str, kind: str, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    if req.fault("empty_page"):
        return []
    seed = req.sim.seed
    dup, bad, neg = Picker(req, "duplicates"), Picker(req, "bad_codes"), Picker(req, "negative_counts")
    missing, pnr = Picker(req, "missing_fields"), Picker(req, "pnr_in_text")
    out = []
    for index, row in enumerate(rows):
        key = (code, kind, row["manad"], index)
        if bad(key):
            row["kommunkod"] = "9999" if unit(seed, "bad", key) < 0.5 else "0199"
        if neg(key):
            row["deltagare"] = -max(1, row["deltagare"])
        if missing(key):
            row["kommunkod" if unit(seed, "miss", key) < 0.5 else "deltagare"] = ""
        if pnr(key):
            row["kommentar"] = f"Rättad uppgift för deltagare {personnummer(rng(seed, 'pnr', key))}"
        out.append(row)
        if dup(key):
            out.append(dict(row))
    return out


def _header(req: Request, code: str, kind: str) -> list[str]:
    prof = profile(code)
    header = [HEADERS[c][prof.variants[c]] for c in COLUMNS[kind]]
    if req.fault("schema_drift"):
        header = [
            "Antal personer" if c == "deltagare" else ("Kommunnummer" if c == "kommunkod" else h)
            for c, h in zip(COLUMNS[kind], header, strict=True)
        ]
    return header


def _titles(code: str, kind: str, year: int, month: int) -> list[str]:
    muni = reference().municipality_by_code[code].name
    what = "Kursdeltagare i kommunal vuxenutbildning" if kind == "komvux_kursdeltagare" else "Arbetsmarknadsinsatser"
    return [f"{what} {muni} kommun {year}-{month:02d}", f"Källa: {muni} kommun, uttag {year}-{month:02d}-28"]


def _csv(req: Request, code: str, kind: str, year: int, month: int, rows: list[dict[str, Any]]) -> Response:
    prof = profile(code)
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=prof.delimiter, lineterminator="\r\n")
    titles = _titles(code, kind, year, month)
    for title in titles[: prof.title_rows]:
        writer.writerow([title])
    if prof.title_rows == 2:
        writer.writerow([])
    writer.writerow(_header(req, code, kind))
    for row in rows:
        writer.writerow([row[c] for c in COLUMNS[kind]])
    text = buffer.getvalue()
    declared = "windows-1252" if prof.encoding == "cp1252" else "utf-8"
    encoding = prof.encoding
    if req.fault("wrong_encoding"):
        encoding = "utf-8" if prof.encoding == "cp1252" else "cp1252"  # declared one way, sent the other
    return Response(
        content_type=f"text/csv; charset={declared}",
        body=text.encode(encoding, "replace"),
        headers=[("Content-Disposition", f'attachment; filename="{kind}_{code}_{year}-{month:02d}.csv"')],
    )


_FIXED_STAMP = "2026-01-01T00:00:00Z"


def _xlsx(req: Request, code: str, kind: str, year: int, month: int, rows: list[dict[str, Any]]) -> Response:
    from openpyxl import Workbook  # heavy: only when an Excel file is asked for

    prof = profile(code)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Data"
    for title in _titles(code, kind, year, month)[: prof.title_rows]:
        sheet.append([title])
    sheet.append(_header(req, code, kind))
    for row in rows:
        values = []
        for column in COLUMNS[kind]:
            value = row[column]
            if isinstance(value, str) and re.fullmatch(r"-?\d+,\d", value):
                value = float(value.replace(",", "."))  # Excel holds numbers, not decimal-comma text
            values.append(value)
        sheet.append(values)
    raw = io.BytesIO()
    workbook.save(raw)
    return Response(
        content_type=XLSX_TYPE,
        body=_normalise_zip(raw.getvalue()),
        headers=[("Content-Disposition", f'attachment; filename="{kind}_{code}_{year}-{month:02d}.xlsx"')],
    )


def _normalise_zip(data: bytes) -> bytes:
    """Rewrite an XLSX with fixed timestamps, so the same seed gives the same bytes."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in sorted(source.infolist(), key=lambda i: i.filename):
            content = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                content = re.sub(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", _FIXED_STAMP.encode(), content)
            fixed = zipfile.ZipInfo(info.filename, date_time=(2026, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o600 << 16
            target.writestr(fixed, content)
    return out.getvalue()


def handle(req: Request) -> Response:
    """Route a municipal_files request."""
    ref = reference()
    parts = [p for p in req.path.split("/") if p]
    area = {m.code for m in ref.area_municipalities}
    if not parts:
        listing = [
            {"municipality_code": m.code, "name": m.name, "path": f"/{req.conn_id}/{m.code}/"}
            for m in ref.area_municipalities
        ]
        return Response(body=dumps([] if req.fault("empty_page") else listing))
    code = parts[0]
    if code not in area:
        raise HttpError(404, f"no files from municipality {code!r}")
    available = months(req.sim.today)
    if len(parts) == 1:
        listing = []
        for year, month in available:
            for kind in KINDS:
                name = file_name(code, kind)
                listing.append(
                    {
                        "month": f"{year}-{month:02d}",
                        "name": name,
                        "path": f"/{req.conn_id}/{code}/{year}-{month:02d}/{name}",
                        "content_type": XLSX_TYPE if name.endswith("xlsx") else "text/csv",
                    }
                )
        return Response(body=dumps([] if req.fault("empty_page") else listing))
    if len(parts) == 3:
        try:
            year, month = (int(x) for x in parts[1].split("-"))
        except ValueError as exc:
            raise HttpError(404, f"no such month folder {parts[1]!r}") from exc
        kind = parts[2].rsplit(".", 1)[0]
        if (year, month) not in available or kind not in KINDS or parts[2] != file_name(code, kind):
            raise HttpError(404, f"no file {parts[1]}/{parts[2]} from {code}")
        rows = _apply_faults(req, code, kind, _rows(req.sim.seed, code, kind, year, month))
        if profile(code).xlsx:
            return _xlsx(req, code, kind, year, month, rows)
        return _csv(req, code, kind, year, month, rows)
    raise HttpError(404, f"no such path: {req.path}")
