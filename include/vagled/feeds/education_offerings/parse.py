"""Education offerings from Skolverket's Planned Educations API v3: a weekly snapshot of the area.

``GET /planned-educations/v3/adult-education-events`` (komvux, sfi, YH, university, folkhögskola)
and ``/planned-educations/v3/education-events`` (upper secondary), filtered per area municipality
(FILTER_PARAM), with the versioned media type ``application/vnd.skolverket.plannededucations.api.v3
.hal+json``. HAL+JSON: ``{"status", "message", "body": {"_embedded": {<list>: [...]}, "_links",
"page": {"size", "totalElements", "totalPages", "number"}}}``, pages 0-based, followed until
``number + 1 == totalPages``; the server may cap the page size below the one asked for, so paging
reads the size it answered with.

Quirks handled here (docs/upstreams/skolverket.md): titles wrapped in ``<![CDATA[...]]>``;
``paceOfStudy`` a string (``"100.0"``) or the literal string ``"null"``; ``lastApplicationDate``
with or without an offset, and ``2099-12-31T00:00:00`` meaning "no deadline" (NULL);
``geographicalAreaCode`` is the municipality code; a continuous intake has no start date (NULL,
with the start semester when one is given). The API gives no SUN code and no number of places:
those stay NULL, never guessed (MYH's results give them for YH programmes: vagled.feeds.myh_programmes.parse).

Every run lands the complete listing (a short page fails the batch), so the batch is a full
snapshot: Skolverket offerings it no longer lists are closed in core, never deleted.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator, Mapping
from datetime import date, datetime
from typing import Any

from vagled.config import STOCKHOLM
from vagled.pipeline.extract import IncompleteSnapshotError
from vagled.pipeline.feed import ParseFailure, SourceStructureError
from vagled.pipeline.period import Period
from vagled.privacy import mask_identity_numbers

log = logging.getLogger(__name__)

FEED = "education_offerings"
CONN_ID = "education_offerings"
API_ROOT = "planned-educations/v3"
MEDIA_TYPE = "application/vnd.skolverket.plannededucations.api.v3.hal+json"
# endpoint -> the list its _embedded holds
ENDPOINTS = {
    "adult-education-events": "listedAdultEducationEvents",
    "education-events": "listedEducationEvents",
}
# The filter that selects one municipality's events, given the municipality code (unconfirmed
# which of municipality / geographicalAreaCode takes a code: docs/upstreams/skolverket.md).
FILTER_PARAM = "geographicalAreaCode"
PAGE_SIZE = 100
PAGE_ATTEMPTS = 3
NO_DEADLINE = date(2099, 12, 31)
# typeOfSchool -> the platform's provider type. Unconfirmed literals: configuration, not fact.
PROVIDER_TYPE_OF_SCHOOL = {
    "gy": "gymnasieskola",
    "vux": "komvux",
    "sfi": "komvux",
    "yh": "yrkeshogskola",
    "uoh": "universitet",
    "fhsk": "folkhogskola",
}
PROVIDER_TYPES = ("gymnasieskola", "komvux", "yrkeshogskola", "folkhogskola", "universitet")
REQUIRED = ("educationEventId", "titleSv", "provider", "typeOfSchool", "geographicalAreaCode")
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
    "source",
    "start_semester",
    "application_deadline",
    "type_of_school",
    "municipality_codes",
    "unmapped_municipalities",
)
_CDATA = re.compile(r"^\s*<!\[CDATA\[(.*)\]\]>\s*$", re.DOTALL)
_SEMESTER = re.compile(r"^(HT|VT)\s*-?\s*(\d{4})$", re.IGNORECASE)


def text(value: Any) -> str | None:
    """A text value without its CDATA wrapper and outer space; None when empty."""
    if value is None:
        return None
    raw = str(value)
    match = _CDATA.match(raw)
    if match:
        raw = match.group(1)
    raw = raw.strip()
    return raw or None


def pace_percent(value: Any) -> int | None:
    """paceOfStudy: a number as text ("100.0", "50", "33,3"), or the literal string "null"."""
    raw = text(value)
    if raw is None or raw.casefold() == "null":
        return None
    number = float(raw.replace(",", "."))
    return round(number)


def deadline(value: Any) -> date | None:
    """lastApplicationDate in any of its spellings, as the Swedish calendar day; 2099-12-31 = none."""
    raw = text(value)
    if raw is None:
        return None
    if len(raw) == 10:
        day = date.fromisoformat(raw)
    else:
        moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
        day = moment.astimezone(STOCKHOLM).date() if moment.tzinfo else moment.date()
    return None if day >= NO_DEADLINE else day


def start(item: Mapping[str, Any]) -> tuple[date | None, str | None]:
    """(start date, start semester): a continuous intake has neither, a semester intake no date."""
    raw_date = text(item.get("startDate"))
    semester = text(item.get("semesterStart"))
    day = date.fromisoformat(raw_date[:10]) if raw_date else None
    if semester is None:
        return day, None
    match = _SEMESTER.match(semester)
    if match is None:
        raise ValueError(f"semesterStart {semester!r} is no HTyyyy or VTyyyy")
    return day, f"{match.group(1).upper()}{match.group(2)}"


def _bool(value: Any) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    folded = str(value).strip().casefold()
    if folded in ("true", "ja", "yes", "1"):
        return True
    if folded in ("false", "nej", "no", "0"):
        return False
    raise ValueError(f"expected a boolean, got {value!r}")


def event_to_record(item: Mapping[str, Any]) -> dict[str, Any]:
    """Flatten one listed event into the staged columns.

    Raises:
        ValueError, TypeError: a value of the wrong type (the event is quarantined as unparseable).
    """
    provider = item.get("provider")
    provider_name = text(provider.get("name") if isinstance(provider, dict) else provider)
    name, pnr_in_name = mask_identity_numbers(text(item.get("titleSv")))
    _, pnr_in_provider = mask_identity_numbers(provider_name)
    type_of_school = text(item.get("typeOfSchool"))
    start_date, semester = start(item)
    return {
        "offering_id": text(item.get("educationEventId")),
        "offering_code": text(item.get("code")),
        "offering_name": name,
        "provider_name": provider_name,
        "provider_org_number": None,
        "provider_type": PROVIDER_TYPE_OF_SCHOOL.get((type_of_school or "").casefold(), type_of_school),
        "sun_field_code": None,  # Skolverket gives none: never guessed
        "education_level": None,
        "municipality_code": text(item.get("geographicalAreaCode")),
        "start_date": start_date,
        "end_date": None,
        "pace_percent": pace_percent(item.get("paceOfStudy")),
        "is_distance": _bool(item.get("distance")),
        "places": None,  # Skolverket gives none
        "language": None,
        "source_updated": None,
        "url": text(item.get("url")),
        "personal_number_found": pnr_in_name or pnr_in_provider,
        "source": "skolverket",
        "start_semester": semester,
        "application_deadline": deadline(item.get("lastApplicationDate")),
        "type_of_school": type_of_school,
        "municipality_codes": None,
        "unmapped_municipalities": None,
    }


def _listing(document: Any) -> tuple[list[Any], dict[str, Any]]:
    """The events and the page object of one HAL+JSON answer.

    Raises:
        SourceStructureError: the answer is not one of the API's listings.
    """
    body = document.get("body") if isinstance(document, dict) else None
    if not isinstance(body, dict) or not isinstance(body.get("page"), dict):
        raise SourceStructureError(f"expected a HAL+JSON listing with body.page; got {str(document)[:200]!r}")
    embedded = body.get("_embedded") or {}
    lists = [v for k, v in embedded.items() if k in ENDPOINTS.values() and isinstance(v, list)]
    if embedded and not lists:
        raise SourceStructureError(f"body._embedded holds {sorted(embedded)}, none of {sorted(ENDPOINTS.values())}")
    return (lists[0] if lists else []), body["page"]


def parse_events(body: bytes, content_type: str) -> Iterator[dict[str, Any] | ParseFailure]:
    """Parse one page of events.

    Raises:
        SourceStructureError: the page is not a listing, or no event on it carries a required field.
    """
    import orjson

    try:
        document = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        yield ParseFailure(f"page is not valid JSON: {exc}", body[:500].decode("utf-8", "replace"))
        return
    items, _ = _listing(document)
    objects = [item for item in items if isinstance(item, dict)]
    if objects:
        absent = [field for field in REQUIRED if not any(field in item for item in objects)]
        if absent:
            seen = sorted(set().union(*(item.keys() for item in objects)))
            raise SourceStructureError(
                f"no event on the page has the field(s) {absent}: the source's format changed (fields: {seen})"
            )
    for item in items:
        if not isinstance(item, dict):
            yield ParseFailure(f"expected an event object, got {type(item).__name__}", str(item)[:500])
            continue
        try:
            record = event_to_record(item)
        except (ValueError, TypeError, AttributeError) as exc:
            yield ParseFailure(f"event {item.get('educationEventId')!r} has a malformed value: {exc}", str(item)[:500])
            continue
        yield record


def snapshot_date(period: Period) -> date:
    """The day whose catalogue a run loads: the end of its period, in Swedish time."""
    return period.end.astimezone(STOCKHOLM).date()


def land_listing(conn, source, batch_id: int, endpoint: str, params: dict[str, Any], first_part: int) -> int:
    """Land every page of one listing, 0-based, to ``number + 1 == totalPages``; returns parts landed.

    A page must hold what the totals imply for it (fetched again a few times, then the batch fails):
    the batch is then a complete snapshot, safe to close what it no longer lists.

    Raises:
        IncompleteSnapshotError: a page stays short, or the totals change while paging.
    """
    import orjson

    from vagled.pipeline.load import land_payload

    path = f"{API_ROOT}/{endpoint}"
    page, part, totals = 0, first_part, None
    while True:
        query = {**params, "page": page, "size": PAGE_SIZE}
        for attempt in range(1, PAGE_ATTEMPTS + 1):
            response = source.fetch(path, params=query, headers={"Accept": MEDIA_TYPE})
            document = orjson.loads(response.body)
            try:
                items, info = _listing(document)
            except SourceStructureError:
                info = None  # land it: the parser rejects the batch with the reason
                break
            these = (int(info.get("totalElements") or 0), int(info.get("totalPages") or 0))
            if totals is not None and these != totals:
                raise IncompleteSnapshotError(
                    f"{path} {params}: the totals changed from {totals} to {these} at page {page}"
                )
            size = int(info.get("size") or PAGE_SIZE)
            expected = max(0, min(size, these[0] - page * size))
            got = len({i.get("educationEventId") for i in items if isinstance(i, dict)})
            if got >= expected and int(info.get("number", page)) == page:
                break
            log.warning("%s %s page %d holds %d of %d events (attempt %d)", path, params, page, got, expected, attempt)
        else:
            raise IncompleteSnapshotError(
                f"{path} {params}: page {page} held {got} of the {expected} events its totals imply, "
                f"after {PAGE_ATTEMPTS} attempts; nothing of this snapshot is published"
            )
        land_payload(
            conn,
            batch_id,
            FEED,
            part,
            source_url=response.url,
            body=response.body,
            content_type=response.content_type,
            request_params={"endpoint": endpoint, **query},
        )
        part += 1
        if info is None:
            return part - first_part
        totals = these
        if page + 1 >= these[1]:
            return part - first_part
        page += 1


def land(conn, batch_id: int, period: Period, params: Mapping[str, Any]) -> dict[str, Any]:
    """Land both listings for every municipality of the area, as the API lists them today."""
    from vagled.feeds.kolada_key_figures.parse import area_municipality_codes
    from vagled.sources.http import HttpSource

    source = HttpSource(CONN_ID)
    parts = 0
    for code in area_municipality_codes(conn):
        for endpoint in ENDPOINTS:
            parts += land_listing(conn, source, batch_id, endpoint, {FILTER_PARAM: code}, parts)
    return {"parts": parts, "as_of": snapshot_date(period).isoformat()}


def suite_parameters(conn) -> dict[str, Any]:
    """Reference code lists the suite checks membership against, read from core."""
    from vagled.sql import load_sql

    return {
        "municipality_codes": [r[0] for r in conn.execute(load_sql("core/select_area_municipality_codes"))],
        "sun_field_codes": [r[0] for r in conn.execute(load_sql("core/select_sun_field_codes"))],
        "education_level_codes": [r[0] for r in conn.execute(load_sql("core/select_education_level_codes"))],
        "provider_types": list(PROVIDER_TYPES),
    }
