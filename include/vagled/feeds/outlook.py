"""Occupational outlook (Arbetsförmedlingen yrkesbarometer): shortage per occupation and county.

An inference of the format (shared/feeds): per SSYK 4 occupation and county, a shortage index
1-5, the assessment on the agency's five-step scale, and 1- and 5-year outlooks. Field names
are configuration here (FIELDS).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import timedelta
from typing import Any

from vagled.assets import OCCUPATIONAL_OUTLOOK
from vagled.config import area_county_codes
from vagled.pipeline.feed import FeedSpec, ParseFailure, SourceStructureError
from vagled.pipeline.period import Period

CONN_ID = "af_outlook"
FIELDS = {
    "year": "ar",
    "half": "halvar",
    "county_code": "lanskod",
    "ssyk4": "ssyk",
    "occupation_label": "yrke",
    "shortage_index": "bristindex",
    "assessment": "bedomning",
    "outlook_1y": "prognos_1ar",
    "outlook_5y": "prognos_5ar",
}
REQUIRED = ("year", "half", "county_code", "ssyk4", "shortage_index")
LIST_KEYS = ("yrkesbarometer", "records", "data", "items", "results")
STAGED_COLUMNS = tuple(FIELDS)


def _records(document: Any) -> list[Any]:
    if isinstance(document, list):
        return document
    if isinstance(document, dict):
        for key in LIST_KEYS:
            if isinstance(document.get(key), list):
                return document[key]
    raise SourceStructureError(f"expected a list of outlook records, got {type(document).__name__}")


def parse_outlook(body: bytes, content_type: str) -> Iterator[dict[str, Any] | ParseFailure]:
    import orjson

    try:
        document = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        yield ParseFailure(f"answer is not valid JSON: {exc}", body[:500].decode("utf-8", "replace"))
        return
    records = _records(document)
    if not records:
        # the agency publishes every occupation for every county each half-year
        raise SourceStructureError("the outlook answer holds no records; an empty round is never published")
    # A field missing from a few records is a record fault (quarantined); missing from every
    # record it is a renamed or dropped field, and the whole batch is refused.
    objects = [item for item in records if isinstance(item, dict)]
    absent = [FIELDS[name] for name in REQUIRED if objects and not any(FIELDS[name] in item for item in objects)]
    if absent:
        raise SourceStructureError(f"outlook records lack the fields {absent}: the source's format changed")
    for item in records:
        if not isinstance(item, dict):
            yield ParseFailure(f"expected an object, got {type(item).__name__}", str(item)[:500])
            continue
        try:
            index = item.get(FIELDS["shortage_index"])
            yield {
                "year": int(item[FIELDS["year"]]) if item.get(FIELDS["year"]) is not None else None,
                "half": int(item[FIELDS["half"]]) if item.get(FIELDS["half"]) is not None else None,
                "county_code": item.get(FIELDS["county_code"]),
                "ssyk4": None if item.get(FIELDS["ssyk4"]) is None else str(item[FIELDS["ssyk4"]]),
                "occupation_label": item.get(FIELDS["occupation_label"]),
                "shortage_index": None if index is None else float(str(index).replace(",", ".")),
                "assessment": item.get(FIELDS["assessment"]),
                "outlook_1y": item.get(FIELDS["outlook_1y"]),
                "outlook_5y": item.get(FIELDS["outlook_5y"]),
            }
        except (ValueError, TypeError) as exc:
            yield ParseFailure(f"malformed outlook record: {exc}", str(item)[:500])


def half_years(start_year: int, end_year: int) -> Iterator[tuple[str, dict]]:
    for year in range(start_year, end_year + 1):
        for half in (1, 2):
            yield "yrkesbarometer", {"ar": year, "halvar": half}


def land(conn, batch_id: int, period: Period, params: Mapping[str, Any]) -> dict[str, Any]:
    """Land the outlook of both half-years of every year the period touches."""
    from vagled.pipeline.extract import land_responses
    from vagled.sources.http import HttpSource

    last_year = (period.end - timedelta(seconds=1)).year
    requests = half_years(period.start.year, last_year)
    return {"parts": land_responses(conn, HttpSource(CONN_ID), batch_id, "occupational_outlook", requests)}


def suite_parameters(conn) -> dict[str, Any]:
    from vagled.sql import load_sql

    return {
        "ssyk4_codes": [r[0] for r in conn.execute(load_sql("core/select_ssyk4_codes"))],
        "county_codes": list(area_county_codes()),
    }


def in_area(record: dict[str, Any]) -> bool:
    return record.get("county_code") in area_county_codes()


SPEC = FeedSpec(
    name="occupational_outlook",
    staging_table="occupational_outlook",
    columns=STAGED_COLUMNS,
    natural_key=("year", "half", "county_code", "ssyk4"),
    suite="occupational_outlook",
    publish_sql="core/publish_occupational_outlook",
    parse=parse_outlook,
    asset_uri=OCCUPATIONAL_OUTLOOK,
    max_quarantine_share=0.1,
    in_area=in_area,
    suite_parameters=suite_parameters,
    land=land,
)
