"""Skolverket's establishment exports: each quirk of the workbook read by the feed's parser.

The workbooks are built here with openpyxl, line by line as the real exports are laid out (title
rows, ``Avgångsläsår``, the header row found by its first cell, ``.`` and ``..``), not by feedsim.
"""

from __future__ import annotations

import io
from datetime import datetime

import pytest

from vagled.config import STOCKHOLM
from vagled.feeds.education_transitions import parse as et
from vagled.pipeline.feed import ParseFailure, SourceStructureError
from vagled.pipeline.period import Period

SHARES = [f"Andel {k} {y} år efter examen" for y in (1, 3, 5) for k in ("etablerade", "studerande")]
COUNTY_HEADER = ["Län", "Läns-kod", "Typ av huvudman", "Antal", *SHARES]
MUNICIPALITY_HEADER = ["Kommun", "Kommun-kod", "Län", "Läns-kod", "Typ av huvudman", "Antal", *SHARES]


def workbook(sheets: dict[str, list[list[object]]], *, titles: int = 4, cohort: str = "2018/19") -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for i in range(titles):
            sheet.append([f"Titelrad {i + 1}"] if i == 0 else [])
        sheet.append([f"Avgångsläsår: {cohort}"])
        sheet.append([])
        for row in rows:
            sheet.append(row)
    book.create_sheet("Variabelbeskrivning").append([". = Uppgift saknas"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def records(body: bytes) -> list:
    return list(et.parse(body, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))


def test_header_found_by_its_first_cell_and_a_row_becomes_three_records():
    body = workbook(
        {
            "Vård- och omsorgsprogrammet": [
                COUNTY_HEADER,
                ["Uppsala län", "03", "Samtliga", 412, 61.2, 8, 70, 9.5, 75, 7],
            ]
        },
        titles=6,
    )
    got = records(body)
    assert [r["years_after"] for r in got] == [1, 3, 5]
    first = got[0]
    assert first["programme_code"] == "VO" and first["region_code"] == "03" and first["region_level"] == "county"
    assert (first["cohort"], first["cohort_year"], first["activity_year"]) == ("2018/19", 2019, 2020)
    assert [r["activity_year"] for r in got] == [2020, 2022, 2024]  # cohort, years after and activity kept apart
    assert (first["share_established"], first["share_studying"], first["graduates"]) == (61.2, 8.0, 412)
    assert got[2]["share_established"] == 75.0 and got[2]["share_studying"] == 7.0


def test_dot_and_double_dot_are_null_with_their_reason_never_zero():
    row = ["Heby", "0331", "Uppsala län", "03", "Enskild", "..", "..", "..", ".", ".", 12.5, "4,5"]
    got = records(workbook({"Naturbruksprogrammet": [MUNICIPALITY_HEADER, row]}))
    one, three, five = got
    assert (one["graduates"], one["graduates_status"]) == (None, "suppressed")
    assert (one["share_established"], one["share_established_status"]) == (None, "suppressed")
    assert (three["share_established"], three["share_established_status"]) == (None, "missing")
    assert (five["share_established"], five["share_studying"]) == (12.5, 4.5)  # decimal comma read as a number
    assert one["municipality_code"] == "0331" and one["county_code"] == "03" and one["owner_type"] == "enskild"


def test_a_sheet_name_cut_at_31_characters_maps_to_its_programme():
    assert len("Handels- och administrationsprogrammet") > 31
    assert et.programme_code("Handels- och administrationsprogrammet"[:31]) == "HA"
    assert et.programme_code("Samtliga program") == "alla_nationella"  # an alias
    assert et.programme_code("NA") == "NA"
    assert et.programme_code("Flygteknikprogrammet") is None


def test_an_unknown_programme_sheet_is_quarantined_row_by_row():
    row = ["Uppsala län", "03", "Samtliga", 50, 1, 2, 3, 4, 5, 6]
    got = records(workbook({"Flygteknikprogrammet": [COUNTY_HEADER, row, row]}))
    assert len(got) == 2 and all(isinstance(r, ParseFailure) and r.check == "known_programme" for r in got)


def test_a_cell_that_is_no_number_nor_marker_quarantines_its_row():
    rows = [COUNTY_HEADER, ["Uppsala län", "03", "Samtliga", 50, "n/a", 2, 3, 4, 5, 6]]
    (failure,) = records(workbook({"Teknikprogrammet": rows}))
    assert isinstance(failure, ParseFailure) and "'n/a' is neither a number nor a known marker" in failure.reason


def test_a_renamed_share_column_rejects_the_workbook():
    header = [("Andel i arbete 1 år efter examen" if h == SHARES[0] else h) for h in COUNTY_HEADER]
    body = workbook({"Teknikprogrammet": [header, ["Uppsala län", "03", "Samtliga", 50, 1, 2, 3, 4, 5, 6]]})
    with pytest.raises(SourceStructureError, match="Andel etablerade 1 år efter examen not found"):
        records(body)


def test_a_header_row_that_moved_out_of_reach_rejects_the_workbook():
    body = workbook({"Teknikprogrammet": [COUNTY_HEADER]}, titles=et.HEADER_SEARCH_ROWS + 2)
    with pytest.raises(SourceStructureError, match="no header row whose column A is 'Län' or 'Kommun'"):
        records(body)


def test_the_national_row_is_outside_the_area_and_an_unknown_code_is_not():
    rows = [
        COUNTY_HEADER,
        ["Riket", None, "Samtliga", 90000, 40, 30, 50, 25, 60, 20],
        ["Stockholms län", "01", "Samtliga", 9000, 40, 30, 50, 25, 60, 20],
        ["Okänt län", "99", "Samtliga", 90, 40, 30, 50, 25, 60, 20],
        ["Uppsala län", "03", "Samtliga", 900, 40, 30, 50, 25, 60, 20],
    ]
    by_county = {r["county_code"]: et.in_area(r) for r in records(workbook({"Teknikprogrammet": rows}))}
    assert by_county == {"00": False, "01": False, "99": True, "03": True}


def test_listings_and_national_tables_are_kept_but_yield_no_records():
    assert records(b'[{"url": "//x/siris/sitevision_doc.getFile?p_id=1"}]') == []
    from openpyxl import Workbook

    book = Workbook()
    book.active.title = "Tabell 1A"
    book.active.append(["Tabell 1A: Etableringsstatus 1 år efter examen per program"])
    out = io.BytesIO()
    book.save(out)
    assert records(out.getvalue()) == []


def test_document_urls_resolve_against_the_connection_and_nowhere_else():
    real = "https://siris.skolverket.se/siris"
    assert et.document_path(real, "//siris.skolverket.se/siris/sitevision_doc.getFile?p_id=553342") == (
        "sitevision_doc.getFile?p_id=553342"
    )
    with pytest.raises(SourceStructureError, match="outside"):
        et.document_path(real, "//evil.example/siris/sitevision_doc.getFile?p_id=1")


def test_the_scheduled_run_of_october_loads_the_year_published_that_month_and_years_backfill():
    tz = STOCKHOLM
    scheduled = Period(datetime(2025, 10, 15, 6, tzinfo=tz), datetime(2026, 10, 15, 6, tzinfo=tz))
    assert et.statistics_years(scheduled, {}) == [2024]
    assert et.statistics_years(None, {"years": "2016-2018"}) == [2016, 2017, 2018]
    assert et.statistics_years(None, {"years": [2022, 2021, 2022]}) == [2021, 2022]
    before = Period(datetime(2026, 1, 1, tzinfo=tz), datetime(2026, 9, 30, tzinfo=tz))
    assert et.statistics_years(before, {}) == []
    with pytest.raises(ValueError):
        et.statistics_years(None, {})


@pytest.mark.parametrize(
    ("cell", "expected"),
    [(".", (None, "missing")), ("..", (None, "suppressed")), ("45,3", (45.3, None)), (12, (12.0, None))],
)
def test_cell_values(cell, expected):
    assert et.cell_value(cell, whole=False) == expected


def test_a_count_must_be_whole():
    assert et.cell_value("412", whole=True) == (412, None)
    with pytest.raises(ValueError):
        et.cell_value("41,5", whole=True)


def test_an_export_without_rows_is_refused_not_loaded_as_nothing():
    body = workbook({"Teknikprogrammet": [COUNTY_HEADER], "Estetiska programmet": [COUNTY_HEADER]})
    with pytest.raises(SourceStructureError, match="holds no rows although its year is listed"):
        records(body)
