"""The education parsers (Skolverket, MYH), their suite (every expectation fails when it should), the matching table."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime

import pytest

from vagled.config import REFERENCE_DIR
from vagled.feeds.education_offerings.parse import deadline, pace_percent, parse_events, snapshot_date, text
from vagled.feeds.education_offerings.spec import SPEC
from vagled.feeds.myh_programmes import parse as myh
from vagled.pipeline.feed import ParseFailure, SourceStructureError
from vagled.pipeline.period import Period

pytestmark = pytest.mark.unit


def _event(eid: str = "e.IST.KV1880-SFI-20260817", **changes) -> dict:
    item = {
        "educationEventId": eid,
        "titleSv": "<![CDATA[Svenska för invandrare]]>",
        "provider": "Vuxenutbildningen Örebro",
        "typeOfSchool": "sfi",
        "geographicalAreaCode": "1880",
        "municipality": "Örebro",
        "startDate": "2026-08-17",
        "semesterStart": None,
        "paceOfStudy": "50.0",
        "distance": False,
        "lastApplicationDate": "2026-06-15T23:59:59+02:00",
    }
    item.update(changes)
    return item


def _page(*items, number: int = 0, total_pages: int = 1, key: str = "listedAdultEducationEvents") -> bytes:
    page = {"size": 50, "totalElements": len(items), "totalPages": total_pages, "number": number}
    return json.dumps(
        {"status": "OK", "message": None, "body": {"_embedded": {key: list(items)}, "page": page}}
    ).encode()


def test_an_event_is_flattened_into_the_staged_columns_without_sun_or_places():
    [record] = list(parse_events(_page(_event()), "application/json"))
    assert set(record) == set(SPEC.columns)
    assert record["offering_name"] == "Svenska för invandrare"  # the CDATA wrapper is gone
    assert (record["sun_field_code"], record["education_level"], record["places"]) == (None, None, None)
    assert (record["provider_type"], record["provider_org_number"], record["source"]) == ("komvux", None, "skolverket")
    assert record["municipality_code"] == "1880" and record["start_date"] == date(2026, 8, 17)
    assert (record["pace_percent"], record["is_distance"]) == (50, False)
    assert record["application_deadline"] == date(2026, 6, 15)
    assert record["personal_number_found"] is False


def test_skolverket_quirks():
    assert text("<![CDATA[ Data engineer ]]>") == "Data engineer" and text("  ") is None
    assert pace_percent("100.0") == 100 and pace_percent("null") is None and pace_percent(None) is None
    assert pace_percent("33,3") == 33
    assert deadline("2099-12-31T00:00:00") is None  # the no-deadline sentinel
    assert deadline("2026-04-15T23:59:59") == date(2026, 4, 15)
    assert deadline("2026-04-15T22:30:00Z") == date(2026, 4, 16)  # the Swedish day
    assert deadline("2026-04-15") == date(2026, 4, 15)
    continuous = _event(startDate=None, semesterStart=None)
    semester = _event("e.uoh.X", startDate=None, semesterStart="HT2026", typeOfSchool="uoh")
    records = list(parse_events(_page(continuous, semester), "application/json"))
    assert [(r["start_date"], r["start_semester"]) for r in records] == [(None, None), (None, "HT2026")]
    assert records[1]["provider_type"] == "universitet"


def test_an_upper_secondary_listing_is_read_too():
    [record] = list(parse_events(_page(_event(typeOfSchool="gy"), key="listedEducationEvents"), "x"))
    assert record["provider_type"] == "gymnasieskola"


def test_a_renamed_field_is_a_structure_error_naming_both_names():
    drifted = {("areaCode" if k == "geographicalAreaCode" else k): v for k, v in _event().items()}
    with pytest.raises(SourceStructureError, match=r"geographicalAreaCode.*areaCode"):
        list(parse_events(_page(drifted, drifted), "application/json"))


def test_a_page_that_is_not_a_listing_is_a_structure_error():
    with pytest.raises(SourceStructureError):
        list(parse_events(b'{"message": "maintenance"}', "application/json"))
    with pytest.raises(SourceStructureError, match="_embedded"):
        list(parse_events(json.dumps({"body": {"_embedded": {"other": []}, "page": {}}}).encode(), "x"))


def test_unreadable_values_and_records_are_parse_failures():
    items = list(parse_events(_page(_event("A", paceOfStudy="full"), "not an object"), "application/json"))
    assert all(isinstance(item, ParseFailure) for item in items) and len(items) == 2
    assert "'A'" in items[0].reason
    [failure] = list(parse_events(b'{"body": [', "application/json"))
    assert isinstance(failure, ParseFailure)


def test_an_identity_number_in_a_title_is_flagged_and_masked():
    [record] = list(parse_events(_page(_event(titleSv="Kurs 811218-9876")), "application/json"))
    assert record["personal_number_found"] is True
    assert "811218-9876" not in record["offering_name"]


def test_the_snapshot_is_dated_by_the_end_of_the_period_in_swedish_time():
    period = Period(datetime(2026, 8, 9, 22, tzinfo=UTC), datetime(2026, 8, 16, 22, tzinfo=UTC))
    assert snapshot_date(period) == date(2026, 8, 17)


# -- MYH ------------------------------------------------------------------------------------------
# Tabell 3's header as in MYH's workbook of round 2024 (a subset of its columns, in their order)
HEADER = [
    "Utbildningsområde",
    "SUN5 inriktning",
    "SUN5 inriktning namn",
    "Utbildningsnamn",
    "Beslut",
    "Diarienummer",
    "Län",
    "Kommun",
    "YH-poäng",
    "Studieform",
    "Studietakt %",
    "Utbildningsanordnare administrativ enhet",
    "Beviljade utbildningsomgångar",
    "Beviljade platser utbildningsomgång 1",
    "Beviljade platser totalt",
]


def _row(dnr, name, provider, sun, county, municipality, decision, places, credits=400, form="Bunden", pace=100):
    return [
        "Data/IT",
        sun,
        "namn",
        name,
        decision,
        dnr,
        county,
        municipality,
        credits,
        form,
        pace,
        provider,
        2,
        35,
        places,
    ]


ROWS = [
    _row("MYH 2025/1001", "Data engineer", "Nova Yrkeshögskola", "481ac", "Uppsala", "Uppsala", "Beviljad", 70),
    _row(
        "MYH 2025/1002",
        "Drifttekniker",
        "Energiakademin",
        "522db",
        "Flera kommuner",
        "Flera kommuner",
        "Beviljad",
        75,
        credits=300,
        form="Distans",
    ),
    _row("MYH 2025/1003", "Redovisning", "Stockholms Institut", "344xa", "Stockholm", "Stockholm", "Beviljad", 60),
    _row("MYH 2025/1004", "Lager", "Örebro Center", "840xa", "Örebro", "Örebro", "Avslag", 0),
    _row(
        "MYH 2025/1005",
        "Vårdadministratör",
        "Vasa YH",
        "346ab",
        "Örebro",
        "Norrhult-Klavreström",
        "Beviljad",
        40,
        pace=50,
    ),
]
SEVERAL = [
    ["Teknik", "522db", "namn", "Drifttekniker", "Beviljad", "MYH 2025/1002", "Västmanland", "Västerås  ", 2],
    ["Teknik", "522db", "namn", "Drifttekniker", "Beviljad", "MYH 2025/1002", "Gävleborg", "Gävle ", 2],
]


def _workbook(rows: list[list], several: list[list] = (), *, header_row: int = 6, header=HEADER) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    book.active.title = "Innehållsförteckning"
    book.active.append(["Innehållsförteckning"])
    head4 = ["Utbildningsområde", "SUN5 inriktning", "SUN5 inriktning namn", "Utbildningsnamn", "Beslut",
             "Diarienummer", "Län", "Kommun", "Antal kommuner"]  # fmt: skip
    for n, body, head in ((3, rows, header), (4, several, head4)):
        sheet = book.create_sheet(f"Tabell {n}")
        sheet.append(["Yrkeshögskolan"])
        sheet.append([])
        sheet.append(["Ansökningar med beslut, ansökningsår 2025 med beslutsår 2026"])
        for _ in range(header_row - 4):
            sheet.append([])
        sheet.append(head)
        for row in body:
            sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _myh(**options) -> list:
    return list(myh.parse_workbook(_workbook(ROWS, SEVERAL, **options), "application/octet-stream"))


def test_myh_granted_programmes_with_sun_field_places_once_and_mapped_municipalities():
    records = _myh()
    assert [r["offering_id"] for r in records] == [f"myh:MYH-2025-100{i}" for i in range(1, 6)]
    first, several, elsewhere, rejected, unmapped = records
    assert (first["sun_field_code"], first["places"], first["municipality_codes"]) == ("481a", 70, "0380")
    assert first["start_date"] == date(2026, 1, 1)
    # the SUN level from the length: 400 YH-poäng are two years at full pace (level 5), 300 less (4)
    assert (first["education_level"], several["education_level"]) == ("5", "4")
    assert (first["is_distance"], several["is_distance"], unmapped["pace_percent"]) == (False, True, 50)
    # a programme in several municipalities: its places once, every municipality listed
    assert (several["places"], several["municipality_codes"], several["municipality_code"]) == (75, "1980,2180", "1980")
    assert [myh.in_scope(r) for r in records] == [True, True, False, False, True]  # granted and in the area
    assert rejected["decision"] == "avslag" and elsewhere["municipality_codes"] == "0180"
    assert (unmapped["unmapped_municipalities"], unmapped["municipality_code"]) == ("Norrhult-Klavreström", None)


def test_myh_header_found_wherever_it_sits_and_a_renamed_column_rejects():
    assert [r["offering_id"] for r in _myh(header_row=8)] == [r["offering_id"] for r in _myh()]
    renamed = [("Studieort" if h == "Kommun" else h) for h in HEADER]
    with pytest.raises(SourceStructureError, match="municipality"):
        list(myh.parse_workbook(_workbook(ROWS, header=renamed), "x"))
    assert myh.sun_field("481AC") == "481a" and myh.sun_field(" ") is None
    assert (myh.sun_level(399), myh.sun_level(400), myh.sun_level(None)) == ("4", "5", None)


def test_myh_unreadable_file_is_one_failure():
    [failure] = list(myh.parse_workbook(b"PK\x03\x04 not a workbook", "x"))
    assert isinstance(failure, ParseFailure)


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
    "source": [None, "susa"],
    "provider_org_number": ["12345"],
    "provider_type": ["privatskola"],
    "sun_field_code": ["999x"],
    "education_level": ["9"],
    "municipality_code": [None, "0180"],
    "end_date": [date(2026, 1, 1)],
    "pace_percent": [0, 150],
    "places": [-30, 100000],
    "personal_number_found": [True],
    "unmapped_municipalities": ["Norrhult-Klavreström"],
    "start_semester": ["hösten 2026"],
}


def test_every_expectation_of_the_suite_fails_when_it_should():
    import pandas as pd

    from vagled.pipeline.validate import validate_frame

    good = {
        **next(iter(parse_events(_page(_event()), "application/json"))),
        "sun_field_code": "080z",
        "education_level": "2",
        "places": 20,
        "end_date": date(2027, 1, 4),
    }
    rows, expected = [], {}
    for column, values in BAD.items():
        for value in values:
            record_no = len(rows) + 1
            rows.append({"record_no": record_no, **good, column: value})
            expected[record_no] = column
    rows.append({"record_no": len(rows) + 1, **good})
    # NULL where a source gives nothing is no failure
    rows.append(
        {
            "record_no": len(rows) + 1,
            **good,
            "sun_field_code": None,
            "education_level": None,
            "places": None,
            "start_date": None,
            "is_distance": None,
            "provider_org_number": None,
        }
    )
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

    good = next(iter(parse_events(_page(_event()), "application/json")))
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
