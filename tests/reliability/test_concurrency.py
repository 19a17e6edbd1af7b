"""Concurrency: two runs of one feed never interleave; marts rebuild while a load commits and analysts read.

- Every feed DAG allows one active run (max_active_runs=1), and the merge itself takes an advisory
  lock per feed (and part), so even runs the scheduler does not know of (a backfill next to a
  scheduled run, a manual `tasks` call) merge one after the other.
- A load commits while the marts are refreshed and an analyst's queries run: every answer the
  analyst gets is the state before or the state after, never a mix.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time

import psycopg
import pytest
from reliability_support import check_invariants, last_batch_id, point_upstreams_at

pytestmark = pytest.mark.e2e

# A feed whose periods hold disjoint rows (one statistics year each) that analysts may read in core;
# the tests share one warehouse, so each uses years of its own.
FEED = "kolada_key_figures"
CORE_TABLE = "core.municipality_key_figure"
MART = "municipality_profile"


def _period(year: int) -> dict[str, str]:
    """The period whose run loads statistics year `year` (a yearly run loads the year before it)."""
    return {"period_start": f"{year + 1}-01-01", "period_end": f"{year + 2}-01-01"}


def _extract_and_stage(year: int, run_id: str) -> int:
    from vagled.pipeline import tasks

    batch_id = tasks.extract(
        FEED, data_interval_start=None, data_interval_end=None, params=_period(year), run_id=run_id
    )["batch_id"]
    tasks.stage(FEED, batch_id)
    return batch_id


def _waiting(conn, fragment: str, event: str | None = None) -> int:
    query = "select count(*) from pg_stat_activity where wait_event_type = 'Lock' and query ilike %s"
    params: list = [f"%{fragment}%"]
    if event:
        query += " and wait_event = %s"
        params.append(event)
    return conn.execute(query, params).fetchone()[0]


def _wait_for(predicate, what: str, children: list[subprocess.Popen], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for child in children:
            assert child.poll() is None, f"a publish ended (exit {child.returncode}) while waiting for {what}"
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError(f"never saw {what}")


@pytest.fixture
def upstreams(feedsim, monkeypatch):
    point_upstreams_at(feedsim, monkeypatch)
    return feedsim


def test_every_feed_dag_allows_one_active_run():
    from airflow.dag_processing.dagbag import DagBag

    from vagled.config import DAGS_DIR

    bag = DagBag(dag_folder=str(DAGS_DIR))
    loading = [dag for dag in bag.dags.values() if "layer:core" in dag.tags]
    assert len(loading) >= 7
    assert {dag.dag_id: dag.max_active_runs for dag in loading} == {dag.dag_id: 1 for dag in loading}


def test_two_publishes_of_one_feed_merge_one_after_the_other(isolated_warehouse, wh, upstreams):
    """Publish A is stopped inside its merge; publish B must wait for A's lock, not merge beside it."""
    since = last_batch_id(wh)
    first, second = _extract_and_stage(2019, "run-a"), _extract_and_stage(2020, "run-b")
    code = f"from vagled.pipeline import tasks; import sys; tasks.publish({FEED!r}, int(sys.argv[1]))"
    with psycopg.connect(isolated_warehouse.url) as blocker:
        # inserts into core wait while this is held: A stops inside its merge, holding the feed's lock
        blocker.execute(f"lock table {CORE_TABLE} in share mode")
        run_a = subprocess.Popen([sys.executable, "-c", code, str(first)], env=os.environ.copy())
        _wait_for(lambda: _waiting(wh, f"insert into {CORE_TABLE}"), "A inside its merge", [run_a])
        run_b = subprocess.Popen([sys.executable, "-c", code, str(second)], env=os.environ.copy())
        _wait_for(lambda: _waiting(wh, "pg_advisory_xact_lock", "advisory"), "B waiting for A", [run_a, run_b])
        # B waits on the feed's lock, not on the table: it has not begun its merge
        assert _waiting(wh, f"insert into {CORE_TABLE}") == 1
        assert wh.execute(f"select count(*) from {CORE_TABLE}").fetchone()[0] == 0
        blocker.rollback()
    assert run_a.wait(timeout=120) == 0 and run_b.wait(timeout=120) == 0
    statuses = wh.execute(
        "select status, count(*) from audit.load_batch where batch_id in (%s, %s) group by 1", (first, second)
    ).fetchall()
    assert statuses == [("succeeded", 2)]
    years = wh.execute(f"select array_agg(distinct year order by year) from {CORE_TABLE}").fetchone()[0]
    assert years == [2019, 2020]
    findings = check_invariants(wh, since=since)
    assert not findings.violations, findings.violations


def test_a_second_run_of_the_same_period_closes_the_first_and_only_one_publishes(isolated_warehouse, wh, upstreams):
    """Two runs of one period at once: the later batch supersedes the earlier, which can no longer publish."""
    from airflow.sdk.exceptions import AirflowFailException

    from vagled.pipeline import tasks

    since = last_batch_id(wh)
    first = _extract_and_stage(2021, "run-a")
    second = _extract_and_stage(2021, "run-b")
    with pytest.raises(AirflowFailException, match="failed"):
        tasks.publish(FEED, first)
    tasks.publish(FEED, second)
    rows = dict(
        wh.execute(
            "select batch_id, status from audit.load_batch where batch_id in (%s, %s)", (first, second)
        ).fetchall()
    )
    assert rows == {first: "failed", second: "succeeded"}
    loaded = wh.execute(
        f"select count(*) from {CORE_TABLE} where year = 2021 and last_batch_id = %s", (second,)
    ).fetchone()[0]
    assert loaded > 0
    findings = check_invariants(wh, since=since)
    assert not findings.violations, findings.violations


@pytest.fixture
def analyst_login(isolated_warehouse, embedded_warehouse):
    """A login of Uppsala county's analysts, reading the module's warehouse database."""
    from vagled.warehouse.analysts import add_analyst

    with psycopg.connect(isolated_warehouse.url, autocommit=True) as conn:
        conn.execute("drop role if exists reliability_reader")
        password = add_analyst(conn, "reliability_reader", "03")
    yield (
        f"host=127.0.0.1 port={embedded_warehouse.port} dbname={isolated_warehouse.name}"
        f" user=reliability_reader password={password}"
    )
    with psycopg.connect(embedded_warehouse.admin_conninfo(), autocommit=True) as admin:
        admin.execute("drop role if exists reliability_reader")


def test_marts_rebuild_while_a_load_commits_and_analysts_see_old_or_new_never_a_mix(
    isolated_warehouse, wh, upstreams, analyst_login, tally
):
    from vagled.marts import refresh_mart, refresh_marts
    from vagled.pipeline import tasks

    tasks.publish(FEED, _extract_and_stage(2022, "marts-before"))
    with isolated_warehouse.connect() as conn:
        refresh_marts(conn)
    total = f"select count(*), sum(value) from mart.{MART}"
    loaded = f"select count(*) from {CORE_TABLE} where year = 2023"
    before = wh.execute(total).fetchone()
    batch_id = _extract_and_stage(2023, "marts-after")

    seen_marts: set[tuple] = set()
    seen_core: set[int] = set()
    stop = threading.Event()
    errors: list[BaseException] = []

    def analyst_reads() -> None:
        try:
            with psycopg.connect(analyst_login, autocommit=True) as conn:
                while not stop.is_set():
                    seen_marts.add(conn.execute(total).fetchone())
                    seen_core.add(conn.execute(loaded).fetchone()[0])
        except BaseException as exc:  # surfaced in the test thread
            errors.append(exc)

    def refresh_while_loading() -> None:
        try:
            with isolated_warehouse.connect() as conn:
                while not stop.is_set():
                    refresh_mart(conn, MART)
        except BaseException as exc:
            errors.append(exc)

    readers = [threading.Thread(target=analyst_reads) for _ in range(2)]
    refresher = threading.Thread(target=refresh_while_loading)
    for thread in (*readers, refresher):
        thread.start()
    try:
        _wait_for(lambda: before in seen_marts or errors, "the analyst reading the old state", [])
        published = tasks.publish(FEED, batch_id)  # the load commits while the marts rebuild
        _wait_for(lambda: len(seen_marts) > 1 or errors, "the analyst reading the new state", [])
    finally:
        stop.set()
        for thread in (*readers, refresher):
            thread.join(timeout=120)
    assert not errors, errors
    with isolated_warehouse.connect() as conn:
        refresh_mart(conn, MART)
    after = wh.execute(total).fetchone()
    assert after[0] == before[0] + published["loaded"] and after != before
    assert seen_marts == {before, after}, seen_marts
    assert seen_core <= {0, published["loaded"]}, seen_core
    tally.lost(sum(1 for state in seen_marts if state not in (before, after)), "a mixed mart state")
