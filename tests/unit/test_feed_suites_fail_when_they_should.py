"""The job_ads, jobseekers, occupational_outlook and taxonomy suites: every expectation fails when it should.

The cases are parametrised over the expectations in expectations/<suite>.json, not over a list
kept here: an expectation added to a suite without a violating row here fails its case, and a
case whose expectation left the suite fails too. Each case validates a clean row beside the
clean row with one change and asserts that the changed row alone fails, with that expectation
(matched by its type and its kwargs as the suite writes them) among its reasons.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any, NamedTuple

import pytest

from vagled.pipeline.validate import load_suite, validate_frame

pytestmark = pytest.mark.unit

WHEN = datetime(2026, 10, 1, tzinfo=UTC)


class Case(NamedTuple):
    change: dict[str, Any]
    # Parameters to add, so that only the expectation under test sees the changed value as bad.
    extra: dict[str, list] | None = None


class Suite(NamedTuple):
    parameters: dict[str, list]
    clean: dict[str, Any]
    cases: dict[str, Case]


def label(expectation: dict) -> str:
    """One name per expectation of a suite: its type, the column(s) it reads and its row condition."""
    kwargs = expectation["kwargs"]
    columns = kwargs.get("column") or f"{kwargs.get('column_A')}>{kwargs.get('column_B')}"
    condition = f"[{kwargs['row_condition']}]" if "row_condition" in kwargs else ""
    return f"{expectation['type']}:{columns}{condition}"


FULL_AD = "[is_removal == False]"
SUITES: dict[str, Suite] = {
    "job_ads": Suite(
        parameters={
            "municipality_codes": ["1880", "0580"],
            "ssyk4_codes": ["5120", "2221"],
            "county_codes": ["05", "18"],
        },
        clean={
            "ad_id": "1001",
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
        },
        cases={
            "expect_column_values_to_not_be_null:ad_id": Case({"ad_id": None}),
            "expect_column_values_to_match_regex:ad_id": Case({"ad_id": "10 01"}),
            f"expect_column_values_to_not_be_null:headline{FULL_AD}": Case({"headline": None}),
            f"expect_column_values_to_not_be_null:ssyk4{FULL_AD}": Case({"ssyk4": None}),
            "expect_column_values_to_match_regex:ssyk4": Case({"ssyk4": "512"}, {"ssyk4_codes": ["512"]}),
            f"expect_column_values_to_be_in_set:ssyk4{FULL_AD}": Case({"ssyk4": "9999"}),
            f"expect_column_values_to_not_be_null:county_code{FULL_AD}": Case(
                {"county_code": None, "municipality_code": None}
            ),
            f"expect_column_values_to_be_in_set:county_code{FULL_AD}": Case({"county_code": "01"}),
            f"expect_column_values_to_be_in_set:municipality_code{FULL_AD}": Case({"municipality_code": "0180"}),
            "expect_column_values_to_be_between:number_of_vacancies": Case({"number_of_vacancies": -1}),
            "expect_column_values_to_not_be_null:changed_at": Case({"changed_at": None}),
            "expect_column_pair_values_a_to_be_greater_than_b:last_publication_date>publication_date": Case(
                {"last_publication_date": datetime(2026, 9, 30, tzinfo=UTC)}
            ),
            "expect_column_values_to_be_in_set:personal_number_found": Case({"personal_number_found": True}),
        },
    ),
    "jobseekers": Suite(
        parameters={"county_codes": ["18", "00"], "workbooks": ["web-sok-lan-kom"]},
        clean={
            "workbook": "web-sok-lan-kom",
            "field": "Antal",
            "month": date(2026, 10, 1),
            "county_code": "18",
            "municipality_code": "1880",
            "area_name": "Örebro",
            "sex": "Kvinnor",
            "dimension": "Inskrivna arbetslösa",
            "group_label": "Totalt",
            "count_min": 120,
            "count_max": 120,
            "below_five_cells": 0,
        },
        cases={
            "expect_column_values_to_not_be_null:month": Case({"month": None}),
            "expect_column_values_to_be_in_set:workbook": Case({"workbook": "web-okand"}),
            "expect_column_values_to_not_be_null:county_code": Case({"county_code": None}),
            "expect_column_values_to_be_in_set:county_code": Case({"county_code": "01"}),
            "expect_column_values_to_match_regex:municipality_code": Case({"municipality_code": "188"}),
            "expect_column_values_to_not_be_null:dimension": Case({"dimension": None}),
            "expect_column_values_to_not_be_null:count_min": Case({"count_min": None}),
            "expect_column_values_to_be_between:count_min": Case({"count_min": -1, "count_max": 0}),
            "expect_column_pair_values_a_to_be_greater_than_b:count_max>count_min": Case({"count_max": 119}),
            "expect_column_values_to_be_between:below_five_cells": Case({"below_five_cells": -1}),
        },
    ),
    "occupational_outlook": Suite(
        parameters={"areas": ["18", "00"], "ssyk4_codes": ["5120", "2221"]},
        clean={
            "omgang": "2026-1",
            "yb_concept_id": "Yx4c_3DZ_MbX",
            "lan": "18",
            "yb_yrke": "Kockar och kallskänkor",
            "ssyk4": "5120",
            "delvis_helt": "helt",
            "jobbmojligheter": "stora",
            "rekryteringssituation": "brist",
            "prognos": "öka",
        },
        cases={
            "expect_column_values_to_not_be_null:omgang": Case({"omgang": None}),
            "expect_column_values_to_match_regex:omgang": Case({"omgang": "2026:1"}),
            "expect_column_values_to_not_be_null:yb_concept_id": Case({"yb_concept_id": None}),
            "expect_column_values_to_not_be_null:yb_yrke": Case({"yb_yrke": None}),
            "expect_column_values_to_be_in_set:lan": Case({"lan": "01"}),
            "expect_column_values_to_be_in_set:ssyk4": Case({"ssyk4": "9999"}),
            "expect_column_values_to_be_in_set:delvis_helt": Case({"delvis_helt": "halvt"}),
            "expect_column_values_to_be_in_set:jobbmojligheter": Case({"jobbmojligheter": "mycket stora"}),
            "expect_column_values_to_be_in_set:rekryteringssituation": Case({"rekryteringssituation": "okänd"}),
            "expect_column_values_to_be_in_set:prognos": Case({"prognos": "öka kraftigt"}),
        },
    ),
    "taxonomy": Suite(
        parameters={},
        clean={
            "kind": "occupation",
            "code": "5120",
            "level": 4,
            "label": "Kockar och kallskänkor",
            "concept_id": "Yx4c_3DZ_MbX",
            "deprecated": False,
        },
        cases={
            "expect_column_values_to_be_in_set:kind": Case({"kind": "region"}),
            "expect_column_values_to_not_be_null:code": Case({"code": None}),
            "expect_column_values_to_not_be_null:label": Case({"label": None}),
            "expect_column_values_to_match_regex:concept_id": Case({"concept_id": "Yx4c-3DZ-MbX"}),
            "expect_column_values_to_match_regex:code[kind == 'county']": Case({"kind": "county", "code": "180"}),
            "expect_column_values_to_match_regex:code[kind == 'municipality']": Case(
                {"kind": "municipality", "code": "18"}
            ),
            "expect_column_values_to_be_in_set:level[kind == 'occupation']": Case({"level": 5}),
            "expect_column_values_to_match_regex:code[kind == 'occupation' and level == 1]": Case(
                {"level": 1, "code": "51"}
            ),
            "expect_column_values_to_match_regex:code[kind == 'occupation' and level == 2]": Case(
                {"level": 2, "code": "5"}
            ),
            "expect_column_values_to_match_regex:code[kind == 'occupation' and level == 3]": Case(
                {"level": 3, "code": "5120"}
            ),
            "expect_column_values_to_match_regex:code[kind == 'occupation' and level == 4]": Case(
                {"level": 4, "code": "512"}
            ),
        },
    ),
}

EXPECTATIONS = [
    pytest.param(suite, expectation, id=f"{suite}-{label(expectation)}")
    for suite in SUITES
    for expectation in load_suite(suite)["expectations"]
]


def _frame(rows: list[dict]):
    import pandas as pd

    return pd.DataFrame([{"record_no": n, **row} for n, row in enumerate(rows, start=1)])


@pytest.mark.parametrize(("suite", "expectation"), EXPECTATIONS)
def test_each_expectation_fails_when_it_should(suite: str, expectation: dict):
    spec = SUITES[suite]
    case = spec.cases.get(label(expectation))
    assert case is not None, f"{suite}: no violating row for {label(expectation)}; add a Case to SUITES"
    parameters = {name: [*codes, *(case.extra or {}).get(name, [])] for name, codes in spec.parameters.items()}
    outcome = validate_frame(_frame([spec.clean, {**spec.clean, **case.change}]), suite, parameters=parameters)
    assert outcome.batch_failures == []
    assert list(outcome.failures) == [2], "the clean row passes and the changed one fails"
    failed = [(reason["expectation"], reason["kwargs"]) for reason in outcome.failures[2].reasons]
    assert (expectation["type"], expectation["kwargs"]) in failed


@pytest.mark.parametrize("suite", list(SUITES))
def test_every_case_names_an_expectation_of_its_suite(suite: str):
    labels = [label(expectation) for expectation in load_suite(suite)["expectations"]]
    assert len(labels) == len(set(labels)), "one label per expectation, so each has its own case"
    assert sorted(set(SUITES[suite].cases) - set(labels)) == []


@pytest.mark.parametrize("suite", list(SUITES))
def test_the_clean_row_passes(suite: str):
    spec = SUITES[suite]
    outcome = validate_frame(_frame([spec.clean]), suite, parameters=spec.parameters)
    assert outcome.success and outcome.failures == {} and outcome.batch_failures == []
