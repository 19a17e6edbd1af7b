"""The education_transitions suite: every expectation fails when it should, and clean rows pass."""

from __future__ import annotations

import pytest

from vagled.feeds.education_transitions import parse as education_transitions
from vagled.pipeline.validate import validate_frame

pytestmark = pytest.mark.unit

PARAMS = {"region_codes": ["03", "0380"], "programme_codes": ["VO", "alla_nationella"]}


def _frame(rows: list[dict]):
    import pandas as pd

    columns = education_transitions.STAGED_COLUMNS
    return pd.DataFrame(
        [{"record_no": n, **row} for n, row in enumerate(rows, start=1)], columns=["record_no", *columns]
    )


def _row(**changes) -> dict:
    row = {
        "region_level": "municipality",
        "region_code": "0380",
        "county_code": "03",
        "municipality_code": "0380",
        "programme_sheet": "Vård- och omsorgsprogrammet",
        "programme_code": "VO",
        "owner_type": "samtliga",
        "cohort": "2018/19",
        "cohort_year": 2019,
        "years_after": 1,
        "activity_year": 2020,
        "graduates": 120,
        "graduates_status": None,
        "share_established": 61.5,
        "share_established_status": None,
        "share_studying": 9.0,
        "share_studying_status": None,
    }
    return {**row, **changes}


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"region_code": "0999"}, ("expect_column_values_to_be_in_set", "region_code")),
        ({"region_code": None}, ("expect_column_values_to_not_be_null", "region_code")),
        ({"county_code": None}, ("expect_column_values_to_not_be_null", "county_code")),
        ({"programme_code": "XX"}, ("expect_column_values_to_be_in_set", "programme_code")),
        ({"programme_code": None}, ("expect_column_values_to_not_be_null", "programme_code")),
        ({"owner_type": "privat"}, ("expect_column_values_to_be_in_set", "owner_type")),
        ({"owner_type": None}, ("expect_column_values_to_not_be_null", "owner_type")),
        ({"cohort_year": None}, ("expect_column_values_to_not_be_null", "cohort_year")),
        ({"cohort_year": 1890}, ("expect_column_values_to_be_between", "cohort_year")),
        ({"years_after": 2}, ("expect_column_values_to_be_in_set", "years_after")),
        ({"graduates": -3}, ("expect_column_values_to_be_between", "graduates")),
        ({"share_established": 100.5}, ("expect_column_values_to_be_between", "share_established")),
        ({"share_studying": -1.0}, ("expect_column_values_to_be_between", "share_studying")),
        ({"share_established_status": "okänd"}, ("expect_column_values_to_be_in_set", "share_established_status")),
        ({"share_studying_status": "okänd"}, ("expect_column_values_to_be_in_set", "share_studying_status")),
    ],
)
def test_transition_expectations_fail_when_they_should(change, expected):
    outcome = validate_frame(_frame([_row(), _row(**change)]), "education_transitions", parameters=PARAMS)
    assert outcome.batch_failures == []
    failed = {no: {(r["expectation"], r["column"]) for r in f.reasons} for no, f in outcome.failures.items()}
    assert list(failed) == [2] and expected in failed[2]


def test_suppressed_and_missing_shares_pass_as_null_with_their_reason():
    rows = [
        _row(
            share_established=None, share_established_status="suppressed", graduates=None, graduates_status="suppressed"
        ),
        _row(
            region_code="03",
            region_level="county",
            municipality_code=None,
            programme_code="alla_nationella",
            share_studying=None,
            share_studying_status="missing",
        ),
    ]
    assert validate_frame(_frame(rows), "education_transitions", parameters=PARAMS).success
