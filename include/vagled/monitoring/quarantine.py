"""Quarantine: list it, show a batch's records, and replay them after a fix.

A replay takes the records of a batch still in quarantine (``replayed_batch_id`` is null),
validates them again with the feed's suite as it is now and the reference data as it is now, and
publishes those that pass, through the same publish SQL as a load. It is a batch of its own in
audit.load_batch (``replay_of_batch_id`` = the batch replayed, same feed, period and part), so it
reconciles like any batch: received (the records replayed) = loaded + still quarantined +
duplicates. Records that still fail are quarantined again under the replay batch with their new
reasons, so a later fix can replay them in turn. audit.quarantine_replay records who replayed,
why, against which suite (its sha256) and the outcome. Everything happens in one transaction:
a replay that fails changes nothing.

What a replay does not do: it never closes or retires what it does not hold (a snapshot's
``post_publish_sql`` is skipped unless the feed lists it in ``replay_post_publish_sql``), and a
feed whose publish would (``replayable=False``) is refused. Records that could not be read at all
(no staged columns were kept), and records held by the checks before staging (an identity number,
a value too long or of the wrong shape: their copy is masked or cut), cannot be replayed: fix the
parser or the source and rerun the DAG for the period, the raw payload is kept. Only batches that
were published can be replayed; a rejected batch is loaded again by rerunning its DAG run.
"""

from __future__ import annotations

import getpass
import hashlib
import json
import logging
import os
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from vagled.feeds import get_feed
from vagled.pipeline.load import CHUNK_ROWS, to_json
from vagled.sql import load_sql

log = logging.getLogger(__name__)


class ReplayError(RuntimeError):
    """A batch's quarantine cannot be replayed (nothing open, wrong state, feed not replayable)."""


@dataclass(frozen=True)
class OpenBatch:
    """A batch with records in quarantine that were not replayed yet."""

    batch_id: int
    feed: str
    partition_key: str | None
    interval_start: datetime | None
    interval_end: datetime | None
    status: str
    replay_of_batch_id: int | None
    open_records: int
    quarantined_at: datetime
    reasons: str | None


@dataclass(frozen=True)
class QuarantinedRecord:
    record_no: int
    natural_key: str | None
    reasons: list[dict[str, Any]]
    record: dict[str, Any] | None
    quarantined_at: datetime
    replayed_batch_id: int | None


@dataclass
class ReplayResult:
    """What a replay did (``dry_run``: what it would do; nothing was kept)."""

    source_batch_id: int
    feed: str
    replay_batch_id: int | None
    records_replayed: int
    loaded: int
    still_quarantined: int
    duplicates: int
    not_replayable: int
    dry_run: bool = False
    still_failing: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def list_open(conn, *, feed: str | None = None, limit: int = 50) -> list[OpenBatch]:
    """Batches with open (not replayed) quarantined records, newest first."""
    rows = conn.execute(load_sql("quarantine/select_open_batches"), {"feed": feed, "limit": limit}).fetchall()
    return [OpenBatch(*row) for row in rows]


def show_batch(conn, batch_id: int, *, limit: int = 100) -> list[QuarantinedRecord]:
    """The quarantined records of a batch, open ones first."""
    rows = conn.execute(load_sql("quarantine/select_batch_records"), {"batch_id": batch_id, "limit": limit}).fetchall()
    return [QuarantinedRecord(*row) for row in rows]


def suite_sha256(suite: str) -> str:
    """A fingerprint of a suite as it is now (what a replay was validated against)."""
    from vagled.pipeline.validate import load_suite

    return hashlib.sha256(json.dumps(load_suite(suite), sort_keys=True).encode()).hexdigest()


def _operator() -> str:
    return os.environ.get("VAGLED_OPERATOR") or getpass.getuser()


def _held_before_staging(reasons: list[dict[str, Any]]) -> bool:
    """Whether a record was held by the checks before staging: its copy is masked or cut, never publishable."""
    from vagled.pipeline.record_checks import PRE_STAGING_CHECKS

    return any(isinstance(r, dict) and r.get("expectation") in PRE_STAGING_CHECKS for r in reasons or [])


def _copy_value(value: Any) -> Any:
    # quarantine.record keeps records as JSON: nested values go back as JSON text.
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return value


def replay_batch(
    conn,
    batch_id: int,
    *,
    replayed_by: str | None = None,
    note: str | None = None,
    dry_run: bool = False,
) -> ReplayResult:
    """Validate a batch's open quarantined records again and publish those that pass.

    Args:
        conn: an autocommit psycopg connection to the warehouse.
        batch_id: the batch whose quarantine is replayed.
        replayed_by: who replays (default: $VAGLED_OPERATOR or the login name), for the audit.
        note: why (e.g. "SSYK 2023 codes added to reference data"), for the audit.
        dry_run: validate and report, then roll everything back.

    Raises:
        ReplayError: the batch does not exist, was not published, has nothing open to replay,
            its feed is not replayable, or its records no longer fit the suite's structure.
    """
    import psycopg
    from psycopg import sql

    from vagled.pipeline.batch import mark_staged
    from vagled.pipeline.data_docs import record_batch_validation
    from vagled.pipeline.load import publish_batch

    replayed_by = replayed_by or _operator()
    outcome: dict[str, Any] = {}
    with conn.transaction():
        source = conn.execute(load_sql("quarantine/select_batch_for_replay"), {"batch_id": batch_id}).fetchone()
        if source is None:
            raise ReplayError(f"batch {batch_id} does not exist")
        _, feed, status, _start, _end, partition_key, _suite = source
        spec = get_feed(feed)
        if not spec.replayable:
            raise ReplayError(
                f"{feed} is not replayable: publishing a few of its records would change others; "
                f"rerun the DAG for the period of batch {batch_id} instead"
            )
        if status != "succeeded":
            raise ReplayError(
                f"batch {batch_id} is {status}, not published: rerun its DAG run to load the period "
                "again (the raw payload is kept); replay is for records held back from a published batch"
            )
        open_rows = conn.execute(
            load_sql("quarantine/select_open_records_for_replay"), {"batch_id": batch_id}
        ).fetchall()
        columns = set(spec.columns)
        replayable = [
            (no, rec)
            for no, _key, rec, reasons in open_rows
            if isinstance(rec, dict) and columns & set(rec) and not _held_before_staging(reasons)
        ]
        not_replayable = len(open_rows) - len(replayable)
        if not replayable:
            detail = (
                f" ({not_replayable} cannot be: unreadable, or held before staging with a masked or cut copy;"
                " fix the parser or the source and rerun)"
                if open_rows
                else ""
            )
            raise ReplayError(f"batch {batch_id} has no quarantined record left to replay{detail}")

        run_id = f"replay of batch {batch_id} by {replayed_by}"
        replay_id = conn.execute(
            load_sql("quarantine/insert_replay_batch"), {"batch_id": batch_id, "run_id": run_id}
        ).fetchone()[0]
        table = sql.Identifier(spec.staging_table)
        copy_sql = sql.SQL("copy staging.{} ({}) from stdin").format(
            table, sql.SQL(", ").join(map(sql.Identifier, ("batch_id", "record_no", *spec.columns)))
        )
        with conn.cursor() as cur, cur.copy(copy_sql) as copy:
            for record_no, record in replayable:
                copy.write_row((replay_id, record_no, *(_copy_value(record.get(c)) for c in spec.columns)))

        still_failing, failed_by_expectation = _revalidate(conn, spec, replay_id, partition_key, sql)
        by_expectation: dict[str, int] = {}
        for record_no, (record, reasons) in sorted(still_failing.items()):
            conn.execute(
                load_sql("pipeline/insert_quarantine_record"),
                {
                    "batch_id": replay_id,
                    "record_no": record_no,
                    "feed": feed,
                    "natural_key": spec.key_of(record),
                    "reasons": to_json(reasons),
                    "record": to_json(record),
                },
            )
            for reason in reasons:
                by_expectation[reason["expectation"]] = by_expectation.get(reason["expectation"], 0) + 1
        mark_staged(conn, replay_id, received=len(replayable), quarantined=len(still_failing), out_of_area=0)
        conn.execute(
            load_sql("pipeline/insert_validation_result"),
            {
                "batch_id": replay_id,
                "suite": spec.suite,
                "success": not still_failing,
                "rows_validated": len(replayable),
                "rows_failed": len(still_failing),
                "statistics": to_json({"rows": len(replayable), "failed_rows": len(still_failing)}),
                "summary": to_json({"failed_expectations": by_expectation, "replay_of_batch_id": batch_id}),
            },
        )
        conn.execute(
            load_sql("quarantine/mark_records_replayed"),
            {"batch_id": batch_id, "replay_batch_id": replay_id, "record_nos": [no for no, _ in replayable]},
        )
        # A replay publishes whatever passes now: the batch threshold was for the whole delivery.
        replay_spec = replace(spec, max_quarantine_share=1.0, post_publish_sql=spec.replay_post_publish_sql)
        published = publish_batch(conn, replay_spec, replay_id)
        conn.execute(
            load_sql("quarantine/insert_quarantine_replay"),
            {
                "replay_batch_id": replay_id,
                "source_batch_id": batch_id,
                "feed": feed,
                "replayed_by": replayed_by,
                "note": note,
                "suite": spec.suite,
                "suite_sha256": suite_sha256(spec.suite),
                "records_replayed": published.received,
                "loaded": published.loaded,
                "still_quarantined": published.quarantined,
                "duplicates": published.duplicates,
            },
        )
        outcome = {
            "result": ReplayResult(
                source_batch_id=batch_id,
                feed=feed,
                replay_batch_id=replay_id,
                records_replayed=published.received,
                loaded=published.loaded,
                still_quarantined=published.quarantined,
                duplicates=published.duplicates,
                not_replayable=not_replayable,
                dry_run=dry_run,
                still_failing=by_expectation,
            ),
            "failed_by_expectation": failed_by_expectation,
            "suite": spec.suite,
        }
        if dry_run:
            raise psycopg.Rollback()  # the transaction block ends quietly, having kept nothing
    result: ReplayResult = outcome["result"]
    if dry_run:
        result.replay_batch_id = None
        return result
    log.info(
        "%s batch %d replayed as batch %d: %d records, %d loaded, %d still quarantined, %d duplicates",
        result.feed,
        batch_id,
        result.replay_batch_id,
        result.records_replayed,
        result.loaded,
        result.still_quarantined,
        result.duplicates,
    )
    record_batch_validation(
        feed=result.feed,
        suite_name=outcome["suite"],
        batch_id=result.replay_batch_id,
        rows_validated=result.records_replayed,
        failed_by_expectation=outcome["failed_by_expectation"],
        rows_failed=result.still_quarantined,
        run_name=f"replay-of-batch-{batch_id}",
    )
    return result


def _revalidate(conn, spec, replay_id: int, partition_key: str | None, sql) -> tuple[dict, dict]:
    """Validate the replay batch's staged records; return the failures and rows failed per expectation."""
    import pandas as pd

    from vagled.pipeline.data_docs import expectation_key
    from vagled.pipeline.validate import validate_frame

    parameters = spec.suite_parameters(conn) if spec.suite_parameters else {}
    if spec.partition_parameter:
        parameters[spec.partition_parameter] = [partition_key] if partition_key is not None else []
    query = sql.SQL(load_sql("quarantine/select_staged_records")).format(
        table=sql.Identifier(spec.staging_table),
        columns=sql.SQL(", ").join(map(sql.Identifier, spec.columns)),
    )
    failing: dict[int, tuple[dict[str, Any], list[dict]]] = {}
    failed_by_expectation: dict[str, int] = {}
    with conn.cursor(name=f"replay_{replay_id}") as cur:
        cur.itersize = CHUNK_ROWS
        cur.execute(query, {"batch_id": replay_id})
        while rows := cur.fetchmany(CHUNK_ROWS):
            records = {row[0]: dict(zip(spec.columns, row[1:], strict=True)) for row in rows}
            frame = pd.DataFrame.from_records(
                [{"record_no": no, **rec} for no, rec in records.items()], columns=["record_no", *spec.columns]
            )
            outcome = validate_frame(frame, spec.suite, parameters=parameters)
            if outcome.batch_failures:
                raise ReplayError(
                    f"the suite {spec.suite!r} fails the replayed records as a whole (their structure no "
                    f"longer fits it): {to_json(outcome.batch_failures)}; nothing was replayed"
                )
            for record_no, failure in outcome.failures.items():
                failing[record_no] = (records[record_no], list(failure.reasons))
                for reason in failure.reasons:
                    key = expectation_key(reason)
                    failed_by_expectation[key] = failed_by_expectation.get(key, 0) + 1
    return failing, failed_by_expectation
