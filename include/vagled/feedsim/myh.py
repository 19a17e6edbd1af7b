"""MYH's "Resultat ansökningsomgång" workbooks (``myh_results``): one xlsx per application round.

``GET /download/resultat-ansokningsomgang-{year}.xlsx`` for the rounds whose results are out (a
round's results are published in the following January). The paths are feedsim's stand-in for the
files MYH links from its results pages (unconfirmed addresses, configuration for the client).

Layout as in MYH's published workbook of round 2024 (read for this): sheets Innehållsförteckning,
Definitioner, Tabell 1-4; title rows ("Yrkeshögskolan", "..., ansökningsår 2024 med beslutsår
2025") above a header on row 6. Tabell 3, one row per application: Utbildningsområde, SUN5
inriktning (a SUN 2020 field code plus a letter), SUN5 inriktning namn, Utbildningsnamn, Beslut
(Beviljad / Avslag), Diarienummer, Flera kommuner (Ja/Nej), Antal kommuner, Län (without " län"),
Kommun (a name or ``Flera kommuner``), YH-poäng, Studieform (Bunden/Distans), Studietakt %, Typ av
examen, SeQF nivå, Smalt yrkesområde, Utbildningsanordnare administrativ enhet, Huvudmannatyp, Sökta
/ Beviljade utbildningsomgångar, Sökta platser, Beviljade platser per omgång 1-5 and totalt (for the
whole application). Tabell 4: the municipalities of each ``Flera kommuner`` application (names
here with trailing spaces, as the shared notes warn). Tabell 1 and 2: the granted applications. The
round is national: most rows are outside the area, many are rejected.

The granted applications in the area are the YH programmes Skolverket's feedsim lists (the same
providers and titles), so the two sources can be linked. Fault ``header_moved``: the header of
Tabell 3 and 4 sits on row 8; ``bad_codes``: a municipality name no list knows.
"""

from __future__ import annotations

import io
from typing import Any

from vagled.feedsim.common import HttpError, Picker, Request, Response, personnummer, reference, rng, unit
from vagled.feedsim.education import CATALOGUE, _sun_code, providers
from vagled.feedsim.municipal_files import XLSX_TYPE, _normalise_zip

FIRST_ROUND = 2020
AREAS = {
    "481": "Data/IT",
    "523": "Teknik och tillverkning",
    "341": "Ekonomi, administration och försäljning",
    "723": "Hälso- och sjukvård samt socialt arbete",
    "582": "Samhällsbyggnad och byggteknik",
    "522": "Teknik och tillverkning",
    "344": "Ekonomi, administration och försäljning",
    "346": "Ekonomi, administration och försäljning",
}
HEADER_3 = (
    "Utbildningsområde",
    "SUN5 inriktning",
    "SUN5 inriktning namn",
    "Utbildningsnamn",
    "Beslut",
    "Diarienummer",
    "Flera kommuner",
    "Antal kommuner",
    "Län",
    "Kommun",
    "YH-poäng",
    "Studieform",
    "Studietakt %",
    "Typ av examen",
    "SeQF nivå",
    "Smalt yrkesområde",
    "Utbildningsanordnare administrativ enhet",
    "Huvudmannatyp",
    "Sökta utbildningsomgångar",
    "Beviljade utbildningsomgångar",
    "Sökta platser per utbildningsomgång",
    "Sökta platser totalt",
    *(f"Beviljade platser utbildningsomgång {n}" for n in range(1, 6)),
    "Beviljade platser totalt",
)
HEADER_4 = (
    "Utbildningsområde",
    "SUN5 inriktning",
    "SUN5 inriktning namn",
    "Utbildningsnamn",
    "Beslut",
    "Diarienummer",
    "Län",
    "Kommun",
    "Antal kommuner",
)
HEADER_12 = (
    "Utbildningsområde",
    "Utbildningsnamn",
    "Län",
    "Kommun",
    "Diarienummer",
    "Flera kommuner",
    "Antal kommuner",
    "YH-poäng",
    "Utbildningsanordnare administrativ enhet",
)
# national programmes outside the area: (municipality, provider, programme)
ELSEWHERE = (
    ("0180", "Stockholms Tekniska Institut", 0),
    ("1480", "Yrkeshögskolan Göteborg", 1),
    ("1280", "Malmö Yrkeshögskola", 2),
    ("2480", "Umeå Yrkesakademi", 3),
    ("0680", "Jönköpings Yrkeshögskola", 4),
)


def _county(code: str) -> str:
    return reference().counties[code[:2]].removesuffix(" län")


def _name(code: str) -> str:
    return reference().municipality_by_code[code].name


def applications(seed: int, year: int) -> tuple[list[dict[str, Any]], dict[str, list[str]]]:
    """Tabell 3 rows and Tabell 4 (diarienummer -> municipality names) of one round."""
    rows: list[dict[str, Any]] = []
    several: dict[str, list[str]] = {}
    number = 3000

    def add(name, provider, sun_prefix, code, decision, per_round, rounds, key, names=()):
        nonlocal number
        number += 1
        r = rng(seed, "myh-app", year, key)
        granted = rounds if decision == "Beviljad" else 0
        asked = max(rounds, 2)
        credits = r.choice((200, 300, 400, 400, 425, 550))
        sun = _sun_code(seed, sun_prefix, key)
        rows.append(
            {
                "Utbildningsområde": AREAS.get(sun_prefix, "Övrigt"),
                "SUN5 inriktning": sun + r.choice("abc"),
                "SUN5 inriktning namn": f"Utbildningar inom {sun}",
                "Utbildningsnamn": name,
                "Beslut": decision,
                "Diarienummer": f"MYH {year}/{number}",
                "Flera kommuner": "Ja" if names else "Nej",
                "Antal kommuner": len(names) or 1,
                "Län": _county(code) if code else "Flera kommuner",
                "Kommun": _name(code) if code else "Flera kommuner",
                "YH-poäng": credits,
                "Studieform": "Distans" if r.random() < 0.3 else "Bunden",
                "Studietakt %": r.choice((100, 100, 100, 50, 75)),
                "Typ av examen": "Kvalificerad yrkeshögskoleexamen" if credits >= 400 else "Yrkeshögskoleexamen",
                "SeQF nivå": 6 if credits >= 400 else 5,
                "Smalt yrkesområde": "Nej",
                "Utbildningsanordnare administrativ enhet": provider,
                "Huvudmannatyp": "Privat",
                "Sökta utbildningsomgångar": asked,
                "Beviljade utbildningsomgångar": granted,
                "Sökta platser per utbildningsomgång": per_round,
                "Sökta platser totalt": per_round * asked,
                **{f"Beviljade platser utbildningsomgång {n}": per_round if n <= granted else 0 for n in range(1, 6)},
                "Beviljade platser totalt": per_round * granted,
            }
        )
        dnr = rows[-1]["Diarienummer"]
        if names:
            several[dnr] = list(names)
        return dnr

    for p in providers(seed):
        if p.type != "yrkeshogskola":
            continue
        for code, name, sun_prefix, _ in p.programmes:
            key = f"{p.pid}{code}"
            # every programme was granted in the newest round; about half in the one before
            if year < FIRST_ROUND or (unit(seed, "myh-round", key, year) < 0.5 and year % 2):
                continue
            r = rng(seed, "myh-places", key, year)
            add(name, p.name, sun_prefix, p.municipality, "Beviljad", r.randrange(20, 40, 5), r.choice((2, 3, 4)), key)
    yh = CATALOGUE["yrkeshogskola"]
    for code, provider, i in ELSEWHERE:
        prog = yh[(i + year) % len(yh)]
        add(prog[1], provider, prog[2], code, "Beviljad", 30, 2, f"else{code}{i}")
        other = yh[(i + 3) % len(yh)]
        add(other[1], provider, other[2], code, "Avslag", 30, 2, f"no{code}{i}")
    # one programme given in several municipalities: one in the area, one outside
    area = reference().area_municipalities
    home = area[year % len(area)].code
    names = (_name(home) + "  ", _name("2180") + " ")
    add("Drifttekniker, kraft och värme", "Energiakademin", "522", None, "Beviljad", 25, 3, f"multi{year}", names)
    # rejected applications in the area
    for m in area[: 6 + year % 4]:
        prog = yh[int(unit(seed, "myh-no", m.code, year) * len(yh))]
        add(prog[1], f"{m.name} Utbildningscenter", prog[2], m.code, "Avslag", 30, 2, f"avslag{m.code}")
    return rows, several


def workbook(req: Request, year: int) -> bytes:
    from openpyxl import Workbook  # heavy: only when a workbook is asked for

    seed = req.sim.seed
    rows, several = applications(seed, year)
    if req.fault("empty_page"):
        rows, several = [], {}
    bad, neg = Picker(req, "bad_codes"), Picker(req, "negative_counts")
    missing, dup, pnr = Picker(req, "missing_fields"), Picker(req, "duplicates"), Picker(req, "pnr_in_text")
    granted_in_area = [r for r in rows if r["Beslut"] == "Beviljad" and r["Kommun"] != "Flera kommuner"]
    out = []
    for row in rows:
        row = dict(row)
        key = row["Diarienummer"]
        if row in granted_in_area:
            if bad(key):
                row["Kommun"] = "Norrhult-Klavreström"  # a locality, no municipality
            if neg(key):
                row["Beviljade platser totalt"] = -row["Beviljade platser totalt"]
            if missing(key):
                row["Utbildningsnamn"] = None
            if pnr(key):
                row["Utbildningsnamn"] += f" (kontakt {personnummer(rng(seed, 'pnr', key))})"
        out.append(row)
        if dup(key):
            out.append(row)
    header = list(HEADER_3)
    if req.fault("schema_drift"):
        header[header.index("Kommun")] = "Studieort"
    blank_rows = 4 if req.fault("header_moved") else 2

    book = Workbook()
    contents = book.active
    contents.title = "Innehållsförteckning"
    contents.append(["Innehållsförteckning"])
    for n, text in enumerate(
        (
            "Beviljade ansökningar - sorterade efter utbildningsområde, utbildningsnamn, län och kommun",
            "Beviljade ansökningar - sorterade efter län, kommun, utbildningsområde och utbildningsnamn",
            "Ansökningar med beslut, detaljer om utbildningsomgångar",
            "Utbildningar som avses bedrivas i flera kommuner samtidigt",
        ),
        start=1,
    ):
        contents.append([])
        contents.append([f"Tabell {n}"])
        contents.append([text])
    definitions = book.create_sheet("Definitioner")
    definitions.append(["Definitioner och förklaringar"])
    definitions.append([])
    definitions.append(["Kommun (studiekommun)"])
    definitions.append(["Den kommun där utbildningen avses bedrivas; flera kommuner: se Tabell 4."])
    granted = [r for r in out if r["Beslut"] == "Beviljad"]
    summary = [[r[h] for h in HEADER_12] for r in granted]
    for n, title, head, body in (
        (1, "Beviljade ansökningar, sorterade efter utbildningsområde", list(HEADER_12), sorted(summary, key=str)),
        (2, "Beviljade ansökningar, sorterade efter län och kommun", list(HEADER_12), summary),
        (3, "Ansökningar med beslut", header, [[r[h] for h in HEADER_3] for r in out]),
        (4, "Utbildningar som avses bedrivas i flera kommuner samtidigt", list(HEADER_4), []),
    ):
        sheet = book.create_sheet(f"Tabell {n}")
        sheet.append(["Yrkeshögskolan"])
        sheet.append([])
        sheet.append([f"{title}, ansökningsår {year} med beslutsår {year + 1}"])
        sheet.append(["Avser ordinarie ansökningsomgång om att få bedriva program."])
        for _ in range(blank_rows - 1):
            sheet.append([])
        sheet.append(head)  # row 6 (row 8 with header_moved)
        if n == 4:
            body = []
            for dnr, names in several.items():
                row = next(r for r in out if r["Diarienummer"] == dnr)
                for name in names:
                    body.append([*(row[h] for h in HEADER_4[:6]), None, name, len(names)])
        for row in body:
            sheet.append(row)
    raw = io.BytesIO()
    book.save(raw)
    return _normalise_zip(raw.getvalue())


def handle(req: Request) -> Response:
    """Route a myh_results request."""
    path = req.path.rstrip("/")
    prefix, suffix = "/download/resultat-ansokningsomgang-", ".xlsx"
    if not (path.startswith(prefix) and path.endswith(suffix)):
        raise HttpError(404, f"no such file: {req.path}", "text/html; charset=utf-8")
    year_text = path[len(prefix) : -len(suffix)]
    if not year_text.isdigit():
        raise HttpError(404, f"no such file: {req.path}", "text/html; charset=utf-8")
    year = int(year_text)
    if not FIRST_ROUND <= year < req.sim.today.year:
        raise HttpError(404, f"the results of round {year} are not published", "text/html; charset=utf-8")
    return Response(
        content_type=XLSX_TYPE,
        body=workbook(req, year),
        headers=[("Content-Disposition", f'attachment; filename="Resultat ansokningsomgang {year}.xlsx"')],
    )
