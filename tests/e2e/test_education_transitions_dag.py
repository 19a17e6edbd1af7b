"""The education_transitions DAG runs for real (dag.test()) against feedsim over HTTP and the warehouse."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.e2e


def _point_upstreams_at(sim, monkeypatch) -> None:
    from vagled.feedsim.cli import connection_uris

    for conn_id, uri in connection_uris("127.0.0.1", sim.port).items():
        monkeypatch.setenv(f"AIRFLOW_CONN_{conn_id.upper()}", uri)


def _dag():
    from airflow.dag_processing.dagbag import DagBag

    from vagled.config import DAGS_DIR

    dag = DagBag(dag_folder=str(DAGS_DIR / "education_transitions.py")).dags["education_transitions"]
    for task in dag.tasks:
        task.retries = 0  # a failing run must end now, not after the production back-off
    return dag


def _last_batch(conn) -> int:
    return conn.execute("select coalesce(max(batch_id), 0) from audit.load_batch").fetchone()[0]


def _batches(conn, since: int) -> list[tuple]:
    return conn.execute(
        "select batch_id, status, received, loaded, quarantined, duplicates, error from audit.load_batch"
        " where batch_id > %s and feed = 'education_transitions' order by batch_id",
        (since,),
    ).fetchall()


def _snapshot(conn) -> tuple:
    return conn.execute("select count(*), sum(xmin::text::bigint) from core.education_transition").fetchone()


def test_a_year_loads_from_the_listing_and_its_exports_and_a_rerun_changes_nothing(
    airflow_db, feedsim_factory, warehouse_conn, monkeypatch
):
    sim = feedsim_factory()
    _point_upstreams_at(sim, monkeypatch)
    since = _last_batch(warehouse_conn)
    run = _dag().test(run_conf={"years": 2024})
    assert run.state == "success"
    ((batch_id, status, received, loaded, quarantined, duplicates, _),) = _batches(warehouse_conn, since)
    assert status == "succeeded" and loaded > 0 and received == loaded + quarantined + duplicates

    # every raw file kept: the year's listing, its three national workbooks and both exports
    kinds = warehouse_conn.execute(
        "select request_params->>'kind', count(*) from raw.landed_payload where batch_id = %s group by 1",
        (batch_id,),
    ).fetchall()
    assert dict(kinds) == {"listing": 1, "national": 3, "export": 2}
    urls = [
        r[0]
        for r in warehouse_conn.execute("select source_url from raw.landed_payload where batch_id = %s", (batch_id,))
    ]
    assert sum("sitevision_doc.getFile?p_id=" in u for u in urls) == 3  # the p_ids the listing gave

    # the real grain: the area's counties and municipalities, each programme, owner and years after
    counties, municipalities, programmes, cohorts = warehouse_conn.execute(
        "select count(distinct county_code), count(distinct municipality_code), count(distinct programme_code),"
        " array_agg(distinct cohort) from core.education_transition where last_batch_id = %s",
        (batch_id,),
    ).fetchone()
    assert (counties, municipalities, programmes, cohorts) == (5, 52, 21, ["2018/19"])
    assert (
        warehouse_conn.execute(
            "select count(*) from core.education_transition c join core.county k using (county_code)"
            " where not k.in_area"
        ).fetchone()[0]
        == 0
    )
    by_years = dict(
        warehouse_conn.execute(
            "select years_after, min(activity_year) from core.education_transition where cohort_year = 2019 group by 1"
        ).fetchall()
    )
    assert by_years == {1: 2020, 3: 2022, 5: 2024}
    # small groups are NULL with their reason, never 0
    suppressed, zero = warehouse_conn.execute(
        "select count(*) filter (where share_established_status = 'suppressed' and share_established is null),"
        " count(*) filter (where share_established = 0) from core.education_transition"
    ).fetchone()
    assert suppressed > 0 and zero == 0

    before = _snapshot(warehouse_conn)
    again = _dag().test(run_conf={"years": 2024})
    assert again.state == "success"
    assert _snapshot(warehouse_conn) == before  # no row written twice, none changed


def test_a_year_the_listing_does_not_hold_fails_the_run_clearly(airflow_db, feedsim, warehouse_conn, monkeypatch):
    _point_upstreams_at(feedsim, monkeypatch)
    since = _last_batch(warehouse_conn)
    assert _dag().test(run_conf={"years": 2031}).state == "failed"
    ((_, status, *_, error),) = _batches(warehouse_conn, since)
    assert status == "failed" and "2031 not in Skolverket's listing" in error and "not published yet" in error


def test_a_listed_year_whose_files_are_missing_fails_naming_the_file(
    airflow_db, feedsim_factory, warehouse_conn, monkeypatch
):
    sim = feedsim_factory(faults=["listed_file_missing@skolverket_statistics"])
    _point_upstreams_at(sim, monkeypatch)
    since = _last_batch(warehouse_conn)
    assert _dag().test(run_conf={"years": 2025}).state == "failed"  # listed, but nothing behind it
    ((_, status, *_, error),) = _batches(warehouse_conn, since)
    assert status == "failed" and "2025 Tabell 1A" in error and "is listed but could not be fetched" in error
    assert "404" in error


def test_a_renamed_export_column_rejects_the_batch_and_loads_nothing(
    airflow_db, feedsim_factory, warehouse_conn, monkeypatch
):
    sim = feedsim_factory(faults=["schema_drift@skolverket_statistics/reports/export_api"])
    _point_upstreams_at(sim, monkeypatch)
    since = _last_batch(warehouse_conn)
    before = _snapshot(warehouse_conn)
    assert _dag().test(run_conf={"years": 2023}).state == "failed"
    ((_, status, _, loaded, *_, error),) = _batches(warehouse_conn, since)
    assert status == "rejected" and not loaded
    assert "the export's columns changed" in error and "Andel etablerade 1 år efter examen not found" in error
    assert _snapshot(warehouse_conn) == before


def test_a_bare_429_burst_limit_is_waited_out(airflow_db, feedsim_factory, warehouse_conn, monkeypatch):
    # three bare 429s (no Retry-After, no body) on the first requests: the client backs off by itself
    sim = feedsim_factory(faults=["bare_429:3@skolverket_statistics"])
    _point_upstreams_at(sim, monkeypatch)
    since = _last_batch(warehouse_conn)
    assert _dag().test(run_conf={"years": 2022}).state == "success"
    assert [entry["faults"] for entry in sim.fault_log] == [["bare_429"]] * 3
    assert [b[1] for b in _batches(warehouse_conn, since)] == ["succeeded"]
