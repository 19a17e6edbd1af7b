"""The employment-agency DAGs run for real (dag.test()) against feedsim over HTTP and the warehouse."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.e2e


@pytest.fixture
def upstreams(feedsim, monkeypatch):
    """Point every upstream connection at the session's feedsim."""
    from vagled.feedsim.cli import connection_uris

    for conn_id, uri in connection_uris("127.0.0.1", feedsim.port).items():
        monkeypatch.setenv(f"AIRFLOW_CONN_{conn_id.upper()}", uri)
    return feedsim


def _dag(dag_id: str):
    from airflow.dag_processing.dagbag import DagBag

    from vagled.config import DAGS_DIR

    dag = DagBag(dag_folder=str(DAGS_DIR / f"{dag_id}.py")).dags[dag_id]
    for task in dag.tasks:
        # A failing run must end now, not after the production retry back-off.
        task.retries = 0
    return dag


def _batches(conn, feed: str) -> list[tuple]:
    return conn.execute(
        "select batch_id, status, received, loaded, quarantined, duplicates, error"
        " from audit.load_batch where feed = %s order by batch_id",
        (feed,),
    ).fetchall()


def _reconciles(conn) -> None:
    bad = conn.execute(
        "select batch_id from audit.load_batch"
        " where status = 'succeeded' and received <> loaded + quarantined + duplicates"
    ).fetchall()
    assert bad == []


def test_jobseekers_month_loads_reconciles_and_reruns_as_a_no_op(airflow_db, upstreams, warehouse_conn):
    dag = _dag("employment_agency_jobseekers")
    conf = {"period_start": "2026-03-01", "period_end": "2026-04-01"}
    assert dag.test(run_conf=conf).state == "success"
    [(batch_id, status, received, loaded, quarantined, duplicates, _)] = _batches(warehouse_conn, "jobseekers")[-1:]
    assert status == "succeeded" and received > 0
    assert received == loaded + quarantined + duplicates
    rows = warehouse_conn.execute(
        "select count(*), count(distinct municipality_code), count(distinct group_code)"
        " from core.jobseekers_monthly where month = '2026-03-01'"
    ).fetchone()
    assert rows[0] == loaded and rows[1] <= 52 and rows[2] == 5
    raw = warehouse_conn.execute("select count(*) from raw.landed_payload where batch_id = %s", (batch_id,)).fetchone()
    assert raw[0] == 1
    snapshot = warehouse_conn.execute(
        "select sum(xmin::text::bigint), count(*) from core.jobseekers_monthly"
    ).fetchone()

    assert dag.test(run_conf=conf).state == "success"
    assert (
        warehouse_conn.execute("select sum(xmin::text::bigint), count(*) from core.jobseekers_monthly").fetchone()
        == snapshot
    )
    _reconciles(warehouse_conn)


def test_job_ads_increment_updates_and_removals(airflow_db, upstreams, warehouse_conn):
    dag = _dag("employment_agency_job_ads")
    first = {"period_start": "2026-10-01T00:00:00+02:00", "period_end": "2026-10-08T00:00:00+02:00"}
    assert dag.test(run_conf=first).state == "success"
    status, _received, loaded, _quarantined, _duplicates = warehouse_conn.execute(
        "select status, received, loaded, quarantined, duplicates from audit.load_batch"
        " where feed = 'job_ads' order by batch_id desc limit 1"
    ).fetchone()
    assert status == "succeeded" and loaded > 0
    ads = warehouse_conn.execute("select count(*) from core.job_ad").fetchone()[0]
    assert ads > 0
    # every loaded ad is in the area
    outside = warehouse_conn.execute(
        "select count(*) from core.job_ad a join core.county c using (county_code) where not c.in_area"
    ).fetchone()[0]
    assert outside == 0

    snapshot = warehouse_conn.execute("select sum(xmin::text::bigint), count(*) from core.job_ad").fetchone()
    assert dag.test(run_conf=first).state == "success"
    assert warehouse_conn.execute("select sum(xmin::text::bigint), count(*) from core.job_ad").fetchone() == snapshot

    later = {"period_start": "2026-10-08T00:00:00+02:00", "period_end": "2026-11-01T00:00:00+01:00"}
    assert dag.test(run_conf=later).state == "success"
    removed = warehouse_conn.execute(
        "select count(*) from core.job_ad where removed_at is not null and headline is not null"
    ).fetchone()[0]
    assert removed > 0, "removals must close ads without blanking them"
    _reconciles(warehouse_conn)


def test_rate_limited_upstream_is_retried(airflow_db, feedsim_factory, warehouse_conn, monkeypatch):
    from vagled.feedsim.cli import connection_uris

    sim = feedsim_factory(faults=["http_429:2"])
    for conn_id, uri in connection_uris("127.0.0.1", sim.port).items():
        monkeypatch.setenv(f"AIRFLOW_CONN_{conn_id.upper()}", uri)
    dag = _dag("employment_agency_outlook")
    assert dag.test(run_conf={"period_start": "2025-01-01", "period_end": "2026-01-01"}).state == "success"
    assert _batches(warehouse_conn, "occupational_outlook")[-1][1] == "succeeded"


def test_bad_codes_are_quarantined_with_their_reason(airflow_db, feedsim_factory, warehouse_conn, monkeypatch):
    from vagled.feedsim.cli import connection_uris

    sim = feedsim_factory(faults=["bad_codes"])
    for conn_id, uri in connection_uris("127.0.0.1", sim.port).items():
        monkeypatch.setenv(f"AIRFLOW_CONN_{conn_id.upper()}", uri)
    dag = _dag("employment_agency_jobseekers")
    dag.test(run_conf={"period_start": "2026-05-01", "period_end": "2026-06-01"})
    batch_id, status, received, loaded, quarantined, duplicates, _error = _batches(warehouse_conn, "jobseekers")[-1]
    assert quarantined > 0
    reasons = warehouse_conn.execute(
        "select distinct r->>'expectation' from quarantine.record, jsonb_array_elements(reasons) r where batch_id = %s",
        (batch_id,),
    ).fetchall()
    assert ("expect_column_values_to_be_in_set",) in reasons
    assert status in ("succeeded", "rejected")
    if status == "succeeded":
        assert received == loaded + quarantined + duplicates


def test_schema_drift_rejects_the_batch_and_loads_nothing(airflow_db, feedsim_factory, warehouse_conn, monkeypatch):
    from vagled.feedsim.cli import connection_uris

    sim = feedsim_factory(faults=["schema_drift"])
    for conn_id, uri in connection_uris("127.0.0.1", sim.port).items():
        monkeypatch.setenv(f"AIRFLOW_CONN_{conn_id.upper()}", uri)
    before = warehouse_conn.execute("select count(*) from core.jobseekers_monthly").fetchone()[0]
    run = _dag("employment_agency_jobseekers").test(run_conf={"period_start": "2026-07-01", "period_end": "2026-08-01"})
    assert run.state == "failed"
    batch_id, status, *_, error = _batches(warehouse_conn, "jobseekers")[-1]
    assert status == "rejected" and "Antal" in error
    assert warehouse_conn.execute("select count(*) from core.jobseekers_monthly").fetchone()[0] == before
    assert (
        warehouse_conn.execute("select count(*) from raw.landed_payload where batch_id = %s", (batch_id,)).fetchone()[0]
        == 1
    )
