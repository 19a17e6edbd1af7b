"""The feed parsers on small payloads shaped like the real upstream formats (shared/feeds)."""

from __future__ import annotations

import itertools
import json
from datetime import UTC, date, datetime

import pytest

from vagled.feeds.job_ads import parse_ads
from vagled.feeds.jobseekers import monthly_paths, parse_jobseekers
from vagled.feeds.outlook import parse_outlook
from vagled.pipeline.feed import ParseFailure, SourceStructureError
from vagled.sources.jobtech import parse_backfill_years, stream_windows

pytestmark = pytest.mark.unit

AD = {
    "id": "10521780",
    "headline": "Specialkock till restaurang",
    "description": {"text": "Vi söker en kock. Kontakta 811218-9876.", "text_formatted": ""},
    "employer": {"name": "Krogen AB", "organization_number": "5569699480"},
    "occupation": {"concept_id": "YKhj_n5P_g4P", "label": "Specialkock", "legacy_ams_taxonomy_id": "5483"},
    "occupation_group": {"concept_id": "BStc_SJh_DKG", "label": "Kockar", "legacy_ams_taxonomy_id": "5120"},
    "workplace_address": {"municipality_code": "1880", "region_code": "18", "coordinates": [None, None]},
    "number_of_vacancies": None,
    "publication_date": "2019-10-05T05:00:02",
    "last_publication_date": "2019-11-05T23:59:59",
    "removed": False,
    "removed_date": None,
    "timestamp": 1570244402000,
}


def test_stream_page_is_flattened_and_identity_numbers_flagged():
    [record] = list(parse_ads(json.dumps([AD]).encode(), "application/json"))
    assert record["ad_id"] == "10521780"
    assert record["ssyk4"] == "5120" and record["county_code"] == "18" and record["municipality_code"] == "1880"
    assert record["publication_date"].utcoffset().total_seconds() == 7200  # Stockholm summer time
    assert record["changed_at"] == datetime.fromtimestamp(1570244402, tz=UTC)
    assert record["personal_number_found"] is True
    assert "811218-9876" not in json.dumps(record, default=str)


def test_historical_line_uses_original_id_and_array_taxonomy():
    old = {**AD, "id": "abc123", "original_id": "999", "occupation_group": [{"legacy_ams_taxonomy_id": "2512"}]}
    old["description"] = {"text": "utan personnummer"}
    lines = (json.dumps(old) + "\n" + "{broken json\n").encode()
    record, failure = list(parse_ads(lines, "application/x-ndjson"))
    assert record["ad_id"] == "999" and record["ssyk4"] == "2512" and record["personal_number_found"] is False
    assert isinstance(failure, ParseFailure) and "not valid JSON" in failure.reason


def test_sparse_removal_keeps_only_what_it_has():
    removal = {
        "id": "10521780",
        "removed": True,
        "removed_date": "2019-10-20T10:00:00",
        "timestamp": 1571565600000,
        "workplace_address": {"municipality_code": "1880", "region_code": "18"},
    }
    [record] = list(parse_ads(json.dumps([removal]).encode(), "application/json"))
    assert record["is_removal"] and record["removed_at"] is not None and record["headline"] is None
    assert "missing_keys" not in record  # a removal is sparse by design, not drift


def test_a_field_missing_from_one_ad_is_named_as_missing():
    drifted = {k: v for k, v in AD.items() if k != "headline"} | {"title": "x"}
    first, second = parse_ads(json.dumps([drifted, AD]).encode(), "application/json")
    assert first["headline"] is None and first["missing_keys"] == "headline"
    assert second["headline"] == AD["headline"]


def test_a_field_missing_from_every_ad_refuses_the_part():
    drifted = {k: v for k, v in AD.items() if k != "headline"} | {"title": "x"}
    with pytest.raises(SourceStructureError, match="headline"):
        list(parse_ads(json.dumps([drifted, drifted]).encode(), "application/json"))


CSV = (
    "Arbetssökande per kommun\n\n"
    "År;Månad;Länskod;Län;Kommunkod;Kommun;Grupp;Antal\n"
    "2026;3;18;Örebro län;1880;Örebro;Totalt;7 412\n"
    "2026;3;18;Örebro län;1880;Örebro;Ungdomar 18-24 år;3\n"
    "2026;3;18;Örebro län;1880;Örebro;Okänd grupp;10\n"
    "2026;x;18;Örebro län;1880;Örebro;Totalt;1\n"
)


@pytest.mark.parametrize("encoding", ["utf-8-sig", "cp1252"])
def test_jobseekers_csv_in_either_encoding_with_title_rows(encoding):
    items = list(parse_jobseekers(CSV.encode(encoding), "text/csv"))
    total, youth, unknown, broken = items
    assert total == {
        "month": date(2026, 3, 1),
        "county_code": "18",
        "municipality_code": "1880",
        "group_code": "total",
        "group_label": "Totalt",
        "jobseekers": 7412,
    }
    assert youth["group_code"] == "youth_18_24" and youth["jobseekers"] == 3
    assert unknown["group_code"] is None  # quarantined by the suite, with its label kept
    assert isinstance(broken, ParseFailure)


def test_jobseekers_renamed_header_rejects_the_file():
    with pytest.raises(SourceStructureError, match="Antal"):
        list(parse_jobseekers(CSV.replace(";Antal", ";Antal personer").encode(), "text/csv"))


def test_monthly_paths_cover_the_period():
    paths = [p for p, _ in monthly_paths(date(2025, 11, 1), date(2026, 2, 1))]
    assert paths == [f"statistik/arbetssokande/{m}.csv" for m in ("2025-11", "2025-12", "2026-01")]


def test_outlook_records_and_drift():
    record = {
        "ar": 2026,
        "halvar": 2,
        "lanskod": "18",
        "ssyk": "2221",
        "yrke": "Sjuksköterskor",
        "bristindex": "4,5",
        "bedomning": "stor brist",
        "prognos_1ar": "ökad",
        "prognos_5ar": "ökad",
    }
    [parsed] = list(parse_outlook(json.dumps([record]).encode(), "application/json"))
    assert parsed["shortage_index"] == 4.5 and parsed["ssyk4"] == "2221" and parsed["half"] == 2
    drifted = {k: v for k, v in record.items() if k != "bristindex"} | {"brist_index": 4.5}
    with pytest.raises(SourceStructureError, match="bristindex"):
        list(parse_outlook(json.dumps({"records": [drifted]}).encode(), "application/json"))


def test_stream_windows_overlap_and_split():
    start = datetime(2026, 11, 1, 0, 0, tzinfo=UTC)
    end = datetime(2026, 11, 1, 13, 0, tzinfo=UTC)
    windows = [params for _, params in stream_windows(start, end)]
    assert windows[0]["updated-after"] == "2026-11-01T00:55:00"  # 5 min before, in Stockholm time
    assert windows[-1]["updated-before"] == "2026-11-01T14:00:00"
    assert all(a["updated-before"] == b["updated-after"] for a, b in itertools.pairwise(windows))


@pytest.mark.parametrize(
    ("value", "years"),
    [
        (None, []),
        (2020, [2020]),
        ("2019-2021", [2019, 2020, 2021]),
        ([2022, 2020], [2020, 2022]),
        ("2018,2019", [2018, 2019]),
    ],
)
def test_backfill_param(value, years):
    assert parse_backfill_years(value) == years


def test_backfill_param_before_the_first_file_is_refused():
    with pytest.raises(ValueError, match="2016"):
        parse_backfill_years(2012)
