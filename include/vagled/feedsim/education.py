"""Skolverket's Planned Educations API v3 (``education_offerings``): HAL+JSON listings.

``GET /planned-educations/v3/adult-education-events`` (komvux, sfi, YH, university, folkhögskola) and
``/planned-educations/v3/education-events`` (upper secondary), filters ``geographicalAreaCode``
(a municipality code), ``municipality``, ``county``, ``typeOfSchool``; ``page`` 0-based and ``size``
(capped at MAX_SIZE: a larger size is answered with MAX_SIZE). The media type
``application/vnd.skolverket.plannededucations.api.v3.hal+json`` must be accepted (or ``*/*``), else
406. Answer: ``{"status", "message", "body": {"_embedded": {"listedAdultEducationEvents" |
"listedEducationEvents": [...]}, "_links": {first, prev, self, next, last}, "page": {"size",
"totalElements", "totalPages", "number"}}}``. ``/adult-education-events/{id}`` is the detail view
(``geographicalAreaCode`` null there). The old invented ``/v1/offerings`` is gone (404).

Quirks served: some titles in ``<![CDATA[...]]>``; ``paceOfStudy`` a string, sometimes the literal
``"null"``; ``lastApplicationDate`` with offset, without, or ``2099-12-31T00:00:00`` (no deadline);
continuous intakes with neither startDate nor semesterStart; some events with only a semester. No
SUN code, no places. The literals of ``typeOfSchool`` and the id prefixes other than e.myh., e.uoh.
and e.IST. are feedsim's own (unconfirmed). The listing is the catalogue of the sim's "now": each
intake is listed from 16-44 weeks before its start until two weeks after it, a few are withdrawn.
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
    stable_int,
    unit,
)

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


MAX_SIZE = 50
MEDIA_TYPE = "application/vnd.skolverket.plannededucations.api.v3.hal+json"
API_ROOT = "/planned-educations/v3"
TYPE_OF_SCHOOL = {
    "gymnasieskola": "gy",
    "komvux": "vux",
    "yrkeshogskola": "yh",
    "universitet": "uoh",
    "folkhogskola": "fhsk",
}
LISTS = {"adult-education-events": "listedAdultEducationEvents", "education-events": "listedEducationEvents"}


def event_id(kind: str, oid: str) -> str:
    prefix = {"yrkeshogskola": "e.myh.", "universitet": "e.uoh.", "folkhogskola": "e.fhsk."}.get(kind, "e.IST.")
    if kind == "yrkeshogskola":
        return prefix + str(10_000 + stable_int("myh-event", oid) % 90_000)
    return prefix + oid


def _deadline(seed: int, oid: str, start: date | None) -> str:
    r = unit(seed, "deadline", oid)
    if start is None or r < 0.15:
        return "2099-12-31T00:00:00"  # no deadline
    day = start - timedelta(weeks=8)
    if r < 0.55:
        return f"{day.isoformat()}T23:59:59+02:00"
    return f"{day.isoformat()}T23:59:59"


def events(seed: int, today: date, munis: set[str], schools: set[str], endpoint: str) -> list[dict[str, Any]]:
    """Every event listed on ``today`` for the municipalities, sorted by id."""
    ref = reference()
    monday = today - timedelta(days=today.weekday())
    wanted_kinds = {"gymnasieskola"} if endpoint == "education-events" else set(CATALOGUE) - {"gymnasieskola"}
    out = []
    for p in providers(seed):
        if p.type not in wanted_kinds or (munis and p.municipality not in munis):
            continue
        for code, name, _, _ in p.programmes:
            school = "sfi" if code == "SFI" else TYPE_OF_SCHOOL[p.type]
            if schools and school not in schools:
                continue
            for start in _starts(p.type, monday):
                oid = f"{p.pid}-{code}-{start:%Y%m%d}"
                r = rng(seed, "offering", oid)
                if p.type == "komvux" and r.random() < 0.4:
                    continue
                listed_from = start - timedelta(weeks=LISTED_WEEKS[p.type])
                if r.random() < 0.05 and monday >= listed_from + timedelta(
                    weeks=r.randint(2, LISTED_WEEKS[p.type] - 2)
                ):
                    continue  # withdrawn
                pace = (
                    "100.0"
                    if p.type in ("gymnasieskola", "universitet")
                    else r.choice(("100.0", "100.0", "50.0", "25.0"))
                )
                form = unit(seed, "intake-form", oid)
                start_date: str | None = start.isoformat()
                semester: str | None = None
                if p.type == "komvux" and form < 0.2:
                    start_date = None  # continuous intake: no start at all
                elif p.type in ("universitet", "folkhogskola") and form < 0.3:
                    start_date, semester = None, f"{'HT' if start.month >= 7 else 'VT'}{start.year}"
                if unit(seed, "pace-null", oid) < 0.05:
                    pace = "null"
                title = name if unit(seed, "cdata", oid) >= 0.3 else f"<![CDATA[{name}]]>"
                out.append(
                    {
                        "educationEventId": event_id(p.type, oid),
                        "titleSv": title,
                        "provider": p.name,
                        "typeOfSchool": school,
                        "geographicalAreaCode": p.municipality,
                        "municipality": ref.municipality_by_code[p.municipality].name,
                        "startDate": start_date,
                        "semesterStart": semester,
                        "paceOfStudy": pace,
                        "distance": p.type != "gymnasieskola" and r.random() < 0.25,
                        "credits": {"universitet": "180.0", "yrkeshogskola": "400.0"}.get(p.type),
                        "creditsSystem": {"universitet": "hp", "yrkeshogskola": "yhp"}.get(p.type),
                        "executionCondition": "Dagtid",
                        "lastApplicationDate": _deadline(seed, oid, start),
                    }
                )
    out.sort(key=lambda o: o["educationEventId"])
    return out


def _page_links(req: Request, page: int, size: int, pages: int) -> dict[str, Any]:
    def link(number: int) -> dict[str, str]:
        params = [(k, ",".join(v)) for k, v in req.query.items() if k not in ("page", "size")]
        return {"href": req.url(req.path, [*params, ("page", str(number)), ("size", str(size))])}

    links = {"first": link(0), "self": link(page), "last": link(max(0, pages - 1))}
    if page > 0:
        links["prev"] = link(page - 1)
    if page + 1 < pages:
        links["next"] = link(page + 1)
    return links


def handle(req: Request) -> Response:
    """Route an education_offerings (Skolverket) request."""
    path = req.path.rstrip("/")
    if not path.startswith(API_ROOT + "/"):
        raise HttpError(404, f"no such path: {req.path}")
    accept = req.headers.get("accept", "*/*")
    if MEDIA_TYPE not in accept and "*/*" not in accept and "application/*" not in accept:
        raise HttpError(406, f"not acceptable: this API serves {MEDIA_TYPE}")
    parts = path[len(API_ROOT) + 1 :].split("/")
    endpoint = parts[0]
    if endpoint not in LISTS:
        raise HttpError(404, f"no such resource: {req.path}")
    today = req.sim.today
    munis = set(req.qlist("geographicalAreaCode")) | set(req.qlist("municipality"))
    selected = events(req.sim.seed, today, munis, set(req.qlist("typeOfSchool")), endpoint)
    if len(parts) == 2:  # the detail view: geographicalAreaCode is null there
        found = [e for e in events(req.sim.seed, today, set(), set(), endpoint) if e["educationEventId"] == parts[1]]
        if not found:
            raise HttpError(404, f"no event {parts[1]}")
        detail = {**found[0], "geographicalAreaCode": None}
        return Response(content_type=MEDIA_TYPE, body=dumps({"status": "OK", "message": None, "body": detail}))
    size = min(req.qint("size", 20, lo=1), MAX_SIZE)
    page = req.qint("page", 0, lo=0)
    pages = -(-len(selected) // size)
    window = selected[page * size : (page + 1) * size]
    if req.fault("empty_page"):
        window = []
    seed = req.sim.seed
    dup, bad = Picker(req, "duplicates"), Picker(req, "bad_codes")
    missing, pnr = Picker(req, "missing_fields"), Picker(req, "pnr_in_text")
    drift = req.fault("schema_drift")
    out = []
    for record in window:
        record = dict(record)
        key = record["educationEventId"]
        if bad(key):
            record["geographicalAreaCode"] = "9999"
        if missing(key):
            record["titleSv"] = None
        if pnr(key):
            record["titleSv"] = f"{record['titleSv']} (kontakt {personnummer(rng(seed, 'pnr', key))})"
        if drift:
            record = {("areaCode" if k == "geographicalAreaCode" else k): v for k, v in record.items()}
        out.append(record)
        if dup(key):
            out.append(record)
    body = {
        "status": "OK",
        "message": None,
        "body": {
            "_embedded": {LISTS[endpoint]: out},
            "_links": _page_links(req, page, size, pages),
            "page": {"size": size, "totalElements": len(selected), "totalPages": pages, "number": page},
        },
    }
    return Response(content_type=MEDIA_TYPE, body=dumps(body))
