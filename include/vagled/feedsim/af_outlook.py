"""Arbetsförmedlingen's yrkesbarometer (``af_outlook`` = data.arbetsformedlingen.se).

``GET /prognoser/yrkesbarometer.json``: one static JSON array of the *current* round only, one
row per barometer occupation and area (the nation ``00`` and the 21 counties); past rounds cannot
be fetched again (shared/feeds section 5). Fields: yrkesomrade, yb_yrke, yb_concept_id, lan, ssyk,
ssyk_text, yb_beskrivning, jobbmojligheter (små | medelstora | stora | null), rekryteringssituation
(överskott | balans | brist | paradox | null), paradox (a list of reasons), prognos (öka | vara
oförändrad | minska | null), text_jobbmojligheter, text_rekryteringssituation,
hogsta_bedomningsniva, delvis_helt (delvis | helt), omgang ("2026-1"), taxonomi_version.

The sim's rounds: ``YYYY-1`` out on 1 June, ``YYYY-2`` on 1 December. Several barometer
occupations share one SSYK code (delvis); some areas have null assessments; some rows are a
paradox with reasons. The reasons' wording is the sim's own (the real list is unconfirmed).
Faults: schema_drift renames rekryteringssituation, missing_fields drops it from some rows,
bad_codes writes an unknown SSYK code, duplicates repeats rows, empty_page answers ``[]``.
"""

from __future__ import annotations

import functools
from datetime import date

from vagled.feedsim.common import HttpError, Picker, Request, Response, dumps, fake_concept_id, reference, rng, unit
from vagled.feedsim.taxonomy import AD_OCCUPATIONS, OCCUPATION_FIELDS

PATH = "/prognoser/yrkesbarometer.json"
JOBS = ("små", "medelstora", "stora")
RECRUITMENT = ("överskott", "balans", "brist")
FORECAST = ("minska", "vara oförändrad", "öka")
PARADOX_REASONS = ("Arbetsvillkor", "Geografiskt läge", "Krav på erfarenhet", "Krav på körkort")
# Barometer occupations that share one SSYK code (each maps to it 'delvis').
SHARED = {
    "5120": ("Kockar", "Kallskänkor"),
    "2341": ("Grundskollärare, årskurs 1-3", "Grundskollärare, årskurs 4-6"),
}
# Well-known shortage and surplus occupations; the rest get a seeded level.
_LEVEL = {"2221": 2, "2341": 2, "2512": 1, "5321": 2, "7411": 2, "9412": 0, "5230": 0, "4222": 0}


def current_round(today: date) -> str:
    if today >= date(today.year, 12, 1):
        return f"{today.year}-2"
    if today >= date(today.year, 6, 1):
        return f"{today.year}-1"
    return f"{today.year - 1}-2"


@functools.cache
def occupations() -> tuple[tuple[str, str, str, str], ...]:
    """(yb_concept_id, yb_yrke, ssyk, delvis_helt) of the about 200 barometer occupations."""
    ref = reference()
    codes = [c for c in ref.ssyk_codes(4) if not c.startswith("0") and (c in AD_OCCUPATIONS or unit("yb", c) < 0.4)]
    out = []
    for code in codes[:219]:
        names = SHARED.get(code)
        if names:
            out += [(fake_concept_id("yb", name), name, code, "delvis") for name in names]
        else:
            out.append((fake_concept_id("yb", code), ref.ssyk[code][1], code, "helt"))
    return tuple(out)


def _area(code: str) -> str:
    return OCCUPATION_FIELDS[int(code[0]) * 2 % len(OCCUPATION_FIELDS)][1]


def records(seed: int, omgang: str) -> list[dict[str, object]]:
    ref = reference()
    year = int(omgang[:4])
    out = []
    for concept, name, ssyk, mapping in occupations():
        base = _LEVEL.get(ssyk, int(unit(seed, "yb-level", ssyk) * 3))
        for lan in ["00", *sorted(ref.counties)]:
            r = rng(seed, "yb", concept, lan, omgang)
            level = min(2, max(0, base + (1 if r.random() < 0.15 else 0) - (1 if r.random() < 0.15 else 0)))
            assessed = lan == "00" or unit(seed, "yb-assessed", concept, lan) > 0.08
            paradox = assessed and level == 2 and unit(seed, "yb-paradox", concept, lan, year) < 0.06
            recruitment = ("paradox" if paradox else RECRUITMENT[level]) if assessed else None
            out.append(
                {
                    "yrkesomrade": _area(ssyk),
                    "yb_yrke": name,
                    "yb_concept_id": concept,
                    "lan": lan,
                    "ssyk": ssyk,
                    "ssyk_text": ref.ssyk[ssyk][1],
                    "yb_beskrivning": f"{name}: arbetsuppgifter och utbildning.",
                    "jobbmojligheter": JOBS[2 - level] if assessed else None,
                    "rekryteringssituation": recruitment,
                    "paradox": sorted(r.sample(PARADOX_REASONS, 2)) if paradox else [],
                    "prognos": FORECAST[min(2, level + (r.random() < 0.3))] if assessed else None,
                    "text_jobbmojligheter": "Bedömningen gäller det närmaste året." if assessed else None,
                    "text_rekryteringssituation": None,
                    "hogsta_bedomningsniva": "län" if lan != "00" else "riket",
                    "delvis_helt": mapping,
                    "omgang": omgang,
                    "taxonomi_version": 29,
                }
            )
    return out


def handle(req: Request) -> Response:
    """Route an af_outlook request: the one file of the current round."""
    if req.path != PATH:
        raise HttpError(404, f"no such path: {req.path}")
    omgang = current_round(req.sim.today)
    rows = [] if req.fault("empty_page") else records(req.sim.seed, omgang)
    dup, bad, missing = Picker(req, "duplicates"), Picker(req, "bad_codes"), Picker(req, "missing_fields")
    drift = req.fault("schema_drift")
    out = []
    for row in rows:
        key = (row["yb_concept_id"], row["lan"])
        if bad(key):
            row["ssyk"] = "0000"
        if missing(key):
            row.pop("rekryteringssituation")
        if drift:
            row = {("rekrytering_situation" if k == "rekryteringssituation" else k): v for k, v in row.items()}
        out.append(row)
        if dup(key):
            out.append(dict(row))
    return Response(body=dumps(out))
