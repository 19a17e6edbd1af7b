"""Education offerings (``education_offerings``), Skolverket / Susa-navet style, paged JSON.

``GET /v1/offerings?lan=18&kommun=1880&typ=komvux&as_of=2026-10-26|week=2026-W44&page=1&size=100``
-> ``{"total", "page", "size", "as_of", "offerings": [...]}`` (size at most 500). Offerings exist in
the area's municipalities only. The catalogue changes weekly: each intake is listed from 16-44 weeks
before its start until two weeks after it, a few are withdrawn early, and some change (places,
pace) during their listing. Everything is a function of (seed, provider, programme, start, week).
"""

from __future__ import annotations

import functools
from datetime import date, timedelta
from typing import Any, NamedTuple

from vagled.feedsim.common import (
    HttpError,
    Picker,
    Request,
    Response,
    dumps,
    organisation_number,
    personnummer,
    population,
    reference,
    rng,
    unit,
)

MAX_SIZE = 500
LEVEL_LABELS = {
    "2": "Förgymnasial utbildning 9 (10) år",
    "3": "Gymnasial utbildning",
    "4": "Eftergymnasial utbildning kortare än två år",
    "5": "Eftergymnasial utbildning två år eller längre",
}
# type -> (code, name, SUN 2020 prefix, SUN level)
CATALOGUE: dict[str, tuple[tuple[str, str, str, str], ...]] = {
    "gymnasieskola": (
        ("BA", "Bygg- och anläggningsprogrammet", "582", "3"),
        ("BF", "Barn- och fritidsprogrammet", "761", "3"),
        ("EE", "El- och energiprogrammet", "522", "3"),
        ("EK", "Ekonomiprogrammet", "340", "3"),
        ("FT", "Fordons- och transportprogrammet", "525", "3"),
        ("HA", "Försäljnings- och serviceprogrammet", "341", "3"),
        ("HT", "Hotell- och turismprogrammet", "812", "3"),
        ("IN", "Industritekniska programmet", "521", "3"),
        ("NA", "Naturvetenskapsprogrammet", "460", "3"),
        ("RL", "Restaurang- och livsmedelsprogrammet", "811", "3"),
        ("SA", "Samhällsvetenskapsprogrammet", "310", "3"),
        ("TE", "Teknikprogrammet", "520", "3"),
        ("VO", "Vård- och omsorgsprogrammet", "723", "3"),
        ("ES", "Estetiska programmet", "212", "3"),
        ("VF", "VVS- och fastighetsprogrammet", "582", "3"),
        ("IMYRK", "Introduktionsprogram, yrkesintroduktion", "010", "2"),
    ),
    "komvux": (
        ("SFI", "Svenska för invandrare", "080", "2"),
        ("SVAGR", "Svenska som andraspråk, grundläggande nivå", "222", "2"),
        ("MAGR", "Matematik, grundläggande nivå", "461", "2"),
        ("VOUSK", "Undersköterska, yrkespaket", "723", "3"),
        ("BFBSK", "Barnskötare och elevassistent, yrkespaket", "761", "3"),
        ("LAGER", "Lager och logistik, yrkespaket", "840", "3"),
        ("KOCK", "Kock, yrkespaket", "811", "3"),
        ("ELINST", "Elinstallatör, yrkespaket", "522", "3"),
        ("CNC", "CNC-operatör, yrkespaket", "521", "3"),
        ("LASTB", "Lastbilsförare, yrkespaket", "840", "3"),
    ),
    "yrkeshogskola": (
        ("NETUTV", "Mjukvaruutvecklare .NET", "481", "5"),
        ("DATAENG", "Data engineer", "481", "5"),
        ("AUTOM", "Automationsingenjör", "523", "5"),
        ("SUPPLY", "Logistik- och supply chain-utvecklare", "341", "5"),
        ("SPUSK", "Specialistundersköterska, äldreomsorg", "723", "4"),
        ("BYGGPL", "Byggproduktionsledare", "582", "5"),
        ("ELKONS", "Elkonstruktör", "522", "5"),
        ("REDKON", "Redovisningskonsult", "344", "5"),
        ("MEDSEK", "Medicinsk sekreterare", "346", "5"),
    ),
    "folkhogskola": (
        ("ALLM", "Allmän kurs", "010", "3"),
        ("FRITID", "Fritidsledarutbildning", "762", "4"),
        ("BEHPED", "Behandlingspedagog", "762", "4"),
        ("MUSIK", "Musiklinje", "212", "3"),
    ),
    "universitet": (
        ("SSK", "Sjuksköterskeprogrammet", "723", "5"),
        ("GRUL", "Grundlärarprogrammet", "144", "5"),
        ("FSKL", "Förskollärarprogrammet", "143", "5"),
        ("CDATA", "Civilingenjörsprogrammet i datateknik", "481", "5"),
        ("DVK", "Kandidatprogram i datavetenskap", "481", "5"),
        ("SOCION", "Socionomprogrammet", "762", "5"),
        ("EKON", "Ekonomprogrammet", "340", "5"),
        ("LAK", "Läkarprogrammet", "721", "5"),
        ("AMNL", "Ämneslärarprogrammet", "145", "5"),
        ("HING", "Högskoleingenjör, maskinteknik", "521", "5"),
        ("ELING", "Högskoleingenjör, elektroteknik", "522", "5"),
        ("BMA", "Biomedicinska analytikerprogrammet", "725", "5"),
    ),
}
UNIVERSITIES = (
    ("Uppsala universitet", ("0380",)),
    ("Sveriges lantbruksuniversitet", ("0380",)),
    ("Linköpings universitet", ("0580", "0581")),
    ("Örebro universitet", ("1880",)),
    ("Mälardalens universitet", ("1980", "0484")),
)
_PREFIXES = ("Nova", "Aros", "Mälar", "Vasa", "Linné", "Polhem", "Berga", "Rudbeck", "Celsius", "Hagström")


class Provider(NamedTuple):
    pid: str
    name: str
    org: str
    type: str
    municipality: str
    programmes: tuple[tuple[str, str, str, str], ...]


@functools.cache
def providers(seed: int) -> tuple[Provider, ...]:
    """The education providers of the area's municipalities."""
    ref = reference()
    out: list[Provider] = []

    def pick(kind: str, key: str, lo: int, hi: int) -> tuple[tuple[str, str, str, str], ...]:
        r = rng(seed, "edu-prog", key)
        catalogue = CATALOGUE[kind]
        return tuple(sorted(r.sample(catalogue, min(len(catalogue), r.randint(lo, hi)))))

    for m in ref.area_municipalities:
        pop = population(m.code)
        municipal_org = organisation_number(rng(seed, "org", m.code), "2120")
        out.append(
            Provider(
                f"KV{m.code}",
                f"Vuxenutbildningen {m.name}",
                municipal_org,
                "komvux",
                m.code,
                pick("komvux", f"kv{m.code}", 4, 8),
            )
        )
        n_gym = 0 if pop < 8_000 else 1 + pop // 60_000
        for i in range(n_gym):
            private = i > 0 and unit(seed, "gym-private", m.code, i) < 0.6
            name = (
                f"{rng(seed, 'gymname', m.code, i).choice(_PREFIXES)}gymnasiet {m.name}"
                if private
                else f"{m.name} gymnasieskola" + (f" {i + 1}" if i else "")
            )
            org = organisation_number(rng(seed, "org", m.code, "gym", i), "55") if private else municipal_org
            out.append(
                Provider(
                    f"GY{m.code}{i}", name, org, "gymnasieskola", m.code, pick("gymnasieskola", f"gy{m.code}{i}", 4, 9)
                )
            )
        for i in range(0 if pop < 40_000 else 1 + pop // 100_000):
            name = f"{rng(seed, 'yhname', m.code, i).choice(_PREFIXES)} Yrkeshögskola {m.name}"
            out.append(
                Provider(
                    f"YH{m.code}{i}",
                    name,
                    organisation_number(rng(seed, "org", "yh", m.code, i), "55"),
                    "yrkeshogskola",
                    m.code,
                    pick("yrkeshogskola", f"yh{m.code}{i}", 2, 4),
                )
            )
        if unit(seed, "folk", m.code) < 0.35:
            out.append(
                Provider(
                    f"FH{m.code}",
                    f"{m.name} folkhögskola",
                    organisation_number(rng(seed, "org", "fh", m.code), "8020"),
                    "folkhogskola",
                    m.code,
                    pick("folkhogskola", f"fh{m.code}", 2, 3),
                )
            )
    for index, (name, munis) in enumerate(UNIVERSITIES):
        org = organisation_number(rng(seed, "org", name), "2021")
        for code in munis:
            if code in ref.municipality_by_code and ref.municipality_by_code[code].county_code in ref.area_counties:
                out.append(
                    Provider(
                        f"UN{index}{code}",
                        name,
                        org,
                        "universitet",
                        code,
                        pick("universitet", f"un{index}{code}", 5, 10),
                    )
                )
    return tuple(out)


def _sun_code(seed: int, prefix: str, key: str) -> str:
    ref = reference()
    candidates = ref.sun_codes(4, prefix) or ref.sun_codes(4, prefix[0]) or ref.sun_codes(1, prefix[0])
    return candidates[int(unit(seed, "sun", key) * len(candidates))]


# How long before its start an intake is listed (applications open early for schools and universities).
LISTED_WEEKS = {"gymnasieskola": 44, "universitet": 36, "yrkeshogskola": 36, "folkhogskola": 30, "komvux": 16}


def _starts(kind: str, around: date) -> list[date]:
    """Start dates of intakes listed at `around`: starting within [around - 2 weeks, around + listing]."""
    out = []
    for year in (around.year - 1, around.year, around.year + 1):
        months = {"komvux": (1, 3, 6, 8, 10), "universitet": (1, 8), "yrkeshogskola": (1, 8)}.get(kind, (8,))
        for month in months:
            first = date(year, month, 1 if month != 8 else 15)
            start = first + timedelta(days=(7 - first.weekday()) % 7)  # the first Monday
            if around - timedelta(days=14) <= start <= around + timedelta(weeks=LISTED_WEEKS[kind]):
                out.append(start)
    return out


def _week_monday(req: Request) -> date:
    raw_week, raw_as_of = req.q("week"), req.q("as_of")
    try:
        if raw_week:
            year, week = raw_week.upper().split("-W")
            return date.fromisocalendar(int(year), int(week), 1)
        day = date.fromisoformat(raw_as_of) if raw_as_of else req.sim.today
    except ValueError as exc:
        raise HttpError(400, "as_of must be YYYY-MM-DD and week YYYY-Www") from exc
    return day - timedelta(days=day.weekday())


def offerings(seed: int, monday: date, counties: set[str], munis: set[str], kinds: set[str]) -> list[dict[str, Any]]:
    """Every offering listed in the week starting `monday`, sorted by id."""
    ref = reference()
    out = []
    for p in providers(seed):
        county = ref.municipality_by_code[p.municipality].county_code
        if (
            (counties and county not in counties)
            or (munis and p.municipality not in munis)
            or (kinds and p.type not in kinds)
        ):
            continue
        for code, name, sun_prefix, level in p.programmes:
            for start in _starts(p.type, monday):
                oid = f"{p.pid}-{code}-{start:%Y%m%d}"
                r = rng(seed, "offering", oid)
                if p.type == "komvux" and r.random() < 0.4:
                    continue  # not every course starts every intake
                listed_from = start - timedelta(weeks=LISTED_WEEKS[p.type])
                withdrawn = r.random() < 0.05  # withdrawn some weeks after it was listed
                if withdrawn and monday >= listed_from + timedelta(weeks=r.randint(2, LISTED_WEEKS[p.type] - 2)):
                    continue
                changes = sorted(
                    listed_from + timedelta(weeks=r.randint(1, LISTED_WEEKS[p.type] - 1))
                    for _ in range(r.choice((0, 0, 1, 2)))
                )
                version = sum(1 for c in changes if c <= monday)
                updated = max([listed_from, *(c for c in changes if c <= monday)])
                if p.type == "universitet":
                    places: int | None = r.randrange(40, 160, 5)
                elif p.type == "komvux":
                    places = None if r.random() < 0.4 else r.randrange(10, 40)
                else:
                    places = r.randrange(16, 40)
                pace = 100 if p.type in ("gymnasieskola", "universitet") else r.choice((100, 100, 50, 25))
                distance = p.type not in ("gymnasieskola",) and r.random() < 0.25
                if version:  # a change in the catalogue: places and sometimes pace are revised
                    vr = rng(seed, "offering-version", oid, version)
                    if places is not None:
                        places = max(5, round(places * vr.uniform(0.8, 1.25)))
                    if p.type == "komvux" and vr.random() < 0.4:
                        pace = vr.choice((100, 50, 25))
                years = {"gymnasieskola": 3, "universitet": 3}.get(p.type, 1)
                end = start + timedelta(weeks=40 * years if years > 1 else (20 if p.type == "komvux" else 40))
                out.append(
                    {
                        "id": oid,
                        "code": f"{code}-{p.municipality}",
                        "name": name,
                        "provider": {"name": p.name, "organisation_number": p.org, "type": p.type},
                        "sun2020": _sun_code(seed, sun_prefix, f"{p.pid}{code}"),
                        "education_level": level,
                        "education_level_label": LEVEL_LABELS[level],
                        "municipality_code": p.municipality,
                        "start_date": start.isoformat(),
                        "end_date": end.isoformat(),
                        "pace_percent": pace,
                        "distance": distance,
                        "places": places,
                        "language": "sv",
                        "description": f"{name} hos {p.name}. Utbildningen startar {start.isoformat()} och ges "
                        f"{'på distans' if distance else 'på plats'} i studietakt {pace} %.",
                        "updated": updated.isoformat(),
                        "url": f"https://www.example-utbildning.se/{p.pid.lower()}/{code.lower()}",
                    }
                )
    out.sort(key=lambda o: o["id"])
    return out


def handle(req: Request) -> Response:
    """Route an education_offerings request."""
    if req.path.rstrip("/") != "/v1/offerings":
        raise HttpError(404, f"no such path: {req.path}")
    monday = _week_monday(req)
    size = min(req.qint("size", 100, lo=1), MAX_SIZE)
    page = req.qint("page", 1, lo=1)
    kinds = set(req.qlist("typ"))
    unknown = kinds - set(CATALOGUE)
    if unknown:
        raise HttpError(400, f"typ must be one of {', '.join(CATALOGUE)}")
    selected = offerings(req.sim.seed, monday, set(req.qlist("lan")), set(req.qlist("kommun")), kinds)
    window = selected[(page - 1) * size : page * size]
    if req.fault("empty_page"):
        window = []
    seed = req.sim.seed
    dup, bad, neg = Picker(req, "duplicates"), Picker(req, "bad_codes"), Picker(req, "negative_counts")
    missing, pnr = Picker(req, "missing_fields"), Picker(req, "pnr_in_text")
    drift = req.fault("schema_drift")
    out = []
    for record in window:
        key = record["id"]
        if bad(key):
            if unit(seed, "bad", key) < 0.5:
                record["municipality_code"] = "9999"
            else:
                record["sun2020"] = "999x"
        if record["places"] is not None and neg(key):
            record["places"] = -record["places"]
        if missing(key):
            record.pop("sun2020" if unit(seed, "miss", key) < 0.5 else "provider")
        if pnr(key):
            record["description"] += f" Kontakt: studievägledare, personnummer {personnummer(rng(seed, 'pnr', key))}."
        if drift:
            record = {("sun_code" if k == "sun2020" else k): v for k, v in record.items()}
        out.append(record)
        if dup(key):
            out.append(record)
    body = {"total": len(selected), "page": page, "size": size, "as_of": monday.isoformat(), "offerings": out}
    return Response(body=dumps(body))
