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
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

from vagled.pipeline.feed import FeedSpec
from vagled.pipeline.period import Period

# Shared with stage and replay (vagled.pipeline.results); imported here too, where callers find them.
from vagled.pipeline.results import BatchRejected, PublishResult, StageResult, to_json
from vagled.sql import load_sql

log = logging.getLogger(__name__)

CHUNK_ROWS = 50_000


# -- batches ------------------------------------------------------------------------------------
def open_batch(conn, spec: FeedSpec, period: Period | None, run_id: str | None, *, partition: str | None = None) -> int:
    """Create the audit row of a new batch and close any batch of the same period left running.

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


def note_batch(conn, batch_id: int, notes: str) -> None:
    """Record in the batch what its source did not have (audit.load_batch.notes)."""
    with conn.transaction():
        conn.execute(load_sql("pipeline/update_load_batch_notes"), {"batch_id": batch_id, "notes": notes})


def fail_batch(conn, batch_id: int, error: str, *, status: str = "failed") -> None:
    """Mark a running batch failed (or rejected) with its reason (identity numbers in it masked)."""
    from vagled.pipeline.record_checks import masked_text

    with conn.transaction():
        conn.execute(
            load_sql("pipeline/update_load_batch_failed"),
            {"batch_id": batch_id, "status": status, "error": masked_text(error)},
        )


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
    if isinstance(staged, StageResult):
        log.info("%s batch %d was already published: nothing to stage", spec.name, batch_id)
        return staged
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

    Raises:
        BatchRejected: the quarantined share is above the feed's threshold (the batch is marked
            rejected and nothing is published), or the batch is not in a publishable state.
    """
    from psycopg import sql

    table = sql.Identifier(spec.staging_table)
    _ensure_staged(conn, spec, batch_id)
    with conn.transaction():
        row = conn.execute(load_sql("pipeline/select_load_batch_for_update"), {"batch_id": batch_id}).fetchone()
        if row is None:
            raise BatchRejected(f"batch {batch_id} does not exist")
        _, feed, status, received, loaded, quarantined, duplicates, out_of_area = row
        if status == "succeeded":
            log.info("%s batch %d was already published: nothing to do", feed, batch_id)
            return PublishResult(batch_id, received, loaded, quarantined, duplicates, out_of_area)
        if status != "running":
            raise BatchRejected(f"batch {batch_id} is {status}; rerun the DAG to load the period again")
        share = quarantined / received if received else 0.0
        failed_checks = spec.batch_checks(conn, batch_id) if spec.batch_checks is not None else []
        if failed_checks:
            message = (
                f"{feed} batch {batch_id} rejected: its cross-checks failed, nothing was published: "
                + "; ".join(failed_checks[:20])
                + (f" (and {len(failed_checks) - 20} more)" if len(failed_checks) > 20 else "")
            )
            conn.execute(
                load_sql("pipeline/update_load_batch_failed"),
                {"batch_id": batch_id, "status": "rejected", "error": message},
            )
            conn.execute(sql.SQL(load_sql("pipeline/delete_staged_batch")).format(table=table), {"batch_id": batch_id})
        elif share > spec.max_quarantine_share:
            message = (
                f"{feed} batch {batch_id} rejected: {quarantined} of {received} records ({share:.1%}) failed "
                f"validation, above the feed's threshold of {spec.max_quarantine_share:.0%}. Nothing was "
                f"published; see quarantine.record where batch_id = {batch_id}; the raw payload is kept "
                "for a rerun after the fix."
            )
            unreadable = [
                r[0] for r in conn.execute(load_sql("pipeline/select_unreadable_reasons"), {"batch_id": batch_id})
            ]
            if unreadable:
                message += " Unreadable or held before validation: " + "; ".join(unreadable)
            conn.execute(
                load_sql("pipeline/update_load_batch_failed"),
                {"batch_id": batch_id, "status": "rejected", "error": message},
            )
            # The quarantine rows and the raw payload stay; the staged rows of a refused batch are litter.
            conn.execute(sql.SQL(load_sql("pipeline/delete_staged_batch")).format(table=table), {"batch_id": batch_id})
        else:
            message = ""
    if message:
        raise BatchRejected(message)

    with conn.transaction():
        # One merge of a feed (and part) at a time: two runs of a feed never interleave in core.
        conn.execute(load_sql("pipeline/lock_feed_publish"), {"batch_id": batch_id})
        conn.execute(load_sql("pipeline/select_load_batch_for_update"), {"batch_id": batch_id})
        key = sql.SQL(", ").join(sql.SQL("s.") + sql.Identifier(col) for col in spec.natural_key)
        passing, distinct_keys = conn.execute(
            sql.SQL(load_sql("pipeline/count_publishable")).format(table=table, key=key), {"batch_id": batch_id}
        ).fetchone()
        for name in spec.pre_publish_sql:
            step = conn.execute(load_sql(name), {"batch_id": batch_id})
            log.info("%s batch %d: %s changed %d rows", feed, batch_id, name, step.rowcount)
        merged = conn.execute(load_sql(spec.publish_sql), {"batch_id": batch_id})
        merged_rows = merged.rowcount
        for name in spec.post_publish_sql:
            step = conn.execute(load_sql(name), {"batch_id": batch_id})
            log.info("%s batch %d: %s changed %d rows", feed, batch_id, name, step.rowcount)
        duplicates = passing - distinct_keys
        conn.execute(
            load_sql("pipeline/update_load_batch_succeeded"),
            {"batch_id": batch_id, "loaded": distinct_keys, "duplicates": duplicates},
        )
        conn.execute(sql.SQL(load_sql("pipeline/delete_staged_batch")).format(table=table), {"batch_id": batch_id})
    log.info(
        "%s batch %d published: %d loaded (%d rows changed in core), %d quarantined, %d duplicates",
        feed,
        batch_id,
        distinct_keys,
        merged_rows,
        quarantined,
        duplicates,
    )
    return PublishResult(batch_id, received, distinct_keys, quarantined, duplicates, out_of_area)


def _ensure_staged(conn, spec: FeedSpec, batch_id: int) -> None:
    """Stage a running batch again from raw if its staging is missing.

    Staging tables are unlogged: a warehouse that crashed (or was stopped hard) comes back with
    them empty, and a publish task retried after that would otherwise publish nothing. A batch
    whose stage never committed (no validation result) is staged here too.
    """
    from psycopg import sql

    state = conn.execute(
        sql.SQL(load_sql("pipeline/select_stage_state")).format(table=sql.Identifier(spec.staging_table)),
        {"batch_id": batch_id},
    ).fetchone()
    if state is None:
        return
    status, received, quarantined, validated, staged = state
    if status != "running" or (validated and (staged or received <= quarantined)):
        return
    log.warning(
        "%s batch %d: %s; staging it again from the raw payload",
        spec.name,
        batch_id,
        "its staged rows are gone (the warehouse restarted?)" if validated else "it was never staged to the end",
    )
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
