"""Job-ad lines straight to staged rows with msgspec: the fast half of ``job_ads.parse_ad_rows``.

A year of national ads is about a million JSON lines of 4-5 KB, of which the load keeps 19 values.
orjson builds every field of every ad as Python objects; msgspec decodes into the typed structs
below and skips what they do not declare, several times faster. A line the structs do not take
exactly (a required key missing, a value of another JSON type than declared, a date that does not
convert) gives ``None`` here and is parsed by the reference path, ``job_ads.ad_to_record``, so
both paths give the same record for every line (tests/unit/test_job_ads_rows.py holds them to it).

Imported lazily: msgspec is not needed to parse a DAG file.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import msgspec
from msgspec import UNSET, Struct, UnsetType

from vagled.config import STOCKHOLM
from vagled.feeds.job_ads.enrichment import enrichment_text
from vagled.privacy import mask_identity_numbers

# Structs hold no cycles, so they stay out of the garbage collector (gc=False): a million short-lived
# objects would otherwise trigger collections for nothing.


class _Taxonomy(Struct, gc=False):
    concept_id: str | None = None
    label: str | None = None
    legacy_ams_taxonomy_id: str | None = None


class _Address(Struct, gc=False):
    municipality_code: str | None = None
    region_code: str | None = None


class _Employer(Struct, gc=False):
    name: str | None = None
    organization_number: str | None = None


class _Description(Struct, gc=False):
    text: str | None = None


# UNSET marks a key that is absent, which the reference path treats differently from null.
class _Ad(Struct, gc=False):
    id: str | UnsetType | None = UNSET
    original_id: str | None = None
    removed: bool | None = None
    headline: str | UnsetType | None = UNSET
    description: _Description | None = None
    employer: _Employer | None = None
    # Older historical years give taxonomy fields as arrays.
    occupation: _Taxonomy | list[_Taxonomy] | None = None
    occupation_group: _Taxonomy | list[_Taxonomy] | UnsetType | None = UNSET
    employment_type: _Taxonomy | list[_Taxonomy] | None = None
    working_hours_type: _Taxonomy | list[_Taxonomy] | None = None
    workplace_address: _Address | list[_Address] | UnsetType | None = UNSET
    number_of_vacancies: int | None = None
    publication_date: str | UnsetType | None = UNSET
    last_publication_date: str | None = None
    application_deadline: str | None = None
    removed_date: str | UnsetType | None = UNSET
    timestamp: int | None = None
    occupation_field: _Taxonomy | list[_Taxonomy] | None = None
    experience_required: bool | None = None
    driving_license_required: bool | None = None
    access_to_own_car: bool | None = None
    # Kept as the JSON values they are: publish spreads them into child tables.
    keywords: Any = None
    must_have: Any = None
    nice_to_have: Any = None


_DECODER = msgspec.json.Decoder(_Ad)

# Deadlines and last publication dates repeat across thousands of ads: convert each text once.
_TIMES: dict[str, datetime | None] = {}
_TIMES_MAX = 50_000


def _cached_time(value: str | None) -> datetime | None:
    if not value:
        return None
    parsed = _TIMES.get(value)
    if parsed is None:
        parsed = _local(value)
        if len(_TIMES) >= _TIMES_MAX:
            _TIMES.clear()
        _TIMES[value] = parsed
    return parsed


# Stockholm's two offsets as fixed time zones: a datetime carrying one is the same instant, with
# the same offset in its text, as with ZoneInfo("Europe/Stockholm"), and it is written to
# PostgreSQL about twice as fast (no zone rules to consult per value).
_OFFSETS: dict[timedelta, timezone] = {}


def _local(value: str | None) -> datetime | None:
    # _local_time without its replace("Z", "+00:00"): fromisoformat reads "Z" itself since Python
    # 3.11, and a text it parses holds a Z only as that designator, so the result is the same.
    if not value:
        return None
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is not None:
        return parsed
    if parsed.hour == 2 and parsed.month in (3, 10):
        # The hour a change of summer time repeats or skips: only the zone's rules say which it is.
        return parsed.replace(tzinfo=STOCKHOLM)
    offset = STOCKHOLM.utcoffset(parsed)
    zone = _OFFSETS.get(offset)
    if zone is None:
        zone = _OFFSETS[offset] = timezone(offset)
    return parsed.replace(tzinfo=zone)


def decode(line: bytes) -> _Ad | None:
    """Decode one JSONL line, or None when the structs do not take it exactly."""
    try:
        return _DECODER.decode(line)
    except Exception:  # not JSON, not UTF-8, not the declared types: the reference path says which
        return None


def to_row(ad: _Ad, *, archive: bool = False) -> tuple | None:
    """The staged row (job_ads.STAGED_COLUMNS order) of a decoded ad, as ad_to_record gives it.

    Returns None for what this path leaves to ad_to_record: a full ad missing a required key (the
    record then names it in ``missing_keys``), or a value that does not convert.
    """
    removed = bool(ad.removed)
    removal = removed and not archive
    if not removal and (
        ad.id is UNSET
        or ad.headline is UNSET
        or ad.occupation_group is UNSET
        or ad.workplace_address is UNSET
        or ad.publication_date is UNSET
    ):
        return None
    try:
        address = ad.workplace_address
        if address.__class__ is list:
            address = address[0] if address else None
        elif address is UNSET:
            address = None
        municipality_code = address.municipality_code if address is not None else None
        region_code = address.region_code if address is not None else None
        county_code = region_code or (municipality_code[:2] if municipality_code else None)
        description = ad.description
        _, pnr_in_text = mask_identity_numbers(description.text if description is not None else None)
        headline, pnr_in_headline = mask_identity_numbers(ad.headline if ad.headline is not UNSET else None)
        employer = ad.employer
        group = ad.occupation_group
        if group.__class__ is list:
            group = group[0] if group else None
        elif group is UNSET:
            group = None
        occupation = ad.occupation
        if occupation.__class__ is list:
            occupation = occupation[0] if occupation else None
        employment_type = ad.employment_type
        if employment_type.__class__ is list:
            employment_type = employment_type[0] if employment_type else None
        working_hours = ad.working_hours_type
        if working_hours.__class__ is list:
            working_hours = working_hours[0] if working_hours else None
        published = ad.publication_date
        published = _local(published) if published is not UNSET else None
        ad_id = ad.id
        if ad_id is UNSET:
            ad_id = None
        timestamp = ad.timestamp
        field = ad.occupation_field
        if field.__class__ is list:
            field = field[0] if field else None
        return (
            ad.original_id or ad_id or None,
            removal,
            headline,
            employer.name if employer is not None else None,
            employer.organization_number if employer is not None else None,
            group.legacy_ams_taxonomy_id if group is not None else None,
            occupation.concept_id if occupation is not None else None,
            occupation.label if occupation is not None else None,
            municipality_code,
            county_code,
            ad.number_of_vacancies,
            published,
            _cached_time(ad.last_publication_date),
            _cached_time(ad.application_deadline),
            (_local(ad.removed_date) if ad.removed_date is not UNSET else None) if removed else None,
            datetime.fromtimestamp(timestamp / 1000, tz=UTC) if timestamp is not None else published,
            employment_type.label if employment_type is not None else None,
            working_hours.label if working_hours is not None else None,
            pnr_in_text or pnr_in_headline,
            field.concept_id if field is not None else None,
            field.label if field is not None else None,
            ad.experience_required,
            ad.driving_license_required,
            ad.access_to_own_car,
            None if removal else enrichment_text(ad.keywords, ad.must_have, ad.nice_to_have),
        )
    except Exception:
        # Whatever went wrong, the reference path meets it again and reports it its own way.
        return None


def fields_present(ad: _Ad, *, archive: bool = False) -> tuple[bool, tuple[bool, ...]]:
    """(is a removal, presence of job_ads.REQUIRED_REMOVAL_FIELDS or REQUIRED_AD_FIELDS in that order)."""
    if ad.removed is True and not archive:
        return True, (ad.id is not UNSET, ad.removed_date is not UNSET)
    return False, (ad.id is not UNSET, ad.headline is not UNSET, ad.publication_date is not UNSET)
