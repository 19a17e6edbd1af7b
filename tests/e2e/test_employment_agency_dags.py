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


def _point_at(feedsim_factory, monkeypatch, **kwargs):
    from vagled.feedsim.cli import connection_uris

    sim = feedsim_factory(**kwargs)
    for conn_id, uri in connection_uris("127.0.0.1", sim.port).items():
        monkeypatch.setenv(f"AIRFLOW_CONN_{conn_id.upper()}", uri)
    return sim


def _task_states(run) -> dict[str, str]:
    return {ti.task_id: str(ti.state) for ti in run.get_task_instances()}


def test_jobseekers_wait_then_load_the_whole_series_then_only_the_new_month(
    airflow_db, feedsim_factory, warehouse_conn, monkeypatch
):
    dag = _dag("employment_agency_jobseekers")
    before = len(_batches(warehouse_conn, "jobseekers"))

    # 24 October: the occupational-area workbook is still a month behind: nothing is downloaded
    _point_at(feedsim_factory, monkeypatch, now="2026-10-24T08:00:00")
    run = dag.test()
    assert run.state == "success"
    states = _task_states(run)
    assert states["check_publication"] == "success" and states["extract_jobseekers"] == "skipped"
    assert len(_batches(warehouse_conn, "jobseekers")) == before

    # 28 October: every workbook shows 2026-09: the first load takes the whole series
    _point_at(feedsim_factory, monkeypatch, now="2026-10-28T08:00:00")
    assert dag.test().state == "success"
    batch_id, status, received, loaded, quarantined, duplicates, _ = _batches(warehouse_conn, "jobseekers")[-1]
    assert status == "succeeded" and received == loaded + quarantined + duplicates
    months = warehouse_conn.execute(
        "select count(distinct month), min(month)::text, max(month)::text from core.jobseekers_monthly"
    ).fetchone()
    assert months == (13, "2025-09-01", "2026-09-01")
    raw = warehouse_conn.execute("select count(*) from raw.landed_payload where batch_id = %s", (batch_id,)).fetchone()
    assert raw[0] == 5
    groups = {r[0] for r in warehouse_conn.execute("select distinct group_code from core.jobseekers_monthly")}
    assert {"total", "age:18-24 år", "birth:Född utanför Sverige", "weak_position", "without_work_12m",
            "labour_force", "sex:Kvinnor"} <= groups
    assert any(g.startswith("occupational_area:") for g in groups)
    assert any(g.startswith("education:") for g in groups)
    # a county is its municipalities plus its residual rows; never less than their sum
    short = warehouse_conn.execute(
        "select count(*) from core.jobseekers_monthly c where c.area_level = 'county' and c.count_max < ("
        " select sum(m.count_min) from core.jobseekers_monthly m join core.municipality k"
        " on k.municipality_code = m.area_code where k.county_code = c.area_code and m.month = c.month"
        " and m.group_code = c.group_code)"
    ).fetchone()[0]
    assert short == 0
    residual = warehouse_conn.execute(
        "select sum(c.count_min) - (select sum(m.count_min) from core.jobseekers_monthly m"
        " join core.municipality k on k.municipality_code = m.area_code"
        " where k.county_code = '03' and m.month = '2026-09-01' and m.group_code = 'total')"
        " from core.jobseekers_monthly c where c.area_code = '03' and c.month = '2026-09-01' and c.group_code = 'total'"
    ).fetchone()[0]
    assert residual > 0, "the county's Uppgift saknas rows count towards it"

    # rerun: nothing new on the page, nothing changes
    snapshot = warehouse_conn.execute("select sum(xmin::text::bigint), count(*) from core.jobseekers_monthly").fetchone()
    run = dag.test()
    assert _task_states(run)["extract_jobseekers"] == "skipped"
    assert warehouse_conn.execute(
        "select sum(xmin::text::bigint), count(*) from core.jobseekers_monthly"
    ).fetchone() == snapshot

    # next month: only 2026-10 is published
    _point_at(feedsim_factory, monkeypatch, now="2026-11-28T08:00:00")
    assert dag.test().state == "success"
    changed = warehouse_conn.execute(
        "select distinct month::text from core.jobseekers_monthly where last_batch_id = ("
        " select max(batch_id) from audit.load_batch where feed = 'jobseekers')"
    ).fetchall()
    assert changed == [("2026-10-01",)]
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
