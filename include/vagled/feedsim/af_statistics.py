"""Arbetsförmedlingen's monthly job-seeker statistics (``af_statistics``): one CSV file per month.

Format (inferred, see shared/feeds): semicolon-separated, UTF-8 with a byte-order mark, CRLF line
ends, header ``År;Månad;Länskod;Län;Kommunkod;Kommun;Grupp;Antal``; one row per municipality (all
290) and group. Codes keep their leading zeros. A month is published on the 10th of the next month;
the listing and the files only show months published by the sim's "now".
"""

from __future__ import annotations

import csv
import io
from datetime import date

from vagled.feedsim.common import HttpError, Picker, Request, Response, dumps, population, reference, rng, unit

FIRST_MONTH = (2016, 1)
HEADER = ("År", "Månad", "Länskod", "Län", "Kommunkod", "Kommun", "Grupp", "Antal")
GROUPS = (
    "Totalt",
    "Ungdomar 18-24 år",
    "Utrikes födda",
    "Funktionsnedsättning som medför nedsatt arbetsförmåga",
    "Långtidsarbetslösa (>12 mån)",
)
# Registered job seekers vary over the year: more in summer (students) and January.
_SEASON = {
    1: 1.06,
    2: 1.04,
    3: 1.01,
    4: 0.98,
    5: 0.96,
    6: 1.05,
    7: 1.09,
    8: 1.03,
    9: 0.96,
    10: 0.95,
    11: 0.96,
    12: 1.00,
}
_YEAR = {
    2016: 1.02,
    2017: 0.98,
    2018: 0.94,
    2019: 0.96,
    2020: 1.18,
    2021: 1.12,
    2022: 0.98,
    2023: 0.97,
    2024: 1.03,
    2025: 1.06,
    2026: 1.04,
}


def published_months(today: date) -> list[tuple[int, int]]:
    """Months whose file is out by `today` (published on the 10th of the following month)."""
    out = []
    year, month = FIRST_MONTH
    while True:
        pub_year, pub_month = (year + 1, 1) if month == 12 else (year, month + 1)
        if date(pub_year, pub_month, 10) > today:
            return out
        out.append((year, month))
        year, month = pub_year, pub_month


def counts(seed: int, code: str, year: int, month: int) -> dict[str, int]:
    """Job seekers per group in a municipality and month: ~6-7% of the working-age population."""
    working_age = population(code, year) * 0.6
    base_rate = 0.025 + unit(seed, "afs-rate", code) * 0.055  # municipality level, 2.5-8 %
    r = rng(seed, "afs", code, year, month)
    total = working_age * base_rate * _SEASON[month] * _YEAR.get(year, 1.0) * r.uniform(0.96, 1.04)
    shares = {
        "Ungdomar 18-24 år": 0.04 + unit(seed, "afs-youth", code) * 0.09,
        "Utrikes födda": 0.35 + unit(seed, "afs-foreign", code) * 0.25,
        "Funktionsnedsättning som medför nedsatt arbetsförmåga": 0.16 + unit(seed, "afs-disab", code) * 0.10,
        "Långtidsarbetslösa (>12 mån)": 0.25 + unit(seed, "afs-long", code) * 0.15,
    }
    if month in (6, 7, 8):
        shares["Ungdomar 18-24 år"] *= 1.25
    if working_age < 4_000:  # the young move away from the smallest municipalities
        shares["Ungdomar 18-24 år"] *= 0.6
    out = {"Totalt": round(total)}
    for group, share in shares.items():
        out[group] = max(0, round(total * share * r.uniform(0.9, 1.1)))
    return out


def _csv(req: Request, year: int, month: int) -> Response:
    ref = reference()
    seed = req.sim.seed
    header = list(HEADER)
    if req.fault("schema_drift"):
        header[-1] = "Antal personer"
    rows: list[list[str]] = []
    if not req.fault("empty_page"):
        dup, bad, neg = Picker(req, "duplicates"), Picker(req, "bad_codes"), Picker(req, "negative_counts")
        missing = Picker(req, "missing_fields")
        for m in ref.municipalities:
            values = counts(seed, m.code, year, month)
            for group in GROUPS:
                key = (m.code, year, month, group)
                row = [
                    str(year),
                    str(month),
                    m.county_code,
                    ref.counties[m.county_code],
                    m.code,
                    m.name,
                    group,
                    str(values[group]),
                ]
                if bad(key):
                    row[4] = "9999" if unit(seed, "bad", key) < 0.5 else "0199"  # unknown codes
                if neg(key):
                    row[7] = str(-max(1, values[group]))
                if missing(key):
                    row[4 if unit(seed, "miss", key) < 0.5 else 7] = ""
                rows.append(row)
                if dup(key):
                    rows.append(list(row))
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    text = buffer.getvalue()
    # wrong_encoding: declared UTF-8, sent as Windows-1252 (what an export from an old Excel does).
    data = text.encode("cp1252") if req.fault("wrong_encoding") else b"\xef\xbb\xbf" + text.encode("utf-8")
    return Response(
        content_type="text/csv; charset=utf-8",
        body=data,
        headers=[("Content-Disposition", f'attachment; filename="arbetssokande-{year}-{month:02d}.csv"')],
    )


def handle(req: Request) -> Response:
    """Route an af_statistics request: the month listing and the monthly CSV files."""
    path = req.path.rstrip("/")
    months = published_months(req.sim.today)
    if path in ("/statistik/arbetssokande", ""):
        listing = [
            {
                "year": y,
                "month": m,
                "period": f"{y}-{m:02d}",
                "path": f"/{req.conn_id}/statistik/arbetssokande/{y}-{m:02d}.csv",
                "published": (date(y + 1, 1, 10) if m == 12 else date(y, m + 1, 10)).isoformat(),
            }
            for y, m in months
        ]
        if req.fault("empty_page"):
            listing = []
        return Response(body=dumps(listing))
    name = path.rsplit("/", 1)[-1]
    if path.startswith("/statistik/arbetssokande/") and name.endswith(".csv"):
        try:
            year, month = (int(part) for part in name[:-4].split("-"))
        except ValueError as exc:
            raise HttpError(404, f"no such file: {name} (expected YYYY-MM.csv)") from exc
        if (year, month) not in months:
            raise HttpError(404, f"no statistics published for {name[:-4]}")
        return _csv(req, year, month)
    raise HttpError(404, f"no such path: {req.path}")
