"""Job ads from Arbetsförmedlingen JobTech: JobStream (hourly changes) and the enriched historical archives.

One ad object has the same fields in JobStream, JobSearch and the archives (docs/upstreams/jobtech.md).
What differs, and is handled here:
- JobStream answers a JSON array; an archive member is JSONL, one ad a line;
- a removal in the stream is sparse (possibly only id, removed, removed_date, timestamp): it closes
  the ad of that id whatever address it carries, and never creates or blanks an ad. An archive line
  is an ad as it last stood, removed or not: it loads as an ad, closed when ``removed`` says so;
- the archives carry the Platsbanken id in ``original_id`` (``id`` is a content hash), taxonomy
  fields may be arrays of one object and occupation_group may be null;
- the enrichment (``keywords.enriched`` / ``keywords.extracted``) and the requirements
  (``must_have`` / ``nice_to_have``) travel to staging as one JSON text, ``enrichment``, which
  publish spreads into core.job_ad_keyword and core.job_ad_requirement;
- times without an offset are Europe/Stockholm; ``timestamp`` is epoch milliseconds, UTC.
Free text is scanned for national identity numbers, which are masked before anything is staged.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from vagled.assets import JOB_ADS
from vagled.config import area_county_codes
from vagled.feeds.job_ads_extract import is_increment, land_job_ads
from vagled.pipeline.feed import FeedSpec, ParseFailure, SourceStructureError
from vagled.privacy import mask_identity_numbers

STOCKHOLM = ZoneInfo("Europe/Stockholm")
FEED = "job_ads"
STAGED_COLUMNS = (
    "ad_id",
    "is_removal",
    "headline",
    "employer_name",
    "employer_org_number",
    "ssyk4",
    "occupation_concept_id",
    "occupation_label",
    "municipality_code",
    "county_code",
    "number_of_vacancies",
    "publication_date",
    "last_publication_date",
    "application_deadline",
    "removed_at",
    "changed_at",
    "employment_type",
    "working_hours_type",
    "personal_number_found",
    "occupation_field_concept_id",
    "occupation_field_label",
    "experience_required",
    "driving_license_required",
    "access_to_own_car",
    "enrichment",
)
# A full ad without these keys at all means the source renamed them (schema drift).
REQUIRED_AD_KEYS = ("id", "headline", "occupation_group", "workplace_address", "publication_date")


def _first(value: Any) -> Any:
    """Taxonomy fields are objects in JobStream and sometimes arrays in older historical files."""
    if isinstance(value, list):
        return value[0] if value else None
    return value


def _field(obj: Any, name: str) -> Any:
    obj = _first(obj)
    return obj.get(name) if isinstance(obj, dict) else None


def _local_time(value: Any) -> datetime | None:
    if not value:
        return None
    parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=STOCKHOLM)


def _epoch_ms(value: Any) -> datetime | None:
    if value in (None, ""):
        return None
    return datetime.fromtimestamp(int(value) / 1000, tz=UTC)


def _int_or_none(value: Any) -> int | None:
    if value is None or value == "":
        return None
    return int(value)


def _bool_or_none(value: Any) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    raise TypeError(f"expected true or false, got {value!r}")


def enrichment_text(keywords: Any, must_have: Any, nice_to_have: Any) -> str | None:
    """The ad's keywords and requirements as one compact JSON text (None when it has none)."""
    import orjson

    if keywords is None and must_have is None and nice_to_have is None:
        return None
    return orjson.dumps({"keywords": keywords, "must_have": must_have, "nice_to_have": nice_to_have}).decode()


def ad_to_record(ad: dict[str, Any], *, archive: bool = False) -> dict[str, Any]:
    """Flatten one JobTech ad object into the staged columns.

    Args:
        archive: the ad is a line of a historical archive: an ad as it last stood, never a removal
            event (``removed`` then only closes it).

    Raises:
        ValueError, TypeError: a value of the wrong type (the record is quarantined as unparseable).
    """
    removed = bool(ad.get("removed"))
    removal = removed and not archive
    address = ad.get("workplace_address") or {}
    if isinstance(address, list):  # derived APIs use workplace_addresses as a list
        address = address[0] if address else {}
    municipality_code = address.get("municipality_code")
    county_code = address.get("region_code") or (municipality_code[:2] if municipality_code else None)
    description = ad.get("description") or {}
    text = description.get("text") if isinstance(description, dict) else None
    _, pnr_in_text = mask_identity_numbers(text)
    headline, pnr_in_headline = mask_identity_numbers(ad.get("headline"))
    employer = ad.get("employer") or {}
    missing = [key for key in REQUIRED_AD_KEYS if key not in ad] if not removal else []
    record = {
        "ad_id": str(ad.get("original_id") or ad.get("id") or "") or None,
        "is_removal": removal,
        "headline": headline,
        "employer_name": employer.get("name"),
        "employer_org_number": employer.get("organization_number"),
        "ssyk4": _field(ad.get("occupation_group"), "legacy_ams_taxonomy_id"),
        "occupation_concept_id": _field(ad.get("occupation"), "concept_id"),
        "occupation_label": _field(ad.get("occupation"), "label"),
        "municipality_code": municipality_code,
        "county_code": county_code,
        "number_of_vacancies": _int_or_none(ad.get("number_of_vacancies")),
        "publication_date": _local_time(ad.get("publication_date")),
        "last_publication_date": _local_time(ad.get("last_publication_date")),
        "application_deadline": _local_time(ad.get("application_deadline")),
        "removed_at": _local_time(ad.get("removed_date")) if removed else None,
        "changed_at": _epoch_ms(ad.get("timestamp")) or _local_time(ad.get("publication_date")),
        "employment_type": _field(ad.get("employment_type"), "label"),
        "working_hours_type": _field(ad.get("working_hours_type"), "label"),
        "personal_number_found": pnr_in_text or pnr_in_headline,
        "occupation_field_concept_id": _field(ad.get("occupation_field"), "concept_id"),
        "occupation_field_label": _field(ad.get("occupation_field"), "label"),
        "experience_required": _bool_or_none(ad.get("experience_required")),
        "driving_license_required": _bool_or_none(ad.get("driving_license_required")),
        "access_to_own_car": _bool_or_none(ad.get("access_to_own_car")),
        "enrichment": None
        if removal
        else enrichment_text(ad.get("keywords"), ad.get("must_have"), ad.get("nice_to_have")),
    }
    if missing:
        # Blank the fields so the suite's not-null expectations name them; the reason says why.
        record["missing_keys"] = ",".join(missing)
    return record


# Fields every ad (and every removal) of the source carries, even when their value is null.
REQUIRED_AD_FIELDS = ("id", "headline", "publication_date")
REQUIRED_REMOVAL_FIELDS = ("id", "removed_date")


def parse_ads(body: bytes, content_type: str) -> Iterator[dict[str, Any] | ParseFailure]:
    """Parse a JobStream page (a JSON array) or a slice of a historical JSONL file."""
    return _parse(body, fast=False)


def parse_ad_rows(body: bytes, content_type: str) -> Iterator[tuple | dict[str, Any] | ParseFailure]:
    """What parse_ads gives, faster: each line of a JSONL slice as a row tuple in STAGED_COLUMNS order.

    A line the fast decoder (vagled.feeds.job_ads_rows) does not take exactly comes out of
    ad_to_record as a dict, as it would from parse_ads; JobStream pages (JSON arrays, small) are
    parsed by parse_ads whole.
    """
    return _parse(body, fast=True)


def _parse(body: bytes, *, fast: bool) -> Iterator[tuple | dict[str, Any] | ParseFailure]:
    import orjson

    stripped = body.lstrip()
    # A JSON array is a JobStream answer; JSONL is an archive's lines.
    archive = not stripped.startswith(b"[")
    if not archive:
        try:
            ads = orjson.loads(stripped)
        except orjson.JSONDecodeError as exc:
            yield ParseFailure(f"page is not valid JSON: {exc}", body[:500].decode("utf-8", "replace"))
            return
        lines: list[Any] = ads
        fast = False
    elif fast:
        lines = _jsonl_lines(stripped)
    else:
        lines = [line for line in stripped.split(b"\n") if line.strip()]
    if fast:
        from vagled.feeds import job_ads_rows
    # A field absent from a few ads is a record fault (quarantined by the suite); absent from
    # every ad of a page it was renamed or dropped upstream, and the batch is refused.
    seen = {"ads": 0, "removals": 0}
    present: dict[str, int] = dict.fromkeys(REQUIRED_AD_FIELDS + REQUIRED_REMOVAL_FIELDS, 0)
    for item in lines:
        if fast:
            decoded = job_ads_rows.decode(item)
            row = job_ads_rows.to_row(decoded, archive=True) if decoded is not None else None
            if row is not None:
                removal, flags = job_ads_rows.fields_present(decoded, archive=True)
                seen["removals" if removal else "ads"] += 1
                for name, flag in zip(REQUIRED_REMOVAL_FIELDS if removal else REQUIRED_AD_FIELDS, flags, strict=True):
                    present[name] += flag
                yield row
                continue
            item = bytes(item)
        if isinstance(item, bytes | bytearray):
            try:
                item = orjson.loads(item)
            except orjson.JSONDecodeError as exc:
                yield ParseFailure(f"line is not valid JSON: {exc}", item[:500].decode("utf-8", "replace"))
                continue
        if not isinstance(item, dict):
            yield ParseFailure(f"expected an ad object, got {type(item).__name__}", str(item)[:500])
            continue
        fields = REQUIRED_REMOVAL_FIELDS if item.get("removed") is True and not archive else REQUIRED_AD_FIELDS
        seen["removals" if fields is REQUIRED_REMOVAL_FIELDS else "ads"] += 1
        for name in fields:
            present[name] += name in item
        try:
            yield ad_to_record(item, archive=archive)
        except (ValueError, TypeError, AttributeError) as exc:
            yield ParseFailure(f"ad {item.get('id')!r} has a malformed value: {exc}", str(item)[:500])
    for kind, fields in (("ads", REQUIRED_AD_FIELDS), ("removals", REQUIRED_REMOVAL_FIELDS)):
        absent = [name for name in fields if seen[kind] and present[name] == 0]
        if absent:
            raise SourceStructureError(
                f"none of the {seen[kind]} {kind} in a landed part has the field(s) {absent}: "
                "the source's format changed"
            )


def _jsonl_lines(data: bytes) -> Iterator[memoryview]:
    """The lines of a JSONL slice that are not blank, as views into it: split and strip, no copies."""
    view, find = memoryview(data), data.find
    start, end = 0, len(data)
    while start < end:
        stop = find(b"\n", start)
        if stop < 0:
            stop = end
        # A line that opens with "{" is not blank; anything else gets the full check.
        if data[start] == 0x7B or data[start:stop].strip():
            yield view[start:stop]
        start = stop + 1


def in_area(record: dict[str, Any]) -> bool:
    """An ad of the area's counties, or a removal: a removal closes the ad of its id wherever it says
    it is (publish counts a removal of an ad never held in audit.job_ad_unknown_removal)."""
    return record.get("is_removal") is True or record.get("county_code") in area_county_codes()


def suite_parameters(conn) -> dict[str, Any]:
    """Reference code lists the suite checks membership against, read from core."""
    from vagled.sql import load_sql

    return {
        "municipality_codes": [r[0] for r in conn.execute(load_sql("core/select_area_municipality_codes"))],
        "ssyk4_codes": [r[0] for r in conn.execute(load_sql("core/select_ssyk4_codes"))],
        "county_codes": list(area_county_codes()),
    }


# After the ads are merged: their keywords and requirements (while core.job_ad.changed_at is still
# the full record's), then the removals, which close ads and keep those of ads never held.
JOB_AD_POST_PUBLISH = (
    "core/delete_job_ad_keywords",
    "core/insert_job_ad_keywords",
    "core/delete_job_ad_requirements",
    "core/insert_job_ad_requirements",
    "core/close_job_ads",
    "audit/insert_job_ad_unknown_removals",
)

SPEC = FeedSpec(
    name=FEED,
    staging_table="job_ad",
    columns=STAGED_COLUMNS,
    natural_key=("ad_id",),
    suite="job_ads",
    publish_sql="core/publish_job_ads",
    post_publish_sql=JOB_AD_POST_PUBLISH,
    replay_post_publish_sql=JOB_AD_POST_PUBLISH,
    parse=parse_ads,
    parse_rows=parse_ad_rows,
    asset_uri=JOB_ADS,
    max_quarantine_share=0.2,
    in_area=in_area,
    suite_parameters=suite_parameters,
    order_by=("changed_at", "record_no"),
    passing_split=("is_removal",),
    land=land_job_ads,
    period_required=is_increment,
)
