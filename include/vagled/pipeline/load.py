"""The one load path every feed takes: land raw -> stage -> validate -> quarantine -> publish -> audit.

Each step is a function a DAG task calls with a batch id; what passes between tasks is in the
warehouse (raw payloads, staged rows, the audit row), so a task can run on any worker and be
retried. Guarantees:

- every landed payload is kept in raw.landed_payload, immutable;
- received = loaded + quarantined + duplicates for every succeeded batch (a check constraint);
- staging a batch again first removes what an earlier attempt staged, so retries do not double;
- publishing is one transaction: core, the audit row and the staging clean-up commit together,
  so a crash leaves no half batch, and a rerun of the same data changes no row in core;
- a batch whose quarantined share passes the feed's threshold is rejected whole: nothing is
  published, the task fails with the reason, and the raw payload stays for a rerun.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, NamedTuple

from vagled.pipeline.feed import FeedSpec, ParseFailure, SourceStructureError
from vagled.pipeline.period import Period
from vagled.sql import load_sql

log = logging.getLogger(__name__)

CHUNK_ROWS = 50_000
# A chunk this large validates in a forked child while the next one is parsed; smaller ones (an
# hourly increment) validate in place, where a fork would cost more than it saves.
FORK_MIN_ROWS = 10_000


class BatchRejected(RuntimeError):
    """A batch failed validation beyond its feed's threshold, or its structure is wrong."""


@dataclass(frozen=True)
class StageResult:
    batch_id: int
    received: int
    quarantined: int
    out_of_area: int
    validation_s: float = 0.0


@dataclass(frozen=True)
class PublishResult:
    batch_id: int
    received: int
    loaded: int
    quarantined: int
    duplicates: int
    out_of_area: int

    def as_dict(self) -> dict[str, int]:
        return self.__dict__.copy()


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def to_json(value: Any) -> str:
    """JSON text for jsonb columns (dates as ISO strings, NaN as null)."""
    if isinstance(value, dict):
        value = {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in value.items()}
    return json.dumps(value, default=_json_default, ensure_ascii=False)


# -- batches ------------------------------------------------------------------------------------
def open_batch(conn, spec: FeedSpec, period: Period | None, run_id: str | None, *, partition: str | None = None) -> int:
    """Create the audit row of a new batch and close any batch of the same period left running.

    Args:
        partition: for a feed loaded in parts, the part this batch covers (a municipality code);
            only a batch of the same part and period is closed as abandoned.
    """
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
        abandoned = conn.execute(load_sql(abandon), {**params, "batch_id": batch_id})
    if abandoned.rowcount:
        log.warning("%s: closed %d abandoned batch(es) of the same period as failed", spec.name, abandoned.rowcount)
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


def fail_batch(conn, batch_id: int, error: str, *, status: str = "failed") -> None:
    """Mark a running batch failed (or rejected) with its reason."""
    with conn.transaction():
        conn.execute(
            load_sql("pipeline/update_load_batch_failed"), {"batch_id": batch_id, "status": status, "error": error}
        )


# -- stage + validate ---------------------------------------------------------------------------
def _landed_parts(conn, batch_id: int) -> Iterator[tuple[int, str, bytes]]:
    # A named (server-side) cursor streams one payload at a time: a year of ads never sits in memory.
    with conn.cursor(name=f"landed_parts_{batch_id}") as cur:
        cur.itersize = 1
        cur.execute(load_sql("pipeline/select_landed_parts"), {"batch_id": batch_id})
        for part_no, content_type, body in cur:
            yield part_no, content_type or "", bytes(body)


class _LooseRow(NamedTuple):
    """A record a parser gave as a dict: its staged row, and the dict as given (kept for quarantine)."""

    row: tuple
    record: dict[str, Any]


class _RowView:
    """A row tuple read by column name, for a feed's ``in_area`` (which reads records as dicts)."""

    __slots__ = ("_index", "row")

    def __init__(self, columns: tuple[str, ...]) -> None:
        self._index = {name: position for position, name in enumerate(columns)}
        self.row: tuple = ()

    def get(self, name: str, default: Any = None) -> Any:
        position = self._index.get(name)
        return default if position is None else self.row[position]

    def __getitem__(self, name: str) -> Any:
        return self.row[self._index[name]]


def _part_records(spec: FeedSpec, body: bytes, content_type: str) -> Iterator[tuple | _LooseRow | ParseFailure | None]:
    """Parse one payload into staged rows: a tuple (typed, from a row parser), a _LooseRow (from a
    dict), a ParseFailure, or None for a record outside the area."""
    columns, in_area = spec.columns, spec.in_area
    view = _RowView(columns)
    for item in (spec.parse_rows or spec.parse)(body, content_type):
        if item.__class__ is tuple:
            if in_area is not None:
                view.row = item
                if not in_area(view):
                    yield None
                    continue
            yield item
        elif isinstance(item, ParseFailure):
            yield item
        elif in_area is not None and not in_area(item):
            yield None
        else:
            yield _LooseRow(tuple(map(item.get, columns)), item)


def _binary_copy_types(conn, spec: FeedSpec) -> list[str] | None:
    """The type names of the staged columns for a binary COPY, or None if one cannot go binary."""
    from psycopg import ProgrammingError, pq

    types = dict(conn.execute(load_sql("pipeline/select_staging_column_types"), {"table": spec.staging_table}))
    # char(n) travels as text in binary COPY: the same bytes on the wire.
    names = [{"bpchar": "text"}.get(types.get(c), types.get(c)) for c in ("batch_id", "record_no", *spec.columns)]
    for name in names:
        info = conn.adapters.types.get(name) if name else None
        if info is None:
            return None
        try:
            conn.adapters.get_dumper_by_oid(info.oid, pq.Format.BINARY)
        except ProgrammingError:
            return None
    return names


def _object_frame(chunk: list[tuple[int, tuple | _LooseRow]], columns: tuple[str, ...], suite: str):
    """The chunk as a frame of the columns the suite reads, as object columns: values as parsed.

    Dtype inference (tz-aware datetimes to datetime64, strings to pandas' str dtype) costs more
    than the validation itself, and the suites compare values, which object columns do as Python
    does. Columns the suite does not read are left out.
    """
    import numpy as np
    import pandas as pd

    from vagled.pipeline.validate import suite_columns

    wanted = suite_columns(suite)
    record_nos = np.fromiter((record_no for record_no, _ in chunk), dtype=np.int64, count=len(chunk))
    rows = [item if item.__class__ is tuple else item.row for _, item in chunk]
    data = {"record_no": record_nos}
    for name, values in zip(columns, zip(*rows, strict=True), strict=True):
        if wanted is None or name in wanted:
            data[name] = pd.Series(values, dtype=object)
    return pd.DataFrame(data, copy=False)


def _dict_frame(chunk: list[tuple[int, tuple | _LooseRow]], columns: tuple[str, ...], suite: str):
    """The chunk as a frame with pandas' dtype inference, as the feeds' suites were written against."""
    import pandas as pd

    return pd.DataFrame.from_records(
        [(record_no, *(item if item.__class__ is tuple else item.row)) for record_no, item in chunk],
        columns=["record_no", *columns],
    )


def stage_batch(
    conn,
    spec: FeedSpec,
    batch_id: int,
    *,
    chunk_rows: int = CHUNK_ROWS,
    parts: Iterable[tuple[int, str, bytes]] | None = None,
) -> StageResult:
    """Parse every landed payload of a batch, COPY the rows to staging and validate them in chunks.

    Records that cannot be parsed, and rows that fail the feed's suite, go to quarantine.record
    with their reasons. Runs in one transaction: a retry starts from a clean slate.

    Args:
        chunk_rows: rows per COPY and per validation run (GX costs about 0.1 s a run whatever
            its size, so larger chunks validate faster; memory grows with them).
        parts: the payloads as (part_no, content_type, body), in order; by default the batch's
            landed parts in raw (a benchmark passes the same bytes read from disk).

    Raises:
        BatchRejected: the suite found a structural failure (e.g. a renamed or missing column).
    """
    from psycopg import sql

    from vagled.pipeline.background import Background
    from vagled.pipeline.data_docs import expectation_key, record_batch_validation
    from vagled.pipeline.validate import suite_columns, validate_frame, validation_definition

    counts = {"received": 0, "quarantined": 0, "out_of_area": 0}
    failed_expectations: dict[str, int] = {}
    # Rows failed per suite expectation (type, column and kwargs tell two checks of a column apart).
    failed_by_expectation: dict[str, int] = {}
    rows_validated = 0
    parameters = spec.suite_parameters(conn) if spec.suite_parameters else {}
    if spec.partition_parameter:
        row = conn.execute(load_sql("pipeline/select_load_batch_partition"), {"batch_id": batch_id}).fetchone()
        parameters[spec.partition_parameter] = [row[0]] if row and row[0] is not None else []
    table = sql.Identifier(spec.staging_table)
    copy_sql = sql.SQL("copy staging.{} ({}) from stdin").format(
        table, sql.SQL(", ").join(map(sql.Identifier, ("batch_id", "record_no", *spec.columns)))
    )
    # Rows from a row parser carry the column types: binary COPY skips text formatting and parsing.
    binary_types = _binary_copy_types(conn, spec) if spec.parse_rows is not None else None
    copy_binary_sql = sql.SQL("{} (format binary)").format(copy_sql)
    make_frame = _object_frame if spec.parse_rows is not None else _dict_frame
    pending: list[dict[str, Any]] = []

    def quarantine(record_no: int, key: str | None, reasons: list[dict], record: dict | None) -> None:
        pending.append(
            {
                "batch_id": batch_id,
                "record_no": record_no,
                "feed": spec.name,
                "natural_key": key,
                "reasons": to_json(reasons),
                "record": to_json(record) if record is not None else None,
            }
        )
        counts["quarantined"] += 1
        for reason in reasons:
            failed_expectations[reason["expectation"]] = failed_expectations.get(reason["expectation"], 0) + 1
            check = expectation_key(reason)
            failed_by_expectation[check] = failed_by_expectation.get(check, 0) + 1

    def write_quarantined(cur) -> None:
        if pending:
            # executemany runs in pipeline mode: one round trip for the lot, not one per row.
            cur.executemany(load_sql("pipeline/insert_quarantine_record"), pending)
            pending.clear()

    def records() -> Iterator[tuple[int, tuple | _LooseRow]]:
        record_no = 0
        for part_no, content_type, body in parts if parts is not None else _landed_parts(conn, batch_id):
            try:
                for item in _part_records(spec, body, content_type):
                    record_no += 1
                    if item is None:
                        counts["out_of_area"] += 1
                        continue
                    counts["received"] += 1
                    if isinstance(item, ParseFailure):
                        reason = {"expectation": item.check, "column": None, "detail": item.reason}
                        excerpt = {"part_no": part_no, "excerpt": item.excerpt[:2000]}
                        quarantine(record_no, None, [reason], excerpt)
                        continue
                    yield record_no, item
            except SourceStructureError as exc:
                raise BatchRejected(f"{spec.name} batch {batch_id}, part {part_no}: {exc}") from exc

    def stage_chunk(cur, chunk: list[tuple[int, tuple | _LooseRow]]) -> Background:
        """COPY a chunk to staging and start its validation (in a forked child when it is large)."""
        typed = binary_types is not None and all(item.__class__ is tuple for _, item in chunk)
        with cur.copy(copy_binary_sql if typed else copy_sql) as copy:
            if typed:
                copy.set_types(binary_types)
            for record_no, item in chunk:
                copy.write_row((batch_id, record_no, *(item if item.__class__ is tuple else item.row)))
        return Background(
            lambda: validate_frame(make_frame(chunk, spec.columns, spec.suite), spec.suite, parameters=parameters),
            fork=len(chunk) >= FORK_MIN_ROWS,
        )

    def finish_chunk(cur, chunk: list[tuple[int, tuple | _LooseRow]], validation: Background) -> None:
        """Take a chunk's validation outcome: quarantine its failing rows, or reject the batch."""
        nonlocal rows_validated
        outcome, seconds = validation.result()
        timing["validation_s"] += seconds
        rows_validated += len(chunk)
        if outcome.batch_failures:
            raise BatchRejected(
                f"{spec.name} batch {batch_id}: the suite {spec.suite!r} failed at batch level "
                f"(the structure of the source changed?): {to_json(outcome.batch_failures)}"
            )
        if outcome.failures:
            by_no = dict(chunk)
            for record_no, failure in sorted(outcome.failures.items()):
                item = by_no[record_no]
                record = dict(zip(spec.columns, item, strict=True)) if item.__class__ is tuple else item.record
                quarantine(record_no, spec.key_of(record), list(failure.reasons), record)
        write_quarantined(cur)
        log.info(
            "%s batch %d: staged and validated %d rows so far, %d quarantined",
            spec.name,
            batch_id,
            rows_validated,
            counts["quarantined"],
        )

    # The suite is built before any fork, so that every validating child inherits it ready.
    validation_definition(spec.suite)
    suite_columns(spec.suite)
    timing = {"validation_s": 0.0}
    with conn.transaction(), conn.cursor() as cur:
        cur.execute(sql.SQL(load_sql("pipeline/delete_staged_batch")).format(table=table), {"batch_id": batch_id})
        cur.execute(load_sql("pipeline/delete_quarantined_batch"), {"batch_id": batch_id})
        # One chunk validates (in the background) while the next is parsed and copied.
        running: list[tuple[list, Background]] = []
        try:
            chunk: list[tuple[int, tuple | _LooseRow]] = []
            for item in records():
                chunk.append(item)
                if len(chunk) >= chunk_rows:
                    running.append((chunk, stage_chunk(cur, chunk)))
                    chunk = []
                    if len(running) > 1:
                        finish_chunk(cur, *running.pop(0))
            if chunk:
                running.append((chunk, stage_chunk(cur, chunk)))
            while running:
                finish_chunk(cur, *running.pop(0))
        finally:
            for _, validation in running:
                validation.abandon()
        write_quarantined(cur)
        cur.execute(load_sql("pipeline/update_load_batch_staged"), {"batch_id": batch_id, **counts})
        cur.execute(
            load_sql("pipeline/insert_validation_result"),
            {
                "batch_id": batch_id,
                "suite": spec.suite,
                "success": counts["quarantined"] == 0,
                "rows_validated": rows_validated,
                "rows_failed": counts["quarantined"],
                "statistics": to_json({"rows": rows_validated, "failed_rows": counts["quarantined"]}),
                "summary": to_json({"failed_expectations": failed_expectations}),
            },
        )
    # Outside the transaction: Data Docs are a view of the audit row and never fail the load.
    record_batch_validation(
        feed=spec.name,
        suite_name=spec.suite,
        batch_id=batch_id,
        rows_validated=rows_validated,
        failed_by_expectation=failed_by_expectation,
        rows_failed=counts["quarantined"],
    )
    log.info(
        "%s batch %d staged: %d received, %d quarantined, %d outside the area; validation took %.1f s",
        spec.name,
        batch_id,
        counts["received"],
        counts["quarantined"],
        counts["out_of_area"],
        timing["validation_s"],
    )
    return StageResult(batch_id, **counts, validation_s=round(timing["validation_s"], 3))


# -- publish ------------------------------------------------------------------------------------
def publish_batch(conn, spec: FeedSpec, batch_id: int) -> PublishResult:
    """Merge a staged batch into core and close its audit row, in one transaction.

    Raises:
        BatchRejected: the quarantined share is above the feed's threshold (the batch is marked
            rejected and nothing is published), or the batch is not in a publishable state.
    """
    from psycopg import sql

    table = sql.Identifier(spec.staging_table)
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
        if share > spec.max_quarantine_share:
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
                message += " Unreadable: " + "; ".join(unreadable)
            conn.execute(
                load_sql("pipeline/update_load_batch_failed"),
                {"batch_id": batch_id, "status": "rejected", "error": message},
            )
        else:
            message = ""
    if message:
        raise BatchRejected(message)

    with conn.transaction():
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


# -- watermarks ---------------------------------------------------------------------------------
def read_watermark(conn, feed: str) -> datetime | None:
    row = conn.execute(load_sql("pipeline/select_feed_watermark"), {"feed": feed}).fetchone()
    return row[0] if row else None


def save_watermark(conn, feed: str, watermark: datetime, batch_id: int) -> None:
    with conn.transaction():
        conn.execute(
            load_sql("pipeline/upsert_feed_watermark"), {"feed": feed, "watermark": watermark, "batch_id": batch_id}
        )
