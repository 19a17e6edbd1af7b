"""The life of a batch: its audit row (audit.load_batch) and every transition between its states.

A batch is one load of one feed for one period (and part). Its status::

    stateDiagram-v2
        [*] --> running: open_batch
        running --> staged: lock_for_staging, mark_staged (the stage commits)
        staged --> staged: lock_for_staging, mark_staged (a retried stage, or staging lost in a crash)
        staged --> succeeded: lock_for_publishing, mark_succeeded (the merge commits)
        staged --> rejected: lock_for_publishing, mark_rejected (threshold or cross-checks)
        running --> rejected: mark_rejected (the source's structure changed, at stage)
        running --> failed: fail_batch (extract failed, or abandoned by a newer run of the period)
        staged --> failed: fail_batch (abandoned between stage and publish)
        succeeded --> [*]
        rejected --> [*]
        failed --> [*]

A publish of a running batch stages it first (its stage never committed); so does a publish of a
staged batch whose staging rows a crash emptied (staging tables are unlogged).

'running' and 'staged' are in flight; 'succeeded', 'rejected' and 'failed' are final (a rerun
opens a new batch). Each transition takes the row lock (SELECT ... FOR UPDATE), checks the status
it starts from and raises BatchStateError, naming the batch, its status and what was expected,
when it does not hold. Two exceptions, so that retried tasks finish: lock_for_publishing returns a
batch already succeeded (a publish retried after its commit has nothing to do), and fail_batch
leaves a batch that is no longer in flight as it is (it runs where a task is already failing).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from vagled.pipeline.feed import FeedSpec
from vagled.pipeline.period import Period
from vagled.pipeline.results import BatchRejected
from vagled.sql import load_sql

log = logging.getLogger(__name__)

RUNNING, STAGED, SUCCEEDED, REJECTED, FAILED = "running", "staged", "succeeded", "rejected", "failed"
IN_FLIGHT = (RUNNING, STAGED)


class BatchStateError(BatchRejected):
    """A transition found the batch in a state it does not start from."""

    def __init__(self, batch_id: int, status: str | None, expected: str, what: str, detail: str | None = None) -> None:
        self.batch_id, self.status, self.expected = batch_id, status, expected
        if status is None:
            message = f"batch {batch_id} does not exist: cannot {what}"
        else:
            message = f"batch {batch_id} is {status}, expected {expected}: cannot {what}"
            if detail:
                message += f" ({detail})"
            if status in (SUCCEEDED, REJECTED, FAILED):
                message += "; a finished batch is never loaded again: rerun the DAG to load the period"
        super().__init__(message)


@dataclass(frozen=True)
class Batch:
    """The audit row of a batch, as read under its lock."""

    batch_id: int
    feed: str
    status: str
    received: int
    loaded: int
    quarantined: int
    duplicates: int
    out_of_area: int
    error: str | None = None

    @property
    def published(self) -> bool:
        return self.status == SUCCEEDED


def _lock(conn, batch_id: int, what: str) -> Batch:
    row = conn.execute(load_sql("pipeline/select_load_batch_for_update"), {"batch_id": batch_id}).fetchone()
    if row is None:
        raise BatchStateError(batch_id, None, "", what)
    return Batch(*row)


def _require(batch: Batch, allowed: tuple[str, ...], what: str) -> Batch:
    if batch.status not in allowed:
        raise BatchStateError(batch.batch_id, batch.status, " or ".join(allowed), what, batch.error)
    return batch


def _transition(conn, name: str, batch_id: int, allowed: tuple[str, ...], what: str, **params) -> None:
    """Run an UPDATE guarded by the status it starts from; the row is already locked by the caller."""
    if conn.execute(load_sql(name), {"batch_id": batch_id, "allowed": list(allowed), **params}).rowcount != 1:
        # Under the row lock this cannot happen unless the caller skipped the lock: say what was found.
        _require(_lock(conn, batch_id, what), allowed, what)


# -- open ---------------------------------------------------------------------------------------
def open_batch(conn, spec: FeedSpec, period: Period | None, run_id: str | None, *, partition: str | None = None) -> int:
    """Create the audit row of a new batch ('running') and fail any batch of the same period in flight.

    Args:
        partition: for a feed loaded in parts, the part this batch covers (a municipality code);
            only a batch of the same part and period is closed as abandoned.
    """
    from psycopg import sql

    params = {
        "feed": spec.name,
        "interval_start": period.start if period else None,
        "interval_end": period.end if period else None,
        "run_id": run_id,
        "suite": spec.suite,
    }
    if partition is None:
        insert, abandon = "pipeline/insert_load_batch", "pipeline/fail_abandoned_batches"
    else:
        insert, abandon = "pipeline/insert_load_batch_partition", "pipeline/fail_abandoned_partition_batches"
        params["partition_key"] = partition
    with conn.transaction():
        batch_id = conn.execute(load_sql(insert), params).fetchone()[0]
        abandoned = [r[0] for r in conn.execute(load_sql(abandon), {**params, "batch_id": batch_id})]
        # what an abandoned batch staged will never be published: clear it with the batch
        conn.execute(
            sql.SQL(load_sql("pipeline/delete_staged_batches")).format(table=sql.Identifier(spec.staging_table)),
            {"batch_ids": abandoned},
        )
    if abandoned:
        log.warning("%s: closed abandoned batch(es) %s of the same period as failed", spec.name, abandoned)
    part = f" (part {partition})" if partition is not None else ""
    log.info("%s: opened batch %d%s for %s", spec.name, batch_id, part, _describe(period))
    return batch_id


def _describe(period: Period | None) -> str:
    return f"{period.start.isoformat()} .. {period.end.isoformat()}" if period else "no period"


def note_batch(conn, batch_id: int, notes: str) -> None:
    """Record in the batch what its source did not have (audit.load_batch.notes)."""
    with conn.transaction():
        conn.execute(load_sql("pipeline/update_load_batch_notes"), {"batch_id": batch_id, "notes": notes})


# -- stage --------------------------------------------------------------------------------------
def lock_for_staging(conn, batch_id: int) -> Batch:
    """Hold a batch's audit row for its stage (call inside the stage's transaction).

    Two attempts never stage one batch at once. A 'staged' batch may be staged again (a retried
    stage task, or staging rows lost in a crash: staging tables are unlogged).

    Raises:
        BatchStateError: the batch does not exist, or is not running or staged (a published batch
            is never staged again: that would drop its quarantine rows).
    """
    what = "stage it"
    return _require(_lock(conn, batch_id, what), IN_FLIGHT, what)


def mark_staged(conn, batch_id: int, *, received: int, quarantined: int, out_of_area: int) -> None:
    """Record a batch's stage counts and set it 'staged' (in the stage's transaction, after lock_for_staging)."""
    counts = {"received": received, "quarantined": quarantined, "out_of_area": out_of_area}
    _transition(conn, "pipeline/update_load_batch_staged", batch_id, IN_FLIGHT, "mark it staged", **counts)


# -- publish ------------------------------------------------------------------------------------
def lock_for_publishing(conn, batch_id: int) -> Batch:
    """Hold a batch's audit row for its publish (call inside the publish's transaction).

    Returns:
        The batch: 'staged', or 'succeeded' when it was already published (a retried publish has
        nothing to do: the caller returns its counts).

    Raises:
        BatchStateError: the batch does not exist, is still running (its stage never committed),
            or failed or was rejected (e.g. abandoned by a newer run of the period in between).
    """
    what = "publish it"
    return _require(_lock(conn, batch_id, what), (STAGED, SUCCEEDED), what)


def mark_succeeded(conn, batch_id: int, *, loaded: int, duplicates: int) -> None:
    """Close a published batch with its counts (in the publish's transaction, after lock_for_publishing)."""
    params = {"loaded": loaded, "duplicates": duplicates}
    _transition(conn, "pipeline/update_load_batch_succeeded", batch_id, (STAGED,), "mark it succeeded", **params)


def mark_rejected(conn, batch_id: int, error: str) -> None:
    """Reject a batch in flight whole, with its reason (identity numbers in it masked)."""
    from vagled.pipeline.record_checks import masked_text

    params = {"status": REJECTED, "error": masked_text(error)}
    _transition(conn, "pipeline/update_load_batch_failed", batch_id, IN_FLIGHT, "reject it", **params)


def fail_batch(conn, batch_id: int, error: str, *, status: str = FAILED) -> bool:
    """Mark a batch in flight failed (or rejected) with its reason (identity numbers in it masked).

    Runs where a task is already failing, so it never raises over the task's own error: a batch
    no longer in flight (published, or closed by a newer run) is left as it is.

    Returns:
        Whether the batch was closed by this call.
    """
    from vagled.pipeline.record_checks import masked_text

    if status not in (FAILED, REJECTED):
        raise ValueError(f"a batch is failed or rejected, not {status!r}")
    with conn.transaction():
        changed = conn.execute(
            load_sql("pipeline/update_load_batch_failed"),
            {"batch_id": batch_id, "status": status, "error": masked_text(error), "allowed": list(IN_FLIGHT)},
        ).rowcount
    if not changed:
        log.warning("batch %d is no longer in flight: not marked %s (%s)", batch_id, status, error[:200])
    return bool(changed)
