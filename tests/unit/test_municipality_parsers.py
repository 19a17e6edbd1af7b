"""Municipality feeds: file reading, header mapping, personal data, Kolada and SCB parsing, periods."""

from __future__ import annotations

import io
import json
from datetime import date, datetime

import pytest

from vagled.config import STOCKHOLM
from vagled.feeds.kolada_key_figures import parse as key_figures
from vagled.feeds.municipal_files.files import months_ending_in
from vagled.feeds.municipal_komvux import parse as municipal_komvux
from vagled.feeds.municipal_programmes import parse as municipal_programmes
from vagled.feeds.scb_key_figures import parse as scb
from vagled.pipeline.feed import ParseFailure, SourceStructureError
from vagled.pipeline.period import Period

pytestmark = pytest.mark.unit

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


def test_key_figure_configuration_loads_verified_kpis_and_flags_the_others():
    codes = set(key_figures.indicator_codes())
    assert {
        "population",
        "inhabitants",
        "employment_rate_20_64",
        "post_secondary_education_25_64",
        "upper_secondary_completion_4y",
    } <= codes
    configured = {k["id"]: k for k in key_figures.config()["kolada"]["kpi"]}
    assert configured["N01951"]["verified"] is True
    # ids no public document confirms are flagged and not loaded
    assert {i for i, k in configured.items() if not k["verified"]} == {"N18404", "N00996"}
    assert {"komvux_participants", "newly_arrived_establishment"}.isdisjoint(codes)
    assert all("unverified" in configured[i]["title"] for i in ("N18404", "N00996"))
    # the invented employment table is gone; tables are addressed by id
    assert [t["id"] for t in key_figures.config()["scb"]["table"]] == ["TAB638"]


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
def _kolada(values: list[dict], next_url: str | None = None) -> bytes:
    document: dict = {"count": len(values), "values": values}
    if next_url:
        document["next_url"] = next_url
    return json.dumps(document).encode()


def test_kolada_values_per_gender_with_status_for_missing_and_deleted_values():
    body = _kolada(
        [
            {
                "kpi": "N17457",
                "municipality": "0512",
                "period": 2024,
                "values": [
                    {"count": 1, "gender": "T", "status": "", "value": 71.2, "isdeleted": False},
                    {"count": 1, "gender": "K", "status": "Sekretess", "value": None, "isdeleted": False},
                    {"count": 1, "gender": "M", "status": "", "value": 70.0, "isdeleted": True},
                ],
            }
        ]
    )
    records, failures = _records(key_figures.parse_kolada(body, "application/json"))
    assert failures == []
    assert [(r["gender"], r["value"], r["status"]) for r in records] == [
        ("T", 71.2, None),
        ("K", None, "Sekretess"),
        ("M", None, "deleted"),  # a deleted value is never loaded as the current one
    ]
    assert {r["indicator_code"] for r in records} == {"upper_secondary_completion_4y"}
    assert records[0]["unit"] == "percent" and records[0]["year"] == 2024 and records[0]["month"] == 0


def test_kolada_renamed_field_rejects_the_answer():
    body = _kolada([{"kpi": "N00914", "municipality_id": "0380", "period": 2024, "values": []}])
    with pytest.raises(SourceStructureError, match="municipality"):
        list(key_figures.parse_kolada(body, "application/json"))


def test_a_v2_answer_is_refused():
    body = json.dumps({"count": 0, "values": [], "next_page": "http://api.kolada.se/v2/x?page=2"}).encode()
    with pytest.raises(SourceStructureError, match="v2"):
        list(key_figures.parse_kolada(body, "application/json"))


def test_kolada_queries_are_split_into_25_ids_and_25_years_at_most():
    from vagled.sources import kolada

    munis = [f"{i:04d}" for i in range(52)]
    paths = kolada.data_paths(["N01951", "N00914"], munis, list(range(1990, 2026)))
    assert len(paths) == 3 * 2  # 52 municipalities in runs of 25, 36 years in runs of 25
    asked = set()
    for path in paths:
        parts = path.split("/")
        assert parts[:3] == ["v3", "data", "kpi"] and parts[4] == "municipality" and parts[6] == "year"
        kpis, ms, ys = parts[3].split(","), parts[5].split(","), parts[7].split(",")
        assert len(ms) <= 25 and len(ys) <= 25
        asked |= {(k, m, y) for k in kpis for m in ms for y in ys}
    assert len(asked) == 2 * 52 * 36  # every combination, once
    with pytest.raises(ValueError):
        kolada.data_paths([], munis, [2024])


def test_kolada_next_url_is_followed_by_its_path_and_query():
    from vagled.sources import kolada

    path = "v3/data/kpi/N00914/municipality/0380/year/2024"
    link = f"https://api.kolada.se/{path}?page=2&per_page=100"
    assert kolada.next_request({"next_url": link, "values": []}, path, {"per_page": 100}) == (
        path,
        {"page": "2", "per_page": "100"},
    )
    assert kolada.next_request({"values": [], "next_url": None}, path, {"per_page": 100}) is None
    with pytest.raises(SourceStructureError, match="back"):
        kolada.next_request({"next_url": link}, path, {"page": 2, "per_page": 100})
    with pytest.raises(SourceStructureError, match="v2"):
        kolada.next_request({"next_page": link.replace("v3", "v2")}, path, {})


# -- SCB ------------------------------------------------------------------------------------------
def _jsonstat(values, status=None, *, region="Region", regions=("0380", "0330"), sexes=("1", "2")) -> bytes:
    def dim(codes):
        return {"category": {"index": {c: i for i, c in enumerate(codes)}}}

    document = {
        "class": "dataset",
        "id": [region, "Kon", "ContentsCode", "Tid"],
        "size": [len(regions), len(sexes), 1, 2],
        "dimension": {
            region: dim(regions),
            "Kon": dim(sexes),
            "ContentsCode": dim(["BE0101N1"]),
            "Tid": dim(["2001", "2024"]),
        },
        "value": values,
    }
    if status is not None:
        document["status"] = status
    return json.dumps(document).encode()


def test_scb_selections_stay_below_the_cell_limit_and_ask_every_cell_once():
    from vagled.sources import pxweb

    regions = [f"{i:04d}" for i in range(52)]
    fixed = [{"variableCode": "ContentsCode", "valueCodes": ["A"]}, {"variableCode": "Tid", "valueCodes": ["1", "2"]}]
    selections = pxweb.plan_selections(fixed, "Region", regions, 2, 10, codelist="vs_RegionKommun07")
    assert all(pxweb.selection_cells(s) <= 10 for s in selections)
    assert sum(pxweb.selection_cells(s) for s in selections) == 52 * 2
    assert all(s[0]["codelist"] == "vs_RegionKommun07" for s in selections)
    with pytest.raises(ValueError):
        pxweb.plan_selections(fixed, "Region", regions, 20, 10)


def test_scb_unpublished_year_is_said_in_words():
    assert scb.unpublished_years("TAB638", ["2023", "2024"], [2024, 2025]) == ["2025 not published in TAB638"]


def test_json_stat2_row_major_with_codes_from_the_index_and_status():
    # Region x Kon x ContentsCode x Tid: the last dimension (Tid) varies fastest
    values = [106651, 123725, 104539, 121275, None, 10504, None, 10296]
    body = _jsonstat(values, {"4": "..", "6": ".."})
    records, failures = _records(scb.parse_scb(body, "application/json"))
    assert failures == []
    got = [(r["municipality_code"], r["gender"], r["year"], r["value"], r["status"]) for r in records]
    assert got[:4] == [
        ("0380", "M", 2001, 106651.0, None),
        ("0380", "M", 2024, 123725.0, None),
        ("0380", "K", 2001, 104539.0, None),
        ("0380", "K", 2024, 121275.0, None),
    ]
    assert got[4] == ("0330", "M", 2001, None, "..")
    assert {r["indicator_code"] for r in records} == {"population"} and records[0]["source_ref"] == "TAB638/BE0101N1"


def test_json_stat2_index_order_not_key_order_decides_positions():
    document = json.loads(_jsonstat([1, 2, 3, 4, 5, 6, 7, 8]))
    document["dimension"]["Region"]["category"]["index"] = {"0330": 1, "0380": 0}
    records, _ = _records(scb.parse_scb(json.dumps(document).encode(), "application/json"))
    assert [(r["municipality_code"], r["value"]) for r in records][:2] == [("0380", 1.0), ("0380", 2.0)]


def test_json_stat2_null_without_status_reaches_the_suite_and_a_bad_size_is_refused():
    records, _ = _records(scb.parse_scb(_jsonstat([1, None, 3, 4, 5, 6, 7, 8]), "application/json"))
    assert (records[1]["value"], records[1]["status"]) == (None, None)  # quarantined by the suite
    with pytest.raises(SourceStructureError, match="size"):
        list(scb.parse_scb(_jsonstat([1, 2, 3]), "application/json"))


def test_scb_renamed_dimension_rejects_the_answer():
    body = _jsonstat([1] * 8, region="Kommun")
    with pytest.raises(SourceStructureError, match="Region"):
        list(scb.parse_scb(body, "application/json"))


def test_problem_json_is_read_in_words():
    from vagled.sources import pxweb

    body = json.dumps({"type": "about:blank", "title": "Forbidden", "status": 403, "detail": "too many cells"}).encode()
    assert pxweb.problem_message(body) == "403 Forbidden: too many cells"
    assert pxweb.problem_message(b"<html>") is None


def test_folder_file_drop_lists_month_folders_only_and_names_a_missing_folder(tmp_path):
    from vagled.feeds.municipal_files.files import FolderFileDrop
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
