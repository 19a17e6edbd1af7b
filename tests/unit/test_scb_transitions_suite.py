"""The scb_transitions suite: every expectation fails when it should; a withheld share passes with its mark."""

from __future__ import annotations

import pytest

from vagled.feeds.scb_transitions import parse as scb_transitions
from vagled.pipeline.validate import validate_frame

pytestmark = pytest.mark.unit

PARAMS = {
    "region_codes": ["03", "0380"],
    "measures": ["employed_share", "matched_share"],
    "table_ids": ["TAB6383", "TAB6384", "TAB6929"],
}


def _frame(rows: list[dict]):
    import pandas as pd

    columns = scb_transitions.STAGED_COLUMNS
    return pd.DataFrame(
        [{"record_no": n, **row} for n, row in enumerate(rows, start=1)], columns=["record_no", *columns]
    )


def _row(**changes) -> dict:
    row = {
        "table_id": "TAB6383",
        "region_level": "municipality",
        "region_code": "0380",
        "county_code": "03",
        "municipality_code": "0380",
        "year": 2024,
        "content_code": "000007K3",
        "measure": "employed_share",
        "education_variable": "UtbNiv",
        "education_code": "F",
        "education_label": "förgymnasial utbildning",
        "education_meaning": "pre_upper_secondary",
        "background_code": "TOT",
        "background_label": "totalt",
        "background_meaning": "all",
        "sex": "T",
        "value": 51.2,
        "status": None,
    }
    return {**row, **changes}


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"region_code": "0999"}, ("expect_column_values_to_be_in_set", "region_code")),
        ({"county_code": None}, ("expect_column_values_to_not_be_null", "county_code")),
        ({"table_id": "TAB389"}, ("expect_column_values_to_be_in_set", "table_id")),
        ({"measure": None}, ("expect_column_values_to_not_be_null", "measure")),
        ({"measure": "employment_rate"}, ("expect_column_values_to_be_in_set", "measure")),
        ({"year": 2018}, ("expect_column_values_to_be_between", "year")),
        # TAB6929's levels codelist is an alternative grouping: never staged beside the groups
        (
            {"education_variable": "vs_Utbildningsnivå19RMI"},
            ("expect_column_values_to_be_in_set", "education_variable"),
        ),
        ({"sex": "1+2"}, ("expect_column_values_to_be_in_set", "sex")),
        ({"value": 100.4}, ("expect_column_values_to_be_between", "value")),
        ({"value": -0.1}, ("expect_column_values_to_be_between", "value")),
        ({"value": None}, ("expect_column_values_to_not_be_null", "value")),
    ],
)
def test_scb_transition_expectations_fail_when_they_should(change, expected):
    outcome = validate_frame(_frame([_row(), _row(**change)]), "scb_transitions", parameters=PARAMS)
    assert outcome.batch_failures == []
    failed = {no: {(r["expectation"], r["column"]) for r in f.reasons} for no, f in outcome.failures.items()}
    assert list(failed) == [2] and expected in failed[2]


def test_a_withheld_share_passes_as_null_with_scbs_mark():
    rows = [_row(value=None, status=".."), _row(table_id="TAB6929", education_variable="vs_UtbildningsgruppE2-3N1-2")]
    rows[1].update(background_code=None, background_label=None, background_meaning=None, measure="matched_share")
    assert validate_frame(_frame(rows), "scb_transitions", parameters=PARAMS).success
