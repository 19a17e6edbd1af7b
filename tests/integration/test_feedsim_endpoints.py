"""feedsim over real HTTP: every endpoint's shape, paging, JobStream windows, streaming, determinism."""

from __future__ import annotations

import io
import itertools
import json
import re
import time
import zipfile
from datetime import datetime

import pytest
import requests

from vagled.feedsim import jobtech
from vagled.feedsim.common import STOCKHOLM, local_str, reference

pytestmark = pytest.mark.integration

# Field names of a recorded real JobSearch hit (shared/feeds/README.md).
AD_FIELDS = {
    "id",
    "external_id",
    "webpage_url",
    "logo_url",
    "headline",
    "application_deadline",
    "number_of_vacancies",
    "description",
    "employment_type",
    "salary_type",
    "duration",
    "working_hours_type",
    "salary_description",
    "scope_of_work",
    "access",
    "employer",
    "application_details",
    "experience_required",
    "access_to_own_car",
    "driving_license_required",
    "driving_license",
    "occupation",
    "occupation_group",
    "occupation_field",
    "workplace_address",
    "must_have",
    "nice_to_have",
    "publication_date",
    "last_publication_date",
    "removed",
    "removed_date",
    "source_type",
    "timestamp",
}
DESCRIPTION_FIELDS = {"text", "text_formatted", "company_information", "needs", "requirements", "conditions"}
EMPLOYER_FIELDS = {"phone_number", "email", "url", "organization_number", "name", "workplace"}
ADDRESS_FIELDS = {
    "municipality_code",
    "municipality",
    "region_code",
    "region",
    "country_code",
    "country",
    "street_address",
    "postcode",
    "city",
    "coordinates",
}
TAXO_FIELDS = {"concept_id", "label", "legacy_ams_taxonomy_id"}
LOCAL_TIME = r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$"


def _stream(base: str, after: str, before: str, **params) -> list[dict]:
    response = requests.get(
        f"{base}/v2/stream", params={"updated-after": after, "updated-before": before, **params}, timeout=30
    )
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"].startswith("application/json")
    return response.json()


def test_server_starts_fast(feedsim_factory):
    started = time.monotonic()
    sim = feedsim_factory(seed=3)
    assert time.monotonic() - started < 1.0
    assert sim.base_url("kolada") == f"http://127.0.0.1:{sim.port}/kolada"


def test_jobstream_full_ads_have_the_real_field_names(feedsim):
    ads = _stream(feedsim.base_url("jobtech_jobstream"), "2026-10-05T00:00:00", "2026-10-06T00:00:00")
    full = [a for a in ads if not a["removed"]]
    assert full, "a weekday holds new ads"
    for ad in full:
        assert set(ad) >= AD_FIELDS, AD_FIELDS - set(ad)
        assert ad["id"].isdigit()
        assert set(ad["description"]) >= DESCRIPTION_FIELDS
        assert set(ad["employer"]) >= EMPLOYER_FIELDS
        assert set(ad["workplace_address"]) >= ADDRESS_FIELDS
        for name in ("occupation", "occupation_group", "occupation_field", "employment_type"):
            assert set(ad[name]) >= TAXO_FIELDS
        assert len(ad["occupation_group"]["legacy_ams_taxonomy_id"]) == 4  # SSYK 2012
        assert re.match(LOCAL_TIME, ad["publication_date"])
        assert isinstance(ad["timestamp"], int)
        assert len(ad["workplace_address"]["coordinates"]) == 2


def test_jobstream_quirks_appear_at_a_low_rate(feedsim):
    ads = _stream(feedsim.base_url("jobtech_jobstream"), "2026-08-01T00:00:00", "2026-10-01T00:00:00")
    full = [a for a in ads if not a["removed"]]
    no_muni = [a for a in full if a["workplace_address"]["municipality_code"] is None]
    no_vacancies = [a for a in full if a["number_of_vacancies"] is None]
    no_coords = [a for a in full if a["workplace_address"]["coordinates"] == [None, None]]
    for quirk in (no_muni, no_vacancies, no_coords):
        assert 0 < len(quirk) < 0.1 * len(full)
    assert all(a["workplace_address"]["region_code"] for a in no_muni)
    outside = {a["workplace_address"]["region_code"] for a in full} - {"03", "04", "05", "18", "19"}
    assert outside, "a few ads come from other counties"


def test_jobstream_update_inside_the_window_appears(feedsim):
    sim = feedsim.sim
    ad = next(a for a in jobtech.ads_for(sim.seed, sim.scale, "03", datetime(2026, 9, 1).date()) if len(a.events) > 2)
    update_ms = ad.events[1]
    after, before = local_str(update_ms / 1000 - 1), local_str(update_ms / 1000 + 1)
    ads = _stream(feedsim.base_url("jobtech_jobstream"), after, before)
    mine = [a for a in ads if a["id"] == str(ad.ad_id)]
    assert len(mine) == 1 and mine[0]["timestamp"] == update_ms and mine[0]["removed"] is False
    assert mine[0]["headline"] and mine[0]["employer"]["name"]


def test_jobstream_removal_is_a_sparse_object(feedsim):
    sim = feedsim.sim
    ad = jobtech.ads_for(sim.seed, sim.scale, "18", datetime(2026, 9, 2).date())[0]
    after, before = local_str(ad.removed_ms / 1000 - 1), local_str(ad.removed_ms / 1000 + 1)
    ads = _stream(feedsim.base_url("jobtech_jobstream"), after, before)
    removal = next(a for a in ads if a["id"] == str(ad.ad_id))
    assert removal["removed"] is True and removal["removed_date"]
    assert removal["timestamp"] == ad.removed_ms
    assert "employer" not in removal and "description" not in removal and "headline" not in removal
    # some removals carry codes, some only the four fields a public client reported
    if set(removal) != {"id", "removed", "removed_date", "timestamp"}:
        assert {"occupation", "occupation_group", "occupation_field", "workplace_address"} <= set(removal)
        assert removal["workplace_address"]["region_code"] == "18"


def test_jobstream_windows_tile_without_loss(feedsim):
    base = feedsim.base_url("jobtech_jobstream")
    first = _stream(base, "2026-09-10T00:00:00", "2026-09-12T13:00:00")
    second = _stream(base, "2026-09-12T13:00:00", "2026-09-15T00:00:00")
    wide = _stream(base, "2026-09-10T00:00:00", "2026-09-15T00:00:00")
    merged: dict[str, dict] = {}
    for ad in first + second:
        if ad["id"] not in merged or ad["timestamp"] > merged[ad["id"]]["timestamp"]:
            merged[ad["id"]] = ad
    assert {a["id"] for a in wide} == set(merged)
    assert {a["id"]: a for a in wide} == merged
    assert len(wide) == len({a["id"] for a in wide})  # each ad once per window


def test_jobstream_v1_spelling_and_filters(feedsim):
    base = feedsim.base_url("jobtech_jobstream")
    window = {"date": "2026-10-01T00:00:00", "updated-before-date": "2026-10-08T00:00:00"}
    everything = requests.get(f"{base}/v2/stream", params=window, timeout=30).json()
    vastmanland = requests.get(
        f"{base}/v2/stream", params={**window, "location-concept-id": "G6DV_fKE_Viz"}, timeout=30
    ).json()
    assert vastmanland and len(vastmanland) < len(everything)
    assert {a["workplace_address"]["region_code"] for a in vastmanland if "workplace_address" in a} == {"19"}
    two = requests.get(
        f"{base}/v2/stream",
        params=[*window.items(), ("location-concept-id", "G6DV_fKE_Viz"), ("location-concept-id", "xTCk_nT5_Zjm")],
        timeout=30,
    ).json()
    assert {a["workplace_address"]["region_code"] for a in two if "workplace_address" in a} == {"18", "19"}
    nurses = requests.get(
        f"{base}/v2/stream", params={**window, "occupation-concept-id": _ssyk_id(feedsim, "2221")}, timeout=30
    ).json()
    assert nurses and {a["occupation_group"]["legacy_ams_taxonomy_id"] for a in nurses if "occupation_group" in a} == {
        "2221"
    }
    assert requests.get(f"{base}/v2/stream", timeout=10).status_code == 400


def _ssyk_id(feedsim, code: str) -> str:
    response = requests.get(
        f"{feedsim.base_url('jobtech_taxonomy')}/v1/taxonomy/specific/concepts/ssyk",
        params={"ssyk-code-2012": code},
        timeout=10,
    )
    return response.json()[0]["taxonomy/id"]


def test_snapshot_holds_current_ads_only(feedsim):
    snapshot = requests.get(f"{feedsim.base_url('jobtech_jobstream')}/v2/snapshot", timeout=30).json()
    assert snapshot and all(a["removed"] is False for a in snapshot)
    now = feedsim.sim.now
    assert all(datetime.fromisoformat(a["publication_date"]).replace(tzinfo=STOCKHOLM) <= now for a in snapshot)
    assert len({a["id"] for a in snapshot}) == len(snapshot)


ARCHIVES = "/annonser/historiska/berikade/kompletta/"


def _member_lines(data: bytes, limit: int | None = None) -> tuple[str, list[dict]]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        [member] = archive.namelist()
        with archive.open(member) as stream:
            lines = [json.loads(line) for line in itertools.islice(stream, limit)]
    return member, lines


def test_archive_index_lists_years_and_the_running_years_quarters(feedsim):
    base = feedsim.base_url("jobtech_historical")
    index = requests.get(base + ARCHIVES, timeout=10)
    assert index.status_code == 200 and index.headers["Content-Type"].startswith("text/html")
    names = re.findall(r'href="([^"]+_beta1_jsonl\.zip)"', index.text)
    year = feedsim.sim.now.year
    assert names[0] == "2016_beta1_jsonl.zip" and f"{year - 1}_beta1_jsonl.zip" in names
    assert f"{year}_beta1_jsonl.zip" not in names, "the running year comes per quarter"
    assert f"{year}-Q1_beta1_jsonl.zip" in names
    assert requests.get(f"{base}{ARCHIVES}2015_beta1_jsonl.zip", timeout=10).status_code == 404
    assert requests.get(f"{base}/annonser/historiska/2016.jsonl", timeout=10).status_code == 404


def test_archive_is_a_zip_of_enriched_national_jsonl_with_ranges(feedsim_factory):
    sim = feedsim_factory(scale=0.01)
    url = f"{sim.base_url('jobtech_historical')}{ARCHIVES}2016_beta1_jsonl.zip"
    whole = requests.get(url, timeout=120)
    assert whole.headers["Content-Type"] == "application/zip" and whole.headers["Accept-Ranges"] == "bytes"
    assert int(whole.headers["Content-Length"]) == len(whole.content)
    member, ads = _member_lines(whole.content)
    assert member == "2016.enriched.jsonl"
    assert all(len(a["id"]) == 40 and a["original_id"].isdigit() for a in ads)
    assert all(isinstance(a["occupation"], list) for a in ads)  # years <= 2018: lists, as in the real files
    assert any(a["occupation_group"] is None for a in ads)
    assert all(a["publication_date"].startswith("2016-") for a in ads)
    assert all(set(a["keywords"]) == {"enriched", "extracted"} for a in ads)
    area = sum((a["workplace_address"]["region_code"] in ("03", "04", "05", "18", "19")) for a in ads)
    assert 0.1 < area / len(ads) < 0.2, "a national archive: the area is about 15 %"
    assert any(a["workplace_address"]["municipality_code"] is None for a in ads), "county-only addresses"
    part = requests.get(url, headers={"Range": "bytes=100-"}, timeout=60)
    assert part.status_code == 206 and part.content == whole.content[100:]
    assert part.headers["Content-Range"] == f"bytes 100-{len(whole.content) - 1}/{len(whole.content)}"


def test_stream_removals_are_sparse_and_ads_enriched(feedsim):
    stream = requests.get(
        f"{feedsim.base_url('jobtech_jobstream')}/v2/stream",
        params={"updated-after": "2026-10-01T00:00:00", "updated-before": "2026-10-03T00:00:00"},
        timeout=60,
    ).json()
    removals = [item for item in stream if item.get("removed")]
    assert any(set(item) == {"id", "removed", "removed_date", "timestamp"} for item in removals)
    full = [item for item in stream if not item.get("removed")]
    assert full and all(item["keywords"]["extracted"]["skill"] and "must_have" in item for item in full)


def test_taxonomy_serves_the_ids_the_ads_use(feedsim):
    base = f"{feedsim.base_url('jobtech_taxonomy')}/v1/taxonomy"
    regions = requests.get(f"{base}/specific/concepts/region", timeout=10).json()
    by_code = {r.get("taxonomy/national-nuts-level-3-code-2019"): r for r in regions}
    assert by_code["19"]["taxonomy/id"] == "G6DV_fKE_Viz"
    assert len([c for c in by_code if c]) == 21
    munis = requests.get(f"{base}/specific/concepts/municipality", timeout=10).json()
    assert len(munis) == 290 and all(len(m["taxonomy/lau-2-code-2015"]) == 4 for m in munis)
    ssyk4 = requests.get(f"{base}/main/concepts", params={"type": "ssyk-level-4"}, timeout=10).json()
    assert len(ssyk4) == 429
    names = requests.get(
        f"{base}/main/concepts",
        params={"type": "occupation-name", "relation": "narrower", "related-ids": _ssyk_id(feedsim, "2512")},
        timeout=10,
    ).json()
    assert {n["taxonomy/preferred-label"] for n in names} >= {"Mjukvaruutvecklare", "Systemutvecklare"}
    deprecated = requests.get(
        f"{base}/main/concepts", params={"type": "occupation-name", "deprecated": "true"}, timeout=10
    ).json()
    assert len(deprecated) == 1 and deprecated[0]["taxonomy/deprecated"] is True
    assert deprecated[0]["taxonomy/replaced-by"][0]["taxonomy/preferred-label"] == "Kassapersonal"
    default = requests.get(f"{base}/main/concepts", params={"type": "occupation-name"}, timeout=10).json()
    assert deprecated[0]["taxonomy/id"] not in {c["taxonomy/id"] for c in default}
    ads = _stream(feedsim.base_url("jobtech_jobstream"), "2026-10-05T00:00:00", "2026-10-06T00:00:00")
    ad = next(a for a in ads if not a["removed"] and a["workplace_address"]["municipality_code"])
    assert ad["workplace_address"]["municipality_concept_id"] in {m["taxonomy/id"] for m in munis}
    assert ad["occupation_group"]["concept_id"] in {c["taxonomy/id"] for c in ssyk4}


def test_af_statistics_page_and_pivot_cache_workbooks(feedsim):
    """The page links workbooks at opaque addresses; a workbook is OOXML with its data in pivot caches.

    Read here with the standard library only (zipfile, ElementTree): the test shares no code with
    the feed's parser.
    """
    import re
    import xml.etree.ElementTree as ET
    import zipfile

    base = feedsim.base_url("af_statistics")
    page = requests.get(f"{base}/statistik/sok-statistik/tidigare-statistik-tidsserier", timeout=10)
    assert page.headers["Content-Type"].startswith("text/html")
    hrefs = re.findall(r'href="(/download/18\.[^"]+\.xlsx)"', page.text)
    assert len(hrefs) == 10 and all(re.search(r"/\d{13}/web-[a-z-]+-\d{4}-\d{2}\.xlsx$", h) for h in hrefs)
    newest = max((h for h in hrefs if "web-sok-lan-kom" in h), key=lambda h: h[-12:])
    assert newest.endswith("-2026-09.xlsx")
    assert requests.get(f"{base}/download/18.1/1/web-sok-lan-kom-2026-09.xlsx", timeout=10).status_code == 404

    book = zipfile.ZipFile(io.BytesIO(requests.get(base + newest, timeout=60).content))
    names = set(book.namelist())
    assert {"[Content_Types].xml", "xl/workbook.xml", "xl/_rels/workbook.xml.rels"} <= names
    assert {f"xl/pivotCache/pivotCacheDefinition{n}.xml" for n in (1, 2, 3)} <= names
    ns = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
    definition = ET.fromstring(book.read("xl/pivotCache/pivotCacheDefinition1.xml"))
    fields = [f.get("name") for f in definition.iterfind(".//m:cacheField", ns)]
    assert fields == ["PERIOD", "KOEN", "LAN", "KOMMUN_BESKR", "ALDGR", "INSAL"]
    shared = {
        f.get("name"): [i.get("v") for i in f.iterfind("m:sharedItems/m:s", ns)]
        for f in definition.iterfind(".//m:cacheField", ns)
    }
    assert "Uppgift saknas" in shared["KOMMUN_BESKR"] and "Uppsala" in shared["KOMMUN_BESKR"]
    assert "18-24 år" in shared["ALDGR"] and len(shared["PERIOD"]) == 13
    records = ET.fromstring(book.read("xl/pivotCache/pivotCacheRecords1.xml"))
    values = [r[5].get("v") for r in records]
    assert "<5" in values and int(records.get("count")) == len(values)


def test_af_outlook_is_one_file_of_the_current_round(feedsim):
    base = feedsim.base_url("af_outlook")
    response = requests.get(f"{base}/prognoser/yrkesbarometer.json", timeout=30)
    rows = response.json()
    assert isinstance(rows, list) and {r["omgang"] for r in rows} == {"2026-1"}
    assert {r["lan"] for r in rows} == {"00", *reference_counties()}
    keys = {
        "yrkesomrade",
        "yb_yrke",
        "yb_concept_id",
        "lan",
        "ssyk",
        "ssyk_text",
        "yb_beskrivning",
        "jobbmojligheter",
        "rekryteringssituation",
        "paradox",
        "prognos",
        "text_jobbmojligheter",
        "text_rekryteringssituation",
        "hogsta_bedomningsniva",
        "delvis_helt",
        "omgang",
        "taxonomi_version",
    }
    assert all(set(r) == keys for r in rows)
    assert len({(r["yb_concept_id"], r["lan"]) for r in rows}) == len(rows)
    assert {r["rekryteringssituation"] for r in rows} == {"överskott", "balans", "brist", "paradox", None}
    assert all(r["paradox"] for r in rows if r["rekryteringssituation"] == "paradox")
    kitchen = {r["yb_yrke"]: r["delvis_helt"] for r in rows if r["ssyk"] == "5120" and r["lan"] == "00"}
    assert kitchen == {"Kockar": "delvis", "Kallskänkor": "delvis"}
    assert not any("bristindex" in r or "prognos_5ar" in r for r in rows)  # no numbers, no 5-year outlook
    assert requests.get(f"{base}/yrkesbarometer", params={"ar": 2026}, timeout=10).status_code == 404


def reference_counties() -> set[str]:
    from vagled.feedsim.common import reference

    return set(reference().counties)


def test_kolada_v3_value_structure_and_next_url_paging(feedsim):
    base = feedsim.base_url("kolada")
    url = f"{base}/v3/data/kpi/N00914,N01951/municipality/0380,1880,1980,0512/year/2020,2021,2022,2023"
    seen, pages = [], 0
    next_url: str | None = url + "?per_page=5"
    while next_url:
        body = requests.get(next_url, timeout=10).json()
        pages += 1
        assert body["count"] == len(body["values"]) <= 5  # the count of this page, not a total
        assert "next_page" not in body and ("previous_url" in body) == (pages > 1)
        for value in body["values"]:
            assert set(value) == {"kpi", "municipality", "period", "values"}
            assert [v["gender"] for v in value["values"]] == ["T", "K", "M"]
            for v in value["values"]:
                assert set(v) == {"count", "gender", "status", "value", "isdeleted"}
                assert (v["value"] is None) == (v["status"] != "")
            seen.append((value["kpi"], value["municipality"], value["period"]))
        next_url = body.get("next_url")
        assert pages <= 10
    assert pages == 7 and len(seen) == 32 == len(set(seen))
    meta = requests.get(f"{base}/v3/kpi/N00914", timeout=10).json()["values"][0]
    assert meta["is_divided_by_gender"] is True and "Förvärvsarbetande" in meta["title"]
    munis = requests.get(f"{base}/v3/municipality", params={"title": "Örebro"}, timeout=10).json()["values"]
    assert {"id": "1880", "title": "Örebro", "type": "K"} in munis
    # v2 is gone; more than 25 ids in one request is refused
    assert requests.get(url.replace("/v3/", "/v2/"), timeout=10).status_code == 410
    many = ",".join(str(y) for y in range(1990, 2016))
    assert requests.get(f"{base}/v3/data/kpi/N00914/municipality/0380/year/{many}", timeout=10).status_code == 400


def test_kolada_flags_a_few_values_deleted(feedsim):
    base = feedsim.base_url("kolada")
    munis = ",".join(m.code for m in reference().area_municipalities[:25])
    body = requests.get(f"{base}/v3/data/kpi/N00914,N01982/municipality/{munis}/year/2020,2021,2022,2023", timeout=10)
    flags = [v["isdeleted"] for e in body.json()["values"] for v in e["values"]]
    assert any(flags) and sum(flags) < len(flags) / 10


def test_scb_pxweb_2_config_metadata_and_json_stat2(feedsim):
    base = f"{feedsim.base_url('scb_pxweb')}/api/v2"
    config = requests.get(f"{base}/config", timeout=10).json()
    assert (config["maxDataCells"], config["maxCallsPerTimeWindow"], config["timeWindow"]) == (150_000, 30, 10)
    tables = requests.get(f"{base}/tables", params={"query": "folkmängden"}, timeout=10).json()["tables"]
    assert [t["id"] for t in tables] == ["TAB638"] and tables[0]["lastPeriod"] == "2025"
    meta = requests.get(f"{base}/tables/TAB638/metadata", params={"outputFormat": "json-stat2"}, timeout=10).json()
    assert meta["id"] == ["Region", "Civilstand", "Alder", "Kon", "ContentsCode", "Tid"]
    selection = [
        {"variableCode": "Region", "valueCodes": ["0380", "0330"], "codelist": "vs_RegionKommun07"},
        {"variableCode": "ContentsCode", "valueCodes": ["BE0101N1"]},
        {"variableCode": "Tid", "valueCodes": ["2001", "2023"]},
    ]
    response = requests.post(
        f"{base}/tables/TAB638/data",
        params={"lang": "sv", "outputFormat": "json-stat2"},
        json={"selection": selection},
        timeout=10,
    )
    body = response.json()
    assert body["class"] == "dataset" and body["id"] == ["Region", "ContentsCode", "Tid"] and body["size"] == [2, 1, 2]
    assert body["dimension"]["Region"]["category"]["index"] == {"0380": 0, "0330": 1}
    # row-major, the last dimension fastest: Uppsala 2001, Uppsala 2023, Knivsta 2001, Knivsta 2023
    assert body["value"][2] is None and body["status"] == {"2": ".."}  # Knivsta did not exist yet
    assert 200_000 < body["value"][1] < 300_000
    # a county is not in the municipality codelist; the old v1 path is gone
    selection[0]["valueCodes"] = ["03"]
    refused = requests.post(
        f"{base}/tables/TAB638/data?outputFormat=json-stat2", json={"selection": selection}, timeout=10
    )
    assert refused.status_code == 400 and refused.headers["Content-Type"].startswith("application/problem+json")
    assert set(refused.json()) >= {"type", "title", "status"}
    assert requests.get(f"{feedsim.base_url('scb_pxweb')}/OV0104/v1/doris/sv/ssd/", timeout=10).status_code == 404


def test_scb_transitions_tables_with_their_codelists_and_mandatory_variables(feedsim):
    base = f"{feedsim.base_url('scb_pxweb')}/api/v2/tables"
    meta = requests.get(f"{base}/TAB6929/metadata", params={"outputFormat": "json-stat2"}, timeout=10).json()
    assert meta["id"] == ["Region", "Utbildning", "SNI2007", "KonAlderFodelseland", "ContentsCode", "Tid"]
    assert meta["extension"]["codelists"]["Utbildning"] == ["vs_UtbildningsgruppE2-3N1-2", "vs_Utbildningsnivå19RMI"]
    url = f"{base}/TAB6929/data?lang=sv&outputFormat=json-stat2"
    selection = [
        {"variableCode": "Region", "valueCodes": ["03"], "codelist": "vs_CKM02Län"},
        {"variableCode": "Utbildning", "valueCodes": ["*"], "codelist": "vs_UtbildningsgruppE2-3N1-2"},
        {"variableCode": "SNI2007", "valueCodes": ["A-U"]},
        {"variableCode": "ContentsCode", "valueCodes": ["000008QV"]},
        {"variableCode": "Tid", "valueCodes": ["2024"]},
    ]
    refused = requests.post(url, json={"selection": selection}, timeout=10)  # KonAlderFodelseland is mandatory
    assert refused.status_code == 400 and "KonAlderFodelseland" in refused.json()["detail"]
    selection.append({"variableCode": "KonAlderFodelseland", "valueCodes": ["totalt"], "codelist": "vs_KonCKMRMI"})
    answer = requests.post(url, json={"selection": selection}, timeout=10).json()
    assert list(answer["dimension"]["Utbildning"]["category"]["index"]) == ["00S", "35E", "53B"]
    assert all(0 < v <= 100 for v in answer["value"])
    # a municipality code under the county codelist is no code of that list
    selection[0]["valueCodes"] = ["0380"]
    assert requests.post(url, json={"selection": selection}, timeout=10).status_code == 400
    meta = requests.get(f"{base}/TAB6383/metadata", timeout=10).json()
    assert meta["id"] == ["Region", "Kon", "UtbNiv", "BakgrVar", "ContentsCode", "Tid"]
    assert meta["dimension"]["Tid"]["category"]["index"] == {"2022": 0, "2023": 1, "2024": 2}


def test_scb_too_many_cells_is_a_403_problem(feedsim):
    url = f"{feedsim.base_url('scb_pxweb')}/api/v2/tables/TAB638/data?outputFormat=json-stat2"
    everything = [{"variableCode": c, "valueCodes": ["*"]} for c in ("Region", "Civilstand", "Alder", "Kon")]
    everything += [
        {"variableCode": "ContentsCode", "valueCodes": ["BE0101N1"]},
        {"variableCode": "Tid", "valueCodes": ["2023"]},
    ]
    response = requests.post(url, json={"selection": everything}, timeout=10)
    assert response.status_code == 403 and response.json()["title"] == "Forbidden" and "150000" in response.text


def test_scb_rate_limit_429_after_30_calls_in_10_seconds(feedsim_factory):
    sim = feedsim_factory()
    url = f"{sim.base_url('scb_pxweb')}/api/v2/config"
    statuses = [requests.get(url, timeout=10).status_code for _ in range(31)]
    assert statuses[:30] == [200] * 30 and statuses[30] == 429


SKOLVERKET_MEDIA = "application/vnd.skolverket.plannededucations.api.v3.hal+json"


def test_skolverket_hal_json_paging_0_based_with_a_size_cap(feedsim):
    base = f"{feedsim.base_url('education_offerings')}/planned-educations/v3/adult-education-events"
    headers = {"Accept": SKOLVERKET_MEDIA}
    ids, page = [], 0
    while True:
        response = requests.get(
            base, params={"geographicalAreaCode": "0380", "page": page, "size": 500}, headers=headers, timeout=10
        )
        assert response.headers["Content-Type"] == SKOLVERKET_MEDIA
        body = response.json()["body"]
        assert body["page"]["size"] == 50 and body["page"]["number"] == page  # the cap, not the asked 500
        ids += [e["educationEventId"] for e in body["_embedded"]["listedAdultEducationEvents"]]
        assert ("next" in body["_links"]) == (page + 1 < body["page"]["totalPages"])
        if page + 1 >= body["page"]["totalPages"]:
            break
        page += 1
    assert len(ids) == body["page"]["totalElements"] == len(set(ids)) > 0
    assert requests.get(base, headers={"Accept": "application/xml"}, timeout=10).status_code == 406
    assert requests.get(f"{feedsim.base_url('education_offerings')}/v1/offerings", timeout=10).status_code == 404


def test_skolverket_events_carry_the_real_quirks_and_no_sun_or_places(feedsim):
    base = f"{feedsim.base_url('education_offerings')}/planned-educations/v3"
    events = []
    for code in ("0380", "1880", "0580", "1980", "0484"):
        for endpoint in ("adult-education-events", "education-events"):
            body = requests.get(
                f"{base}/{endpoint}", params={"geographicalAreaCode": code, "size": 50}, timeout=10
            ).json()
            for items in body["body"]["_embedded"].values():
                events += items
    assert all("sun2020" not in e and "places" not in e for e in events)
    assert any(e["titleSv"].startswith("<![CDATA[") for e in events)
    assert any(e["paceOfStudy"] == "null" for e in events) and all(isinstance(e["paceOfStudy"], str) for e in events)
    deadlines = {
        e["lastApplicationDate"][19:] or "none" for e in events if not e["lastApplicationDate"].startswith("2099")
    }
    assert deadlines == {"+02:00", "none"} and any(e["lastApplicationDate"] == "2099-12-31T00:00:00" for e in events)
    assert any(e["startDate"] is None and e["semesterStart"] is None for e in events)
    assert any(e["startDate"] is None and e["semesterStart"] for e in events)
    detail = requests.get(f"{base}/adult-education-events/{events[0]['educationEventId']}", timeout=10).json()["body"]
    assert detail["geographicalAreaCode"] is None


def test_myh_workbook_in_its_real_layout(feedsim):
    from openpyxl import load_workbook

    base = feedsim.base_url("myh_results")
    response = requests.get(f"{base}/download/resultat-ansokningsomgang-2025.xlsx", timeout=30)
    assert response.status_code == 200 and response.content.startswith(b"PK")
    book = load_workbook(io.BytesIO(response.content), read_only=True)
    assert book.sheetnames == ["Innehållsförteckning", "Definitioner", "Tabell 1", "Tabell 2", "Tabell 3", "Tabell 4"]
    rows = list(book["Tabell 3"].iter_rows(values_only=True))
    header = rows[5]  # on row 6
    assert header[:6] == ("Utbildningsområde", "SUN5 inriktning", "SUN5 inriktning namn", "Utbildningsnamn", "Beslut",
                          "Diarienummer")  # fmt: skip
    assert {"Kommun", "YH-poäng", "Studieform", "Beviljade platser totalt"} <= set(header)
    assert "ansökningsår 2025 med beslutsår 2026" in rows[2][0]
    column = {name: header.index(name) for name in header}
    assert {row[column["Beslut"]] for row in rows[6:]} == {"Beviljad", "Avslag"}
    several = [row for row in rows[6:] if row[column["Kommun"]] == "Flera kommuner"]
    table4 = list(book["Tabell 4"].iter_rows(values_only=True))
    names = [row[table4[5].index("Kommun")] for row in table4[6:]]
    assert several and names and any(n != n.rstrip() for n in names)
    assert requests.get(f"{base}/download/resultat-ansokningsomgang-2026.xlsx", timeout=10).status_code == 404


def test_municipal_files_formats_vary_by_municipality(feedsim):
    base = feedsim.base_url("municipal_files")
    municipalities = requests.get(f"{base}/", timeout=10).json()
    assert len(municipalities) == 52
    seen_types, seen_headers = set(), set()
    for item in municipalities:
        files = requests.get(f"{base}/{item['municipality_code']}/", timeout=10).json()
        latest = files[-2:]
        for entry in latest:
            response = requests.get(
                f"{feedsim.base_url('municipal_files')}{entry['path'][len('/municipal_files') :]}", timeout=10
            )
            assert response.status_code == 200
            content_type = response.headers["Content-Type"]
            seen_types.add(
                content_type.split(";")[0]
                + (";" + content_type.split("charset=")[1] if "charset=" in content_type else "")
            )
            if content_type.startswith("text/csv"):
                text = response.content.decode(content_type.split("charset=")[1]).lstrip("\ufeff")
                first_fields = {re.split("[;,]", line)[0] for line in text.splitlines()}
                seen_headers |= first_fields & {"Kommunkod", "Kommun kod", "KOMMUNKOD", "Kommun-kod"}
            else:
                assert response.content.startswith(b"PK")
    assert {
        "text/csv;windows-1252",
        "text/csv;utf-8",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    } <= seen_types
    assert len(seen_headers) >= 3  # Kommunkod / Kommun kod / KOMMUNKOD ...


def test_same_seed_same_bytes_other_seed_other_bytes(feedsim_factory):
    one, two, other = feedsim_factory(seed=11), feedsim_factory(seed=11), feedsim_factory(seed=12)
    paths = [
        ("jobtech_jobstream", "/v2/stream?updated-after=2026-10-01T00:00:00&updated-before=2026-10-03T00:00:00"),
        ("jobtech_historical", "/annonser/historiska/berikade/kompletta/2026-Q1_beta1_jsonl.zip"),
        ("af_statistics", _afs_workbook("web-inskrivna-arbetslosa-andel-av-bas")),
        ("af_outlook", "/prognoser/yrkesbarometer.json"),
        ("kolada", "/v3/data/kpi/N00914/municipality/0380,0580/year/2022,2023"),
        ("education_offerings", "/planned-educations/v3/adult-education-events?geographicalAreaCode=0380&size=50"),
        ("myh_results", "/download/resultat-ansokningsomgang-2025.xlsx"),
        ("municipal_files", "/0380/2025-05/" + _file_name("0380", "komvux_kursdeltagare")),
        ("municipal_files", "/0484/2025-05/" + _file_name("0484", "arbetsmarknadsinsatser")),
    ]
    for conn_id, path in paths:
        # links in an answer (HAL _links, next_url) name the server's own address; only the address is
        # replaced, never the port's digits wherever they occur (in an id or a timestamp)
        a, b, c = (
            requests.get(sim.base_url(conn_id) + path, timeout=60).content.replace(
                f"127.0.0.1:{sim.port}".encode(), b"HOST:PORT"
            )
            for sim in (one, two, other)
        )
        assert a == b, conn_id
        assert a != c, conn_id


def _afs_workbook(prefix: str) -> str:
    from vagled.feedsim.af_statistics import link

    return link(prefix, (2026, 9))


def _file_name(code: str, kind: str) -> str:
    from vagled.feedsim.municipal_files import file_name

    return file_name(code, kind)
