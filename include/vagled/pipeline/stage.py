"""Staging a batch: parse its payloads, COPY the rows to staging, validate them, quarantine failures.

``load.stage_batch`` is the entry point; this module is how it runs. A batch is worked in chunks,
and each chunk becomes a ChunkResult: its rows as COPY data (binary for the typed rows of a row
parser, text for the rest), its quarantine rows, its counts. Preparing a chunk (formatting,
building the validation frame, running the suite) needs nothing from the next chunk, so it runs in
a forked child (vagled.pipeline.background) while this process goes on; this process alone talks
to PostgreSQL, applying each chunk's result in order, all in one transaction.

Two ways to cut the work, by payload:

- line by line (a feed with a row parser, JSONL payloads such as the historical job-ad files):
  the payloads of a chunk go to a child whole; it parses them too, so parsing, validation and
  formatting of several chunks run side by side, one child per core. A record is one line, so
  this process allots a chunk as many record numbers as it has lines before it is parsed (a
  count in C): numbers increase in file order, dense but for a gap where lines are blank;
- record by record (every other payload): this process parses, numbers the records densely and
  hands each full chunk to a child to validate while it parses the next.

A chunk smaller than FORK_MIN_ROWS is prepared in place (a fork would cost more than it saves).
"""

from __future__ import annotations

import io
import logging
import os
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from vagled.pipeline.feed import FeedSpec, ParseFailure, SourceStructureError
from vagled.sql import load_sql

log = logging.getLogger(__name__)

# A chunk this large is prepared in a forked child while this process goes on; smaller ones (an
# hourly increment) are prepared in place.
FORK_MIN_ROWS = 10_000
# Lines of JSONL per worker chunk: this process holds one chunk's payloads at a time (a job ad is
# about 4.6 KB), and a validation run costs about 0.1 s whatever its size. The first chunks are
# smaller (a quarter, then a half), so that the workers start before a whole chunk is read.
WORKER_CHUNK_LINES = 40_000


def stage_workers() -> int:
    """Children preparing line-by-line chunks at once: one per core, or VAGLED_STAGE_WORKERS."""
    configured = os.environ.get("VAGLED_STAGE_WORKERS")
    return max(1, int(configured)) if configured else max(1, min(os.cpu_count() or 1, 4))


class LooseRow(NamedTuple):
    """A record a parser gave as a dict: its staged row, and the dict as given (kept for quarantine)."""

    row: tuple
    record: dict[str, Any]


class Unreadable(NamedTuple):
    """A record that could not be parsed, with the payload it came from."""

    failure: ParseFailure
    part_no: int


# What a chunk holds per record: (record number, item). An item is a typed row (tuple), a
# LooseRow, an Unreadable, or None for a record outside the area.
Item = tuple | LooseRow | Unreadable | None


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


def part_items(spec: FeedSpec, part_no: int, body: bytes, content_type: str) -> Iterator[Item]:
    """Parse one payload into chunk items (see Item)."""
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
            yield Unreadable(item, part_no)
        elif in_area is not None and not in_area(item):
            yield None
        else:
            yield LooseRow(tuple(map(item.get, columns)), item)


def _is_line_delimited(body: bytes) -> bool:
    return body.lstrip()[:1] == b"{"


def _line_count(body: bytes) -> int:
    """Lines in a payload: at least its records, one per line (a single-byte count, in C)."""
    return body.count(b"\n") + (0 if body.endswith(b"\n") else 1)


def binary_copy_types(conn, spec: FeedSpec) -> list[str] | None:
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


def object_frame(chunk: list[tuple[int, tuple | LooseRow]], columns: tuple[str, ...], suite: str):
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


def dict_frame(chunk: list[tuple[int, tuple | LooseRow]], columns: tuple[str, ...], suite: str):
    """The chunk as a frame with pandas' dtype inference, as the feeds' suites were written against."""
    import pandas as pd

    return pd.DataFrame.from_records(
        [(record_no, *(item if item.__class__ is tuple else item.row)) for record_no, item in chunk],
        columns=["record_no", *columns],
    )


@dataclass
class StageContext:
    """What preparing a chunk needs; built before any fork, so every child inherits it ready."""

    conn: Any
    spec: FeedSpec
    batch_id: int
    parameters: dict[str, Any]
    binary_types: list[str] | None
    make_frame: Any


@dataclass
class ChunkResult:
    """A prepared chunk: its COPY data, quarantine rows and counts (small enough to pickle)."""

    binary_copy: bytes = b""
    text_copy: bytes = b""
    quarantine: list[dict[str, Any]] = field(default_factory=list)
    received: int = 0
    out_of_area: int = 0
    rows_validated: int = 0
    failed_expectations: dict[str, int] = field(default_factory=dict)
    failed_by_expectation: dict[str, int] = field(default_factory=dict)
    validation_s: float = 0.0


def _copy_data(ctx: StageContext, rows: list[tuple], *, binary: bool) -> bytes:
    """The rows as COPY data (a complete stream, as psycopg formats it), without sending it."""
    from psycopg.copy import Copy, FileWriter

    buffer = io.BytesIO()
    # A cursor object only lends its adapters here: nothing is sent on the connection.
    with ctx.conn.cursor() as cur, Copy(cur, binary=binary, writer=FileWriter(buffer)) as copy:
        if binary:
            copy.set_types(ctx.binary_types)
        for row in rows:
            copy.write_row(row)
    return buffer.getvalue()


def prepare_chunk(ctx: StageContext, chunk: list[tuple[int, Item]]) -> ChunkResult:
    """Format, validate and account one chunk (in a child or in place); nothing touches the server.

    Raises:
        BatchRejected: the suite failed at batch level (the structure of the source changed).
    """
    import time

    from vagled.pipeline.data_docs import expectation_key
    from vagled.pipeline.load import BatchRejected, to_json
    from vagled.pipeline.validate import validate_frame

    spec, batch_id = ctx.spec, ctx.batch_id
    result = ChunkResult()

    def quarantine(record_no: int, key: str | None, reasons: list[dict], record: dict | None) -> None:
        result.quarantine.append(
            {
                "batch_id": batch_id,
                "record_no": record_no,
                "feed": spec.name,
                "natural_key": key,
                "reasons": to_json(reasons),
                "record": to_json(record) if record is not None else None,
            }
        )
        for reason in reasons:
            expectation = reason["expectation"]
            result.failed_expectations[expectation] = result.failed_expectations.get(expectation, 0) + 1
            check = expectation_key(reason)
            result.failed_by_expectation[check] = result.failed_by_expectation.get(check, 0) + 1

    staged: list[tuple[int, tuple | LooseRow]] = []
    typed: list[tuple] = []
    loose: list[tuple] = []
    for record_no, item in chunk:
        if item is None:
            result.out_of_area += 1
            continue
        result.received += 1
        if item.__class__ is Unreadable:
            failure, part_no = item
            reason = {"expectation": failure.check, "column": None, "detail": failure.reason}
            quarantine(record_no, None, [reason], {"part_no": part_no, "excerpt": failure.excerpt[:2000]})
            continue
        staged.append((record_no, item))
        if item.__class__ is tuple and ctx.binary_types is not None:
            typed.append((batch_id, record_no, *item))
        else:
            loose.append((batch_id, record_no, *(item if item.__class__ is tuple else item.row)))
    if typed:
        result.binary_copy = _copy_data(ctx, typed, binary=True)
    if loose:
        result.text_copy = _copy_data(ctx, loose, binary=False)
    if not staged:
        return result

    started = time.monotonic()
    outcome = validate_frame(ctx.make_frame(staged, spec.columns, spec.suite), spec.suite, parameters=ctx.parameters)
    result.validation_s = time.monotonic() - started
    result.rows_validated = len(staged)
    if outcome.batch_failures:
        raise BatchRejected(
            f"{spec.name} batch {batch_id}: the suite {spec.suite!r} failed at batch level "
            f"(the structure of the source changed?): {to_json(outcome.batch_failures)}"
        )
    if outcome.failures:
        by_no = dict(staged)
        for record_no, failure in sorted(outcome.failures.items()):
            item = by_no[record_no]
            record = dict(zip(spec.columns, item, strict=True)) if item.__class__ is tuple else item.record
            quarantine(record_no, spec.key_of(record), list(failure.reasons), record)
    return result


def _parse_lines_chunk(
    ctx: StageContext, parts: list[tuple[int, str, bytes]], first_no: int, allotted: int
) -> ChunkResult:
    """Parse line-delimited payloads (numbered from ``first_no``), then prepare them as one chunk."""
    from vagled.pipeline.load import BatchRejected

    chunk: list[tuple[int, Item]] = []
    record_no = first_no
    for part_no, content_type, body in parts:
        try:
            for item in part_items(ctx.spec, part_no, body, content_type):
                chunk.append((record_no, item))
                record_no += 1
        except SourceStructureError as exc:
            raise BatchRejected(f"{ctx.spec.name} batch {ctx.batch_id}, part {part_no}: {exc}") from exc
    if record_no - first_no > allotted:
        raise RuntimeError(
            f"{ctx.spec.name} batch {ctx.batch_id}: {record_no - first_no} records in {allotted} lines; "
            "a row parser must give one record per line of a line-delimited payload"
        )
    return prepare_chunk(ctx, chunk)


@dataclass
class _Totals:
    received: int = 0
    quarantined: int = 0
    out_of_area: int = 0
    rows_validated: int = 0
    validation_s: float = 0.0
    failed_expectations: dict[str, int] = field(default_factory=dict)
    failed_by_expectation: dict[str, int] = field(default_factory=dict)

    def add(self, result: ChunkResult) -> None:
        self.received += result.received
        self.quarantined += len(result.quarantine)
        self.out_of_area += result.out_of_area
        self.rows_validated += result.rows_validated
        self.validation_s += result.validation_s
        for name, count in result.failed_expectations.items():
            self.failed_expectations[name] = self.failed_expectations.get(name, 0) + count
        for name, count in result.failed_by_expectation.items():
            self.failed_by_expectation[name] = self.failed_by_expectation.get(name, 0) + count


def stage(
    conn,
    spec: FeedSpec,
    batch_id: int,
    *,
    chunk_rows: int,
    parts: Iterable[tuple[int, str, bytes]],
) -> tuple[_Totals, int]:
    """Stage every payload of ``parts`` for the batch, in one transaction.

    Returns:
        The totals (load.stage_batch writes Data Docs from them), and how many worker processes
        prepared line-by-line chunks (0 when none did).
    """
    from psycopg import sql

    from vagled.pipeline.background import Background, fork_available, reap
    from vagled.pipeline.load import BatchRejected, to_json
    from vagled.pipeline.validate import suite_columns, validation_definition

    parameters = spec.suite_parameters(conn) if spec.suite_parameters else {}
    if spec.partition_parameter:
        row = conn.execute(load_sql("pipeline/select_load_batch_partition"), {"batch_id": batch_id}).fetchone()
        parameters[spec.partition_parameter] = [row[0]] if row and row[0] is not None else []
    validation_definition(spec.suite)
    suite_columns(spec.suite)
    ctx = StageContext(
        conn=conn,
        spec=spec,
        batch_id=batch_id,
        parameters=parameters,
        # Rows from a row parser carry the column types: binary COPY skips text formatting and parsing.
        binary_types=binary_copy_types(conn, spec) if spec.parse_rows is not None else None,
        make_frame=object_frame if spec.parse_rows is not None else dict_frame,
    )
    table = sql.Identifier(spec.staging_table)
    copy_text = sql.SQL("copy staging.{} ({}) from stdin").format(
        table, sql.SQL(", ").join(map(sql.Identifier, ("batch_id", "record_no", *spec.columns)))
    )
    copy_binary = sql.SQL("{} (format binary)").format(copy_text)
    workers = stage_workers() if spec.parse_rows is not None and fork_available() else 0
    totals = _Totals()
    pending: deque[Background] = deque()

    with conn.transaction(), conn.cursor() as cur:
        cur.execute(sql.SQL(load_sql("pipeline/delete_staged_batch")).format(table=table), {"batch_id": batch_id})
        cur.execute(load_sql("pipeline/delete_quarantined_batch"), {"batch_id": batch_id})

        def apply(result: ChunkResult) -> None:
            for statement, data in ((copy_binary, result.binary_copy), (copy_text, result.text_copy)):
                if data:
                    with cur.copy(statement) as copy:
                        copy.write(data)
            if result.quarantine:
                # executemany runs in pipeline mode: one round trip for the lot, not one per row.
                cur.executemany(load_sql("pipeline/insert_quarantine_record"), result.quarantine)
            totals.add(result)
            log.info(
                "%s batch %d: staged and validated %d rows so far, %d quarantined",
                spec.name,
                batch_id,
                totals.rows_validated,
                totals.quarantined,
            )

        def wait_until(running: int) -> None:
            while len(pending) > running:
                apply(pending.popleft().result()[0])

        def start(work, *, fork: bool) -> None:
            pending.append(Background(work, fork=fork))

        try:
            next_no, started_chunks = 1, 0
            lines: list[tuple[int, str, bytes]] = []
            line_count = 0
            items: list[tuple[int, Item]] = []

            def start_lines() -> None:
                nonlocal next_no, lines, line_count, started_chunks
                wait_until(max(workers - 1, 0))
                group, first, allotted = lines, next_no, line_count
                start(lambda: _parse_lines_chunk(ctx, group, first, allotted), fork=True)
                next_no += allotted
                lines, line_count = [], 0
                started_chunks += 1

            def start_items() -> None:
                nonlocal items
                wait_until(1)
                chunk = items
                start(lambda: prepare_chunk(ctx, chunk), fork=len(chunk) >= FORK_MIN_ROWS)
                items = []

            for part_no, content_type, body in parts:
                if workers and _is_line_delimited(body):
                    if items:
                        start_items()
                    lines.append((part_no, content_type, body))
                    line_count += _line_count(body)
                    if line_count >= min(chunk_rows, WORKER_CHUNK_LINES >> max(0, 2 - started_chunks)):
                        start_lines()
                    continue
                if lines:
                    start_lines()
                try:
                    for item in part_items(spec, part_no, body, content_type):
                        items.append((next_no, item))
                        next_no += 1
                        if len(items) >= chunk_rows:
                            start_items()
                except SourceStructureError as exc:
                    raise BatchRejected(f"{spec.name} batch {batch_id}, part {part_no}: {exc}") from exc
            if lines:
                start_lines()
            if items:
                start_items()
            wait_until(0)
        finally:
            for background in pending:
                background.abandon()
            reap(wait=True)

        counts = {"received": totals.received, "quarantined": totals.quarantined, "out_of_area": totals.out_of_area}
        cur.execute(load_sql("pipeline/update_load_batch_staged"), {"batch_id": batch_id, **counts})
        cur.execute(
            load_sql("pipeline/insert_validation_result"),
            {
                "batch_id": batch_id,
                "suite": spec.suite,
                "success": totals.quarantined == 0,
                "rows_validated": totals.rows_validated,
                "rows_failed": totals.quarantined,
                "statistics": to_json({"rows": totals.rows_validated, "failed_rows": totals.quarantined}),
                "summary": to_json({"failed_expectations": totals.failed_expectations}),
            },
        )
    return totals, workers if started_chunks else 0
