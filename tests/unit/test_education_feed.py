"""The education-offerings parser, its suite (every expectation fails when it should) and the matching table."""

from __future__ import annotations

import csv
import json
from datetime import UTC, date, datetime

import pytest

from vagled.config import REFERENCE_DIR
from vagled.feeds.education import SPEC, parse_offerings, snapshot_date
from vagled.pipeline.feed import ParseFailure, SourceStructureError
from vagled.pipeline.period import Period

pytestmark = pytest.mark.unit


def _offering(oid: str = "KV1880-SFI-20260817", **changes) -> dict:
    item = {
        "id": oid,
        "code": "SFI-1880",
        "name": "Svenska för invandrare",
        "provider": {"name": "Vuxenutbildningen Örebro", "organisation_number": "2120001967", "type": "komvux"},
        "sun2020": "080Z",
        "education_level": "2",
        "municipality_code": "1880",
        "start_date": "2026-08-17",
        "end_date": "2027-01-04",
        "pace_percent": 50,
        "distance": False,
        "places": None,
        "language": "sv",
        "description": "Svenska för invandrare hos Vuxenutbildningen Örebro.",
        "updated": "2026-04-27",
        "url": "https://example.org/kv1880/sfi",
    }
    item.update(changes)
    return item


def _page(*items, **top) -> bytes:
    return json.dumps({"total": len(items), "page": 1, "size": 500, "offerings": list(items), **top}).encode()


def test_an_offering_is_flattened_into_the_staged_columns():
    [record] = list(parse_offerings(_page(_offering()), "application/json"))
    assert set(record) == set(SPEC.columns)
    assert record["sun_field_code"] == "080z"  # SCB writes the level-4 letter in lower case
    assert record["provider_type"] == "komvux" and record["provider_org_number"] == "2120001967"
    assert record["start_date"] == date(2026, 8, 17) and record["end_date"] == date(2027, 1, 4)
    assert (record["pace_percent"], record["is_distance"], record["places"]) == (50, False, None)
    assert record["personal_number_found"] is False


def test_a_renamed_field_is_a_structure_error_naming_both_names():
    drifted = {("sun_code" if k == "sun2020" else k): v for k, v in _offering().items()}
    with pytest.raises(SourceStructureError, match=r"sun2020.*sun_code"):
        list(parse_offerings(_page(drifted, drifted), "application/json"))


def test_a_field_missing_from_some_records_only_is_a_record_problem():
    without = _offering("B")
    del without["sun2020"]
    records = list(parse_offerings(_page(_offering("A"), without), "application/json"))
    assert [r["sun_field_code"] for r in records] == ["080z", None]


def test_a_page_that_is_not_a_listing_is_a_structure_error():
    with pytest.raises(SourceStructureError):
        list(parse_offerings(b'{"message": "maintenance"}', "application/json"))


def test_unreadable_values_and_records_are_parse_failures():
    items = list(parse_offerings(_page(_offering("A", places="many"), "not an object"), "application/json"))
    assert all(isinstance(item, ParseFailure) for item in items) and len(items) == 2
    assert "'A'" in items[0].reason
    [failure] = list(parse_offerings(b'{"offerings": [', "application/json"))
    assert isinstance(failure, ParseFailure)


def test_an_identity_number_in_free_text_is_flagged_and_masked():
    text = "Kontakt: studievägledare, personnummer 811218-9876."
    [record] = list(parse_offerings(_page(_offering(description=text, name="Kurs 811218-9876")), "application/json"))
    assert record["personal_number_found"] is True
    assert "811218-9876" not in record["offering_name"]


def test_the_snapshot_is_the_catalogue_as_of_the_end_of_the_period_in_swedish_time():
    period = Period(datetime(2026, 8, 9, 22, tzinfo=UTC), datetime(2026, 8, 16, 22, tzinfo=UTC))
    assert snapshot_date(period) == date(2026, 8, 17)


# -- the suite ------------------------------------------------------------------------------------
PARAMETERS = {
    "municipality_codes": ["1880", "0380"],
    "sun_field_codes": ["0", "08", "080", "080z", "7", "72", "723", "723a"],
    "education_level_codes": ["2", "3", "5"],
    "provider_types": ["gymnasieskola", "komvux", "yrkeshogskola", "folkhogskola", "universitet"],
}
BAD = {
    "offering_id": [None, "has spaces in it"],
    "offering_name": [None],
    "provider_name": [None],
    "provider_org_number": [None, "12345"],
    "provider_type": ["privatskola"],
    "sun_field_code": [None, "999x"],
    "education_level": [None, "9"],
    "municipality_code": [None, "0180"],
    "start_date": [None],
    "end_date": [date(2026, 1, 1)],
    "pace_percent": [0, 150],
    "is_distance": [None],
    "places": [-30, 100000],
    "personal_number_found": [True],
}


def test_every_expectation_of_the_suite_fails_when_it_should():
    import pandas as pd

    from vagled.pipeline.validate import validate_frame

    good = next(iter(parse_offerings(_page(_offering()), "application/json")))
    rows, expected = [], {}
    for column, values in BAD.items():
        for value in values:
            record_no = len(rows) + 1
            rows.append({"record_no": record_no, **good, column: value})
            expected[record_no] = column
    rows.append({"record_no": len(rows) + 1, **good})
    frame = pd.DataFrame.from_records(rows, columns=["record_no", *SPEC.columns])
    outcome = validate_frame(frame, SPEC.suite, parameters=PARAMETERS)
    assert outcome.batch_failures == []
    assert set(outcome.failures) == set(expected), "exactly the bad rows fail"
    for record_no, column in expected.items():
        columns = {reason["column"] or "end_date" for reason in outcome.failures[record_no].reasons}
        assert columns == {column}, (record_no, outcome.failures[record_no].reasons)
    suite = json.loads((REFERENCE_DIR.parent.parent / "expectations" / "education_offerings.json").read_text())
    assert {e["kwargs"].get("column", e["kwargs"].get("column_A")) for e in suite["expectations"]} == set(BAD)


def test_an_unknown_sun_code_fails_the_membership_expectation_by_name():
    import pandas as pd

    from vagled.pipeline.validate import validate_frame

    good = next(iter(parse_offerings(_page(_offering()), "application/json")))
    frame = pd.DataFrame.from_records([{"record_no": 1, **good, "sun_field_code": "999x"}])
    [reason] = validate_frame(frame, SPEC.suite, parameters=PARAMETERS).failures[1].reasons
    assert reason["expectation"] == "expect_column_values_to_be_in_set"
    assert (reason["column"], reason["value"]) == ("sun_field_code", "999x")
    assert reason["kwargs"]["value_set"] == {"$PARAMETER": "sun_field_codes"}


# -- the matching table ----------------------------------------------------------------------------
def _rows(name: str) -> list[dict[str, str]]:
    with (REFERENCE_DIR / f"{name}.csv").open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_the_matching_table_names_only_real_codes_once_each():
    rows = _rows("sun2020_ssyk2012_matching")
    fields = {r["sun_field_code"] for r in _rows("sun2020_fields")}
    levels = {r["sun_level_code"] for r in _rows("sun2020_levels")}
    unit_groups = {r["ssyk_code"] for r in _rows("ssyk2012") if r["level"] == "4"}
    assert len(rows) >= 100
    keys = [(r["sun_field_code"], r["sun_level_code"], r["ssyk_code"]) for r in rows]
    assert len(keys) == len(set(keys))
    assert {r["sun_field_code"] for r in rows} <= fields
    assert {r["sun_level_code"] for r in rows} <= levels
    assert {r["ssyk_code"] for r in rows} <= unit_groups
    assert {r["match_grade"] for r in rows} == {"helt", "delvis"}
    # every education with a match has at least one full match at some level
    full = {r["sun_field_code"] for r in rows if r["match_grade"] == "helt"}
    assert {r["sun_field_code"] for r in rows} == full
    raw = (REFERENCE_DIR / "sun2020_ssyk2012_matching.csv").read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf") and b"\r" not in raw


def test_the_matching_table_is_documented_with_its_sources():
    readme = (REFERENCE_DIR / "README.md").read_text(encoding="utf-8")
    assert "## sun2020_ssyk2012_matching.csv" in readme
    assert "matchningskarta" in readme and "Source" in readme
