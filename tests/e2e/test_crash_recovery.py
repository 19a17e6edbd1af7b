"""A load killed with SIGKILL between COPY and merge (or inside either) leaves no half batch.

The stage and publish steps run in a child process, exactly the code a task runs. The test
holds a PostgreSQL lock the child needs at the chosen point, waits until the child is blocked
there, kills it with SIGKILL and releases the lock. Then nothing of the batch may be visible
in core or half-staged, and a rerun must load it exactly once.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

pytestmark = pytest.mark.e2e

FEED = "jobseekers"


@pytest.fixture
def statistics_upstream(feedsim, monkeypatch):
    from vagled.feedsim.cli import connection_uris

    monkeypatch.setenv("AIRFLOW_CONN_AF_STATISTICS", connection_uris("127.0.0.1", feedsim.port)["af_statistics"])
    return feedsim


def _extract(month: str, run_id: str) -> int:
    from vagled.pipeline import tasks

    year, mon = map(int, month.split("-"))
    end = f"{year + (mon == 12)}-{mon % 12 + 1:02d}-01"
    extracted = tasks.extract(
        FEED,
        data_interval_start=None,
        data_interval_end=None,
        params={"period_start": f"{month}-01", "period_end": end},
        run_id=run_id,
    )
    return extracted["batch_id"]


def _start_child(step: str, batch_id: int) -> subprocess.Popen:
    code = f"from vagled.pipeline import tasks; tasks.{step}({FEED!r}, {batch_id})"
    return subprocess.Popen([sys.executable, "-c", code], env=os.environ.copy())


def _wait_until_blocked(conn, child: subprocess.Popen, query_fragment: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert child.poll() is None, f"the child ended (exit {child.returncode}) before reaching the lock"
        blocked = conn.execute(
            "select count(*) from pg_stat_activity where wait_event_type = 'Lock' and query ilike %s",
            (f"%{query_fragment}%",),
        ).fetchone()[0]
        if blocked:
            return
        time.sleep(0.1)
    raise AssertionError(f"the child never blocked on {query_fragment!r}")


def _kill(child: subprocess.Popen) -> None:
    child.send_signal(signal.SIGKILL)
    assert child.wait(timeout=30) == -signal.SIGKILL


def _counts(conn, batch_id: int, month: str) -> dict[str, int]:
    row = conn.execute(
        "select (select count(*) from staging.jobseekers_monthly where batch_id = %(b)s),"
        " (select count(*) from quarantine.record where batch_id = %(b)s),"
        " (select count(*) from core.jobseekers_monthly where month = %(m)s::date),"
        " (select count(*) from core.jobseekers_monthly where last_batch_id = %(b)s)",
        {"b": batch_id, "m": f"{month}-01"},
    ).fetchone()
    return dict(zip(("staged", "quarantined", "core_month", "core_batch"), row, strict=True))


def _rows_ever_inserted_into_staging(conn) -> int:
    conn.execute("select pg_stat_clear_snapshot()")
    return conn.execute(
        "select n_tup_ins from pg_stat_user_tables where relid = 'staging.jobseekers_monthly'::regclass"
    ).fetchone()[0]


def _status(conn, batch_id: int) -> str:
    return conn.execute("select status from audit.load_batch where batch_id = %s", (batch_id,)).fetchone()[0]


def test_kill_inside_the_merge_publishes_nothing_and_the_rerun_loads_once(
    airflow_db, statistics_upstream, warehouse_conn, embedded_warehouse
):
    import psycopg

    from vagled.pipeline import tasks

    month = "2025-10"
    batch_id = _extract(month, "crash-merge")
    staged = tasks.stage(FEED, batch_id)
    assert staged["received"] > 0
    before = _counts(warehouse_conn, batch_id, month)
    assert before["staged"] == staged["received"] and before["core_month"] == 0

    with psycopg.connect(embedded_warehouse.url()) as blocker:
        # the merge's INSERT needs a ROW EXCLUSIVE lock on the core table: hold a conflicting one
        blocker.execute("lock table core.jobseekers_monthly in share mode")
        child = _start_child("publish", batch_id)
        _wait_until_blocked(warehouse_conn, child, "insert into core.jobseekers_monthly")
        _kill(child)
        blocker.rollback()

    after_kill = _counts(warehouse_conn, batch_id, month)
    assert after_kill["core_month"] == 0, "nothing of a killed merge is visible in core"
    assert after_kill["staged"] == before["staged"], "the staged batch is intact for the rerun"
    assert _status(warehouse_conn, batch_id) == "running"

    published = tasks.publish(FEED, batch_id)
    final = _counts(warehouse_conn, batch_id, month)
    assert final["core_month"] == published["loaded"] == final["core_batch"]
    assert final["staged"] == 0
    assert _status(warehouse_conn, batch_id) == "succeeded"


def test_kill_after_copy_before_staging_commits_leaves_nothing_staged(
    airflow_db, statistics_upstream, warehouse_conn, embedded_warehouse
):
    import psycopg

    from vagled.pipeline import tasks

    month = "2025-11"
    batch_id = _extract(month, "crash-stage")
    inserted_before = _rows_ever_inserted_into_staging(warehouse_conn)
    with psycopg.connect(embedded_warehouse.url()) as blocker:
        # staging ends by recording its counts on the batch row, after every COPY: hold that row
        blocker.execute("select 1 from audit.load_batch where batch_id = %s for update", (batch_id,))
        child = _start_child("stage", batch_id)
        _wait_until_blocked(warehouse_conn, child, "update audit.load_batch")
        _kill(child)
        blocker.rollback()

    # The killed session's rows were COPYed (the statistics count them once its backend ends)
    # but never committed.
    deadline = time.monotonic() + 10
    while _rows_ever_inserted_into_staging(warehouse_conn) == inserted_before and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _rows_ever_inserted_into_staging(warehouse_conn) > inserted_before, "the child had copied rows"
    after_kill = _counts(warehouse_conn, batch_id, month)
    assert after_kill == {"staged": 0, "quarantined": 0, "core_month": 0, "core_batch": 0}

    # the Airflow retry of the task: stage again, publish once
    staged = tasks.stage(FEED, batch_id)
    published = tasks.publish(FEED, batch_id)
    final = _counts(warehouse_conn, batch_id, month)
    assert final["core_month"] == published["loaded"] == staged["received"] - staged["quarantined"]
    assert final["staged"] == 0
