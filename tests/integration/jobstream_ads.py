"""One JobStream ad as the JobTech stream serves it, for the load-path tests: a nurse in Örebro."""

from __future__ import annotations


def jobstream_ad(ad_id: str, **changes) -> dict:
    """An ad in the area (municipality 1880) with a known SSYK code; ``changes`` replace top-level fields."""
    ad = {
        "id": ad_id,
        "headline": f"Annons {ad_id}",
        "description": {"text": "Vi söker dig."},
        "employer": {"name": "Region Örebro län", "organization_number": "2321000164"},
        "occupation": {"concept_id": "abc_def_ghi", "label": "Sjuksköterska", "legacy_ams_taxonomy_id": "1"},
        "occupation_group": {
            "concept_id": "x",
            "label": "Grundutbildade sjuksköterskor",
            "legacy_ams_taxonomy_id": "2221",
        },
        "workplace_address": {"municipality_code": "1880", "region_code": "18"},
        "number_of_vacancies": 2,
        "publication_date": "2026-03-02T08:00:00",
        "last_publication_date": "2026-04-02T23:59:59",
        "removed": False,
        "timestamp": 1772438400000,
    }
    ad.update(changes)
    return ad
