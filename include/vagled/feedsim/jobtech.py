"""JobTech job ads: JobStream (``jobtech_jobstream``) and the enriched historical archives (``jobtech_historical``).

Volumes are national: at scale 1.0 a year holds about a million ads, of which the area's five
counties hold about 15 % (ADS_PER_YEAR_AREA), as in the real archives.

How ads exist without being stored: the ads published in one county on one day are a pure function
of (seed, scale, county, day). Each ad has a life: published, 0-2 updates, removed after 2-45 days.
A window query regenerates the days from (window start - the longest life) to the window end and
emits, for every ad with an event inside the window, its latest state in the window: a full ad for
a publication or update, a sparse removal object for a removal. Events after the sim's "now" have
not happened yet and are never served. Answers are streamed as they are generated.
"""

from __future__ import annotations

import bisect
import functools
import hashlib
import os
import re
import tempfile
import threading
import zipfile
from collections.abc import Iterable, Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any, NamedTuple

from vagled.feedsim.common import (
    HttpError,
    Picker,
    Request,
    Response,
    SimConfig,
    day_start,
    dumps,
    fake_concept_id,
    json_array_stream,
    local_date,
    local_str,
    municipality_centre,
    organisation_number,
    parse_time,
    personnummer,
    poisson,
    population,
    reference,
    rng,
    unit,
)
from vagled.feedsim.taxonomy import (
    AD_OCCUPATIONS,
    COUNTY_BOOST,
    DEPRECATED_NAME,
    SWEDEN_CONCEPT_ID,
    SWEDEN_COUNTRY_CODE,
    field_for_ssyk,
    municipality_concept_id,
    occupation_name_concept,
    region_concept_id,
    ssyk_concept_id,
)

ADS_PER_YEAR_AREA = 150_000  # at scale 1.0, in the area's counties
OTHER_COUNTIES_SHARE = 0.85  # ads elsewhere in Sweden: a national year is about a million ads
MAX_LIFETIME_DAYS = 47
FIRST_HISTORICAL_YEAR = 2016
ID_EPOCH = date(2015, 1, 1)
MONTH_FACTOR = {
    1: 1.10,
    2: 1.15,
    3: 1.15,
    4: 1.10,
    5: 1.05,
    6: 0.90,
    7: 0.50,
    8: 1.10,
    9: 1.15,
    10: 1.10,
    11: 1.00,
    12: 0.85,
}
YEAR_FACTOR = {
    2015: 0.85,
    2016: 0.85,
    2017: 0.92,
    2018: 0.97,
    2019: 0.95,
    2020: 0.78,
    2021: 0.95,
    2022: 1.12,
    2023: 1.05,
    2024: 0.95,
}


def day_factor(day: date) -> float:
    """Relative ad volume of a day: fewer in July, late December and at weekends; a yearly trend."""
    factor = MONTH_FACTOR[day.month]
    if day.month == 12 and day.day >= 20:
        factor = 0.35
    if day.weekday() == 5:
        factor *= 0.25
    elif day.weekday() == 6:
        factor *= 0.2
    return factor * YEAR_FACTOR.get(day.year, 1.0)


@functools.cache
def _base_per_day() -> float:
    """Ads per ordinary day at scale 1.0 (all of Sweden), so that the area's 2025 sums to ADS_PER_YEAR_AREA."""
    first = date(2025, 1, 1)
    total = sum(day_factor(first + timedelta(days=i)) for i in range(365))
    return ADS_PER_YEAR_AREA / total / (1 - OTHER_COUNTIES_SHARE)


class CountyModel(NamedTuple):
    slot: int
    weight: float  # share of all ads
    munis: tuple[str, ...]
    muni_cum: tuple[float, ...]
    ssyk: tuple[str, ...]
    ssyk_cum: tuple[float, ...]


@functools.cache
def county_model(county: str) -> CountyModel:
    """Where in the county and in which occupations its ads are (not seed dependent)."""
    ref = reference()
    counties = sorted(ref.counties)
    area = ref.area_counties
    area_pop = sum(population(m.code) for m in ref.area_municipalities)
    munis = ref.municipalities_in(county)
    pops = [population(m.code) for m in munis]
    if county in area:
        weight = sum(pops) / area_pop * (1 - OTHER_COUNTIES_SHARE)
    else:
        weight = OTHER_COUNTIES_SHARE / max(1, len(counties) - len(area))
    boost = COUNTY_BOOST.get(county, {})
    codes = tuple(sorted(AD_OCCUPATIONS))
    weights = [AD_OCCUPATIONS[c][0] * boost.get(c, 1.0) for c in codes]

    def cumulative(values: list[float]) -> tuple[float, ...]:
        out, acc = [], 0.0
        for v in values:
            acc += v
            out.append(acc)
        return tuple(out)

    return CountyModel(
        counties.index(county), weight, tuple(m.code for m in munis), cumulative(pops), codes, cumulative(weights)
    )


class Ad(NamedTuple):
    """The skeleton of one ad: enough to place its events in time and to filter it."""

    ad_id: int
    county: str
    muni: str
    ssyk: str
    name_idx: int
    day: date
    last_day: date
    events: tuple[int, ...]  # epoch ms: publication, updates..., removal (always last)

    @property
    def published_ms(self) -> int:
        return self.events[0]

    @property
    def removed_ms(self) -> int:
        return self.events[-1]


def _pick(cum: tuple[float, ...], x: float) -> int:
    return min(bisect.bisect_right(cum, x * cum[-1]), len(cum) - 1)


@functools.lru_cache(maxsize=8192)
def ads_for(seed: int, scale: float, county: str, day: date) -> tuple[Ad, ...]:
    """All ads published in a county on a day (before any 'now' cut-off)."""
    model = county_model(county)
    r = rng(seed, "jobtech", county, day.isoformat())
    lam = _base_per_day() * scale * day_factor(day) * model.weight
    count = min(poisson(r, lam), 1799)
    start = day_start(day)
    day_index = (day - ID_EPOCH).days
    out = []
    for i in range(count):
        ad_id = 10_000_000 + day_index * 40_000 + model.slot * 1_800 + i
        muni = model.munis[_pick(model.muni_cum, r.random())]
        ssyk = model.ssyk[_pick(model.ssyk_cum, r.random())]
        name_idx = r.randrange(len(AD_OCCUPATIONS[ssyk][1]))
        pub = int(start + 5 * 3600 + r.random() * 15 * 3600)
        life = r.randint(14, 45)
        last_day = day + timedelta(days=life)
        planned_end = int(day_start(last_day) + 86399)
        removed = int(pub + r.uniform(2, life) * 86400) if r.random() < 0.65 else planned_end
        removed = min(removed, planned_end)
        n_updates = r.choices((0, 1, 2), weights=(50, 35, 15))[0]
        updates = sorted({int(pub + r.uniform(0.05, 0.95) * (removed - pub)) for _ in range(n_updates)})
        jitter = (ad_id * 7919) % 1000  # sub-second part, so that timestamps rarely tie
        events = tuple(t * 1000 + jitter for t in (pub, *updates, removed))
        out.append(Ad(ad_id, county, muni, ssyk, name_idx, day, last_day, events))
    return tuple(out)


def _days(first: date, last: date) -> Iterator[date]:
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)


# -- quirks and content ----------------------------------------------------------------------------
def municipality_missing(seed: int, ad_id: int) -> bool:
    """'Ort ej angiven': only the county is given (about 2% of ads)."""
    return unit(seed, "quirk-muni", ad_id) < 0.02


_EMPLOYMENT_TYPES = (
    ("PFZr_Syz_cUq", "Vanlig anställning", "1"),
    ("Jh8f_q9J_pbJ", "Sommarjobb / feriejobb", "2"),
    ("1paU_aCR_nGn", "Behovsanställning", "4"),
)
_WORKING_HOURS = (("6YE1_gAC_R2G", "Heltid", "1"), ("947z_JGS_Uk2", "Deltid", "2"))
_DURATIONS = (
    ("a7uU_j21_mkL", "Tills vidare", "1"),
    ("9RGe_UxD_FZw", "12 månader - upp till 2 år", "9"),
    ("gJRb_akA_95y", "6 månader – upp till 12 månader", "3"),
    ("Xj7x_7yZ_jEn", "3 månader – upp till 6 månader", "4"),
)
_SALARY_TYPES = (
    ("oG8G_9cW_nRf", "Fast månads- vecko- eller timlön", "1"),
    ("vVtj_qm6_GQu", "Fast och rörlig lön", "2"),
    ("asmp_PF8_R9P", "Rörlig ackords- eller provisionslön", "3"),
)
_SOURCE_TYPES = ("VIA_AF_FORMULAR", "VIA_PLATSBANKEN_DXA", "VIA_ANNONSERA", "VIA_PLATSBANKEN_AD")
_FIRST_NAMES = (
    "Anna",
    "Eva",
    "Maria",
    "Karin",
    "Sara",
    "Lena",
    "Emma",
    "Johan",
    "Erik",
    "Lars",
    "Anders",
    "Peter",
    "Mikael",
    "Fredrik",
    "Ahmed",
    "Fatima",
    "Elin",
    "Oskar",
    "Linnea",
    "Jonas",
)
_LAST_NAMES = (
    "Andersson",
    "Johansson",
    "Karlsson",
    "Nilsson",
    "Eriksson",
    "Larsson",
    "Olsson",
    "Persson",
    "Svensson",
    "Gustafsson",
    "Lindqvist",
    "Berg",
    "Lind",
    "Holm",
    "Ali",
    "Hassan",
    "Ek",
    "Sjöberg",
)
_STREETS = (
    "Storgatan",
    "Kungsgatan",
    "Drottninggatan",
    "Industrigatan",
    "Järnvägsgatan",
    "Skolgatan",
    "Sjukhusvägen",
    "Verkstadsgatan",
    "Nygatan",
    "Torggatan",
    "Västra vägen",
    "Östra Ringvägen",
)
_PREFIXES = (
    "Nordic",
    "Mälardalens",
    "Svea",
    "Vasa",
    "Östgöta",
    "Bergslagens",
    "Uppländska",
    "Sörmlands",
    "Mälar",
    "Granit",
    "Björk",
    "Lind",
    "Nova",
    "Triton",
    "Aros",
    "Kvarn",
    "Stjärn",
    "Norrbro",
)
_SECTOR_WORDS = {
    "Hälso- och sjukvård": ("Vård", "Omsorg", "Hälsa"),
    "Pedagogik": ("Skola", "Utbildning", "Förskola"),
    "Data/IT": ("IT", "Data", "Systems", "Digital"),
    "Transport, distribution, lager": ("Logistik", "Transport", "Frakt"),
    "Hotell, restaurang, storhushåll": ("Restaurang", "Krog", "Catering"),
    "Bygg och anläggning": ("Bygg", "Entreprenad"),
    "Försäljning, inköp, marknadsföring": ("Handel", "Försäljning", "Butik"),
    "Yrken med teknisk inriktning": ("Teknik", "Ingenjörer", "Konsult"),
    "Industriell tillverkning": ("Industri", "Mekaniska"),
}
_REGION_NAMES = {
    "03": "Region Uppsala",
    "04": "Region Sörmland",
    "05": "Region Östergötland",
    "18": "Region Örebro län",
    "19": "Region Västmanland",
    "01": "Region Stockholm",
}
_MUNI_EMPLOYER = {
    "0580": "Linköpings kommun",
    "0581": "Norrköpings kommun",
    "1980": "Västerås stad",
    "0480": "Nyköpings kommun",
    "0483": "Katrineholms kommun",
    "0381": "Enköpings kommun",
    "1983": "Köpings kommun",
    "0583": "Motala kommun",
}
_SKILLS = (
    "Svenska i tal och skrift",
    "Körkort B",
    "Office-paketet",
    "Kundbemötande",
    "Dokumentation",
    "Truckkort A+B",
    "Python",
    "Java",
    "C#",
    "SQL",
    "Läkemedelshantering",
    "HACCP",
    "Projektledning",
    "Ekonomisystem",
    "Bokföring",
    "Elbehörighet",
    "Svetsning",
    "Lean",
)


def _taxo(item: tuple[str, str, str]) -> dict[str, str]:
    return {"concept_id": item[0], "label": item[1], "legacy_ams_taxonomy_id": item[2]}


def _employer(seed: int, ad: Ad, r: Any) -> tuple[str, str, str]:
    """(name, organisation number, kind): public care and schools mostly, private firms otherwise."""
    ref = reference()
    field_label = field_for_ssyk(ad.ssyk)[1]
    public = ad.ssyk[:2] in ("22", "32") or ad.ssyk[:3] in ("532", "533")
    municipal = ad.ssyk[:2] in ("23", "26", "34") or ad.ssyk[:3] in ("531", "534", "541")
    if public and r.random() < 0.7:
        name = _REGION_NAMES.get(ad.county) or f"Region {ref.counties[ad.county].removesuffix(' län')}"
        return name, organisation_number(rng(seed, "org", name), "2321"), "region"
    if municipal and r.random() < 0.75:
        muni = ref.municipality_by_code[ad.muni]
        name = _MUNI_EMPLOYER.get(ad.muni, f"{muni.name} kommun")
        return name, organisation_number(rng(seed, "org", name), "2120"), "municipality"
    # Private employers recur: one of 25 per county and field.
    idx = r.randrange(25)
    er = rng(seed, "employer", ad.county, field_label, idx)
    words = _SECTOR_WORDS.get(field_label, ("Service", "Partner", "Gruppen"))
    name = f"{er.choice(_PREFIXES)} {er.choice(words)} {er.choice(('AB', 'AB', 'i Sverige AB', 'Group AB'))}"
    return name, organisation_number(er, "55"), "private"


def _description(r: Any, occupation: str, employer: str, place: str) -> dict[str, str]:
    intro = (
        f"Vi söker nu en {occupation.lower()} till vår verksamhet i {place}. "
        f"{employer} växer och vi behöver förstärka vårt team med en engagerad kollega."
    )
    duties = r.sample(
        (
            "Du kommer att arbeta nära dina kollegor och ta eget ansvar för dina arbetsuppgifter.",
            "Arbetet innebär både planering, genomförande och uppföljning.",
            "Du dokumenterar ditt arbete enligt gällande rutiner.",
            "I rollen ingår att bidra till verksamhetens utveckling och kvalitetsarbete.",
            "Du har daglig kontakt med kunder, brukare eller elever.",
            "Schemat är förlagt dagtid med inslag av kvällar och helger.",
            "Introduktion och handledning ges av erfarna kollegor.",
            "Du arbetar i ett välfungerande team med högt i tak.",
        ),
        4,
    )
    needs = f"Vi behöver en {occupation.lower()} som trivs i ett högt tempo och tar initiativ."
    requirements = r.choice(
        (
            "Relevant utbildning och erfarenhet från liknande arbete. Goda kunskaper i svenska i tal och skrift.",
            "Avslutad gymnasieutbildning eller motsvarande. Körkort B är meriterande.",
            "Legitimation eller examen inom området krävs. Erfarenhet är meriterande.",
        )
    )
    conditions = r.choice(
        (
            "Heltid, tillsvidareanställning med inledande provanställning.",
            "Deltid 75 %, visstidsanställning med möjlighet till förlängning.",
            "Heltid, dagtid. Tillträde enligt överenskommelse.",
        )
    )
    company = (
        f"{employer} är en arbetsgivare med verksamhet i {place} och i regionen. "
        "Vi värnar om en god arbetsmiljö, kompetensutveckling och mångfald."
    )
    text = " ".join((intro, *duties, needs, requirements, conditions))
    formatted = "\n\n".join(
        (
            intro,
            "Arbetsuppgifter:\n" + "\n".join(f"- {d}" for d in duties),
            "Kvalifikationer:\n" + requirements,
            "Villkor:\n" + conditions,
        )
    )
    return {
        "text": text,
        "text_formatted": formatted,
        "company_information": company,
        "needs": needs,
        "requirements": requirements,
        "conditions": conditions,
    }


_TRAITS = ("noggrann", "social", "flexibel", "ansvarstagande", "stresstålig", "självständig", "positiv")
_COMPOUNDS = ("heltid tillsvidare", "erfarenhet av", "b-körkort", "goda kunskaper", "svenska i tal")


def _keywords(r: Any, ad: Ad, occupation: str, skills: list[str], place: str) -> dict[str, dict[str, list[str]]]:
    """keywords.enriched (JobAd Enrichments' selection) and keywords.extracted (every term found),
    lower-case terms per type, as JobSearch and the archives carry them."""
    traits = r.sample(_TRAITS, 2)
    skill_terms = [skill.lower() for skill in skills]
    extra = r.sample(_SKILLS, 2)
    return {
        "enriched": {
            "occupation": [occupation.lower()],
            "skill": skill_terms,
            "trait": traits[:1],
            "location": [place.lower()],
            "compound": [],
        },
        "extracted": {
            "occupation": [occupation.lower()],
            "skill": sorted({*skill_terms, *(term.lower() for term in extra)}),
            "trait": traits,
            "location": [place.lower()],
            "compound": r.sample(_COMPOUNDS, 1),
        },
    }


def _state_time(ad: Ad, state: int) -> int:
    return ad.events[state]


def full_ad(sim: SimConfig, ad: Ad, state: int, year_quirks: bool = False) -> dict[str, Any]:
    """The full ad object as of event `state` (0 = publication, 1.. = updates)."""
    seed = sim.seed
    r = rng(seed, "ad", ad.ad_id)
    ref = reference()
    muni = ref.municipality_by_code[ad.muni]
    county_name = ref.counties[ad.county]
    ssyk_label = ref.ssyk[ad.ssyk][1]
    names = AD_OCCUPATIONS[ad.ssyk][1]
    occupation = names[ad.name_idx]
    if year_quirks and ad.day.year < 2020 and ad.ssyk == DEPRECATED_NAME[0]:
        occupation = DEPRECATED_NAME[1]  # old ads carry the name that was later retired
    occ_id, occ_legacy = occupation_name_concept(ad.ssyk, occupation)
    field_id, field_label, field_legacy = field_for_ssyk(ad.ssyk)
    employer, orgnr, kind = _employer(seed, ad, r)
    missing_muni = municipality_missing(seed, ad.ad_id)
    lat, lon = municipality_centre(ad.muni)
    lat, lon = round(lat + (r.random() - 0.5) * 0.05, 6), round(lon + (r.random() - 0.5) * 0.08, 6)
    coordinates: list[float | None] = [lon, lat]
    if missing_muni or r.random() < 0.03:
        coordinates = [None, None]
    vacancies: int | None = r.choices((1, 1, 1, 2, 3, 5, 10), k=1)[0]
    if r.random() < 0.03:
        vacancies = None
    if vacancies is not None and state > 0:
        vacancies += state  # an update often adds positions
    employment = _EMPLOYMENT_TYPES[0] if r.random() < 0.85 else r.choice(_EMPLOYMENT_TYPES[1:])
    hours = _WORKING_HOURS[0] if r.random() < 0.75 else _WORKING_HOURS[1]
    duration = _DURATIONS[0] if employment is _EMPLOYMENT_TYPES[0] and r.random() < 0.8 else r.choice(_DURATIONS[1:])
    salary = _SALARY_TYPES[0] if r.random() < 0.85 else r.choice(_SALARY_TYPES[1:])
    description = _description(r, occupation, employer, muni.name)
    if state > 0:
        description["conditions"] += f" Uppdaterad annons ({state})."
    contact = f"{r.choice(_FIRST_NAMES)} {r.choice(_LAST_NAMES)}"
    domain = "".join(ch for ch in employer.lower() if ch.isalnum())[:20] + ".se"
    deadline = ad.last_day
    skills = [{"concept_id": fake_concept_id("skill", s), "label": s, "weight": 10} for s in r.sample(_SKILLS, 2)]
    obj: dict[str, Any] = {
        "id": str(ad.ad_id),
        "external_id": None if r.random() < 0.6 else f"{r.randrange(10**5, 10**6)}-{ad.ad_id % 997}",
        "webpage_url": f"https://arbetsformedlingen.se/platsbanken/annonser/{ad.ad_id}",
        "logo_url": None if r.random() < 0.5 else f"https://www.arbetsformedlingen.se/rest/arbetsgivare/logo/{orgnr}",
        "headline": f"{occupation} till {employer}" if r.random() < 0.5 else f"{occupation} sökes i {muni.name}",
        "application_deadline": f"{deadline.isoformat()}T00:00:00",
        "number_of_vacancies": vacancies,
        "description": description,
        "employment_type": _taxo(employment),
        "salary_type": _taxo(salary),
        "salary_description": r.choice(("Enligt överenskommelse", "Månadslön enligt kollektivavtal", "Timlön")),
        "duration": _taxo(duration),
        "working_hours_type": _taxo(hours),
        "scope_of_work": {"min": 100, "max": 100} if hours is _WORKING_HOURS[0] else {"min": 50, "max": 80},
        "access": r.choice((None, "Omgående", "Enligt överenskommelse")),
        "employer": {
            "phone_number": f"0{r.randrange(10, 99)}-{r.randrange(100000, 999999)}",
            "email": None if r.random() < 0.4 else f"rekrytering@{domain}",
            "url": None if r.random() < 0.3 else f"https://www.{domain}",
            "organization_number": orgnr,
            "name": employer,
            "workplace": employer if kind == "private" else f"{employer}, {occupation.split(',')[0]}",
        },
        "application_details": {
            "information": None,
            "reference": f"REF-{ad.ad_id % 100000}",
            "email": None if r.random() < 0.5 else f"jobb@{domain}",
            "via_af": r.random() < 0.3,
            "url": None if r.random() < 0.3 else f"https://www.{domain}/jobb/{ad.ad_id}",
            "other": None,
        },
        "experience_required": r.random() < 0.6,
        "access_to_own_car": r.random() < 0.2,
        "driving_license_required": ad.ssyk in ("8332", "8331", "5321") or r.random() < 0.1,
        "driving_license": [{"concept_id": "VTK8_WRx_GcM", "label": "B", "legacy_ams_taxonomy_id": "3"}]
        if ad.ssyk in ("8332", "5321")
        else None,
        "occupation": {"concept_id": occ_id, "label": occupation, "legacy_ams_taxonomy_id": occ_legacy},
        "occupation_group": {
            "concept_id": ssyk_concept_id(ad.ssyk),
            "label": ssyk_label,
            "legacy_ams_taxonomy_id": ad.ssyk,
        },
        "occupation_field": {"concept_id": field_id, "label": field_label, "legacy_ams_taxonomy_id": field_legacy},
        "workplace_address": {
            "municipality": None if missing_muni else muni.name,
            "municipality_code": None if missing_muni else muni.code,
            "municipality_concept_id": None if missing_muni else municipality_concept_id(muni.code),
            "region": county_name,
            "region_code": ad.county,
            "region_concept_id": region_concept_id(ad.county),
            "country": "Sverige",
            "country_code": SWEDEN_COUNTRY_CODE,
            "country_concept_id": SWEDEN_CONCEPT_ID,
            "street_address": None if missing_muni else f"{r.choice(_STREETS)} {r.randrange(1, 80)}",
            "postcode": None if missing_muni else f"{ad.county}{r.randrange(0, 999):03d}",
            "city": None if missing_muni else muni.name,
            "coordinates": coordinates,
        },
        "keywords": _keywords(r, ad, occupation, [s["label"] for s in skills], muni.name),
        "must_have": {
            "skills": skills[:1],
            "languages": [{"concept_id": "zSLA_vw2_FXN", "label": "Svenska", "weight": 10}],
            "work_experiences": [],
        },
        "nice_to_have": {
            "skills": skills[1:],
            "languages": [],
            "work_experiences": [{"concept_id": occ_id, "label": occupation, "weight": 5}],
        },
        "application_contacts": [
            {
                "name": contact,
                "description": "Rekryterande chef",
                "email": None,
                "telephone": f"0{r.randrange(10, 99)}-{r.randrange(100000, 999999)}",
                "contact_type": None,
            }
        ],
        "publication_date": local_str(ad.published_ms / 1000),
        "last_publication_date": f"{ad.last_day.isoformat()}T23:59:59",
        "removed": False,
        "removed_date": None,
        "source_type": _SOURCE_TYPES[ad.ad_id % len(_SOURCE_TYPES)],
        "timestamp": _state_time(ad, state),
    }
    return obj


def removal(sim: SimConfig, ad: Ad) -> dict[str, Any]:
    """The sparse removal object JobStream sends when an ad is closed: ids and codes, no text.

    About half are as small as a public client reported them: id, removed, removed_date, timestamp.
    """
    if unit(sim.seed, "sparse-removal", ad.ad_id) < 0.5:
        return {
            "id": str(ad.ad_id),
            "removed": True,
            "removed_date": local_str(ad.removed_ms / 1000),
            "timestamp": ad.removed_ms,
        }
    ref = reference()
    missing_muni = municipality_missing(sim.seed, ad.ad_id)
    names = AD_OCCUPATIONS[ad.ssyk][1]
    occ_id, occ_legacy = occupation_name_concept(ad.ssyk, names[ad.name_idx])
    field_id, field_label, field_legacy = field_for_ssyk(ad.ssyk)
    return {
        "id": str(ad.ad_id),
        "removed": True,
        "removed_date": local_str(ad.removed_ms / 1000),
        "occupation": {"concept_id": occ_id, "label": names[ad.name_idx], "legacy_ams_taxonomy_id": occ_legacy},
        "occupation_group": {
            "concept_id": ssyk_concept_id(ad.ssyk),
            "label": ref.ssyk[ad.ssyk][1],
            "legacy_ams_taxonomy_id": ad.ssyk,
        },
        "occupation_field": {"concept_id": field_id, "label": field_label, "legacy_ams_taxonomy_id": field_legacy},
        "workplace_address": {
            "municipality_code": None if missing_muni else ad.muni,
            "municipality_concept_id": None if missing_muni else municipality_concept_id(ad.muni),
            "region_code": ad.county,
            "region_concept_id": region_concept_id(ad.county),
            "country_code": SWEDEN_COUNTRY_CODE,
            "country_concept_id": SWEDEN_CONCEPT_ID,
        },
        "timestamp": ad.removed_ms,
    }


# -- selection -----------------------------------------------------------------------------------
class Filters(NamedTuple):
    locations: frozenset[str]
    occupations: frozenset[str]

    def counties(self) -> list[str]:
        """Counties that can hold a matching ad (all when no location filter)."""
        ref = reference()
        if not self.locations:
            return sorted(ref.counties)
        out = set()
        for code in ref.counties:
            if region_concept_id(code) in self.locations:
                out.add(code)
        for m in ref.municipalities:
            if municipality_concept_id(m.code) in self.locations:
                out.add(m.county_code)
        return sorted(out)

    def match(self, seed: int, ad: Ad) -> bool:
        if self.locations:
            muni_id = None if municipality_missing(seed, ad.ad_id) else municipality_concept_id(ad.muni)
            if region_concept_id(ad.county) not in self.locations and muni_id not in self.locations:
                return False
        if self.occupations:
            occ_id = occupation_name_concept(ad.ssyk, AD_OCCUPATIONS[ad.ssyk][1][ad.name_idx])[0]
            ids = {occ_id, ssyk_concept_id(ad.ssyk), field_for_ssyk(ad.ssyk)[0]}
            if not ids & self.occupations:
                return False
        return True


def _filters(req: Request) -> Filters:
    occupations = set(req.qlist("occupation-concept-id"))
    for name in ("occupation-group-concept-id", "occupation-field-concept-id"):
        occupations.update(req.qlist(name))
    return Filters(frozenset(req.qlist("location-concept-id")), frozenset(occupations))


def _time_param(req: Request, *names: str, required: bool = False) -> int | None:
    for name in names:
        raw = req.q(name)
        if raw:
            try:
                return int(parse_time(raw).timestamp() * 1000)
            except ValueError as exc:
                raise HttpError(400, f"{name}: not a time: {raw!r} (expected YYYY-MM-DDTHH:MM:SS)") from exc
    if required:
        raise HttpError(400, f"{names[0]} is required (YYYY-MM-DDTHH:MM:SS, Europe/Stockholm time)")
    return None


def window_events(sim: SimConfig, after_ms: int, before_ms: int, filters: Filters) -> list[tuple[int, int, Ad, int]]:
    """Every ad with an event in (after, before], with its latest such event: (ms, id, ad, state).

    state is the event index: 0 publication, 1.. updates, -1 the removal.
    """
    end_ms = min(before_ms, int(sim.now_ts * 1000))
    if end_ms <= after_ms:
        return []
    first = local_date(after_ms / 1000) - timedelta(days=MAX_LIFETIME_DAYS + 1)
    last = local_date(end_ms / 1000)
    counties = filters.counties()
    found = []
    for day in _days(first, last):
        for county in counties:
            for ad in ads_for(sim.seed, sim.scale, county, day):
                if ad.published_ms > end_ms or ad.removed_ms <= after_ms:
                    continue
                for index in range(len(ad.events) - 1, -1, -1):
                    ms = ad.events[index]
                    if after_ms < ms <= end_ms:
                        if filters.match(sim.seed, ad):
                            state = -1 if index == len(ad.events) - 1 else index
                            found.append((ms, ad.ad_id, ad, state))
                        break
                    if ms <= after_ms:
                        break
    found.sort(key=lambda item: (item[0], item[1]))
    return found


def current_ads(sim: SimConfig, at_ms: int, filters: Filters) -> list[tuple[int, int, Ad, int]]:
    """Ads open at a time, with their state then: (publication ms, id, ad, state)."""
    at_ms = min(at_ms, int(sim.now_ts * 1000))
    last = local_date(at_ms / 1000)
    first = last - timedelta(days=MAX_LIFETIME_DAYS + 1)
    found = []
    for day in _days(first, last):
        for county in filters.counties():
            for ad in ads_for(sim.seed, sim.scale, county, day):
                if ad.published_ms <= at_ms < ad.removed_ms and filters.match(sim.seed, ad):
                    state = max(i for i, ms in enumerate(ad.events[:-1]) if ms <= at_ms)
                    found.append((ad.published_ms, ad.ad_id, ad, state))
    found.sort(key=lambda item: (item[0], item[1]))
    return found


# -- data faults ---------------------------------------------------------------------------------
def _records_with_faults(req: Request, records: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """Apply the asked-for data faults record by record, keeping the stream lazy."""
    if req.fault("empty_page"):
        return
    dup, bad, neg = Picker(req, "duplicates"), Picker(req, "bad_codes"), Picker(req, "negative_counts")
    missing, pnr = Picker(req, "missing_fields"), Picker(req, "pnr_in_text")
    drift = req.fault("schema_drift")
    for record in records:
        key = (record.get("id") or record.get("original_id"), record.get("timestamp"))
        full = "headline" in record
        if bad(key):
            address = record.get("workplace_address") or {}
            if unit(req.sim.seed, "bad-kind", key) < 0.5 or not full:
                address["municipality_code"] = "9999"
            elif isinstance(record.get("occupation_group"), dict):
                record["occupation_group"]["legacy_ams_taxonomy_id"] = "9999"
        if full and record.get("number_of_vacancies") is not None and neg(key):
            record["number_of_vacancies"] = -record["number_of_vacancies"]
        if missing(key):
            for name in ("publication_date", "occupation_group", "headline") if full else ("removed_date",):
                record.pop(name, None)
        if full and pnr(key):
            number = personnummer(rng(req.sim.seed, "pnr", key))
            record["description"]["text"] += f" Frågor besvaras av vår kontaktperson, personnummer {number}."
        if drift:
            old, new = ("headline", "title") if full else ("removed_date", "removal_date")
            record = {(new if k == old else k): v for k, v in record.items()}
        yield record
        if dup(key):
            yield record


# -- JobStream -----------------------------------------------------------------------------------
def _stream(req: Request) -> Response:
    after = _time_param(req, "updated-after", "date", required=True)
    before = _time_param(req, "updated-before", "updated-before-date") or int(req.sim.now_ts * 1000)
    if before <= after:
        raise HttpError(400, "updated-before must be later than updated-after")
    sim = req.sim
    events = window_events(sim, after, before, _filters(req))
    records = (removal(sim, ad) if state == -1 else full_ad(sim, ad, state) for _, _, ad, state in events)
    return Response(body=json_array_stream(_records_with_faults(req, records)))


def _snapshot(req: Request) -> Response:
    at = _time_param(req, "date", "snapshot-date") or int(req.sim.now_ts * 1000)
    sim = req.sim
    ads = current_ads(sim, at, _filters(req))
    records = (full_ad(sim, ad, state) for _, _, ad, state in ads)
    return Response(body=json_array_stream(_records_with_faults(req, records)))


def handle_stream(req: Request) -> Response:
    """Route a jobtech_jobstream request (v2 paths; the v1 paths without /v2 are aliases)."""
    path = req.path.rstrip("/")
    if path in ("/v2/stream", "/stream"):
        return _stream(req)
    if path in ("/v2/snapshot", "/snapshot"):
        return _snapshot(req)
    raise HttpError(404, f"no such JobStream endpoint: {req.path}")


# -- historical files ----------------------------------------------------------------------------
def _old_shape(obj: dict[str, Any], seed: int, ad_id: int) -> dict[str, Any]:
    """Years <= 2018: taxonomy fields are lists, occupation_group sometimes null, some fields absent."""
    for name in ("occupation", "occupation_field", "employment_type", "working_hours_type", "duration", "salary_type"):
        if isinstance(obj.get(name), dict):
            obj[name] = [obj[name]]
    if unit(seed, "old-group", ad_id) < 0.2:
        obj["occupation_group"] = None
    for name in ("application_contacts", "logo_url", "access_to_own_car", "nice_to_have"):
        obj.pop(name, None)
    return obj


def historical_record(sim: SimConfig, ad: Ad) -> dict[str, Any]:
    """One line of a yearly file: the ad's final full state; id from content, original_id = ad id."""
    state = len(ad.events) - 2
    obj = full_ad(sim, ad, state, year_quirks=True)
    now_ms = int(sim.now_ts * 1000)
    if ad.removed_ms <= now_ms:
        obj["removed"] = True
        obj["removed_date"] = local_str(ad.removed_ms / 1000)
        obj["timestamp"] = ad.removed_ms
    if ad.day.year <= 2018:
        obj = _old_shape(obj, sim.seed, ad.ad_id)
    obj["original_id"] = obj.pop("id")
    content_id = hashlib.sha1(dumps(obj)).hexdigest()
    return {"id": content_id, **obj}


def expected_ads(sim: SimConfig, year: int) -> int:
    """The expected number of ads in a year (the mean of the generator, not a count)."""
    last = min(date(year, 12, 31), sim.today)
    total_weight = sum(county_model(c).weight for c in reference().counties)
    days = sum(day_factor(d) for d in _days(date(year, 1, 1), last))
    return round(_base_per_day() * sim.scale * total_weight * days)


ARCHIVE_DIR = "/annonser/historiska/berikade/kompletta/"
ARCHIVE_SUFFIX = "_beta1_jsonl.zip"
# Faults of the archives (docs/feedsim.md): they change the bytes of a served ZIP, or the index.
ARCHIVE_FAULTS = ("archive_cut", "corrupt_zip", "member_not_jsonl")
_BUILD_LOCK = threading.Lock()


def archive_periods(sim: SimConfig) -> list[tuple[int, int | None]]:
    """What the index lists: a yearly archive per complete year, the running year's complete quarters."""
    today = sim.today
    periods: list[tuple[int, int | None]] = [(year, None) for year in range(FIRST_HISTORICAL_YEAR, today.year)]
    periods += [(today.year, q) for q in range(1, 5) if _period_days(sim, today.year, q, cut=False)[1] < today]
    return periods


def _label(year: int, quarter: int | None) -> str:
    return f"{year}-Q{quarter}" if quarter else str(year)


def _period_days(sim: SimConfig, year: int, quarter: int | None, *, cut: bool = True) -> tuple[date, date]:
    if quarter is None:
        return date(year, 1, 1), date(year, 12, 31)
    first = date(year, 3 * quarter - 2, 1)
    last = (date(year, 3 * quarter, 28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    return first, min(last, sim.today) if cut else last


def archive_records(
    sim: SimConfig, year: int, quarter: int | None, counties: Iterable[str] | None = None
) -> Iterator[dict[str, Any]]:
    """Every ad published in the archive's period, day by day in publication order, as it last stood.

    ``counties`` limits it to some counties' ads (the bench's area-only files); the archive holds all.
    """
    now_ms = int(sim.now_ts * 1000)
    counties = sorted(counties or reference().counties)
    first, last = _period_days(sim, year, quarter)
    for day in _days(first, min(last, sim.today)):
        ads = [
            ad for county in counties for ad in ads_for(sim.seed, sim.scale, county, day) if ad.published_ms <= now_ms
        ]
        ads.sort(key=lambda ad: (ad.published_ms, ad.ad_id))
        for ad in ads:
            yield historical_record(sim, ad)


def _cache_dir() -> Path:
    folder = Path(os.environ.get("VAGLED_FEEDSIM_CACHE") or Path(tempfile.gettempdir()) / "vagled-feedsim")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _code_version() -> str:
    digest = hashlib.sha256()
    for source in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(source.read_bytes())
    return digest.hexdigest()[:12]


def build_archive(req: Request, year: int, quarter: int | None) -> Path:
    """The ZIP of a period on disk, built once per (seed, scale, now, data faults, feedsim code).

    One member, ``{period}.enriched.jsonl``, deflated; written as a stream (memory stays small
    whatever the year's size). Data faults asked for are applied to its records, and
    ``member_not_jsonl`` writes the member as one JSON array instead of lines.
    """
    from vagled.feedsim.faults import DATA_FAULTS

    sim = req.sim
    data_faults = sorted((req.faults & DATA_FAULTS) | (req.faults & {"member_not_jsonl"}))
    key = hashlib.sha256(
        repr((sim.seed, sim.scale, sim.now_ts, year, quarter, data_faults, _code_version())).encode()
    ).hexdigest()[:20]
    label = _label(year, quarter)
    path = _cache_dir() / f"{label}{ARCHIVE_SUFFIX}.{key}"
    with _BUILD_LOCK:
        if path.exists():
            req.claimed.update(data_faults)
            return path
        # A name of this process's own: two feedsims (two test sessions) building the same archive
        # at once must not write into one file; the finished file is moved into place whole.
        partial = path.with_name(f"{path.name}.building.{os.getpid()}.{threading.get_ident()}")
        records = _records_with_faults(req, archive_records(sim, year, quarter))
        as_array = req.fault("member_not_jsonl")
        recode = req.fault("wrong_encoding")
        with (
            zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as archive,
            archive.open(f"{label}.enriched.jsonl", "w", force_zip64=True) as member,
        ):
            member.write(b"[\n" if as_array else b"")
            first = True
            for record in records:
                line = dumps(record)
                if recode:
                    line = line.decode("utf-8").encode("cp1252", "replace")
                if as_array:
                    member.write((b"" if first else b",\n") + line)
                else:
                    member.write(line + b"\n")
                first = False
            if as_array:
                member.write(b"\n]\n")
        partial.replace(path)
    return path


def _file_body(path: Path, start: int, stop: int) -> Iterator[bytes]:
    with path.open("rb") as handle:
        handle.seek(start)
        left = stop - start
        while left > 0:
            block = handle.read(min(1024 * 1024, left))
            if not block:
                return
            left -= len(block)
            yield block


def _corrupt(body: Iterator[bytes], size: int) -> Iterator[bytes]:
    """Zero 4 KB in the middle of the compressed member: the ZIP opens, its data does not decode."""
    at, sent = size // 2, 0
    for block in body:
        if sent <= at < sent + len(block):
            offset = at - sent
            block = block[:offset] + bytes(min(4096, len(block) - offset)) + block[offset + 4096 :]
        sent += len(block)
        yield block


def _serve_archive(req: Request, year: int, quarter: int | None) -> Response:
    path = build_archive(req, year, quarter)
    size = path.stat().st_size
    start, stop, status = 0, size, 200
    headers = [
        ("Accept-Ranges", "bytes"),
        ("Content-Disposition", f'attachment; filename="{_label(year, quarter)}{ARCHIVE_SUFFIX}"'),
    ]
    wanted = req.headers.get("Range") or req.headers.get("range")
    if wanted:
        match = re.fullmatch(r"bytes=(\d+)-(\d*)", wanted.strip())
        if match is None:
            raise HttpError(416, f"unsupported Range {wanted!r}")
        start = int(match[1])
        stop = min(size, int(match[2]) + 1) if match[2] else size
        if start >= size:
            raise HttpError(416, f"Range {wanted!r} starts past the end of {size} bytes")
        status = 206
        headers.append(("Content-Range", f"bytes {start}-{stop - 1}/{size}"))
    headers.append(("Content-Length", str(stop - start)))
    body: Iterator[bytes] = _file_body(path, start, stop)
    if req.fault("corrupt_zip"):
        body = _corrupt(body, size - start)
    if req.fault("archive_cut"):
        # The answer announces the whole length, then the connection closes part-way.
        headers.append(("X-Feedsim-Cut-After", str(max(1, (stop - start) * 2 // 5))))
    return Response(status=status, content_type="application/zip", body=body, headers=headers)


def _index_page(req: Request) -> Response:
    """The archive folder's HTML index: one link per file, as a web server lists a folder."""
    periods = archive_periods(req.sim)
    if req.fault("index_missing_year"):
        complete = [p for p in periods if p[1] is None]
        periods = [p for p in periods if p != complete[-1]] if complete else periods
    rows = "\n".join(
        f'<tr><td><a href="{_label(y, q)}{ARCHIVE_SUFFIX}">{_label(y, q)}{ARCHIVE_SUFFIX}</a></td></tr>'
        for y, q in periods
    )
    html = (
        '<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>Index of '
        f"{ARCHIVE_DIR}</title></head>\n<body><h1>Index of {ARCHIVE_DIR}</h1>\n"
        f'<table>\n<tr><td><a href="../">../</a></td></tr>\n{rows}\n</table>\n</body></html>\n'
    )
    return Response(content_type="text/html; charset=utf-8", body=html.encode())


def handle_historical(req: Request) -> Response:
    """Route a jobtech_historical request: the archive index page and the ZIP archives."""
    path = req.path
    if path.rstrip("/") + "/" == ARCHIVE_DIR:
        return _index_page(req)
    if path.startswith(ARCHIVE_DIR):
        name = path[len(ARCHIVE_DIR) :]
        match = re.fullmatch(r"(\d{4})(?:-Q([1-4]))?" + re.escape(ARCHIVE_SUFFIX), name)
        if match:
            period = (int(match[1]), int(match[2]) if match[2] else None)
            if period not in archive_periods(req.sim):
                raise HttpError(404, f"no such archive: {name}", content_type="text/html; charset=utf-8")
            return _serve_archive(req, *period)
    raise HttpError(404, f"no such file: {req.path}", content_type="text/html; charset=utf-8")
