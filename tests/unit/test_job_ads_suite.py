"""The job-ads suite: an ad needs an area county; a removal is matched by id, whatever address it has."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from vagled.pipeline.validate import validate_frame

pytestmark = pytest.mark.unit

PARAMS = {"municipality_codes": ["1880", "0580"], "ssyk4_codes": ["5120", "2221"], "county_codes": ["05", "18"]}
WHEN = datetime(2026, 10, 1, tzinfo=UTC)


def _row(no: int, **changes) -> dict:
    row = {
        "record_no": no,
        "ad_id": str(1000 + no),
        "is_removal": False,
        "headline": "Kock",
        "ssyk4": "5120",
        "county_code": "18",
        "municipality_code": "1880",
        "number_of_vacancies": 1,
        "changed_at": WHEN,
        "publication_date": WHEN,
        "last_publication_date": WHEN,
        "personal_number_found": False,
    }
    row.update(changes)
    return row


def _failing(*rows: dict) -> dict[int, list[str]]:
    import pandas as pd

    outcome = validate_frame(pd.DataFrame(list(rows)), "job_ads", parameters=PARAMS)
    assert outcome.batch_failures == []
    return {no: sorted({r["column"] for r in failure.reasons}) for no, failure in outcome.failures.items()}


def test_an_ad_needs_a_county_of_the_area_and_a_removal_does_not():
    sparse = {"is_removal": True, "headline": None, "ssyk4": None, "county_code": None, "municipality_code": None}
    elsewhere = {"county_code": "01", "municipality_code": "0180"}
    failing = _failing(
        _row(1),
        _row(2, county_code=None, municipality_code=None),
        _row(3, **elsewhere),
        _row(4, **sparse),
        _row(5, is_removal=True, headline=None, **elsewhere),
        _row(6, county_code="05", municipality_code=None),
    )
    assert failing == {2: ["county_code"], 3: ["county_code", "municipality_code"]}
