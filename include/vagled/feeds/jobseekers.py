"""Registered job seekers per municipality, month and group (Arbetsförmedlingen monthly statistics).

The monthly file is a semicolon CSV with Swedish headers
``År;Månad;Länskod;Län;Kommunkod;Kommun;Grupp;Antal`` (see shared/feeds: the layout is an
inference, so the header names are configuration here, in HEADERS).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import date
from typing import Any

from vagled.assets import JOBSEEKERS
from vagled.config import area_county_codes
from vagled.feeds.text_tables import BadRow, has_invalid_text, parse_swedish_number, read_csv_rows
from vagled.pipeline.feed import FeedSpec, ParseFailure, SourceStructureError
from vagled.pipeline.period import Period

CONN_ID = "af_statistics"
HEADERS = {
    "year": "År",
    "month": "Månad",
    "county_code": "Länskod",
    "municipality_code": "Kommunkod",
    "group": "Grupp",
    "count": "Antal",
}
# The agency's group labels, mapped to the codes of core.jobseeker_group.
GROUP_CODES = {
    "totalt": "total",
    "ungdomar 18-24 år": "youth_18_24",
    "utrikes födda": "foreign_born",
    "funktionsnedsättning som medför nedsatt arbetsförmåga": "disability",
    "långtidsarbetslösa (>12 mån)": "long_term_12m",
}
STAGED_COLUMNS = ("month", "county_code", "municipality_code", "group_code", "group_label", "jobseekers")


def parse_jobseekers(body: bytes, content_type: str) -> Iterator[dict[str, Any] | ParseFailure]:
    """Parse one monthly file.

    Raises:
        SourceStructureError: a required header is missing or renamed, or the file has no rows
            (the agency never publishes an empty month: loading one would hide the month).
    """
    required = tuple(HEADERS.values())
    rows = 0
    for line_no, row in read_csv_rows(body, required):
        rows += 1
        if isinstance(row, BadRow):
            yield ParseFailure(f"line {line_no}: {row.reason}")
            continue
        if has_invalid_text(row.values()):
            yield ParseFailure(
                f"line {line_no} holds bytes that are not valid in the file's encoding",
                ";".join(row.values())[:500],
                check="valid_text_encoding",
            )
            continue
        get = {key: row.get(header.casefold(), "") for key, header in HEADERS.items()}
        try:
            count = parse_swedish_number(get["count"])
            yield {
                "month": date(int(get["year"]), int(get["month"]), 1),
                "county_code": get["county_code"] or None,
                "municipality_code": get["municipality_code"] or None,
                "group_code": GROUP_CODES.get(get["group"].casefold()),
                "group_label": get["group"] or None,
                "jobseekers": None if count is None else int(count),
            }
        except ValueError as exc:
            yield ParseFailure(f"line {line_no}: {exc}", ";".join(row.values())[:500])
    if rows == 0:
        raise SourceStructureError("the monthly file has a header but no rows; an empty month is never published")


def monthly_paths(start: date, end: date) -> Iterator[tuple[str, dict]]:
    """Yield the path of every monthly file whose month starts in [start, end)."""
    year, month = start.year, start.month
    if start.day != 1:
        year, month = (year + (month == 12), month % 12 + 1)
    while date(year, month, 1) < end:
        yield f"statistik/arbetssokande/{year:04d}-{month:02d}.csv", {}
        year, month = (year + (month == 12), month % 12 + 1)


def land(conn, batch_id: int, period: Period, params: Mapping[str, Any]) -> dict[str, Any]:
    """Land the monthly file of every month in the period."""
    from vagled.pipeline.extract import land_responses
    from vagled.sources.http import HttpSource

    paths = monthly_paths(period.start.date(), period.end.date())
    return {"parts": land_responses(conn, HttpSource(CONN_ID), batch_id, "jobseekers", paths, expect="lines")}


def suite_parameters(conn) -> dict[str, Any]:
    from vagled.sql import load_sql

    return {
        "municipality_codes": [r[0] for r in conn.execute(load_sql("core/select_area_municipality_codes"))],
        "county_codes": list(area_county_codes()),
        "group_codes": sorted(set(GROUP_CODES.values())),
    }


def in_area(record: dict[str, Any]) -> bool:
    code = record.get("county_code") or (record.get("municipality_code") or "")[:2]
    return code in area_county_codes()


SPEC = FeedSpec(
    name="jobseekers",
    staging_table="jobseekers_monthly",
    columns=STAGED_COLUMNS,
    natural_key=("month", "municipality_code", "group_code"),
    suite="jobseekers",
    publish_sql="core/publish_jobseekers",
    parse=parse_jobseekers,
    asset_uri=JOBSEEKERS,
    max_quarantine_share=0.1,
    in_area=in_area,
    suite_parameters=suite_parameters,
    land=land,
)
