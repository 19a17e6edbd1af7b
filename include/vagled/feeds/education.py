"""Education offerings of the area's providers: a weekly snapshot of their catalogues.

The format is an inference (shared/feeds: Skolverket / Susa-navet style), served as a paged JSON
listing ``GET v1/offerings?lan=..&as_of=YYYY-MM-DD&page=N&size=M`` ->
``{"total", "page", "size", "as_of", "offerings": [...]}``; one record per intake with provider
(name, organisation number, type), programme or course code and name, SUN 2020 field (the most
detailed level given), SUN level, municipality, start and end, pace, distance, places. Field
names are configuration here (FIELDS).

Every run lands the complete listing as of the end of its period (a short page fails the batch),
so the batch is a full snapshot: offerings it no longer lists are closed in core, never deleted
(include/sql/core/close_education_offerings.sql). Free text is scanned for national identity
numbers; a record holding one is quarantined.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from vagled.assets import EDUCATION_OFFERINGS
from vagled.config import area_county_codes
from vagled.pipeline.feed import FeedSpec, ParseFailure, SourceStructureError
from vagled.pipeline.period import Period
from vagled.privacy import mask_identity_numbers

FEED = "education_offerings"
CONN_ID = "education_offerings"
PATH = "v1/offerings"
PAGE_SIZE = 500
STOCKHOLM = ZoneInfo("Europe/Stockholm")
ITEMS_KEY = "offerings"
FIELDS = {
    "offering_id": "id",
    "offering_code": "code",
    "offering_name": "name",
    "provider": "provider",
    "sun_field_code": "sun2020",
    "education_level": "education_level",
    "municipality_code": "municipality_code",
    "start_date": "start_date",
    "end_date": "end_date",
    "pace_percent": "pace_percent",
    "is_distance": "distance",
    "places": "places",
    "language": "language",
    "description": "description",
    "source_updated": "updated",
    "url": "url",
}
PROVIDER_FIELDS = {"provider_name": "name", "provider_org_number": "organisation_number", "provider_type": "type"}
# A page on which no record carries one of these means the source renamed or dropped it.
REQUIRED = ("offering_id", "offering_name", "provider", "sun_field_code", "education_level", "municipality_code")
PROVIDER_TYPES = ("gymnasieskola", "komvux", "yrkeshogskola", "folkhogskola", "universitet")
STAGED_COLUMNS = (
    "offering_id",
    "offering_code",
    "offering_name",
    "provider_name",
    "provider_org_number",
    "provider_type",
    "sun_field_code",
    "education_level",
    "municipality_code",
    "start_date",
    "end_date",
    "pace_percent",
    "is_distance",
    "places",
    "language",
    "source_updated",
    "url",
    "personal_number_found",
)


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _date(value: Any) -> date | None:
    text = _text(value)
    return None if text is None else date.fromisoformat(text[:10])


def _int(value: Any) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ValueError(f"expected a number, got {value!r}")
    number = float(str(value).replace(",", "."))
    if not number.is_integer():
        raise ValueError(f"expected a whole number, got {value!r}")
    return int(number)


def _bool(value: Any) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    text = str(value).strip().casefold()
    if text in ("true", "1", "ja", "yes"):
        return True
    if text in ("false", "0", "nej", "no"):
        return False
    raise ValueError(f"expected a boolean, got {value!r}")


def offering_to_record(item: dict[str, Any]) -> dict[str, Any]:
    """Flatten one offering object into the staged columns.

    Raises:
        ValueError, TypeError: a value of the wrong type (the record is quarantined as unparseable).
    """
    get = {name: item.get(key) for name, key in FIELDS.items()}
    provider = get["provider"] if isinstance(get["provider"], dict) else {}
    name, pnr_in_name = mask_identity_numbers(_text(get["offering_name"]))
    _, pnr_in_text = mask_identity_numbers(_text(get["description"]))
    sun = _text(get["sun_field_code"])
    level = _text(get["education_level"])
    return {
        "offering_id": _text(get["offering_id"]),
        "offering_code": _text(get["offering_code"]),
        "offering_name": name,
        **{column: _text(provider.get(key)) for column, key in PROVIDER_FIELDS.items()},
        # SCB writes the level-4 letter in lower case; other material upper case.
        "sun_field_code": None if sun is None else sun.lower(),
        "education_level": level,
        "municipality_code": _text(get["municipality_code"]),
        "start_date": _date(get["start_date"]),
        "end_date": _date(get["end_date"]),
        "pace_percent": _int(get["pace_percent"]),
        "is_distance": _bool(get["is_distance"]),
        "places": _int(get["places"]),
        "language": _text(get["language"]),
        "source_updated": _date(get["source_updated"]),
        "url": _text(get["url"]),
        "personal_number_found": pnr_in_name or pnr_in_text,
    }


def parse_offerings(body: bytes, content_type: str) -> Iterator[dict[str, Any] | ParseFailure]:
    """Parse one page of the offerings listing.

    Raises:
        SourceStructureError: the page is not a listing, or no record on it carries a required field.
    """
    import orjson

    try:
        document = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        yield ParseFailure(f"page is not valid JSON: {exc}", body[:500].decode("utf-8", "replace"))
        return
    if not isinstance(document, dict) or not isinstance(document.get(ITEMS_KEY), list):
        raise SourceStructureError(f"expected an object with a list {ITEMS_KEY!r}; got {str(document)[:200]!r}")
    items = document[ITEMS_KEY]
    objects = [item for item in items if isinstance(item, dict)]
    if objects:
        absent = [FIELDS[name] for name in REQUIRED if not any(FIELDS[name] in item for item in objects)]
        if absent:
            seen = sorted(set().union(*(item.keys() for item in objects)) - set(FIELDS.values()))
            raise SourceStructureError(
                f"no offering on the page has the field(s) {absent}: the source's format changed "
                f"(fields not recognised: {seen})"
            )
    for item in items:
        if not isinstance(item, dict):
            yield ParseFailure(f"expected an offering object, got {type(item).__name__}", str(item)[:500])
            continue
        try:
            record = offering_to_record(item)
        except (ValueError, TypeError, AttributeError) as exc:
            yield ParseFailure(
                f"offering {item.get(FIELDS['offering_id'])!r} has a malformed value: {exc}", str(item)[:500]
            )
            continue
        yield record


def snapshot_date(period: Period) -> date:
    """The day whose catalogue a run loads: the end of its period, in Swedish time."""
    return period.end.astimezone(STOCKHOLM).date()


def land(conn, batch_id: int, period: Period, params: Mapping[str, Any]) -> dict[str, Any]:
    """Land the complete listing of the area's counties as of the end of the period."""
    from vagled.pipeline.extract import land_paged
    from vagled.sources.http import HttpSource

    as_of = snapshot_date(period)
    query = {"lan": ",".join(area_county_codes()), "as_of": as_of.isoformat()}
    parts, total = land_paged(
        conn, HttpSource(CONN_ID), batch_id, FEED, PATH, query, items_key=ITEMS_KEY, size=PAGE_SIZE
    )
    return {"parts": parts, "listed": total, "as_of": as_of.isoformat()}


def suite_parameters(conn) -> dict[str, Any]:
    """Reference code lists the suite checks membership against, read from core."""
    from vagled.sql import load_sql

    return {
        "municipality_codes": [r[0] for r in conn.execute(load_sql("core/select_area_municipality_codes"))],
        "sun_field_codes": [r[0] for r in conn.execute(load_sql("core/select_sun_field_codes"))],
        "education_level_codes": [r[0] for r in conn.execute(load_sql("core/select_education_level_codes"))],
        "provider_types": list(PROVIDER_TYPES),
    }


SPEC = FeedSpec(
    name=FEED,
    staging_table="education_offering",
    columns=STAGED_COLUMNS,
    natural_key=("offering_id",),
    suite="education_offerings",
    publish_sql="core/publish_education_offerings",
    parse=parse_offerings,
    asset_uri=EDUCATION_OFFERINGS,
    max_quarantine_share=0.2,
    suite_parameters=suite_parameters,
    land=land,
    pre_publish_sql=("core/publish_education_providers",),
    post_publish_sql=("core/update_education_offering_first_seen", "core/close_education_offerings"),
    # a replay holds a few offerings, not the catalogue: it must never close the others
    replay_post_publish_sql=("core/update_education_offering_first_seen",),
)
