"""The municipality DAGs run for real (dag.test()) against feedsim over HTTP and the warehouse."""

from __future__ import annotations

import json

import pytest

pytestmark = pytest.mark.e2e

SEPTEMBER = {"period_start": "2026-09-01", "period_end": "2026-10-01"}
WINDOWS_1252, XLSX_TWO_TITLES, BROKEN = "0380", "1861", "0486"


def _point_upstreams_at(sim, monkeypatch) -> None:
    from vagled.feedsim.cli import connection_uris

    for conn_id, uri in connection_uris("127.0.0.1", sim.port).items():
        monkeypatch.setenv(f"AIRFLOW_CONN_{conn_id.upper()}", uri)


def _dag(dag_id: str):
    from airflow.dag_processing.dagbag import DagBag

    from vagled.config import DAGS_DIR

    dag = DagBag(dag_folder=str(DAGS_DIR / f"{dag_id}.py")).dags[dag_id]
    for task in dag.tasks:
        task.retries = 0  # a failing run must end now, not after the production back-off
    return dag


def _core_snapshot(conn, table: str) -> tuple:
    return conn.execute(f"select count(*), sum(xmin::text::bigint) from core.{table}").fetchone()


def _unreconciled(conn) -> list:
    return conn.execute(
        "select batch_id from audit.load_batch"
        " where status = 'succeeded' and received <> loaded + quarantined + duplicates"
    ).fetchall()


def test_municipality_files_isolate_a_broken_file_and_rerun_as_a_no_op(
    airflow_db, feedsim_factory, warehouse_conn, monkeypatch, tmp_path
):
    from vagled.feedsim.municipal_files import profile

    # The premise: Uppsala sends Windows-1252 CSV, Hallsberg XLSX with two title rows.
    assert profile(WINDOWS_1252).encoding == "cp1252" and not profile(WINDOWS_1252).xlsx
    assert profile(XLSX_TWO_TITLES).xlsx and profile(XLSX_TWO_TITLES).title_rows == 2
    # Strängnäs' Komvux file of September arrives cut in half (a corrupt XLSX).
    sim = feedsim_factory(faults=[f"truncated@municipal_files/{BROKEN}/2026-09/komvux"])
    _point_upstreams_at(sim, monkeypatch)
    dag = _dag("municipality_files")
    first_batch = warehouse_conn.execute("select coalesce(max(batch_id), 0) from audit.load_batch").fetchone()[0]

    run = dag.test(run_conf=SEPTEMBER)
    assert run.state == "failed"  # one municipality's publish fails, loudly

    batches = warehouse_conn.execute(
        "select feed, partition_key, status, received, loaded, quarantined, error from audit.load_batch"
        " where batch_id > %s and feed like 'municipal_%%' order by partition_key, feed",
        (first_batch,),
    ).fetchall()
    by_key = {(feed, part): rest for feed, part, *rest in batches}
    assert len({part for _, part in by_key}) == 52 and len(by_key) == 104
    broken = by_key[("municipal_komvux", BROKEN)]
    assert broken[0] == "rejected" and broken[1] == 1 and broken[3] == 1
    assert "not a readable XLSX file" in broken[4]
    others = {k: v for k, v in by_key.items() if k != ("municipal_komvux", BROKEN)}
    assert {v[0] for v in others.values()} == {"succeeded"}, [k for k, v in others.items() if v[0] != "succeeded"]
    assert all(v[2] > 0 for v in others.values())
    # the broken file is in quarantine whole, with its reason and none of its bytes
    reasons, record = warehouse_conn.execute(
        "select q.reasons, q.record from quarantine.record q join audit.load_batch b using (batch_id)"
        " where b.batch_id > %s and b.feed = 'municipal_komvux' and b.partition_key = %s",
        (first_batch, BROKEN),
    ).fetchone()
    assert reasons[0]["expectation"] == "readable_file" and "BadZipFile" in reasons[0]["detail"]
    assert "PK" not in record["excerpt"]

    loaded = dict(
        warehouse_conn.execute(
            "select municipality_code, count(*) from core.adult_education_enrolment"
            " where month = '2026-09-01' group by 1"
        ).fetchall()
    )
    assert len(loaded) == 51 and BROKEN not in loaded
    assert loaded[WINDOWS_1252] > 0 and loaded[XLSX_TWO_TITLES] > 0
    # Windows-1252 and XLSX text arrive intact
    names = {
        r[0]
        for r in warehouse_conn.execute(
            "select course_name from core.adult_education_enrolment where municipality_code in (%s, %s)",
            (WINDOWS_1252, XLSX_TWO_TITLES),
        )
    }
    assert any("för" in n for n in names) and not any("\ufffd" in n or "Ã" in n for n in names)
    programmes = warehouse_conn.execute(
        "select count(distinct municipality_code) from core.labour_market_programme where month = '2026-09-01'"
    ).fetchone()[0]
    assert programmes == 52
    assert _unreconciled(warehouse_conn) == []

    snapshot = (
        _core_snapshot(warehouse_conn, "adult_education_enrolment"),
        _core_snapshot(warehouse_conn, "labour_market_programme"),
    )
    before_fix = warehouse_conn.execute(
        "select count(*), sum(xmin::text::bigint) from core.adult_education_enrolment where municipality_code <> %s",
        (BROKEN,),
    ).fetchone()
    rerun_from = warehouse_conn.execute("select max(batch_id) from audit.load_batch").fetchone()[0]
    # Rerun the three interesting municipalities (a full rerun costs a minute of two shared cores).
    rerun = {**SEPTEMBER, "municipalities": [WINDOWS_1252, XLSX_TWO_TITLES, BROKEN]}
    assert dag.test(run_conf=rerun).state == "failed"  # the file is still broken
    assert (
        _core_snapshot(warehouse_conn, "adult_education_enrolment"),
        _core_snapshot(warehouse_conn, "labour_market_programme"),
    ) == snapshot
    statuses = warehouse_conn.execute(
        "select status, count(*) from audit.load_batch where batch_id > %s and feed like 'municipal_%%' group by 1",
        (rerun_from,),
    ).fetchall()
    assert dict(statuses) == {"succeeded": 5, "rejected": 1}

    # The same files from a folder (a File (path) connection) instead of HTTP: a rerun of all 52
    # municipalities that changes nothing, except that the file which was broken now loads.
    drop = _mirror_to_folder(feedsim_factory(), tmp_path / "drop", month="2026-09")
    monkeypatch.setenv("AIRFLOW_CONN_MUNICIPAL_FILES", json.dumps({"conn_type": "fs", "extra": {"path": str(drop)}}))
    folder_from = warehouse_conn.execute("select max(batch_id) from audit.load_batch").fetchone()[0]
    # a DAG object of its own: dag.test() keeps the previous run's params on the object
    assert _dag("municipality_files").test(run_conf=SEPTEMBER).state == "success"
    sources = warehouse_conn.execute(
        "select b.status, count(distinct b.batch_id), bool_and(p.source_url like 'file://%%')"
        " from audit.load_batch b join raw.landed_payload p using (batch_id)"
        " where b.batch_id > %s and b.feed like 'municipal_%%' group by 1",
        (folder_from,),
    ).fetchall()
    assert sources == [("succeeded", 104, True)]
    assert _core_snapshot(warehouse_conn, "labour_market_programme") == snapshot[1]
    assert (
        warehouse_conn.execute(
            "select count(*), sum(xmin::text::bigint) from core.adult_education_enrolment"
            " where municipality_code <> %s",
            (BROKEN,),
        ).fetchone()
        == before_fix
    )
    assert (
        warehouse_conn.execute(
            "select count(*) from core.adult_education_enrolment where municipality_code = %s and month = '2026-09-01'",
            (BROKEN,),
        ).fetchone()[0]
        > 0
    )
    assert _unreconciled(warehouse_conn) == []


def _mirror_to_folder(sim, root, *, month: str):
    """Copy every municipality's files of one month from feedsim into ``root/{code}/{month}/{name}``."""
    import requests

    base = f"http://127.0.0.1:{sim.port}/municipal_files"
    codes = [item["municipality_code"] for item in requests.get(f"{base}/", timeout=10).json()]
    assert len(codes) == 52
    for code in codes:
        for item in requests.get(f"{base}/{code}/", timeout=10).json():
            if item["month"] == month:
                target = root / code / month / item["name"]
                target.parent.mkdir(parents=True, exist_ok=True)
                response = requests.get(f"{base}/{code}/{month}/{item['name']}", timeout=10)
                response.raise_for_status()
                target.write_bytes(response.content)
    return root


def test_key_figures_from_kolada_and_scb_load_reconcile_and_rerun_as_a_no_op(
    airflow_db, feedsim_factory, warehouse_conn, monkeypatch
):
    import vagled.feeds.kolada_key_figures.parse as key_figures

    sim = feedsim_factory()
    _point_upstreams_at(sim, monkeypatch)
    # Small Kolada pages, so that the run must follow next_url.
    config = {**key_figures.config(), "kolada": {**key_figures.config()["kolada"], "per_page": 30}}
    monkeypatch.setattr(key_figures, "config", lambda: config)
    dag = _dag("municipality_key_figures")
    conf = {"period_start": "2025-06-01", "period_end": "2025-07-01"}  # loads the statistics year 2024

    assert dag.test(run_conf=conf).state == "success"
    kolada_batch, kolada_parts = warehouse_conn.execute(
        "select b.batch_id, count(p.*) from audit.load_batch b join raw.landed_payload p using (batch_id)"
        " where b.feed = 'kolada_key_figures' group by 1 order by 1 desc limit 1"
    ).fetchone()
    kpis = len(key_figures.kolada_kpis())
    assert kpis == 4  # the verified ones
    # 52 municipalities in requests of at most 25: three queries, each paged by 30 values
    per_query = [kpis * n for n in (25, 25, 2)]
    assert kolada_parts == sum(-(-n // 30) for n in per_query) == 9
    kolada_values = kpis * 52
    # this feed's indicators only: the transitions DAG loads Kolada indicators of its own
    rows = warehouse_conn.execute(
        "select i.source, count(*), count(distinct k.municipality_code), count(*) filter (where k.value is null)"
        " from core.municipality_key_figure k join core.key_figure_indicator i using (indicator_code)"
        " where k.year = 2024 and k.indicator_code = any(%s) group by 1 order by 1",
        (key_figures.indicator_codes(),),
    ).fetchall()
    stats = {source: (n, municipalities, missing) for source, n, municipalities, missing in rows}
    assert stats["kolada"][0] == kolada_values * 3 and stats["kolada"][1] == 52
    assert stats["scb"][0] == 52 * 3 and stats["scb"][1] == 52  # population T, K, M
    withheld = warehouse_conn.execute(
        "select count(*) from core.municipality_key_figure where value is null and status is null"
    ).fetchone()[0]
    assert withheld == 0
    indicators = {r[0] for r in warehouse_conn.execute("select indicator_code from core.key_figure_indicator")}
    assert set(key_figures.indicator_codes()) <= indicators
    assert {"komvux_participants", "newly_arrived_establishment"}.isdisjoint(indicators)  # unverified ids
    assert _unreconciled(warehouse_conn) == []
    # Kolada's inhabitants (N01951) and SCB's population (TAB638) agree for every municipality
    disagree = warehouse_conn.execute(
        "select k.municipality_code, k.value, s.value from core.municipality_key_figure k"
        " join core.municipality_key_figure s using (municipality_code, year, month, gender)"
        " where k.indicator_code = 'inhabitants' and s.indicator_code = 'population' and k.gender = 'T'"
        " and k.year = 2024 and k.value is distinct from s.value"
    ).fetchall()
    compared = warehouse_conn.execute(
        "select count(*) from core.municipality_key_figure where indicator_code = 'inhabitants'"
        " and gender = 'T' and year = 2024 and value is not null"
    ).fetchone()[0]
    assert compared == 52 and disagree == []
    scb_batch_parts = warehouse_conn.execute(
        "select max((request_params->>'cells')::int) from raw.landed_payload p join audit.load_batch b"
        " using (batch_id) where b.feed = 'scb_key_figures'"
    ).fetchone()[0]
    assert scb_batch_parts <= 150_000

    snapshot = _core_snapshot(warehouse_conn, "municipality_key_figure")
    assert dag.test(run_conf=conf).state == "success"
    assert _core_snapshot(warehouse_conn, "municipality_key_figure") == snapshot
    assert (
        kolada_batch
        < warehouse_conn.execute(
            "select max(batch_id) from audit.load_batch where feed = 'kolada_key_figures' and status = 'succeeded'"
        ).fetchone()[0]
    )


def test_a_year_scb_has_not_published_is_reported_in_the_batch_and_the_log(
    airflow_db, feedsim_factory, warehouse_conn, monkeypatch, caplog
):
    import logging

    sim = feedsim_factory(now="2026-02-01T00:00:00")  # TAB638 holds 2024, not yet 2025
    _point_upstreams_at(sim, monkeypatch)
    with caplog.at_level(logging.WARNING):
        run = _dag("municipality_key_figures").test(run_conf={"years": [2024, 2025]})
    assert run.state == "success"
    status, notes, loaded = warehouse_conn.execute(
        "select status, notes, loaded from audit.load_batch where feed = 'scb_key_figures'"
        " order by batch_id desc limit 1"
    ).fetchone()
    assert status == "succeeded" and notes == "2025 not published in TAB638" and loaded == 52 * 3
    assert "2025 not published in TAB638" in caplog.text
