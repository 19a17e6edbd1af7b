"""Municipality feeds: file reading, header mapping, personal data, Kolada and SCB parsing, periods."""

from __future__ import annotations

import io
import json
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from vagled.feeds import key_figures, municipal_komvux, municipal_programmes, scb
from vagled.feeds.municipal_files import months_ending_in
from vagled.pipeline.feed import ParseFailure, SourceStructureError
from vagled.pipeline.period import Period

pytestmark = pytest.mark.unit

STOCKHOLM = ZoneInfo("Europe/Stockholm")
PNR = "19811218-9876"  # date and Luhn check digit valid


def _period(start: str, end: str) -> Period:
    return Period(
        datetime.fromisoformat(start).replace(tzinfo=STOCKHOLM), datetime.fromisoformat(end).replace(tzinfo=STOCKHOLM)
    )


def _records(items) -> tuple[list[dict], list[ParseFailure]]:
    items = list(items)
    return [i for i in items if isinstance(i, dict)], [i for i in items if isinstance(i, ParseFailure)]


# -- periods --------------------------------------------------------------------------------------
def test_a_run_loads_the_months_that_end_in_its_period():
    assert months_ending_in(_period("2026-09-01", "2026-10-01")) == ["2026-09"]
    assert months_ending_in(_period("2026-10-10T06:00", "2026-11-10T06:00")) == ["2026-10"]
    assert months_ending_in(_period("2025-11-01", "2026-02-01")) == ["2025-11", "2025-12", "2026-01"]
    assert months_ending_in(_period("2026-09-02", "2026-09-30")) == []


def test_statistics_years_are_the_years_before_the_period_or_the_param():
    assert key_figures.statistics_years(_period("2026-10-01", "2026-11-01"), {}) == [2025]
    assert key_figures.statistics_years(_period("2024-01-01", "2026-01-01"), {}) == [2023, 2024]
    assert key_figures.statistics_years(None, {"years": "2019-2021"}) == [2019, 2020, 2021]
    assert key_figures.statistics_years(None, {"years": [2022, 2020]}) == [2020, 2022]
    assert key_figures.statistics_years(None, {"years": 2023}) == [2023]
    assert not key_figures.needs_period({"years": 2023}) and key_figures.needs_period({})
    with pytest.raises(ValueError):
        key_figures.statistics_years(None, {})


def test_key_figure_configuration_names_every_indicator_of_the_issue():
    assert {
        "population",
        "employment_rate_20_64",
        "post_secondary_education_25_64",
        "komvux_participants",
        "upper_secondary_completion_4y",
        "newly_arrived_establishment",
    } <= set(key_figures.indicator_codes())


# -- municipality files ---------------------------------------------------------------------------
def _komvux_csv(
    *, encoding: str, delimiter: str, titles: int, comment: str = "", header_code: str = "Kommun kod"
) -> bytes:
    import csv

    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    for _ in range(titles):
        writer.writerow(["Kursdeltagare i kommunal vuxenutbildning Uppsala kommun 2026-09"])
    if titles == 2:
        writer.writerow([])
    writer.writerow(
        [
            header_code,
            "Kommun",
            "Period",
            "KURSKOD",
            "Benämning",
            "Studieform",
            "Antal",
            "Kvinnor",
            "Studietakt %",
            "Övrigt",
        ]
    )
    writer.writerow(
        [
            "0380",
            "Uppsala",
            "2026-09",
            "SFIKURA",
            "Svenska för invandrare, kurs A",
            "Distans",
            "1 204",
            "700",
            "62,5",
            comment,
        ]
    )
    writer.writerow(
        ["0380", "Uppsala", "2026-09", "GRNMAT", "Matematik, grundläggande", "Närundervisning", "12", "5", "100", ""]
    )
    return out.getvalue().encode(encoding)


@pytest.mark.parametrize(
    ("encoding", "delimiter", "titles"), [("cp1252", ";", 1), ("utf-8-sig", ",", 2), ("utf-8", ";", 0)]
)
def test_komvux_csv_in_any_encoding_separator_and_title_rows(encoding, delimiter, titles):
    body = _komvux_csv(encoding=encoding, delimiter=delimiter, titles=titles)
    records, failures = _records(municipal_komvux.parse(body, "text/csv; charset=utf-8"))
    assert failures == []
    assert records[0] == {
        "month": date(2026, 9, 1),
        "municipality_code": "0380",
        "course_code": "SFIKURA",
        "course_name": "Svenska för invandrare, kurs A",
        "study_form": "Distans",
        "participants": 1204,
        "women": 700,
        "pace_percent": 62.5,
        "comment": None,
        "personal_number_found": False,
    }
    assert len(records) == 2


def _xlsx(rows: list[list]) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_programmes_xlsx_with_two_title_rows_and_numbers_as_cells():
    body = _xlsx(
        [
            ["Arbetsmarknadsinsatser Hallsbergs kommun 2026-09"],
            ["Källa: Hallsbergs kommun"],
            [
                "KOMMUNKOD",
                "KOMMUN",
                "MÅNAD",
                "Insatstyp",
                "Malgrupp",
                "ANTAL_DELTAGARE",
                "ANDEL_KVINNOR_PROC",
                "Kostnad, tkr",
                "KOMMENTAR",
            ],
            [1861, "Hallsberg", datetime(2026, 9, 1), "Praktik", "Utrikes födda", 18, 58.7, 417.0, None],
        ]
    )
    records, failures = _records(municipal_programmes.parse(body, "application/octet-stream"))
    assert failures == []
    assert records == [
        {
            "month": date(2026, 9, 1),
            "municipality_code": "1861",
            "programme": "Praktik",
            "target_group": "Utrikes födda",
            "participants": 18,
            "share_women_percent": 58.7,
            "cost_ksek": 417.0,
            "comment": None,
            "personal_number_found": False,
        }
    ]


def test_a_file_that_cannot_be_read_is_one_failure_for_the_whole_file():
    body = _xlsx([["Kommunkod", "Månad", "Kurskod", "Antal"], ["0486", "2026-09", "X", 1]])
    [failure] = list(municipal_komvux.parse(body[: len(body) // 2], "application/vnd.openxmlformats"))
    assert isinstance(failure, ParseFailure) and failure.check == "readable_file"
    assert "BadZipFile" in failure.reason and "PK" not in failure.excerpt

    renamed = _komvux_csv(encoding="utf-8", delimiter=";", titles=0, header_code="Kommunnummer")
    [failure] = list(municipal_komvux.parse(renamed, "text/csv"))
    assert failure.check == "readable_file" and "municipality_code" in failure.reason


def test_a_personal_data_column_quarantines_the_file_without_its_values():
    body = f"Kommunkod;Månad;Kurskod;Antal;Namn;Personnummer\n0380;2026-09;SFIKURA;1;Anna Andersson;{PNR}\n"
    [failure] = list(municipal_komvux.parse(body.encode(), "text/csv"))
    assert failure.check == "no_personal_data_columns"
    assert "Namn" in failure.reason and "Personnummer" in failure.reason
    assert "Anna" not in failure.excerpt + failure.reason and PNR not in failure.excerpt + failure.reason


def test_an_identity_number_in_a_cell_is_masked_and_flags_the_row():
    body = _komvux_csv(encoding="utf-8", delimiter=";", titles=0, comment=f"Rättad uppgift för deltagare {PNR}")
    records, _ = _records(municipal_komvux.parse(body, "text/csv"))
    assert records[0]["personal_number_found"] is True and PNR not in records[0]["comment"]
    assert records[1]["personal_number_found"] is False


def test_a_malformed_row_is_one_failure_and_the_others_load():
    body = _komvux_csv(encoding="utf-8", delimiter=";", titles=0).replace(b";12;", b";tolv;")
    records, failures = _records(municipal_komvux.parse(body, "text/csv"))
    assert len(records) == 1 and len(failures) == 1 and "row 3" in failures[0].reason


# -- Kolada ---------------------------------------------------------------------------------------
def _kolada(values: list[dict], next_page: str | None = None) -> bytes:
    document: dict = {"count": len(values), "values": values}
    if next_page:
        document["next_page"] = next_page
    return json.dumps(document).encode()


def test_kolada_values_per_gender_with_status_for_missing_values():
    body = _kolada(
        [
            {
                "kpi": "N17457",
                "municipality": "0512",
                "period": 2024,
                "values": [
                    {"count": 1, "gender": "T", "status": "", "value": 71.2},
                    {"count": 1, "gender": "K", "status": "Sekretess", "value": None},
                    {"count": 1, "gender": "M", "status": "", "value": 70.0},
                ],
            }
        ]
    )
    records, failures = _records(key_figures.parse_kolada(body, "application/json"))
    assert failures == []
    assert [(r["gender"], r["value"], r["status"]) for r in records] == [
        ("T", 71.2, None),
        ("K", None, "Sekretess"),
        ("M", 70.0, None),
    ]
    assert {r["indicator_code"] for r in records} == {"upper_secondary_completion_4y"}
    assert records[0]["unit"] == "percent" and records[0]["year"] == 2024 and records[0]["month"] == 0


def test_kolada_renamed_field_rejects_the_answer():
    body = _kolada([{"kpi": "N00914", "municipality_id": "0380", "period": 2024, "values": []}])
    with pytest.raises(SourceStructureError, match="municipality"):
        list(key_figures.parse_kolada(body, "application/json"))


def test_kolada_next_page_is_followed_by_its_page_number_only():
    current = {"per_page": 100, "page": 1}
    document = {"next_page": "http://api.kolada.se/v2/data/kpi/N00914/municipality/0380/year/2024?page=2&per_page=100"}
    assert key_figures.next_page_params(document, current) == {"per_page": 100, "page": 2}
    assert key_figures.next_page_params({}, current) is None
    with pytest.raises(SourceStructureError):
        key_figures.next_page_params({"next_page": "http://x/?page=1&per_page=100"}, current)


# -- SCB ------------------------------------------------------------------------------------------
def test_scb_queries_stay_below_the_cell_limit():
    regions = [f"{i:04d}" for i in range(52)]
    times = [f"2025M{m:02d}" for m in range(1, 13)]
    queries = scb.plan_queries(regions, ["A1", "A2"], times, by_sex=True, max_cells=100)
    assert all(scb.query_cells(q) <= 100 for q in queries)
    # every cell is asked for exactly once: totals and by sex
    assert sum(scb.query_cells(q) for q in queries) == 52 * 2 * 12 * 3
    assert len(scb.plan_queries(regions, ["A1"], ["2025"], by_sex=False, max_cells=150_000)) == 1
    with pytest.raises(ValueError):
        scb.plan_queries(regions, ["A1", "A2"], times, by_sex=True, max_cells=3)


def test_scb_wanted_times_match_frequency_and_years():
    available = ["2023", "2024", "2025", "2025M01", "2025M02", "2026M01"]
    assert scb.wanted_times(available, [2025], "year") == ["2025"]
    assert scb.wanted_times(available, [2025], "month") == ["2025M01", "2025M02"]


def test_scb_answer_to_records_with_sex_missing_values_and_absent_values():
    body = json.dumps(
        {
            "columns": [
                {"code": "Region", "text": "region", "type": "d"},
                {"code": "Kon", "text": "kön", "type": "d"},
                {"code": "Tid", "text": "månad", "type": "t"},
                {"code": "AM0210A1", "text": "Sysselsatta", "type": "c"},
                {"code": "AM0210A2", "text": "Sysselsättningsgrad", "type": "c"},
            ],
            "data": [
                {"key": ["0380", "1", "2025M03"], "values": ["60123", "71.5"]},
                {"key": ["0330", "2", "2025M03"], "values": ["..", "70.1"]},
                {"key": ["0331", "2", "2025M03"], "values": ["3000"]},
            ],
        }
    ).encode()
    records, failures = _records(scb.parse_scb(body, "application/json"))
    assert failures == []
    first = records[0]
    assert (first["municipality_code"], first["gender"], first["year"], first["month"]) == ("0380", "M", 2025, 3)
    assert first["indicator_code"] == "employed_15_74" and first["value"] == 60123.0
    assert (records[2]["value"], records[2]["status"]) == (None, "..")
    # a value absent from the answer has neither value nor status: the suite quarantines it
    assert (records[5]["value"], records[5]["status"]) == (None, None)


def test_scb_renamed_time_column_rejects_the_answer():
    body = json.dumps(
        {"columns": [{"code": "Region", "type": "d"}, {"code": "Period", "type": "t"}], "data": []}
    ).encode()
    with pytest.raises(SourceStructureError, match="Tid"):
        list(scb.parse_scb(body, "application/json"))


def test_folder_file_drop_lists_month_folders_only_and_names_a_missing_folder(tmp_path):
    from vagled.feeds.municipal_files import FolderFileDrop
    from vagled.sources.http import UpstreamError

    (tmp_path / "0380" / "2026-09").mkdir(parents=True)
    (tmp_path / "0380" / "2026-09" / "komvux_kursdeltagare.csv").write_bytes(b"Kommunkod;Antal\n0380;3\n")
    (tmp_path / "0380" / "2026-09" / ".~lock.komvux_kursdeltagare.csv#").write_bytes(b"x")
    (tmp_path / "0380" / "arkiv").mkdir()
    (tmp_path / "0380" / "arkiv" / "komvux_kursdeltagare.csv").write_bytes(b"old")
    drop = FolderFileDrop(tmp_path)

    assert drop.listing("0380") == {("2026-09", "komvux_kursdeltagare"): "komvux_kursdeltagare.csv"}
    assert drop.listing("1880") == {}
    url, body, content_type = drop.fetch("0380", "2026-09", "komvux_kursdeltagare.csv")
    assert url.startswith("file://") and body.startswith(b"Kommunkod") and content_type == "text/csv"
    with pytest.raises(UpstreamError, match="does not exist"):
        FolderFileDrop(tmp_path / "missing")
