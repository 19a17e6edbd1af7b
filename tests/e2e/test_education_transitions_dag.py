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


def _batches(conn, since: int, feed: str = "education_transitions") -> list[tuple]:
    return conn.execute(
        "select batch_id, status, received, loaded, quarantined, duplicates, error from audit.load_batch"
        " where batch_id > %s and feed = %s order by batch_id",
        (since, feed),
    ).fetchall()


def _snapshot(conn) -> tuple:
    return conn.execute("select count(*), sum(xmin::text::bigint) from core.education_transition").fetchone()


def _scb_kolada_snapshot(conn) -> tuple:
    return conn.execute(
        "select (select (count(*), sum(xmin::text::bigint)) from core.labour_market_outcome)::text,"
        " (select (count(*), sum(xmin::text::bigint)) from core.matched_employment)::text,"
        " (select (count(*), sum(xmin::text::bigint)) from core.scb_code)::text,"
        " (select (count(*), sum(xmin::text::bigint)) from core.municipality_key_figure)::text"
    ).fetchone()


def _check_scb_and_kolada(conn, since: int) -> None:
    """SCB's and Kolada's batches of the run: everything accounted for, the real grain, the quirks."""
    for feed in ("scb_transitions", "kolada_transitions"):
        ((_, status, received, loaded, quarantined, duplicates, _),) = _batches(conn, since, feed)
        assert status == "succeeded" and loaded > 0 and received == loaded + quarantined + duplicates, feed
    # the cell limit (lowered for the run) splits every table's selection by region, never above it
    parts = conn.execute(
        "select request_params->>'table', count(*), max((request_params->>'cells')::int) from raw.landed_payload"
        " where batch_id = (select max(batch_id) from audit.load_batch where feed = 'scb_transitions') group by 1"
    ).fetchall()
    assert {t for t, _, _ in parts} == {"TAB6383", "TAB6384", "TAB6929"}
    assert all(n > 1 and cells <= 2000 for _, n, cells in parts), parts
    # outcomes: the area's 52 municipalities and 5 counties, by level, background and sex
    municipalities, counties, sexes, backgrounds = conn.execute(
        "select count(distinct municipality_code), count(distinct county_code), array_agg(distinct sex),"
        " count(distinct background_code) from core.labour_market_outcome where year = 2024"
    ).fetchone()
    assert (municipalities, counties, sorted(sexes), backgrounds) == (52, 5, ["K", "M", "T"], 7)
    # small groups stay NULL with SCB's mark, never 0
    suppressed, zero = conn.execute(
        "select count(*) filter (where value is null and status = '..'), count(*) filter (where value = 0)"
        " from core.labour_market_outcome"
    ).fetchone()
    assert suppressed > 0 and zero == 0
    # matched employment: one codelist only, the groups' labels kept for display, matched on codes
    codelists, groups, regions = conn.execute(
        "select array_agg(distinct education_codelist), count(distinct education_code), count(distinct region_code)"
        " from core.matched_employment where year = 2024"
    ).fetchone()
    assert (codelists, groups, regions) == (["vs_UtbildningsgruppE2-3N1-2"], 3, 57)
    assert conn.execute(
        "select label from core.scb_code where variable_code = 'vs_UtbildningsgruppE2-3N1-2' and value_code = '00S'"
    ).fetchone() == ("samtliga utbildningsgrupper",)
    # Kolada: the verified KPIs per municipality x sex, the ones one source reports not loaded
    loaded = dict(
        conn.execute(
            "select indicator_code, count(distinct municipality_code) from core.municipality_key_figure"
            " where year = 2024 and indicator_code in (select indicator_code from core.key_figure_indicator"
            " where source_ref in ('N03923', 'N66080', 'N03937', 'N17524', 'N03926', 'N31807')) group by 1"
        ).fetchall()
    )
    assert loaded == {
        "long_term_unemployed_share_of_unemployed": 52,
        "low_economic_standard_share": 52,
        "unemployment_16_64_af": 52,
    }


def test_a_year_loads_from_the_listing_and_its_exports_and_a_rerun_changes_nothing(
    airflow_db, feedsim_factory, warehouse_conn, monkeypatch
):
    sim = feedsim_factory()
    _point_upstreams_at(sim, monkeypatch)
    since = _last_batch(warehouse_conn)
    run = _dag().test(run_conf={"years": 2024, "scb_max_cells": 2000})
    assert run.state == "success"
    _check_scb_and_kolada(warehouse_conn, since)
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

    before, scb_kolada_before = _snapshot(warehouse_conn), _scb_kolada_snapshot(warehouse_conn)
    again = _dag().test(run_conf={"years": 2024})
    assert again.state == "success"
    assert _snapshot(warehouse_conn) == before  # no row written twice, none changed
    assert _scb_kolada_snapshot(warehouse_conn) == scb_kolada_before


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
