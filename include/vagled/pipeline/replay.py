"""Replay a batch's quarantined records after a fix: an ordinary batch, staged by the same Stager.

A replay takes the records of a batch still in quarantine (``replayed_batch_id`` is null) and
stages them as a batch of its own in audit.load_batch (``replay_of_batch_id`` = the batch
replayed, same feed, period and part): the Stager checks, COPYs and validates them with the
feed's suite and the reference data as they are now, and quarantines what still fails with its
reasons, exactly as a load's stage does; publish_batch then publishes what passes, through the
same publish SQL as a load. So it reconciles like any batch: received (the records replayed) =
loaded + still quarantined + duplicates, and a later fix can replay the records still held in
turn. audit.quarantine_replay records who replayed, why, against which suite (its sha256) and the
outcome. Everything happens in one transaction: a replay that fails changes nothing. Its Data
Docs are built after it commits.

The records come back from quarantine.record as JSON; PostgreSQL types them with the staging
table's columns (include/sql/quarantine/select_records_as_staged.sql) before the Stager sees
them, so the suite reads the values as it reads a staged batch's.

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
from typing import Any

from vagled.pipeline.feed import FeedSpec
from vagled.pipeline.results import BatchRejected, to_json
from vagled.sql import load_sql

log = logging.getLogger(__name__)

# Records typed by PostgreSQL per query (one JSON parameter each): bounds what one query holds.
TYPE_CHUNK_RECORDS = 5_000


class ReplayError(RuntimeError):
    """A batch's quarantine cannot be replayed (nothing open, wrong state, feed not replayable)."""


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


def _json_value(value: Any) -> Any:
    # A nested value goes back as JSON text, as it was staged (a text column holds it).
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
    """Stage a batch's open quarantined records again as a new batch and publish those that pass.

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

    from vagled.feeds import get_feed
    from vagled.pipeline.data_docs import record_batch_docs
    from vagled.pipeline.load import CHUNK_ROWS, publish_batch
    from vagled.pipeline.stage import Stager

    replayed_by = replayed_by or _operator()
    result: ReplayResult | None = None
    with conn.transaction():
        source = conn.execute(load_sql("quarantine/select_batch_for_replay"), {"batch_id": batch_id}).fetchone()
        if source is None:
            raise ReplayError(f"batch {batch_id} does not exist")
        _, feed, status, _start, _end, _partition_key, _suite = source
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
        stager = Stager(conn, spec, replay_id, chunk_rows=CHUNK_ROWS, summary={"replay_of_batch_id": batch_id})
        try:
            totals = stager.stage_records(as_staged(conn, spec, replayable))
        except BatchRejected as exc:
            raise ReplayError(
                f"the suite {spec.suite!r} fails the replayed records as a whole (their structure no "
                f"longer fits it): {exc}; nothing was replayed"
            ) from exc
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
        result = ReplayResult(
            source_batch_id=batch_id,
            feed=feed,
            replay_batch_id=replay_id,
            records_replayed=published.received,
            loaded=published.loaded,
            still_quarantined=published.quarantined,
            duplicates=published.duplicates,
            not_replayable=not_replayable,
            dry_run=dry_run,
            still_failing=dict(totals.failed_expectations),
        )
        if dry_run:
            raise psycopg.Rollback()  # the transaction block ends quietly, having kept nothing
    assert result is not None
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
    record_batch_docs(
        conn, feed=result.feed, suite_name=spec.suite, batch_id=replay_id, run_name=f"replay-of-batch-{batch_id}"
    )
    return result


def as_staged(conn, spec: FeedSpec, records: list[tuple[int, dict[str, Any]]]) -> list[tuple[int, Any]]:
    """Quarantined records as the Stager's items, their values typed by the staging table.

    Each record passes the checks before staging, as a parsed record does (``check_record``); one
    whose value PostgreSQL refuses is held with the reason a stage gives it (``storable_value``).
    """
    import psycopg
    from psycopg import sql

    from vagled.pipeline.record_checks import STORABLE_VALUE_CHECK, check_record, masked_text
    from vagled.pipeline.stage import Held, LooseRow

    types = dict(conn.execute(load_sql("pipeline/select_staging_column_types"), {"table": spec.staging_table}))
    # A json(b) column comes back as its JSON text, as a parser hands it over for staging.
    columns = [
        sql.SQL("r.{}::text" if types.get(c) in ("json", "jsonb") else "r.{}").format(sql.Identifier(c))
        for c in spec.columns
    ]
    query = sql.SQL(load_sql("quarantine/select_records_as_staged")).format(
        table=sql.Identifier(spec.staging_table), columns=sql.SQL(", ").join(columns)
    )

    def typed(group: list[tuple[int, dict[str, Any]]]) -> list[tuple]:
        payload = [{"record_no": no, **{c: _json_value(rec.get(c)) for c in spec.columns}} for no, rec in group]
        with conn.transaction():  # a savepoint: a refused value leaves the replay's other work intact
            return conn.execute(query, {"records": to_json(payload)}).fetchall()

    items: list[tuple[int, Any]] = []
    for start in range(0, len(records), TYPE_CHUNK_RECORDS):
        group = records[start : start + TYPE_CHUNK_RECORDS]
        try:
            rows = typed(group)
        except psycopg.DataError:
            rows = []
            for no, record in group:
                try:
                    rows.extend(typed([(no, record)]))
                except psycopg.DataError as exc:
                    reason = {
                        "expectation": STORABLE_VALUE_CHECK,
                        "column": None,
                        "detail": masked_text(str(exc))[:500],
                    }
                    items.append((no, Held(spec.key_of(record), [reason], record)))
        originals = dict(group)
        for no, *values in rows:
            checked, problems = check_record(dict(zip(spec.columns, values, strict=True)), spec.columns)
            if problems:
                items.append((no, Held(spec.key_of(checked), problems, checked)))
            else:
                # Staged and validated typed; quarantined again, the record keeps the copy its load's
                # stage gave it (its times as the parser wrote them, not in the session's zone).
                items.append((no, LooseRow(tuple(map(checked.get, spec.columns)), originals[no])))
    items.sort(key=lambda item: item[0])
    return items
