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
    assert {
        "total",
        "age:18-24 år",
        "birth:Född utanför Sverige",
        "weak_position",
        "without_work_12m",
        "labour_force",
        "sex:Kvinnor",
    } <= groups
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
    snapshot = warehouse_conn.execute(
        "select sum(xmin::text::bigint), count(*) from core.jobseekers_monthly"
    ).fetchone()
    run = dag.test()
    assert _task_states(run)["extract_jobseekers"] == "skipped"
    assert (
        warehouse_conn.execute("select sum(xmin::text::bigint), count(*) from core.jobseekers_monthly").fetchone()
        == snapshot
    )

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


def test_outlook_keeps_every_round_and_a_refetch_changes_nothing(
    airflow_db, feedsim_factory, warehouse_conn, monkeypatch
):
    dag = _dag("employment_agency_outlook")
    _point_at(feedsim_factory, monkeypatch, now="2026-11-01T08:00:00", faults=["http_429:2"])
    assert dag.test().state == "success"  # two 429s first: retried
    _, status, received, loaded, quarantined, duplicates, _ = _batches(warehouse_conn, "occupational_outlook")[-1]
    assert status == "succeeded" and received == loaded + quarantined + duplicates
    rounds = warehouse_conn.execute("select distinct omgang from core.occupational_outlook").fetchall()
    assert rounds == [("2026-1",)]
    # two barometer occupations share one SSYK code, each kept with its delvis mapping
    shared = warehouse_conn.execute(
        "select ssyk4, count(distinct yb_concept_id), array_agg(distinct delvis_helt) from core.occupational_outlook"
        " where omgang = '2026-1' and lan = '03' group by ssyk4 having count(distinct yb_concept_id) > 1"
    ).fetchall()
    assert ("5120", 2, ["delvis"]) in shared
    paradox = warehouse_conn.execute(
        "select count(*) from core.occupational_outlook where rekryteringssituation = 'paradox'"
        " and jsonb_array_length(paradox) > 0"
    ).fetchone()[0]
    unassessed = warehouse_conn.execute(
        "select count(*) from core.occupational_outlook where rekryteringssituation is null and jobbmojligheter is null"
    ).fetchone()[0]
    assert paradox > 0 and unassessed > 0
    areas = {r[0] for r in warehouse_conn.execute("select distinct lan from core.occupational_outlook")}
    assert areas == {"00", "03", "04", "05", "18", "19"}

    snapshot = warehouse_conn.execute(
        "select sum(xmin::text::bigint), count(*) from core.occupational_outlook"
    ).fetchone()
    _point_at(feedsim_factory, monkeypatch, now="2026-11-15T08:00:00")
    assert dag.test().state == "success"
    assert (
        warehouse_conn.execute("select sum(xmin::text::bigint), count(*) from core.occupational_outlook").fetchone()
        == snapshot
    )

    # a new round: a new batch whose rows join the earlier round's
    _point_at(feedsim_factory, monkeypatch, now="2026-12-05T08:00:00")
    assert dag.test().state == "success"
    counts = dict(
        warehouse_conn.execute("select omgang, count(*) from core.occupational_outlook group by omgang").fetchall()
    )
    assert set(counts) == {"2026-1", "2026-2"} and counts["2026-1"] == snapshot[1]
    _reconciles(warehouse_conn)


def test_outlook_bad_codes_are_quarantined_and_drift_rejects(airflow_db, feedsim_factory, warehouse_conn, monkeypatch):
    dag = _dag("employment_agency_outlook")
    _point_at(feedsim_factory, monkeypatch, now="2026-11-01T08:00:00", faults=["bad_codes"])
    dag.test()
    batch_id, status, *_counts, quarantined, _duplicates, _error = _batches(warehouse_conn, "occupational_outlook")[-1]
    assert quarantined > 0 and status == "succeeded"
    reasons = warehouse_conn.execute(
        "select distinct r->>'column' from quarantine.record, jsonb_array_elements(reasons) r where batch_id = %s",
        (batch_id,),
    ).fetchall()
    assert ("ssyk4",) in reasons

    _point_at(feedsim_factory, monkeypatch, now="2026-11-01T08:00:00", faults=["schema_drift"])
    assert dag.test().state == "failed"
    batch_id, status, *_, error = _batches(warehouse_conn, "occupational_outlook")[-1]
    assert status == "rejected" and "rekryteringssituation" in error


def test_jobseeker_faults_name_their_cause(airflow_db, feedsim_factory, warehouse_conn, monkeypatch):
    dag = _dag("employment_agency_jobseekers")
    warehouse_conn.execute("delete from core.jobseekers_monthly")
    before = len(_batches(warehouse_conn, "jobseekers"))

    # the page lacks a workbook's link: the check fails with the prefix named, nothing is opened
    _point_at(feedsim_factory, monkeypatch, now="2026-10-28T08:00:00", faults=["empty_page@af_statistics"])
    run = dag.test()
    assert run.state == "failed" and _task_states(run)["check_publication"] == "failed"
    assert len(_batches(warehouse_conn, "jobseekers")) == before

    # a workbook answered with an HTML page: not a ZIP, the batch fails with the reason
    _point_at(
        feedsim_factory,
        monkeypatch,
        now="2026-10-28T08:00:00",
        faults=["wrong_content_type@af_statistics/download/"],
    )
    assert dag.test().state == "failed"
    _, status, *_, error = _batches(warehouse_conn, "jobseekers")[-1]
    assert status == "failed" and "not a workbook" in error

    # a renamed cache field: the batch is rejected, nothing published, the raw workbooks kept
    _point_at(feedsim_factory, monkeypatch, now="2026-10-28T08:00:00", faults=["schema_drift"])
    assert dag.test().state == "failed"
    batch_id, status, *_, error = _batches(warehouse_conn, "jobseekers")[-1]
    assert status == "rejected" and "INSAL" in error
    assert warehouse_conn.execute("select count(*) from core.jobseekers_monthly").fetchone()[0] == 0
    assert (
        warehouse_conn.execute("select count(*) from raw.landed_payload where batch_id = %s", (batch_id,)).fetchone()[0]
        == 5
    )
