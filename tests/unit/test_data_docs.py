"""Data Docs of a batch: a real GX validation result in the file store and the local site built.

The failures come from validate_frame on expectations/example_rows.json and are counted the way
stage_batch counts them, so the keys that tie quarantine reasons to expectations are tested too.
Each test builds into its own VAGLED_HOME.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from vagled.pipeline.data_docs import data_docs_index, expectation_key, gx_root, record_batch_validation
from vagled.pipeline.validate import validate_frame

pytestmark = pytest.mark.unit

SUITE = "example_rows"
CODES = ["0114", "0180", "0181", "0182"]


@pytest.fixture(autouse=True)
def home(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("VAGLED_HOME", str(tmp_path))
    monkeypatch.delenv("AIRFLOW_CTX_DAG_RUN_ID", raising=False)
    return tmp_path


def failed_counts() -> dict[str, int]:
    """Rows 2 and 3 out of set, row 4 over the maximum: counted per expectation as stage_batch does."""
    import pandas as pd

    rows = pd.DataFrame(
        {
            "record_no": [1, 2, 3, 4],
            "id": [101, 102, 103, 104],
            "municipality_code": ["0114", "9998", "9999", "0182"],
            "count": [10, 20, 30, 1001],
        }
    )
    outcome = validate_frame(rows, SUITE, parameters={"municipality_codes": CODES})
    counts: dict[str, int] = {}
    for failure in outcome.failures.values():
        for reason in failure.reasons:
            counts[expectation_key(reason)] = counts.get(expectation_key(reason), 0) + 1
    return counts


def stored_results(home: Path) -> list[dict]:
    store = home / "gx" / "uncommitted" / "validations" / SUITE
    return [json.loads(path.read_text()) for path in sorted(store.rglob("*.json"))]


def test_batch_result_is_stored_and_rendered(home):
    index = record_batch_validation(
        feed="example",
        suite_name=SUITE,
        batch_id=41,
        rows_validated=4,
        failed_by_expectation={**failed_counts(), expectation_key({"expectation": "parseable_record"}): 1},
        rows_failed=4,
        run_name="manual__2026-03-01T00:00:00+00:00",
    )

    assert index == data_docs_index() and index.is_file()
    assert gx_root() == home / "gx"
    [result] = stored_results(home)
    assert result["suite_name"] == SUITE
    assert result["success"] is False
    assert result["meta"]["vagled"] == {
        "feed": "example",
        "batch_id": 41,
        "run": "manual__2026-03-01T00:00:00+00:00",
        "rows_validated": 4,
        "rows_failed": 4,
        "failures_outside_suite": {"parseable_record": 1},
    }
    assert result["statistics"]["evaluated_expectations"] == 6
    assert result["statistics"]["unsuccessful_expectations"] == 2
    by_check = {
        (item["expectation_config"]["type"], item["expectation_config"]["kwargs"].get("column")): item
        for item in result["results"]
    }
    in_set = by_check[("expect_column_values_to_be_in_set", "municipality_code")]
    assert in_set["success"] is False
    assert in_set["result"]["unexpected_count"] == 2
    assert in_set["result"]["element_count"] == 4
    assert in_set["result"]["unexpected_percent"] == 50.0
    between = by_check[("expect_column_values_to_be_between", "count")]
    assert (between["success"], between["result"]["unexpected_count"]) == (False, 1)
    regex = by_check[("expect_column_values_to_match_regex", "municipality_code")]
    assert (regex["success"], regex["result"]["unexpected_count"]) == (True, 0)
    assert by_check[("expect_column_to_exist", "id")]["success"] is True

    html = index.read_text(encoding="utf-8")
    assert SUITE in html and "example" in html
    [page] = (index.parent / "validations" / SUITE).rglob("batch-41.html")
    assert "municipality_code" in page.read_text(encoding="utf-8")


def test_restaging_replaces_and_old_results_are_pruned(home):
    for batch_id in (1, 2, 3, 3):
        record_batch_validation(
            feed="example",
            suite_name=SUITE,
            batch_id=batch_id,
            rows_validated=10,
            failed_by_expectation={},
            keep_per_suite=2,
        )

    results = stored_results(home)
    assert sorted(result["meta"]["vagled"]["batch_id"] for result in results) == [2, 3]
    assert all(result["success"] for result in results)
    pages = sorted(path.name for path in (data_docs_index().parent / "validations" / SUITE).rglob("*.html"))
    assert pages == ["batch-2.html", "batch-3.html"]


def test_an_error_is_a_warning_not_a_failed_load(home, caplog):
    with caplog.at_level(logging.WARNING, logger="vagled.pipeline.data_docs"):
        index = record_batch_validation(
            feed="example", suite_name="no_such_suite", batch_id=5, rows_validated=1, failed_by_expectation={}
        )
    assert index is None
    assert "Data Docs not updated" in caplog.text and "no_such_suite" in caplog.text
