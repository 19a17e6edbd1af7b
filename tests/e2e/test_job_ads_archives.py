"""Job ads from the real JobTech shapes, run for real (dag.test()) against feedsim over HTTP.

The enriched ZIP archives (index page, yearly and quarterly files, one JSONL member, original_id
keys, array-shaped taxonomy fields, county-only addresses, national volume), their faults, and
JobStream's sparse removals. Expected figures are read from the archive bytes feedsim serves,
with the standard library, never from the client's code.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile

import pytest
import requests

pytestmark = pytest.mark.e2e

AREA = {"03", "04", "05", "18", "19"}
ARCHIVES = "/annonser/historiska/berikade/kompletta/"


@pytest.fixture(scope="module")
def archive_warehouse(airflow_db):
    """A warehouse database of this module's own: its checks read whole core tables, where the ads
    other modules loaded into the session's warehouse must not appear."""
    import psycopg
    from psycopg import sql

    from vagled.warehouse.migrate import migrate

    name = "vagled_job_ads_archives"
    with psycopg.connect(airflow_db.admin_conninfo(), autocommit=True) as admin:
        admin.execute(sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(name)))
        admin.execute(sql.SQL("create database {} owner vagled_loader").format(sql.Identifier(name)))
    url = airflow_db.url().rsplit("/", 1)[0] + f"/{name}"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("AIRFLOW_CONN_VAGLED_WAREHOUSE", url)
        migrate()
        yield url
    with psycopg.connect(airflow_db.admin_conninfo(), autocommit=True) as admin:
        admin.execute(sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(name)))


@pytest.fixture
def warehouse_conn(archive_warehouse):
    """An autocommit connection, as the loader, to this module's warehouse."""
    import psycopg

    with psycopg.connect(archive_warehouse, autocommit=True) as conn:
        yield conn


@pytest.fixture
def sim(feedsim_factory, monkeypatch, tmp_path):
    """A feedsim of its own at a small scale, with the upstream connections pointed at it."""
    from vagled.feedsim.cli import connection_uris

    monkeypatch.setenv("VAGLED_FEEDSIM_CACHE", str(tmp_path / "feedsim-cache"))

    def make(**kwargs):
        kwargs.setdefault("scale", 0.01)
        server = feedsim_factory(**kwargs)
        for conn_id, uri in connection_uris("127.0.0.1", server.port).items():
            monkeypatch.setenv(f"AIRFLOW_CONN_{conn_id.upper()}", uri)
        return server

    return make


def _dag():
    from airflow.dag_processing.dagbag import DagBag

    from vagled.config import DAGS_DIR

    dag = DagBag(dag_folder=str(DAGS_DIR / "employment_agency_job_ads.py")).dags["employment_agency_job_ads"]
    for task in dag.tasks:
        task.retries = 0
    return dag


def _last_batch(conn) -> tuple:
    return conn.execute(
        "select batch_id, status, received, loaded, quarantined, duplicates, out_of_area, error"
        " from audit.load_batch where feed = 'job_ads' order by batch_id desc limit 1"
    ).fetchone()


def _archive(server, name: str) -> bytes:
    response = requests.get(server.base_url("jobtech_historical") + ARCHIVES + name, timeout=300)
    response.raise_for_status()
    return response.content


def _lines(archive: bytes) -> tuple[str, list[dict]]:
    with zipfile.ZipFile(io.BytesIO(archive)) as zf:
        [member] = zf.namelist()
        return member, [json.loads(line) for line in zf.read(member).splitlines() if line.strip()]


def _county(ad: dict) -> str | None:
    address = ad.get("workplace_address") or {}
    return address.get("region_code") or (address.get("municipality_code") or "")[:2] or None


def _core_state(conn) -> tuple:
    return tuple(
        conn.execute(f"select count(*), coalesce(sum(xmin::text::bigint), 0) from {table}").fetchone()
        for table in ("core.job_ad", "core.job_ad_keyword", "core.job_ad_requirement")
    )


def test_archive_backfill_loads_the_area_with_requirements_and_reruns_as_a_no_op(airflow_db, sim, warehouse_conn):
    server = sim()
    raw_2016 = _archive(server, "2016_beta1_jsonl.zip")
    raw_q1 = _archive(server, "2026-Q1_beta1_jsonl.zip")
    member, ads_2016 = _lines(raw_2016)
    assert member == "2016.enriched.jsonl"
    _, ads_q1 = _lines(raw_q1)
    every = ads_2016 + ads_q1
    area = {str(ad["original_id"]): ad for ad in every if _county(ad) in AREA}
    assert 0.08 < len(area) / len(every) < 0.25, "a national archive with the area's realistic share"
    assert any(isinstance(ad.get("occupation"), list) for ad in ads_2016), "2016 has array-shaped taxonomy"
    county_only = {key for key, ad in area.items() if ad["workplace_address"].get("municipality_code") is None}
    assert county_only

    dag = _dag()
    conf = {"backfill": ["2016", "2026-Q1"]}
    assert dag.test(run_conf=conf).state == "success"
    batch_id, status, received, loaded, quarantined, duplicates, out_of_area, _ = _last_batch(warehouse_conn)
    assert status == "succeeded"
    assert received == loaded + quarantined + duplicates
    assert received + out_of_area == len(every), "every line of the archives is accounted for"
    assert received == len(area)

    held = dict(warehouse_conn.execute("select ad_id, municipality_code from core.job_ad").fetchall())
    assert set(held) <= set(area) and len(held) >= len(area) - quarantined
    assert all(len(key) < 40 for key in held), "keyed by original_id, not the content hash"
    assert {key for key in county_only if key in held}, "county-only ads load with no municipality"
    assert all(held[key] is None for key in county_only if key in held)
    occupations = warehouse_conn.execute(
        "select count(*) from core.job_ad where occupation_label is null or occupation_field_label is null"
    ).fetchone()[0]
    assert occupations == 0, "array-shaped taxonomy fields are read"

    # the enrichment and requirements, per ad, as the archive lines hold them
    sample = next(key for key in held if area[key].get("must_have"))
    ad = area[sample]
    skills = {(term, kind) for kind, terms in ad["keywords"]["extracted"].items() for term in terms}
    stored = set(
        warehouse_conn.execute(
            "select term, keyword_type from core.job_ad_keyword where ad_id = %s and origin = 'extracted'", (sample,)
        ).fetchall()
    )
    assert stored == skills
    must = {item["concept_id"] for item in ad["must_have"]["skills"]}
    stored_must = {
        row[0]
        for row in warehouse_conn.execute(
            "select concept_id from core.job_ad_requirement"
            " where ad_id = %s and requirement = 'must_have' and kind = 'skills'",
            (sample,),
        )
    }
    assert stored_must == must
    # Every ad held has exactly its lines' keywords, and no keyword or requirement names an ad the
    # warehouse does not hold (the child tables have no foreign key: publish alone keeps this).
    expected_keywords = {
        (key, origin, kind, term)
        for key in held
        for origin in ("enriched", "extracted")
        for kind, terms in ((area[key].get("keywords") or {}).get(origin) or {}).items()
        for term in terms
        if isinstance(term, str) and term
    }
    assert set(warehouse_conn.execute("select ad_id, origin, keyword_type, term from core.job_ad_keyword")) == (
        expected_keywords
    )
    for child in ("core.job_ad_keyword", "core.job_ad_requirement"):
        orphans = warehouse_conn.execute(
            f"select count(*) from {child} as c where not exists (select from core.job_ad as a where a.ad_id = c.ad_id)"
        ).fetchone()[0]
        assert orphans == 0, f"{child} names ads core.job_ad does not hold"
    flags = warehouse_conn.execute(
        "select experience_required, driving_license_required from core.job_ad where ad_id = %s", (sample,)
    ).fetchone()
    assert flags == (ad["experience_required"], ad["driving_license_required"])
    # countable by county, month and SSYK 4 through the ad
    by_group = warehouse_conn.execute(
        "select a.county_code, date_trunc('month', a.publication_date), a.ssyk4, count(*)"
        " from core.job_ad_requirement r join core.job_ad a using (ad_id) where r.kind = 'skills'"
        " group by 1, 2, 3"
    ).fetchall()
    assert by_group and all(row[0] in AREA for row in by_group)

    # raw holds what the load reads, with the archive it came from: a batch restages from raw alone
    parts = warehouse_conn.execute(
        "select source_url, request_params from raw.landed_payload where batch_id = %s order by part_no", (batch_id,)
    ).fetchall()
    digests = {hashlib.sha256(raw_2016).hexdigest(), hashlib.sha256(raw_q1).hexdigest()}
    assert {params["archive_sha256"] for _, params in parts} == digests
    assert {params["member"] for _, params in parts} == {"2016.enriched.jsonl", "2026-Q1.enriched.jsonl"}
    assert {params["archive_bytes"] for _, params in parts} == {len(raw_2016), len(raw_q1)}
    assert all(url.endswith("_beta1_jsonl.zip") for url, _ in parts)
    assert sum(params["out_of_area_skipped"] for _, params in parts) == out_of_area > 0

    before = _core_state(warehouse_conn)
    assert dag.test(run_conf=conf).state == "success"
    assert _last_batch(warehouse_conn)[1] == "succeeded"
    assert _core_state(warehouse_conn) == before, "a rerun of a backfill changes no row"


@pytest.mark.parametrize(
    ("fault", "message"),
    [
        ("corrupt_zip", "corrupt"),
        ("member_not_jsonl", "not JSONL"),
        ("index_missing_year", "lists no file for 2025"),
    ],
)
def test_archive_faults_fail_clearly_and_load_nothing(airflow_db, sim, warehouse_conn, fault, message):
    sim(faults=[f"{fault}@jobtech_historical"])
    before = _core_state(warehouse_conn)
    run = _dag().test(run_conf={"backfill": 2025})
    assert run.state == "failed"
    batch_id, status, *_, error = _last_batch(warehouse_conn)
    assert status == "failed" and message in error, error
    assert _core_state(warehouse_conn) == before, "nothing of a broken archive is loaded"
    staged = warehouse_conn.execute("select count(*) from staging.job_ad where batch_id = %s", (batch_id,))
    assert staged.fetchone()[0] == 0


def test_an_archive_cut_mid_transfer_is_resumed(airflow_db, sim, warehouse_conn):
    server = sim(faults=["archive_cut:2@jobtech_historical/annonser/historiska/berikade/kompletta/2026-Q2"])
    assert _dag().test(run_conf={"backfill": "2026-Q2"}).state == "success"
    raw = _archive(server, "2026-Q2_beta1_jsonl.zip")  # after the two cut transfers: served whole
    batch_id, status, *_ = _last_batch(warehouse_conn)
    assert status == "succeeded"
    cuts = [entry for entry in server.fault_log if "archive_cut" in entry["faults"]]
    assert len(cuts) == 2
    digest = warehouse_conn.execute(
        "select distinct request_params ->> 'archive_sha256' from raw.landed_payload where batch_id = %s", (batch_id,)
    ).fetchall()
    assert digest == [(hashlib.sha256(raw).hexdigest(),)], "the resumed file is the archive, byte for byte"


def test_sparse_removals_close_area_ads_and_unknown_removals_are_kept(airflow_db, sim, warehouse_conn):
    server = sim(scale=0.02)
    dag = _dag()
    first = {"period_start": "2026-10-01T00:00:00+02:00", "period_end": "2026-10-10T00:00:00+02:00"}
    second = {"period_start": "2026-10-10T00:00:00+02:00", "period_end": "2026-10-20T00:00:00+02:00"}
    assert dag.test(run_conf=first).state == "success"
    held_before = {row[0] for row in warehouse_conn.execute("select ad_id from core.job_ad where removed_at is null")}
    held_all = {row[0] for row in warehouse_conn.execute("select ad_id from core.job_ad")}

    stream = requests.get(
        server.base_url("jobtech_jobstream") + "/v2/stream",
        params={"updated-after": "2026-10-09T23:55:00", "updated-before": "2026-10-20T00:00:00"},
        timeout=300,
    ).json()
    sparse = [item for item in stream if set(item) == {"id", "removed", "removed_date", "timestamp"}]
    closing = {item["id"] for item in sparse} & held_before
    removals = {item["id"] for item in stream if item.get("removed")}
    assert closing and removals - held_all

    assert dag.test(run_conf=second).state == "success"
    batch_id, status, received, loaded, quarantined, duplicates, *_ = _last_batch(warehouse_conn)
    assert status == "succeeded" and received == loaded + quarantined + duplicates
    closed = {
        row[0]
        for row in warehouse_conn.execute(
            "select ad_id from core.job_ad where removed_at is not null and headline is not null and ad_id = any(%s)",
            (list(closing),),
        )
    }
    assert closed == closing, "a removal with no address closes the area ad of its id"
    # removals of ads the warehouse does not hold even now (an ad published and removed within
    # the period is held: its full record came in an earlier window of the batch)
    held_now = {row[0] for row in warehouse_conn.execute("select ad_id from core.job_ad")}
    unknown = removals - held_now
    assert unknown
    kept = {
        row[0]
        for row in warehouse_conn.execute(
            "select ad_id from audit.job_ad_unknown_removal where batch_id = %s", (batch_id,)
        )
    }
    assert kept == unknown, "every removal of an ad never held is kept in the audit"
    created = warehouse_conn.execute(
        "select count(*) from core.job_ad where headline is null or ad_id = any(%s)", (list(unknown),)
    )
    assert created.fetchone()[0] == 0, "a removal never creates an ad (every ad held came from a full record)"
