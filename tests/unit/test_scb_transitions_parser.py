"""SCB's transitions tables (TAB6383/TAB6384/TAB6929): the parser and the metadata checks, on json-stat2 built here."""

from __future__ import annotations

import orjson
import pytest

from vagled.feeds.scb_transitions import parse as scb_transitions
from vagled.pipeline.feed import ParseFailure, SourceStructureError


def _dataset(table_id: str, dims: dict[str, dict[str, str]], values: list, status: dict | None = None) -> bytes:
    body = {
        "class": "dataset",
        "id": list(dims),
        "size": [len(codes) for codes in dims.values()],
        "dimension": {
            name: {"category": {"index": {c: i for i, c in enumerate(codes)}, "label": codes}}
            for name, codes in dims.items()
        },
        "value": values,
        "extension": {"px": {"tableid": table_id}},
    }
    if status:
        body["status"] = status
    return orjson.dumps(body)


def test_an_outcome_cell_keeps_codes_labels_meanings_and_a_suppressed_value_as_null_with_its_mark():
    body = _dataset(
        "TAB6383",
        {
            "Region": {"0380": "Uppsala"},
            "UtbNiv": {"F": "förgymnasial utbildning"},
            "BakgrVar": {"TOT": "totalt", "INT010": "vistelsetid 0\u20131 år"},
            "ContentsCode": {"000007K3": "Andel sysselsatta"},
            "Tid": {"2024": "2024"},
        },
        [51.2, None],
        {"1": ".."},
    )
    first, second = list(scb_transitions.parse(body, "application/json"))
    assert first["county_code"] == "03" and first["municipality_code"] == "0380" and first["sex"] == "T"
    assert (first["measure"], first["education_meaning"], first["background_meaning"]) == (
        "employed_share",
        "pre_upper_secondary",
        "all",
    )
    assert first["value"] == 51.2 and first["status"] is None
    assert second["value"] is None and second["status"] == ".."
    assert second["background_label"] == "vistelsetid 0\u20131 år" and second["background_code"] == "INT010"


def test_a_matching_cell_is_keyed_by_the_groups_codelist_and_has_no_background():
    body = _dataset(
        "TAB6929",
        {
            "Region": {"03": "Uppsala län"},
            "Utbildning": {"53B": "byggutbildning, gymnasial"},
            "ContentsCode": {"000008QV": "x"},
            "Tid": {"2023": "2023"},
        },
        [71.0],
    )
    (record,) = scb_transitions.parse(body, "application/json")
    assert record["education_variable"] == "vs_UtbildningsgruppE2-3N1-2" and record["background_code"] is None
    assert (record["region_level"], record["county_code"], record["measure"]) == ("county", "03", "matched_share")


def test_a_renamed_dimension_or_an_unknown_table_rejects_the_answer():
    renamed = _dataset(
        "TAB6383",
        {
            "Kommun": {"0380": ""},
            "UtbNiv": {"F": ""},
            "BakgrVar": {"TOT": ""},
            "ContentsCode": {"x": ""},
            "Tid": {"2024": ""},
        },
        [1.0],
    )
    with pytest.raises(SourceStructureError, match="no dimension 'Region'"):
        list(scb_transitions.parse(renamed, "application/json"))
    with pytest.raises(SourceStructureError, match="TAB9999"):
        list(scb_transitions.parse(_dataset("TAB9999", {"Region": {"03": ""}}, [1.0]), "application/json"))


def test_a_value_that_is_no_number_is_quarantined_not_guessed():
    body = _dataset(
        "TAB6384",
        {
            "Region": {"03": ""},
            "UtbNiv": {"000": ""},
            "BakgrVar": {"TOT": ""},
            "ContentsCode": {"000007K3": ""},
            "Tid": {"2024": ""},
        },
        ["71,3"],
    )
    (failure,) = scb_transitions.parse(body, "application/json")
    assert isinstance(failure, ParseFailure) and "not a number" in failure.reason


def test_a_code_the_table_lacks_fails_naming_what_the_table_offers():
    meta = {
        "dimension": {
            "BakgrVar": {"category": {"index": {"TOT": 0, "VT01": 1}, "label": {"VT01": "vistelsetid 0–1 år"}}}
        }
    }
    scb_transitions._check_codes(meta, "TAB6383", "BakgrVar", ["TOT"])
    with pytest.raises(SourceStructureError) as error:
        scb_transitions._check_codes(meta, "TAB6383", "BakgrVar", ["TOT", "INT010"])
    assert "['INT010']" in str(error.value) and "VT01 (vistelsetid 0–1 år)" in str(error.value)


def test_the_years_a_scheduled_run_loads_are_those_published_in_its_period():
    from datetime import datetime

    from vagled.config import STOCKHOLM
    from vagled.pipeline.period import Period

    tz = STOCKHOLM
    october = Period(datetime(2025, 10, 15, 6, tzinfo=tz), datetime(2026, 10, 15, 6, tzinfo=tz))
    assert scb_transitions.statistics_years(october, {}) == [2025]  # published April 2026
    assert scb_transitions.statistics_years(None, {"years": "2022-2024"}) == [2022, 2023, 2024]


def test_a_content_code_is_one_for_every_table_or_one_per_table():
    per_table = {"code": {"TAB6383": "000007K3", "TAB6384": "000007KE"}, "measure": "employed_share"}
    assert scb_transitions.outcome_content_code(per_table, "TAB6384") == "000007KE"
    assert scb_transitions.outcome_content_code({"code": "X1", "measure": "m"}, "TAB6383") == "X1"
    with pytest.raises(SourceStructureError, match="employed_share no code for TAB6379"):
        scb_transitions.outcome_content_code(per_table, "TAB6379")


def test_every_configured_outcome_code_has_its_measure():
    measures = scb_transitions._measures()
    assert measures["000007K3"] == measures["000007KE"] == "employed_share"
