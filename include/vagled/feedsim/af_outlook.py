"""Arbetsförmedlingen's occupational outlook, yrkesbarometer (``af_outlook``).

``GET /yrkesbarometer?ar=2026&halvar=2[&lan=18][&ssyk=2512]`` -> a JSON list of records, one per
occupation (SSYK 4) and county. Published twice a year: halvår 1 on 1 June, halvår 2 on 15 October;
``GET /yrkesbarometer/omgangar`` lists the published rounds. The record fields are inferred (see
shared/feeds): ssyk, yrke, lanskod, lan, ar, halvar, bristindex (1.0-5.0), bedomning (5 steps),
prognos_1ar, prognos_5ar.
"""

from __future__ import annotations

import functools
from datetime import date

from vagled.feedsim.common import HttpError, Picker, Request, Response, dumps, reference, rng, unit
from vagled.feedsim.taxonomy import AD_OCCUPATIONS

FIRST_YEAR = 2016
ASSESSMENTS = ("mycket stort överskott", "överskott", "balans", "stor brist", "mycket stor brist")
OUTLOOKS = ("minskad efterfrågan", "oförändrad efterfrågan", "ökad efterfrågan")
# Shortage levels of well-known occupations; the rest get a seeded level.
_BASE = {
    "2221": 4.6,
    "2239": 4.7,
    "2211": 4.5,
    "2341": 4.1,
    "2343": 4.3,
    "2330": 3.9,
    "5321": 4.0,
    "2512": 3.6,
    "2511": 3.5,
    "8332": 3.9,
    "8331": 4.0,
    "5120": 3.6,
    "9412": 2.4,
    "5222": 2.2,
    "5223": 2.3,
    "5230": 2.0,
    "4322": 2.3,
    "7411": 4.2,
    "7111": 3.6,
    "2144": 3.9,
    "2143": 4.2,
    "9111": 2.3,
    "4222": 2.1,
    "5343": 2.8,
}


def published_rounds(today: date) -> list[tuple[int, int]]:
    out = []
    for year in range(FIRST_YEAR, today.year + 1):
        if date(year, 6, 1) <= today:
            out.append((year, 1))
        if date(year, 10, 15) <= today:
            out.append((year, 2))
    return out


@functools.cache
def occupations() -> tuple[str, ...]:
    """The about 200 SSYK 4 codes the barometer covers: the ad occupations plus a fixed share."""
    codes = reference().ssyk_codes(4)
    chosen = {c for c in codes if c in AD_OCCUPATIONS or (not c.startswith("0") and unit("yb", c) < 0.42)}
    return tuple(sorted(chosen))


def _assessment(index: float) -> str:
    return ASSESSMENTS[min(4, max(0, round(index) - 1))]


def records(seed: int, year: int, half: int, counties: list[str], ssyk: set[str] | None) -> list[dict[str, object]]:
    ref = reference()
    out = []
    for county in counties:
        for code in occupations():
            if ssyk and code not in ssyk:
                continue
            base = _BASE.get(code, 1.8 + unit(seed, "yb-base", code) * 2.6)
            r = rng(seed, "yb", code, county, year, half)
            trend = (unit(seed, "yb-trend", code) - 0.5) * 0.08 * (year - 2021)
            index = round(min(5.0, max(1.0, base + trend + r.uniform(-0.3, 0.3))), 2)
            one = OUTLOOKS[0 if index < 2.0 else (2 if index > 3.8 and r.random() < 0.7 else 1)]
            five = OUTLOOKS[2 if index > 3.5 else (0 if index < 2.2 and r.random() < 0.6 else 1)]
            out.append(
                {
                    "ssyk": code,
                    "yrke": ref.ssyk[code][1],
                    "lanskod": county,
                    "lan": ref.counties[county],
                    "ar": year,
                    "halvar": half,
                    "bristindex": index,
                    "bedomning": _assessment(index),
                    "prognos_1ar": one,
                    "prognos_5ar": five,
                }
            )
    return out


def handle(req: Request) -> Response:
    """Route an af_outlook request."""
    path = req.path.rstrip("/")
    rounds = published_rounds(req.sim.today)
    if path == "/yrkesbarometer/omgangar":
        return Response(body=dumps([{"ar": y, "halvar": h} for y, h in rounds]))
    if path != "/yrkesbarometer":
        raise HttpError(404, f"no such path: {req.path}")
    latest = rounds[-1]
    year = req.qint("ar", latest[0])
    half = req.qint("halvar", latest[1] if year == latest[0] else 2, lo=1, hi=2)
    if (year, half) not in rounds:
        raise HttpError(404, f"no yrkesbarometer published for {year} halvår {half}")
    counties = req.qlist("lan") or sorted(reference().counties)
    unknown = [c for c in counties if c not in reference().counties]
    if unknown:
        raise HttpError(400, f"unknown county code(s): {', '.join(unknown)}")
    selected = records(req.sim.seed, year, half, counties, set(req.qlist("ssyk")) or None)
    if req.fault("empty_page"):
        selected = []
    dup, bad, missing = Picker(req, "duplicates"), Picker(req, "bad_codes"), Picker(req, "missing_fields")
    drift = req.fault("schema_drift")
    out = []
    for record in selected:
        key = (record["ssyk"], record["lanskod"], year, half)
        if bad(key):
            record["ssyk"] = "0000" if unit(req.sim.seed, "bad", key) < 0.5 else "99"
        if missing(key):
            record.pop("bristindex")
        if drift:
            record = {("brist_index" if k == "bristindex" else k): v for k, v in record.items()}
        out.append(record)
        if dup(key):
            out.append(dict(record))
    return Response(body=dumps(out))
