"""Crashes mid-load: the task process killed with SIGKILL, or the warehouse server stopped; then a rerun.

The stage and publish steps run in a child process, exactly the code a task runs. The test holds a
PostgreSQL lock the child needs at the chosen point, waits until the child is blocked there, then
kills the child (SIGKILL) or stops the warehouse server (a fast shutdown, or an immediate one that
makes the next start run crash recovery) and starts it again. Nothing of the batch may be visible
in core afterwards. Then the rerun (what Airflow's retry of the task does) must leave the
warehouse exactly as one clean run leaves a database of its own: the same core rows, the same
quarantine rows, the same counts.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass

import pytest
from reliability_support import check_invariants, create_database, load_dag, point_upstreams_at

pytestmark = pytest.mark.e2e

FEED = "jobseekers"
PUBLISH_LOCK = "select pg_advisory_lock(hashtext('vagled.publish'), hashtext('jobseekers/'))"
# The merge statement's first line (pg_stat_activity shows only a statement's first 1024 bytes,
# and the insert into core.jobseekers_monthly comes later in it).
MERGE_STATEMENT = "Merge one validated batch of job-seeker cells"


@dataclass(frozen=True)
class Crash:
    name: str
    month: str
    step: str  # the task that crashes: stage or publish
    hold: str  # the lock the test holds so that the child stops at the crash point
    waits_on: str  # what the blocked child is running
    action: str  # kill, or stop the server: stop-fast / stop-immediate

    def __str__(self) -> str:
        return self.name


CRASHES = (
    # after COPY, before the stage's transaction commits
    Crash("kill-after-copy", "2025-10", "stage", "lock table audit.validation_result in share mode",
          "insert into audit.validation_result", "kill"),
    # staged and committed, the merge not begun
    Crash("kill-between-copy-and-merge", "2025-11", "publish", PUBLISH_LOCK, "pg_advisory_xact_lock", "kill"),
    # inside the merge's transaction
    Crash("kill-inside-merge", "2025-12", "publish", "lock table core.jobseekers_monthly in share mode",
          MERGE_STATEMENT, "kill"),
    Crash("server-stop-during-stage", "2026-01", "stage", "lock table audit.validation_result in share mode",
          "insert into audit.validation_result", "stop-fast"),
    # an immediate stop empties the unlogged staging tables: the publish retry must stage again
    Crash("server-crash-between-copy-and-merge", "2026-02", "publish", PUBLISH_LOCK, "pg_advisory_xact_lock",
          "stop-immediate"),
    Crash("server-crash-inside-merge", "2026-03", "publish", "lock table core.jobseekers_monthly in share mode",
          MERGE_STATEMENT, "stop-immediate"),
)  # fmt: skip


def _period(month: str) -> dict[str, str]:
    year, mon = map(int, month.split("-"))
    return {"period_start": f"{month}-01", "period_end": f"{year + (mon == 12)}-{mon % 12 + 1:02d}-01"}


def _extract(month: str, run_id: str) -> int:
    from vagled.pipeline import tasks

    extracted = tasks.extract(
        FEED, data_interval_start=None, data_interval_end=None, params=_period(month), run_id=run_id
    )
    return extracted["batch_id"]


def _load_cleanly(month: str) -> None:
    from vagled.pipeline import tasks

    batch_id = _extract(month, f"clean-{month}")
    tasks.stage(FEED, batch_id)
    tasks.publish(FEED, batch_id)


def _snapshot(conn, month: str) -> dict:
    """What a month's load left: core rows, the published batch's counts and quarantine rows."""
    core = conn.execute(
        "select area_code, group_code, count_min, count_max from core.jobseekers_monthly"
        " where month = %s::date order by 1, 2",
        (f"{month}-01",),
    ).fetchall()
    batch = conn.execute(
        "select batch_id, received, loaded, quarantined, duplicates, out_of_area from audit.load_batch"
        " where feed = %s and status = 'succeeded' and interval_start = %s::date::timestamptz",
        (FEED, f"{month}-01"),
    ).fetchall()
    quarantine = conn.execute(
        "select record_no, natural_key, reasons::text from quarantine.record where batch_id = any(%s) order by 1",
        ([b[0] for b in batch],),
    ).fetchall()
    staged = conn.execute(
        "select count(*) from staging.jobseeker_cell s join audit.load_batch b using (batch_id)"
        " where b.feed = %s and b.interval_start = %s::date::timestamptz",
        (FEED, f"{month}-01"),
    ).fetchone()[0]
    return {"core": core, "batches": [b[1:] for b in batch], "quarantine": quarantine, "staged": staged}


@pytest.fixture(scope="module")
def statistics_upstream(feedsim):
    with pytest.MonkeyPatch.context() as patch:
        point_upstreams_at(feedsim, patch)
        yield feedsim


@pytest.fixture(scope="module")
def clean_reference(isolated_warehouse, statistics_upstream, airflow_db) -> dict[str, dict]:
    """Every crash test's month loaded once, cleanly, into a database of its own."""
    import psycopg
    from psycopg import sql

    from vagled.warehouse.migrate import migrate

    name = "vagled_clean_reference"
    with psycopg.connect(airflow_db.admin_conninfo(), autocommit=True) as admin:
        url = create_database(admin, airflow_db, name)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("AIRFLOW_CONN_VAGLED_WAREHOUSE", url)
        migrate()
        for crash in CRASHES:
            _load_cleanly(crash.month)
        with psycopg.connect(url, autocommit=True) as conn:
            reference = {crash.month: _snapshot(conn, crash.month) for crash in CRASHES}
    with psycopg.connect(airflow_db.admin_conninfo(), autocommit=True) as admin:
        admin.execute(sql.SQL("drop database {} with (force)").format(sql.Identifier(name)))
    return reference


def _start_child(step: str, batch_id: int) -> subprocess.Popen:
    code = f"from vagled.pipeline import tasks; tasks.{step}({FEED!r}, {batch_id})"
    return subprocess.Popen(
        [sys.executable, "-c", code], env=os.environ.copy(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )


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
    waiting = conn.execute(
        "select wait_event_type, wait_event, left(regexp_replace(query, '\\s+', ' ', 'g'), 160) from pg_stat_activity"
        " where backend_type = 'client backend' and pid <> pg_backend_pid() and state <> 'idle'"
    ).fetchall()
    raise AssertionError(f"the child never blocked on {query_fragment!r}; the server is running {waiting}")


def _rows_ever_inserted_into_staging(conn) -> int:
    conn.execute("select pg_stat_clear_snapshot()")
    return conn.execute(
        "select n_tup_ins from pg_stat_user_tables where relid = 'staging.jobseeker_cell'::regclass"
    ).fetchone()[0]


def _drop_airflow_pooled_connections() -> None:
    """The restarted server also holds Airflow's metadata: its pooled and open sessions died with it."""
    import sys

    settings = sys.modules.get("airflow.settings")
    if settings is None:
        return
    if getattr(settings, "Session", None) is not None:
        with contextlib.suppress(Exception):  # the session's connection is already dead
            settings.Session.remove()
    if getattr(settings, "engine", None) is not None:
        settings.engine.dispose()


def _crash(crash: Crash, batch_id: int, warehouse, embedded) -> None:
    """Run the step in a child, stop it at the crash point and crash it there."""
    import psycopg

    with warehouse.connect() as observer:
        inserted_before = _rows_ever_inserted_into_staging(observer)
        blocker = psycopg.connect(warehouse.url)
        blocker.execute(crash.hold)
        child = _start_child(crash.step, batch_id)
        try:
            _wait_until_blocked(observer, child, crash.waits_on)
            if crash.action == "kill":
                child.send_signal(signal.SIGKILL)
                assert child.wait(timeout=30) == -signal.SIGKILL
            else:
                observer.close()
                embedded.stop(mode=crash.action.removeprefix("stop-"))
                assert child.wait(timeout=60) != 0, "the child's connection was cut"
                embedded.start()
                _drop_airflow_pooled_connections()
        finally:
            if child.poll() is None:
                child.kill()
            with contextlib.suppress(psycopg.Error):
                blocker.close()
    if crash.action == "kill" and crash.step == "stage":
        # The killed session's rows were COPYed (the statistics count them once its backend ends)
        # but never committed.
        with warehouse.connect() as observer:
            deadline = time.monotonic() + 10
            while _rows_ever_inserted_into_staging(observer) == inserted_before and time.monotonic() < deadline:
                time.sleep(0.2)
            assert _rows_ever_inserted_into_staging(observer) > inserted_before, "the child had copied rows"


@pytest.mark.parametrize("crash", CRASHES, ids=str)
def test_a_crash_mid_load_then_a_rerun_leaves_what_one_clean_run_leaves(
    crash, isolated_warehouse, statistics_upstream, clean_reference, embedded_warehouse, tally
):
    from vagled.pipeline import tasks

    batch_id = _extract(crash.month, f"crash-{crash.name}")
    if crash.step == "publish":
        tasks.stage(FEED, batch_id)

    _crash(crash, batch_id, isolated_warehouse, embedded_warehouse)

    with isolated_warehouse.connect() as conn:
        after = _snapshot(conn, crash.month)
        status = conn.execute("select status from audit.load_batch where batch_id = %s", (batch_id,)).fetchone()[0]
    assert after["core"] == [], "nothing of a crashed load is visible in core"
    # a crash in the stage leaves the batch running (the stage never committed); one in the
    # publish leaves it staged (the stage had committed)
    assert after["batches"] == [] and status == ("running" if crash.step == "stage" else "staged")

    # the rerun: Airflow retries the task that crashed (and runs what follows it)
    if crash.step == "stage":
        tasks.stage(FEED, batch_id)
    tasks.publish(FEED, batch_id)

    with isolated_warehouse.connect() as conn:
        final = _snapshot(conn, crash.month)
        findings = check_invariants(conn, since=batch_id - 1)
    expected = clean_reference[crash.month]
    lost = len(set(expected["core"]) - set(final["core"]))
    tally.lost(lost, f"crash {crash}")
    assert final == expected
    assert not findings.violations, findings.violations
    tally.crashes_survived += 1


def test_a_scheduled_rerun_after_the_crashes_changes_nothing(
    isolated_warehouse, statistics_upstream, clean_reference, monkeypatch
):
    """A whole DAG run for a month recovered above rewrites no row: it is a clean run's state."""
    month = CRASHES[-1].month
    with isolated_warehouse.connect() as conn:
        before = conn.execute(
            "select count(*), sum(xmin::text::bigint) from core.jobseekers_monthly where month = %s::date",
            (f"{month}-01",),
        ).fetchone()
    assert before[0] > 0
    _drop_airflow_pooled_connections()
    assert load_dag("employment_agency_jobseekers").test(run_conf=_period(month)).state == "success"
    with isolated_warehouse.connect() as conn:
        after = conn.execute(
            "select count(*), sum(xmin::text::bigint) from core.jobseekers_monthly where month = %s::date",
            (f"{month}-01",),
        ).fetchone()
        assert after == before
        assert _snapshot(conn, month)["core"] == clean_reference[month]["core"]
