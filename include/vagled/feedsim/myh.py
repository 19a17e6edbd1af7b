"""MYH's "Resultat ansökningsomgång" workbooks (``myh_results``): one xlsx per application round.

``GET /download/resultat-ansokningsomgang-{year}.xlsx`` for the rounds whose results are out (a
round's results are published in the following January). The paths are feedsim's stand-in for the
files MYH links from its results pages (unconfirmed addresses, configuration for the client).

Layout as MYH publishes it: sheets Innehållsförteckning, Definitioner, Tabell 1-4; titles above a
header on row 6. Tabell 3: one row per application (Diarienummer, Utbildningsnamn,
Utbildningsanordnare, Utbildningsområde, SUN5 inriktning = a SUN 2020 field code plus a letter,
Län without " län", Kommun as a name or ``Flera kommuner``, Beslut Beviljad / Avslag, Beviljade
platser totalt and Beviljade omgångar for the whole application, Studietakt, Distans). Tabell 4:
the municipalities of each ``Flera kommuner`` application, names possibly with trailing spaces. The
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
    "Diarienummer",
    "Utbildningsnamn",
    "Utbildningsanordnare",
    "Utbildningsområde",
    "SUN5 inriktning",
    "Län",
    "Kommun",
    "Beslut",
    "Beviljade platser totalt",
    "Beviljade omgångar",
    "Studietakt",
    "Distans",
)
HEADER_4 = ("Diarienummer", "Utbildningsnamn", "Län", "Kommun")
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
    number = 1000

    def add(name, provider, sun_prefix, code, decision, places, rounds, key):
        nonlocal number
        number += 1
        r = rng(seed, "myh-app", year, key)
        rows.append(
            {
                "Diarienummer": f"MYH {year}/{number}",
                "Utbildningsnamn": name,
                "Utbildningsanordnare": provider,
                "Utbildningsområde": AREAS.get(sun_prefix, "Övrigt"),
                "SUN5 inriktning": _sun_code(seed, sun_prefix, key) + r.choice("abc"),
                "Län": _county(code) if code else None,
                "Kommun": _name(code) if code else "Flera kommuner",
                "Beslut": decision,
                "Beviljade platser totalt": places if decision == "Beviljad" else 0,
                "Beviljade omgångar": rounds if decision == "Beviljad" else 0,
                "Studietakt": r.choice((100, 100, 100, 50)),
                "Distans": "Ja" if r.random() < 0.2 else "Nej",
            }
        )
        return rows[-1]["Diarienummer"]

    for p in providers(seed):
        if p.type != "yrkeshogskola":
            continue
        for code, name, sun_prefix, _ in p.programmes:
            key = f"{p.pid}{code}"
            # every programme was granted in the newest round; about half in the one before
            if year < FIRST_ROUND or (unit(seed, "myh-round", key, year) < 0.5 and year % 2):
                continue
            r = rng(seed, "myh-places", key, year)
            rounds = r.choice((2, 3, 4))
            add(name, p.name, sun_prefix, p.municipality, "Beviljad", rounds * r.randrange(20, 40, 5), rounds, key)
    yh = CATALOGUE["yrkeshogskola"]
    for code, provider, i in ELSEWHERE:
        prog = yh[(i + year) % len(yh)]
        add(prog[1], provider, prog[2], code, "Beviljad", 2 * 30, 2, f"else{code}{i}")
        add(yh[(i + 3) % len(yh)][1], provider, yh[(i + 3) % len(yh)][2], code, "Avslag", 0, 0, f"no{code}{i}")
    # one programme given in several municipalities: one in the area, one outside
    area = reference().area_municipalities
    home = area[year % len(area)].code
    dnr = add("Drifttekniker, kraft och värme", "Energiakademin", "522", None, "Beviljad", 3 * 25, 3, f"multi{year}")
    several[dnr] = [_name(home) + "  ", _name("2180") + " "]
    # rejected applications in the area
    for m in area[: 6 + year % 4]:
        prog = yh[int(unit(seed, "myh-no", m.code, year) * len(yh))]
        add(prog[1], f"{m.name} Utbildningscenter", prog[2], m.code, "Avslag", 0, 0, f"avslag{m.code}")
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
    contents.append([f"Resultat ansökningsomgång {year}"])
    contents.append(["Myndigheten för yrkeshögskolan"])
    contents.append([])
    for n, text in enumerate(
        (
            "Antal ansökningar och beviljade per utbildningsområde",
            "Beviljade platser per län",
            "Beviljade och avslagna ansökningar per utbildning",
            "Utbildningar som bedrivs i flera kommuner",
        ),
        start=1,
    ):
        contents.append([f"Tabell {n}", text])
    definitions = book.create_sheet("Definitioner")
    definitions.append(["Definitioner"])
    definitions.append(["Beviljade platser totalt", "Antal platser för hela ansökan (alla omgångar)."])
    definitions.append(["SUN5 inriktning", "SUN 2020-inriktning med Myndighetens tillägg."])
    for n, title, head, body in (
        (1, "Antal ansökningar och beviljade per utbildningsområde", ["Utbildningsområde", "Ansökningar"], []),
        (2, "Beviljade platser per län", ["Län", "Platser"], []),
        (3, "Beviljade och avslagna ansökningar per utbildning", header, [[r[h] for h in HEADER_3] for r in out]),
        (4, "Utbildningar som bedrivs i flera kommuner", list(HEADER_4), []),
    ):
        sheet = book.create_sheet(f"Tabell {n}")
        sheet.append([f"Tabell {n}. {title}, ansökningsomgång {year}"])
        sheet.append(["Källa: Myndigheten för yrkeshögskolan"])
        sheet.append([])
        for _ in range(blank_rows):
            sheet.append([])
        sheet.append(head)  # row 6 (row 8 with header_moved)
        if n == 1:
            areas: dict[str, int] = {}
            for r in out:
                areas[r["Utbildningsområde"]] = areas.get(r["Utbildningsområde"], 0) + 1
            body = [[a, c] for a, c in sorted(areas.items())]
        if n == 2:
            counties: dict[str, int] = {}
            for r in out:
                if r["Beslut"] == "Beviljad" and r["Län"]:
                    counties[r["Län"]] = counties.get(r["Län"], 0) + int(r["Beviljade platser totalt"] or 0)
            body = [[c, p] for c, p in sorted(counties.items())]
        if n == 4:
            body = []
            for dnr, names in several.items():
                title_of = next(r["Utbildningsnamn"] for r in out if r["Diarienummer"] == dnr)
                for name in names:
                    body.append([dnr, title_of, None, name])
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
