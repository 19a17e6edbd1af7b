"""validate_frame against expectations/example_rows.json: every expectation fails when it should.

Great Expectations is imported once, by the first test that validates; the context is shared.
"""

import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from vagled.pipeline import validate
from vagled.pipeline.validate import RowFailure, load_suite, validate_frame

pytestmark = pytest.mark.unit

SUITE = "example_rows"
CODES = ["0114", "0180", "0181", "0182"]
PARAMS = {"municipality_codes": CODES}


def frame(*changes: tuple[int, str, object], drop: tuple[str, ...] = ()):
    """Four clean rows (record_no 1-4); each change is (record_no, column, value)."""
    import pandas as pd

    rows = [
        {"record_no": no, "id": 100 + no, "municipality_code": code, "count": 10 * no}
        for no, code in zip(range(1, 5), CODES, strict=True)
    ]
    for record_no, column, value in changes:
        rows[record_no - 1][column] = value
    return pd.DataFrame(rows).drop(columns=list(drop))


def expectations_of(failure: RowFailure) -> list[str]:
    return [reason["expectation"] for reason in failure.reasons]


def test_suite_file_is_a_gx_1_suite():
    suite = load_suite(SUITE)
    assert suite["name"] == SUITE
    assert {item["type"] for item in suite["expectations"]} == {
        "expect_column_to_exist",
        "expect_column_values_to_not_be_null",
        "expect_column_values_to_be_unique",
        "expect_column_values_to_match_regex",
        "expect_column_values_to_be_in_set",
        "expect_column_values_to_be_between",
    }


def test_clean_frame_passes():
    outcome = validate_frame(frame(), SUITE, parameters=PARAMS)
    assert outcome.success
    assert outcome.rows == 4
    assert outcome.failures == {}
    assert outcome.batch_failures == []
    assert outcome.statistics == {
        "evaluated_expectations": 6,
        "successful_expectations": 6,
        "unsuccessful_expectations": 0,
    }


@pytest.mark.parametrize(
    ("change", "expectation", "value", "extra_codes"),
    [
        ((3, "id", None), "expect_column_values_to_not_be_null", None, []),
        ((3, "municipality_code", "01a0"), "expect_column_values_to_match_regex", "01a0", ["01a0"]),
        ((3, "municipality_code", "9999"), "expect_column_values_to_be_in_set", "9999", []),
        ((3, "count", 1001), "expect_column_values_to_be_between", 1001, []),
        ((3, "count", -1), "expect_column_values_to_be_between", -1, []),
    ],
    ids=["not_null", "regex", "in_set", "between_above", "between_below"],
)
def test_each_row_expectation_pins_the_failing_record(change, expectation, value, extra_codes):
    # The regex case puts its bad code in the set, so that only the regex fails.
    outcome = validate_frame(frame(change), SUITE, parameters={"municipality_codes": CODES + extra_codes})
    assert not outcome.success
    assert outcome.batch_failures == []
    assert list(outcome.failures) == [3]
    (reason,) = outcome.failures[3].reasons
    assert reason["expectation"] == expectation
    assert reason["column"] == change[1]
    assert reason["value"] == value
    assert reason["kwargs"]["column"] == change[1]


def test_uniqueness_is_reported_per_row_for_every_copy():
    outcome = validate_frame(frame((4, "id", 102)), SUITE, parameters=PARAMS)
    assert sorted(outcome.failures) == [2, 4]
    for record_no in (2, 4):
        assert expectations_of(outcome.failures[record_no]) == ["expect_column_values_to_be_unique"]
        assert outcome.failures[record_no].reasons[0]["value"] == 102
    assert outcome.batch_failures == []


def test_column_to_exist_fails_at_batch_level():
    outcome = validate_frame(frame(drop=("id",)), SUITE, parameters=PARAMS)
    assert not outcome.success
    assert outcome.failures == {}
    exists = [f for f in outcome.batch_failures if f["expectation"] == "expect_column_to_exist"]
    assert exists == [
        {
            "expectation": "expect_column_to_exist",
            "column": "id",
            "kwargs": {"column": "id"},
            "value": None,
            "detail": "column missing: id",
        }
    ]


def test_missing_column_is_a_batch_failure_not_an_exception():
    # No expect_column_to_exist on count: GX raises inside, and that must come back as data.
    outcome = validate_frame(frame((2, "municipality_code", "9999"), drop=("count",)), SUITE, parameters=PARAMS)
    assert not outcome.success
    assert [(f["expectation"], f["detail"]) for f in outcome.batch_failures] == [
        ("expect_column_values_to_be_between", "column missing: count")
    ]
    # The rest of the suite still ran.
    assert expectations_of(outcome.failures[2]) == ["expect_column_values_to_be_in_set"]


def test_a_row_failing_two_expectations_gets_both_reasons_in_suite_order():
    outcome = validate_frame(frame((1, "id", None), (1, "count", 5000), (2, "count", 5000)), SUITE, parameters=PARAMS)
    assert expectations_of(outcome.failures[1]) == [
        "expect_column_values_to_not_be_null",
        "expect_column_values_to_be_between",
    ]
    assert expectations_of(outcome.failures[2]) == ["expect_column_values_to_be_between"]


def test_the_suite_parameter_decides_the_set():
    data = frame((2, "municipality_code", "0380"))
    outside = validate_frame(data, SUITE, parameters=PARAMS)
    assert expectations_of(outside.failures[2]) == ["expect_column_values_to_be_in_set"]
    assert outside.failures[2].reasons[0]["kwargs"]["value_set"] == {"$PARAMETER": "municipality_codes"}
    inside = validate_frame(data, SUITE, parameters={"municipality_codes": [*CODES, "0380"]})
    assert inside.success and inside.failures == {}


def test_a_missing_parameter_is_a_clear_error():
    with pytest.raises(ValueError, match="parameter"):
        validate_frame(frame(), SUITE)


def test_table_level_failures_go_to_batch_failures(tmp_path, monkeypatch):
    suite = {
        "name": "tmp_table_level",
        "expectations": [
            {"type": "expect_table_row_count_to_be_between", "kwargs": {"min_value": 10}},
            {"type": "expect_compound_columns_to_be_unique", "kwargs": {"column_list": ["municipality_code", "count"]}},
        ],
    }
    (tmp_path / "tmp_table_level.json").write_text(json.dumps(suite))
    monkeypatch.setattr(validate, "EXPECTATIONS_DIR", tmp_path)
    outcome = validate_frame(frame((2, "municipality_code", "0114"), (2, "count", 10)), "tmp_table_level")
    assert [(f["expectation"], f["value"]) for f in outcome.batch_failures] == [
        ("expect_table_row_count_to_be_between", 4)
    ]
    # Compound uniqueness is across rows, but GX names the rows: they stay per row.
    assert sorted(outcome.failures) == [1, 2]
    assert outcome.failures[1].reasons[0]["value"] == {"municipality_code": "0114", "count": 10}


def test_to_json_is_compact_and_json_safe():
    outcome = validate_frame(frame((1, "id", None), (2, "count", 5000), (3, "count", 5000)), SUITE, parameters=PARAMS)
    summary = json.loads(json.dumps(outcome.to_json(), allow_nan=False))
    assert summary["failed_rows"] == 3
    assert {(item["expectation"], item["rows"]) for item in summary["row_failures"]} == {
        ("expect_column_values_to_not_be_null", 1),
        ("expect_column_values_to_be_between", 2),
    }
    for failure in outcome.failures.values():
        json.dumps(failure.reasons, allow_nan=False)
    missing = validate_frame(frame(drop=("count",)), SUITE, parameters=PARAMS)
    json.dumps(missing.to_json(), allow_nan=False)


def test_values_are_made_json_safe():
    import numpy as np
    import pandas as pd

    assert validate._json_safe(np.int64(3)) == 3 and type(validate._json_safe(np.int64(3))) is int
    assert type(validate._json_safe(np.float64(2.5))) is float
    assert validate._json_safe(float("nan")) is None
    assert validate._json_safe(pd.NaT) is None
    assert validate._json_safe(pd.NA) is None
    assert validate._json_safe(np.datetime64("2026-03-01T12:00:00")) == "2026-03-01T12:00:00"
    assert validate._json_safe(pd.Timestamp("2026-03-01", tz="Europe/Stockholm")) == "2026-03-01T00:00:00+01:00"
    assert validate._json_safe(datetime(2026, 3, 1, tzinfo=UTC)) == "2026-03-01T00:00:00+00:00"
    assert validate._json_safe(Decimal("1.50")) == "1.50"
    assert validate._json_safe(np.bool_(True)) is True
    assert len(validate._json_safe("x" * 5000)) == 200
    assert validate._json_safe([1.0, float("nan")]) == [1.0, None]


def test_the_context_and_validation_definition_are_reused():
    validate_frame(frame(), SUITE, parameters=PARAMS)
    context = validate.gx_context()
    definition = validate.validation_definition(SUITE)
    validate_frame(frame((1, "count", -5)), SUITE, parameters=PARAMS)
    assert validate.gx_context() is context
    assert validate.validation_definition(SUITE) is definition
    # Results are not kept: a long stream of chunks must not grow the in-memory store.
    assert context.validation_results_store.list_keys() == []


def test_a_frame_without_the_index_column_is_refused():
    with pytest.raises(ValueError, match="record_no"):
        validate_frame(frame(drop=("record_no",)), SUITE, parameters=PARAMS)


def test_suite_names_cannot_leave_expectations_dir():
    with pytest.raises(ValueError, match="outside"):
        load_suite("../pyproject")
    with pytest.raises(FileNotFoundError):
        load_suite("no_such_suite")
