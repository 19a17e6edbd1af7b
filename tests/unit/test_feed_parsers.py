"""The feed parsers on small payloads shaped like the real upstream formats (shared/feeds)."""

from __future__ import annotations

import itertools
import json
from datetime import UTC, datetime

import pytest

from vagled.feeds.job_ads.jobtech import parse_backfill_years, stream_windows
from vagled.feeds.job_ads.parse import parse_ads
from vagled.feeds.jobseekers.parse import Geography, decide, newest_links, parse_workbook
from vagled.feeds.occupational_outlook.parse import parse_outlook
from vagled.pipeline.feed import ParseFailure, SourceStructureError

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


PAGE = """<html><body><ul>
<li><a href="/download/18.4a1b2c/1790143200000/web-sok-lan-kom-2026-08.xlsx">aug</a></li>
<li><a href="/download/18.9f8e7d/1792735200000/web-sok-lan-kom-2026-09.xlsx">sep</a></li>
<li><a href="/download/18.11aa22/1792735200001/web-arbetslosa-yrkesomrade-2026-08.xlsx">aug</a></li>
<li><a href="/om-oss">Om oss</a></li>
</ul></body></html>"""


def test_the_newest_link_of_each_prefix_is_taken_from_the_page():
    links = newest_links(PAGE)
    assert links["web-sok-lan-kom"] == ("2026-09", "/download/18.9f8e7d/1792735200000/web-sok-lan-kom-2026-09.xlsx")
    assert links["web-arbetslosa-yrkesomrade"][0] == "2026-08"


def test_a_month_loads_only_when_every_workbook_shows_it_and_it_is_new():
    from vagled.feeds.jobseekers.parse import WORKBOOKS

    same = {p: ("2026-09", f"/download/18.1/1/{p}-2026-09.xlsx") for p in WORKBOOKS}
    assert decide(same, None).status == "ready" and decide(same, None).first_load
    assert decide(same, "2026-08").status == "ready" and not decide(same, "2026-08").first_load
    assert decide(same, "2026-09").status == "loaded"
    behind = {**same, "web-arbetslosa-yrkesomrade": ("2026-08", "/x-2026-08.xlsx")}
    waiting = decide(behind, "2026-08")
    assert waiting.status == "waiting" and "web-arbetslosa-yrkesomrade 2026-08" in waiting.describe()
    missing = {p: v for p, v in same.items() if p != "web-sok-lan-kom"}
    with pytest.raises(SourceStructureError, match="web-sok-lan-kom"):
        decide(missing, None)


def _tiny_workbook(records: list[str], fields: list[tuple[str, list[str] | None]]) -> bytes:
    """A minimal OOXML package with one pivot cache (definition + records)."""
    import io
    import zipfile

    ns = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    cache_fields = "".join(
        f'<cacheField name="{name}"><sharedItems>{"".join(f"<s v={chr(34)}{v}{chr(34)}/>" for v in items)}'
        "</sharedItems></cacheField>"
        if items
        else f'<cacheField name="{name}"><sharedItems/></cacheField>'
        for name, items in fields
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr(
            "xl/pivotCache/pivotCacheDefinition1.xml",
            f"<pivotCacheDefinition {ns}><cacheFields>{cache_fields}</cacheFields></pivotCacheDefinition>",
        )
        z.writestr(
            "xl/pivotCache/pivotCacheRecords1.xml", f"<pivotCacheRecords {ns}>{''.join(records)}</pivotCacheRecords>"
        )
    return out.getvalue()


GEO = Geography.from_rows(
    [("18", "Örebro län"), ("19", "Västmanlands län")],
    [("1880", "Örebro", "18"), ("1980", "Västerås", "19")],
)


def test_pivot_records_map_names_keep_below_five_and_quarantine_an_unknown_name():
    fields = [
        ("PERIOD", ["2026-08", "2026-09"]),
        ("KÖN", ["Kvinnor"]),
        ("YRKESOMRÅDE", ["Data/IT"]),
        ("LÄN", ["Örebro", "Västmanland"]),
        ("KOMMUN", ["Örebro  ", "Uppgift saknas", "Okänd"]),
        ("KVAR", None),
    ]
    x = '<x v="{}"/>'.format
    records = [
        f'<r>{x(1)}{x(0)}{x(0)}{x(0)}{x(0)}<n v="12"/></r>',
        f'<r>{x(1)}{x(0)}{x(0)}{x(0)}{x(1)}<s v="&lt;5"/></r>',
        f'<r>{x(0)}{x(0)}{x(0)}{x(1)}{x(2)}<n v="7"/></r>',
    ]
    items = list(parse_workbook(_tiny_workbook(records, fields), "", GEO))
    cells = [i for i in items if not isinstance(i, ParseFailure) and i["county_code"] != "00"]
    [failure] = [i for i in items if isinstance(i, ParseFailure)]
    assert "Okänd" in failure.reason and failure.check == "known_area_name"
    orebro, residual = cells
    assert orebro["municipality_code"] == "1880" and (orebro["count_min"], orebro["count_max"]) == (12, 12)
    assert residual["municipality_code"] is None and residual["county_code"] == "18"
    assert (residual["count_min"], residual["count_max"], residual["below_five_cells"]) == (1, 4, 1)
    assert residual["dimension"] == "occupational_area" and residual["group_label"] == "Data/IT"
    [nation] = [i for i in items if not isinstance(i, ParseFailure) and i["county_code"] == "00"]
    assert (nation["count_min"], nation["count_max"], nation["below_five_cells"]) == (13, 16, 1)


def test_a_renamed_count_field_rejects_the_workbook():
    fields = [
        ("PERIOD", ["2026-09"]),
        ("KÖN", ["Män"]),
        ("YRKESOMRÅDE", ["Data/IT"]),
        ("LÄN", ["Örebro"]),
        ("KOMMUN", ["Örebro"]),
        ("ANTAL", None),
    ]
    with pytest.raises(SourceStructureError, match="KVAR"):
        list(parse_workbook(_tiny_workbook([], fields), "", GEO))


OUTLOOK_ROW = {
    "yrkesomrade": "Hälso- och sjukvård",
    "yb_yrke": "Grundutbildade sjuksköterskor",
    "yb_concept_id": "bXNH_MNX_dUR",
    "lan": "18",
    "ssyk": "2221",
    "ssyk_text": "Grundutbildade sjuksköterskor",
    "jobbmojligheter": "stora",
    "rekryteringssituation": "paradox",
    "paradox": ["Arbetsvillkor"],
    "prognos": "öka",
    "delvis_helt": "helt",
    "omgang": "2026-1",
    "taxonomi_version": 29,
}


def test_outlook_rows_stay_categorical_with_nulls_and_paradox_reasons():
    unassessed = {**OUTLOOK_ROW, "lan": "3", "jobbmojligheter": None, "rekryteringssituation": None, "paradox": []}
    parsed, empty = list(parse_outlook(json.dumps([OUTLOOK_ROW, unassessed]).encode(), "application/json"))
    assert parsed["rekryteringssituation"] == "paradox" and json.loads(parsed["paradox"]) == ["Arbetsvillkor"]
    assert parsed["ssyk4"] == "2221" and parsed["omgang"] == "2026-1" and parsed["taxonomi_version"] == "29"
    assert empty["lan"] == "03" and empty["rekryteringssituation"] is None and empty["jobbmojligheter"] is None


def test_outlook_drift_rejects_and_a_row_missing_a_field_is_held():
    drifted = {("rekrytering_situation" if k == "rekryteringssituation" else k): v for k, v in OUTLOOK_ROW.items()}
    with pytest.raises(SourceStructureError, match="rekryteringssituation"):
        list(parse_outlook(json.dumps([drifted]).encode(), "application/json"))
    items = list(parse_outlook(json.dumps([OUTLOOK_ROW, drifted]).encode(), "application/json"))
    assert isinstance(items[1], ParseFailure) and "rekryteringssituation" in items[1].reason
    with pytest.raises(SourceStructureError, match="array"):
        list(parse_outlook(json.dumps({"records": [OUTLOOK_ROW]}).encode(), "application/json"))


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
