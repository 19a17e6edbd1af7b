"""Pure rules of the archive backfill: the backfill param, the index page, the byte-level area filter."""

from __future__ import annotations

import json

import pytest

from vagled.feeds.job_ads.jobtech import (
    ArchiveNotListed,
    ArchivePeriod,
    archive_name,
    listed_archives,
    parse_backfill,
    resolve_archives,
)
from vagled.feeds.job_ads.land import area_lines, line_county
from vagled.feeds.job_ads.parse import ad_to_record

pytestmark = pytest.mark.unit

INDEX = """<html><body><h1>Index</h1><a href="../">../</a>
<a href="2024_beta1_jsonl.zip">2024_beta1_jsonl.zip</a> 1.1G
<a href='/annonser/historiska/berikade/kompletta/2025_beta1_jsonl.zip'>2025</a>
<a href="2025_beta1_jsonl.zst">2025 zst</a>
<a href="2026-Q1_beta1_jsonl.zip">q1</a><a href="2026-Q2_beta1_jsonl.zip">q2</a>
<a href="../exempel/2025_beta1_jsonl_sample.zip">sample</a></body></html>"""


@pytest.mark.parametrize(
    ("value", "labels"),
    [
        (2024, ["2024"]),
        ("2019-2021", ["2019", "2020", "2021"]),
        ("2026-Q1", ["2026-Q1"]),
        ([2025, "2026-Q2"], ["2025", "2026-Q2"]),
        ("2024, 2026-Q3", ["2024", "2026-Q3"]),
        (None, []),
    ],
)
def test_backfill_param_names_years_and_quarters(value, labels):
    assert [period.label for period in parse_backfill(value)] == labels


@pytest.mark.parametrize("value", ["2015", "2026-Q5", "last year"])
def test_backfill_param_refuses_what_no_archive_holds(value):
    with pytest.raises(ValueError):
        parse_backfill(value)


def test_index_links_become_archives_and_nothing_else():
    listed = listed_archives(INDEX)
    assert sorted(p.label for p in listed) == ["2024", "2025", "2026-Q1", "2026-Q2"]
    assert archive_name(ArchivePeriod(2026, 1)) == "2026-Q1_beta1_jsonl.zip"


def test_a_running_year_resolves_to_its_quarters_and_a_missing_year_fails_clearly():
    listed = listed_archives(INDEX)
    assert resolve_archives(parse_backfill("2026"), listed) == [ArchivePeriod(2026, 1), ArchivePeriod(2026, 2)]
    assert resolve_archives(parse_backfill("2024-2025"), listed) == [ArchivePeriod(2024), ArchivePeriod(2025)]
    with pytest.raises(ArchiveNotListed, match="no file for 2023"):
        resolve_archives(parse_backfill("2023"), listed)
    with pytest.raises(ArchiveNotListed, match="2026-Q3"):
        resolve_archives(parse_backfill("2026-Q3"), listed)


ADDRESSES = [
    {"municipality_code": "1880", "region_code": "18"},
    {"municipality_code": "0180", "region_code": "01"},
    {"municipality_code": None, "region_code": "19"},
    {"municipality_code": None, "region_code": "01"},
    {"municipality_code": "0580", "region_code": None},
    {"municipality_code": "1280", "region_code": ""},
    {"municipality_code": None, "region_code": None},
    None,
    {"region_code": 18},
    {"municipality_code": "1280", "region_code": "12", "note": '"region_code": "18"'},
]


@pytest.mark.parametrize("address", ADDRESSES)
@pytest.mark.parametrize("separators", [(", ", ": "), (",", ":"), (" , ", " :  ")])
def test_the_byte_filter_decides_as_the_parser_or_leaves_it_to_the_parser(address, separators):
    ad = {"original_id": "1", "headline": "Kock", "occupation_group": None, "publication_date": None}
    ad["workplace_address"] = address
    line = json.dumps(ad, separators=separators, ensure_ascii=False).encode()
    county = ad_to_record(ad, archive=True)["county_code"]
    found = line_county(line)
    if found is not False:
        assert found == (county.encode() if county else None)
    area = frozenset({b"03", b"04", b"05", b"18", b"19"})
    kept, kept_count, skipped = area_lines(line + b"\n\n  \n", area)
    in_area = isinstance(county, str) and county.encode() in area
    # skipped only when the parser would call it outside the area; never an area ad
    assert skipped == (0 if in_area or found is False or found is None else 1)
    assert kept_count + skipped == 1 and (kept == line + b"\n") == bool(kept_count)
