"""The one load path every feed takes: land raw -> stage -> validate -> quarantine -> publish -> audit.

Each step is a function a DAG task calls with a batch id; what passes between tasks is in the
warehouse (raw payloads, staged rows, the audit row), so a task can run on any worker and be
retried. Guarantees:

- every landed payload is kept in raw.landed_payload, immutable;
- received = loaded + quarantined + duplicates for every succeeded batch (a check constraint);
- no record is dropped: what cannot be parsed, fails the checks before staging (an identity
  number, a value too long or of the wrong shape), cannot be stored by PostgreSQL or fails the
  suite is in quarantine.record with its reason;
- staging a batch again first removes what an earlier attempt staged, so retries do not double;
  publish stages a running batch again if its (unlogged) staged rows were lost in a crash;
- one merge of a feed (and part) at a time: two runs of a feed never interleave in core;
- publishing is one transaction: core, the audit row and the staging clean-up commit together,
  so a crash leaves no half batch, and a rerun of the same data changes no row in core;
- a batch whose quarantined share passes the feed's threshold is rejected whole: nothing is
  published, the task fails with the reason, and the raw payload stays for a rerun.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

# The audit row's life is vagled.pipeline.batch's; its names stay importable from here.
from vagled.pipeline.batch import (  # noqa: F401
    BatchRejected,
    BatchStateError,
    fail_batch,
    lock_for_publishing,
    lock_for_staging,
    mark_rejected,
    mark_staged,
    mark_succeeded,
    note_batch,
    open_batch,
)
from vagled.pipeline.feed import FeedSpec

# Shared with stage and replay (vagled.pipeline.results); imported here too, where callers find them.
from vagled.pipeline.results import PublishResult, StageResult, to_json
from vagled.sql import load_sql

log = logging.getLogger(__name__)

CHUNK_ROWS = 50_000
# From this many passing rows on, publish analyses its temporary table (see build_passing_rows).
ANALYZE_PASSING_MIN_ROWS = 1_000


# -- landing ------------------------------------------------------------------------------------
def land_payload(
    conn,
    batch_id: int,
    feed: str,
    part_no: int,
    *,
    source_url: str,
    body: bytes,
    content_type: str,
    request_params: dict[str, Any] | None = None,
) -> str:
    """Keep one received payload in raw.landed_payload; returns its sha256."""
    digest = hashlib.sha256(body).hexdigest()
    with conn.transaction():
        conn.execute(
            load_sql("pipeline/insert_landed_payload"),
            {
                "batch_id": batch_id,
                "feed": feed,
                "part_no": part_no,
                "source_url": source_url,
                "request_params": to_json(request_params or {}),
                "content_type": content_type,
                "sha256": digest,
                "byte_size": len(body),
                "body": body,
            },
        )
    return digest


# -- stage + validate ---------------------------------------------------------------------------
def _landed_parts(conn, batch_id: int) -> Iterator[tuple[int, str, bytes]]:
    # A named (server-side) cursor streams one payload at a time: a year of ads never sits in memory.
    # Binary results: bytea as it is stored, not hex text twice its size (three times faster).
    with conn.cursor(name=f"landed_parts_{batch_id}") as cur:
        cur.itersize = 1
        cur.execute(load_sql("pipeline/select_landed_parts"), {"batch_id": batch_id}, binary=True)
        for part_no, content_type, body in cur:
            yield part_no, content_type or "", bytes(body)


def stage_batch(
    conn,
    spec: FeedSpec,
    batch_id: int,
    *,
    chunk_rows: int = CHUNK_ROWS,
    parts: Iterable[tuple[int, str, bytes]] | None = None,
) -> StageResult:
    """Parse every landed payload of a batch, COPY the rows to staging and validate them in chunks.

    Records that cannot be parsed, fail the checks before staging (vagled.pipeline.record_checks)
    or hold a value PostgreSQL refuses, and rows that fail the feed's suite, go to
    quarantine.record with their reasons. Runs in one transaction, holding the batch's audit row:
    a retry starts from a clean slate, and a batch already published is left as it is. How the
    work is cut into chunks and spread over processes: vagled.pipeline.stage.Stager. Its Data Docs
    are built after publish (vagled.pipeline.data_docs.record_batch_docs), never here.

    Args:
        chunk_rows: records per chunk (a validation run costs about 0.1 s whatever its size, so
            larger chunks validate faster; memory grows with them).
        parts: the payloads as (part_no, content_type, body), in order; by default the batch's
            landed parts in raw (a benchmark passes the same bytes read from disk).

    Raises:
        BatchRejected: the suite found a structural failure (e.g. a renamed or missing column).
    """
    from vagled.pipeline.stage import Stager

    stager = Stager(conn, spec, batch_id, chunk_rows=chunk_rows)
    staged = stager.stage_parts(parts if parts is not None else _landed_parts(conn, batch_id))
    log.info(
        "%s batch %d staged %s: %d received, %d quarantined, %d outside the area; validation took %.1f s",
        spec.name,
        batch_id,
        f"in {stager.workers} worker processes" if stager.workers else "in-process",
        staged.received,
        staged.quarantined,
        staged.out_of_area,
        staged.validation_s,
    )
    return StageResult(batch_id, staged.received, staged.quarantined, staged.out_of_area, round(staged.validation_s, 3))


# -- publish ------------------------------------------------------------------------------------
def publish_batch(conn, spec: FeedSpec, batch_id: int) -> PublishResult:
    """Merge a staged batch into core and close its audit row, in one transaction.

    A running batch whose stage never committed, or a staged one whose staging rows a crash
    emptied, is staged again from raw first.

    Raises:
        BatchRejected: the quarantined share is above the feed's threshold, or its cross-checks
            failed (the batch is marked rejected and nothing is published).
        BatchStateError: the batch is not staged (e.g. failed as abandoned by a newer run of
            its period since it was staged).
    """
    from psycopg import sql

    table = sql.Identifier(spec.staging_table)
    _ensure_staged(conn, spec, batch_id)
    with conn.transaction():
        batch = lock_for_publishing(conn, batch_id)
        if batch.published:
            log.info("%s batch %d was already published: nothing to do", batch.feed, batch_id)
            return _result(batch)
        message = _rejection(conn, spec, batch)
        if message:
            mark_rejected(conn, batch_id, message)
            # The quarantine rows and the raw payload stay; the staged rows of a refused batch are litter.
            conn.execute(sql.SQL(load_sql("pipeline/delete_staged_batch")).format(table=table), {"batch_id": batch_id})
    if message:
        raise BatchRejected(message)

    with conn.transaction():
        # One merge of a feed (and part) at a time: two runs of a feed never interleave in core.
        conn.execute(load_sql("pipeline/lock_feed_publish"), {"batch_id": batch_id})
        # What was checked above may have changed while this publish waited for the feed's lock:
        # a concurrent publish of the same batch, or a newer run that closed it as abandoned.
        batch = lock_for_publishing(conn, batch_id)
        if batch.published:
            log.info("%s batch %d was published meanwhile: nothing to do", batch.feed, batch_id)
            return _result(batch)
        begun = time.monotonic()
        passing, loaded = build_passing_rows(conn, spec, batch_id)
        log.info(
            "%s batch %d: %d passing rows gathered in %.2f s", spec.name, batch_id, passing, time.monotonic() - begun
        )
        for name in spec.pre_publish_sql:
            _publish_step(conn, spec, batch_id, name)
        merged_rows = _publish_step(conn, spec, batch_id, spec.publish_sql)
        for name in spec.post_publish_sql:
            _publish_step(conn, spec, batch_id, name)
        duplicates = passing - loaded
        mark_succeeded(conn, batch_id, loaded=loaded, duplicates=duplicates)
        conn.execute(sql.SQL(load_sql("pipeline/delete_staged_batch")).format(table=table), {"batch_id": batch_id})
    log.info(
        "%s batch %d published: %d loaded (%d rows changed in core), %d quarantined, %d duplicates",
        spec.name,
        batch_id,
        loaded,
        merged_rows,
        batch.quarantined,
        duplicates,
    )
    return PublishResult(batch_id, batch.received, loaded, batch.quarantined, duplicates, batch.out_of_area)


def _publish_step(conn, spec: FeedSpec, batch_id: int, name: str) -> int:
    """Run one publish statement of a feed; log its rows and time (what a slow publish is read from)."""
    begun = time.monotonic()
    rows = conn.execute(load_sql(name), {"batch_id": batch_id}).rowcount
    log.info("%s batch %d: %s changed %d rows in %.2f s", spec.name, batch_id, name, rows, time.monotonic() - begun)
    return rows


def _result(batch) -> PublishResult:
    return PublishResult(
        batch.batch_id, batch.received, batch.loaded, batch.quarantined, batch.duplicates, batch.out_of_area
    )


def _rejection(conn, spec: FeedSpec, batch) -> str:
    """Why a staged batch is refused whole ('' when it may be published)."""
    batch_id, feed, received, quarantined = batch.batch_id, batch.feed, batch.received, batch.quarantined
    failed_checks = spec.batch_checks(conn, batch_id) if spec.batch_checks is not None else []
    if failed_checks:
        return (
            f"{feed} batch {batch_id} rejected: its cross-checks failed, nothing was published: "
            + "; ".join(failed_checks[:20])
            + (f" (and {len(failed_checks) - 20} more)" if len(failed_checks) > 20 else "")
        )
    share = quarantined / received if received else 0.0
    if share <= spec.max_quarantine_share:
        return ""
    message = (
        f"{feed} batch {batch_id} rejected: {quarantined} of {received} records ({share:.1%}) failed "
        f"validation, above the feed's threshold of {spec.max_quarantine_share:.0%}. Nothing was "
        f"published; see quarantine.record where batch_id = {batch_id}; the raw payload is kept "
        "for a rerun after the fix."
    )
    unreadable = [r[0] for r in conn.execute(load_sql("pipeline/select_unreadable_reasons"), {"batch_id": batch_id})]
    if unreadable:
        message += " Unreadable or held before validation: " + "; ".join(unreadable)
    return message


def build_passing_rows(conn, spec: FeedSpec, batch_id: int) -> tuple[int, int]:
    """Build ``passing_batch``, the batch's passing rows, inside the publish's transaction.

    A temporary table (dropped at commit) of the staged rows of the batch that are not in
    quarantine, one per natural key (and FeedSpec.passing_split), the winner the last by
    FeedSpec.order_by. Every publish statement of the feed reads it, so the rule of which rows
    pass lives here once.

    Returns:
        (passing, loaded): the staged rows that passed validation, and the natural keys among
        them (duplicates = passing - loaded).
    """
    from psycopg import sql

    table = sql.Identifier(spec.staging_table)
    key_columns = (*spec.natural_key, *spec.passing_split)
    key = sql.SQL(", ").join(sql.SQL("s.") + sql.Identifier(col) for col in key_columns)
    order = sql.SQL(", ").join(sql.SQL("s.") + sql.Identifier(col) + sql.SQL(" desc") for col in spec.order_by)
    # A publish inside an outer transaction (a replay) may find the table of an earlier one.
    conn.execute("drop table if exists pg_temp.passing_batch")
    conn.execute(sql.SQL(load_sql("pipeline/create_passing_batch")).format(table=table))
    rows = conn.execute(
        sql.SQL(load_sql("pipeline/insert_passing_batch")).format(table=table, key=key, order=order),
        {"batch_id": batch_id},
    ).rowcount
    natural_key = sql.SQL(", ").join(sql.Identifier(col) for col in spec.natural_key)
    if spec.passing_split:
        loaded = conn.execute(sql.SQL(load_sql("pipeline/count_passing_keys")).format(key=natural_key)).fetchone()[0]
    else:
        loaded = rows
    passing = conn.execute(
        sql.SQL(load_sql("pipeline/count_passing_rows")).format(table=table), {"batch_id": batch_id}
    ).fetchone()[0]
    if rows >= ANALYZE_PASSING_MIN_ROWS:
        # Temporary tables have no statistics until analysed (autovacuum never sees them); the
        # key columns are what the publish statements join and group on.
        conn.execute(sql.SQL(load_sql("pipeline/analyze_passing_batch")).format(key=natural_key))
    return passing, loaded


def _ensure_staged(conn, spec: FeedSpec, batch_id: int) -> None:
    """Stage a batch again from raw if its stage never committed or its staging is missing.

    Staging tables are unlogged: a warehouse that crashed (or was stopped hard) comes back with
    them empty, and a publish task retried after that would otherwise publish nothing. A batch
    still running (its stage never committed) is staged here too.
    """
    from psycopg import sql

    state = conn.execute(
        sql.SQL(load_sql("pipeline/select_stage_state")).format(table=sql.Identifier(spec.staging_table)),
        {"batch_id": batch_id},
    ).fetchone()
    if state is None:
        return
    status, received, quarantined, staged = state
    if status == "running":
        reason = "it was never staged to the end"
    elif status == "staged" and not staged and received > quarantined:
        reason = "its staged rows are gone (the warehouse restarted?)"
    else:
        return  # staged, or not publishable: lock_for_publishing says why
    log.warning("%s batch %d: %s; staging it again from the raw payload", spec.name, batch_id, reason)
    stage_batch(conn, spec, batch_id)


# -- watermarks ---------------------------------------------------------------------------------
def read_watermark(conn, feed: str) -> datetime | None:
    row = conn.execute(load_sql("pipeline/select_feed_watermark"), {"feed": feed}).fetchone()
    return row[0] if row else None


def save_watermark(conn, feed: str, watermark: datetime, batch_id: int) -> None:
    with conn.transaction():
        conn.execute(
            load_sql("pipeline/upsert_feed_watermark"), {"feed": feed, "watermark": watermark, "batch_id": batch_id}
        )
