"""The municipality suites: every expectation fails when it should, and clean rows pass."""

from __future__ import annotations

from datetime import date

import pytest

from vagled.feeds.kolada_key_figures import parse as key_figures
from vagled.feeds.municipal_komvux import parse as municipal_komvux
from vagled.feeds.municipal_programmes import parse as municipal_programmes
from vagled.pipeline.validate import load_suite, validate_frame

pytestmark = pytest.mark.unit

KEY_FIGURE_PARAMS = {"municipality_codes": ["0380", "1880"], "indicator_codes": ["population", "employment_rate_20_64"]}
FILE_PARAMS = {"partition_codes": ["0380"]}


def _frame(columns, rows: list[dict]):
    import pandas as pd

    return pd.DataFrame(
        [{"record_no": n, **row} for n, row in enumerate(rows, start=1)], columns=["record_no", *columns]
    )


def _failed(outcome) -> dict[int, set[tuple[str, str | None]]]:
    return {no: {(r["expectation"], r["column"]) for r in f.reasons} for no, f in outcome.failures.items()}


def _key_figure(**changes) -> dict:
    row = {
        "municipality_code": "0380",
        "year": 2024,
        "month": 0,
        "indicator_code": "employment_rate_20_64",
        "gender": "T",
        "value": 78.4,
        "status": None,
        "unit": "percent",
    }
    return {**row, **changes}


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"municipality_code": "9999"}, ("expect_column_values_to_be_in_set", "municipality_code")),
        ({"municipality_code": None}, ("expect_column_values_to_not_be_null", "municipality_code")),
        ({"year": None}, ("expect_column_values_to_not_be_null", "year")),
        ({"year": 1900}, ("expect_column_values_to_be_between", "year")),
        ({"month": 13}, ("expect_column_values_to_be_between", "month")),
        ({"indicator_code": None}, ("expect_column_values_to_not_be_null", "indicator_code")),
        ({"indicator_code": "unknown"}, ("expect_column_values_to_be_in_set", "indicator_code")),
        ({"gender": "X"}, ("expect_column_values_to_be_in_set", "gender")),
        ({"gender": None}, ("expect_column_values_to_not_be_null", "gender")),
        ({"value": -1.0}, ("expect_column_values_to_be_between", "value")),
        ({"value": 101.0}, ("expect_column_values_to_be_between", "value")),
        ({"value": None}, ("expect_column_values_to_not_be_null", "value")),
    ],
)
def test_key_figure_expectations_fail_when_they_should(change, expected):
    frame = _frame(key_figures.STAGED_COLUMNS, [_key_figure(), _key_figure(**change)])
    outcome = validate_frame(frame, "municipality_key_figures", parameters=KEY_FIGURE_PARAMS)
    assert outcome.batch_failures == []
    assert list(_failed(outcome)) == [2] and expected in _failed(outcome)[2]


def test_key_figures_allow_a_missing_value_with_a_status_and_large_counts():
    rows = [
        _key_figure(value=None, status="Sekretess"),
        _key_figure(indicator_code="population", unit="count", value=245_857.0),
    ]
    outcome = validate_frame(
        _frame(key_figures.STAGED_COLUMNS, rows), "municipality_key_figures", parameters=KEY_FIGURE_PARAMS
    )
    assert outcome.success


def _komvux(**changes) -> dict:
    row = {
        "month": date(2026, 9, 1),
        "municipality_code": "0380",
        "course_code": "SFIKURA",
        "course_name": "Svenska för invandrare, kurs A",
        "study_form": "Distans",
        "participants": 100,
        "women": 60,
        "pace_percent": 75.0,
        "comment": None,
        "personal_number_found": False,
    }
    return {**row, **changes}


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"month": None}, ("expect_column_values_to_not_be_null", "month")),
        ({"municipality_code": None}, ("expect_column_values_to_not_be_null", "municipality_code")),
        ({"municipality_code": "1880"}, ("expect_column_values_to_be_in_set", "municipality_code")),
        ({"course_code": None}, ("expect_column_values_to_not_be_null", "course_code")),
        ({"participants": None}, ("expect_column_values_to_not_be_null", "participants")),
        ({"participants": -3}, ("expect_column_values_to_be_between", "participants")),
        ({"women": -1}, ("expect_column_values_to_be_between", "women")),
        ({"women": 101}, ("expect_column_pair_values_a_to_be_greater_than_b", None)),
        ({"pace_percent": 120.0}, ("expect_column_values_to_be_between", "pace_percent")),
        ({"personal_number_found": True}, ("expect_column_values_to_be_in_set", "personal_number_found")),
    ],
)
def test_komvux_expectations_fail_when_they_should(change, expected):
    frame = _frame(municipal_komvux.STAGED_COLUMNS, [_komvux(), _komvux(**change)])
    outcome = validate_frame(frame, "municipal_komvux", parameters=FILE_PARAMS)
    assert outcome.batch_failures == []
    assert list(_failed(outcome)) == [2] and expected in _failed(outcome)[2]


def _programme(**changes) -> dict:
    row = {
        "month": date(2026, 9, 1),
        "municipality_code": "0380",
        "programme": "Praktik",
        "target_group": "Utrikes födda",
        "participants": 18,
        "share_women_percent": 58.7,
        "cost_ksek": 417.0,
        "comment": None,
        "personal_number_found": False,
    }
    return {**row, **changes}


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"month": None}, ("expect_column_values_to_not_be_null", "month")),
        ({"municipality_code": "9999"}, ("expect_column_values_to_be_in_set", "municipality_code")),
        ({"municipality_code": None}, ("expect_column_values_to_not_be_null", "municipality_code")),
        ({"programme": None}, ("expect_column_values_to_not_be_null", "programme")),
        ({"target_group": None}, ("expect_column_values_to_not_be_null", "target_group")),
        ({"participants": None}, ("expect_column_values_to_not_be_null", "participants")),
        ({"participants": 60_000}, ("expect_column_values_to_be_between", "participants")),
        ({"share_women_percent": 130.0}, ("expect_column_values_to_be_between", "share_women_percent")),
        ({"cost_ksek": -5.0}, ("expect_column_values_to_be_between", "cost_ksek")),
        ({"personal_number_found": True}, ("expect_column_values_to_be_in_set", "personal_number_found")),
    ],
)
def test_programme_expectations_fail_when_they_should(change, expected):
    frame = _frame(municipal_programmes.STAGED_COLUMNS, [_programme(), _programme(**change)])
    outcome = validate_frame(frame, "municipal_programmes", parameters=FILE_PARAMS)
    assert outcome.batch_failures == []
    assert list(_failed(outcome)) == [2] and expected in _failed(outcome)[2]


@pytest.mark.parametrize("suite", ["municipality_key_figures", "municipal_komvux", "municipal_programmes"])
def test_suites_are_gx_1_suites(suite):
    assert load_suite(suite)["expectations"]
