"""Staging a batch: parse its payloads, check and COPY the rows to staging, validate them, quarantine failures.

``load.stage_batch`` is the entry point; this module is how it runs. A batch is worked in chunks.
Preparing a chunk (parsing, the checks before staging, formatting COPY data, building the
validation frame, running the suite) needs nothing from the next chunk, so it runs in a forked
child (vagled.pipeline.background) while this process goes on; this process alone talks to
PostgreSQL, applying each chunk in order, all in one transaction.

Two ways to cut the work, by payload:

- line by line (a feed with a row parser, JSONL payloads such as the historical job-ad files):
  the payloads of a chunk go to a child whole; it parses them too, so parsing, validation and
  formatting of several chunks run side by side, one child per core. A record is one line, so
  this process allots a chunk as many record numbers as it has lines before it is parsed (a
  count in C): numbers increase in file order, dense but for a gap where lines are blank. The
  child returns the typed rows as binary COPY data, and the few other rows as values, which this
  process COPYs as text and, if PostgreSQL refuses one, quarantines it (``storable_value``) in
  place of what the child found for it;
- record by record (every other payload): this process parses, numbers the records densely,
  COPYs them (finding and quarantining any row PostgreSQL refuses) and hands the chunk to a
  child to validate while it parses the next.

Every record passes the same checks before staging whatever its feed (vagled.pipeline.record_checks:
identity numbers, over-long text, nested values, non-finite numbers); a typed row is checked
column by column in C first and only taken apart when one of its texts could fail them.

A chunk smaller than FORK_MIN_ROWS is prepared in place (a fork would cost more than it saves).
"""

from __future__ import annotations

import io
import logging
import os
import time
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
# A batch this large gets fresh statistics of its staging table before its stage commits (see
# include/sql/pipeline/analyze_staged_table.sql); a small one cannot make a bad plan costly, and
# its stage (one of the 52 municipalities' at once) should not queue for the table's lock.
ANALYZE_MIN_ROWS = 10_000
_INT4 = (-(2**31), 2**31 - 1)
_INT8 = (-(2**63), 2**63 - 1)


def stage_workers() -> int:
    """Children preparing line-by-line chunks at once: one per core, or VAGLED_STAGE_WORKERS."""
    configured = os.environ.get("VAGLED_STAGE_WORKERS")
    return max(1, int(configured)) if configured else max(1, min(os.cpu_count() or 1, 4))


class LooseRow(NamedTuple):
    """A record COPYed as text: its staged row, and the record as a dict (for quarantine)."""

    row: tuple
    record: dict[str, Any]


class Unreadable(NamedTuple):
    """A record that could not be parsed, with the payload it came from."""

    failure: ParseFailure
    part_no: int


class Held(NamedTuple):
    """A record quarantined before staging (the checks of record_checks, or a value PostgreSQL refused)."""

    key: str | None
    reasons: list[dict[str, Any]]
    record: dict[str, Any]


# What a chunk holds per record: (record number, item). An item is a typed row (tuple, COPYed in
# binary), a LooseRow, an Unreadable, a Held, or None for a record outside the area.
Item = tuple | LooseRow | Unreadable | Held | None


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


@dataclass
class StageContext:
    """What preparing a chunk needs; built before any fork, so every child inherits it ready."""

    conn: Any
    spec: FeedSpec
    batch_id: int
    parameters: dict[str, Any]
    binary_types: list[str] | None
    make_frame: Any
    # Positions in a typed row (the staged columns) of its text, int4 and int8 values.
    text_positions: tuple[int, ...] = ()
    int_ranges: tuple[tuple[int, tuple[int, int]], ...] = ()

    @classmethod
    def build(cls, conn, spec: FeedSpec, batch_id: int, parameters: dict[str, Any]) -> StageContext:
        # Rows from a row parser carry the column types: binary COPY skips text formatting and parsing.
        binary_types = binary_copy_types(conn, spec) if spec.parse_rows is not None else None
        types = (binary_types or [])[2:]
        return cls(
            conn=conn,
            spec=spec,
            batch_id=batch_id,
            parameters=parameters,
            binary_types=binary_types,
            make_frame=object_frame if spec.parse_rows is not None else dict_frame,
            text_positions=tuple(i for i, name in enumerate(types) if name == "text"),
            int_ranges=tuple(
                (i, _INT4 if name == "int4" else _INT8) for i, name in enumerate(types) if name in ("int4", "int8")
            ),
        )


# Short texts (codes, organisation numbers, names) already looked at, and whether they hold a number.
_SHORT_TEXTS: dict[str, bool] = {}


def _checked_row(ctx: StageContext, row: tuple) -> tuple | LooseRow | Held:
    """A typed row as record_checks.check_record would treat it, its texts looked at cheaply first.

    Returns the row itself when it passes; a Held record when a check fails; a LooseRow (COPYed as
    text, where PostgreSQL's refusal is caught row by row) for a value binary COPY cannot carry.
    """
    from vagled.pipeline.record_checks import MAX_TEXT_CHARS, check_record
    from vagled.privacy import find_identity_numbers, may_hold_identity_number

    suspect = demote = False
    known = _SHORT_TEXTS
    for position in ctx.text_positions:
        value = row[position]
        if value is None:
            continue
        size = len(value)
        if size >= 10:  # fewer characters cannot hold the ten digits of a number
            # Organisation numbers have ten digits too, and employers recur: short texts are
            # looked up once. Only a text holding a number (or too long) makes the row suspect.
            found = known.get(value) if size <= 64 else None
            if found is None:
                found = size > MAX_TEXT_CHARS or (
                    may_hold_identity_number(value) and bool(find_identity_numbers(value))
                )
                if size <= 64:
                    if len(known) >= 100_000:
                        known.clear()
                    known[value] = found
            suspect = suspect or found
        if "\x00" in value:
            demote = True
    for position, (low, high) in ctx.int_ranges:
        value = row[position]
        if value is not None and not low <= value <= high:
            demote = True
    if not (suspect or demote):
        return row
    columns = ctx.spec.columns
    record = dict(zip(columns, row, strict=True))
    if suspect:
        checked, problems = check_record(record, columns)
        if problems:
            return Held(ctx.spec.key_of(checked), problems, checked)
    return LooseRow(row, record) if demote else row


def part_items(ctx: StageContext, part_no: int, body: bytes, content_type: str) -> Iterator[Item]:
    """Parse one payload into chunk items (see Item), with the checks before staging applied."""
    from vagled.pipeline.record_checks import check_record

    spec = ctx.spec
    columns, in_area = spec.columns, spec.in_area
    view = _RowView(columns)
    typed = ctx.binary_types is not None
    for item in (spec.parse_rows or spec.parse)(body, content_type):
        if item.__class__ is tuple:
            if in_area is not None:
                view.row = item
                if not in_area(view):
                    yield None
                    continue
            if typed:
                yield _checked_row(ctx, item)
                continue
            item, area_checked = dict(zip(columns, item, strict=True)), True  # no binary COPY: a record
        else:
            area_checked = False
        if isinstance(item, ParseFailure):
            yield Unreadable(item, part_no)
        elif in_area is not None and not area_checked and not in_area(item):
            yield None
        else:
            checked, problems = check_record(item, columns)
            if problems:
                yield Held(spec.key_of(checked), problems, checked)
            else:
                yield LooseRow(tuple(map(checked.get, columns)), checked)


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


class Quarantined(NamedTuple):
    record_no: int
    key: str | None
    reasons: list[dict[str, Any]]
    record: dict[str, Any] | None


@dataclass
class ChunkResult:
    """A prepared chunk (small enough to pickle): COPY data of its typed rows, its other rows to
    COPY as text (record number, row, key, record), what it quarantines, and its counts."""

    binary_copy: bytes = b""
    loose: list[tuple[int, tuple, str | None, dict[str, Any]]] = field(default_factory=list)
    quarantined: list[Quarantined] = field(default_factory=list)
    received: int = 0
    out_of_area: int = 0
    validated: int = 0
    validation_s: float = 0.0


def _binary_copy_data(ctx: StageContext, rows: list[tuple]) -> bytes:
    """The rows as binary COPY data (a complete stream, as psycopg formats it), without sending it."""
    from psycopg.copy import Copy, FileWriter

    buffer = io.BytesIO()
    # A cursor object only lends its adapters here: nothing is sent on the connection.
    with ctx.conn.cursor() as cur, Copy(cur, binary=True, writer=FileWriter(buffer)) as copy:
        copy.set_types(ctx.binary_types)
        for row in rows:
            copy.write_row(row)
    return buffer.getvalue()


def prepare_chunk(ctx: StageContext, chunk: list[tuple[int, Item]], *, copied: bool) -> ChunkResult:
    """Account, format and validate one chunk (in a child or in place); nothing touches the server.

    Args:
        copied: this process already COPYed the chunk's rows (record by record); otherwise the
            typed rows come back as binary COPY data and the others as values to COPY.

    Raises:
        BatchRejected: the suite failed at batch level (the structure of the source changed).
    """
    from vagled.pipeline.load import BatchRejected, to_json
    from vagled.pipeline.record_checks import masked_text
    from vagled.pipeline.validate import validate_frame

    spec, batch_id = ctx.spec, ctx.batch_id
    result = ChunkResult()
    staged: list[tuple[int, tuple | LooseRow]] = []
    typed: list[tuple] = []
    for record_no, item in chunk:
        if item is None:
            result.out_of_area += 1
            continue
        result.received += 1
        kind = item.__class__
        if kind is Unreadable:
            failure, part_no = item
            reason = {"expectation": failure.check, "column": None, "detail": masked_text(failure.reason)}
            excerpt = {"part_no": part_no, "excerpt": masked_text(failure.excerpt[:2000])}
            result.quarantined.append(Quarantined(record_no, None, [reason], excerpt))
            continue
        if kind is Held:
            result.quarantined.append(Quarantined(record_no, item.key, item.reasons, item.record))
            continue
        staged.append((record_no, item))
        if copied:
            continue
        if kind is tuple:
            typed.append((batch_id, record_no, *item))
        else:
            result.loose.append((record_no, item.row, spec.key_of(item.record), item.record))
    if typed:
        result.binary_copy = _binary_copy_data(ctx, typed)
    if not staged:
        return result

    started = time.monotonic()
    outcome = validate_frame(ctx.make_frame(staged, spec.columns, spec.suite), spec.suite, parameters=ctx.parameters)
    result.validation_s = time.monotonic() - started
    result.validated = len(staged)
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
            result.quarantined.append(Quarantined(record_no, spec.key_of(record), list(failure.reasons), record))
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
            for item in part_items(ctx, part_no, body, content_type):
                chunk.append((record_no, item))
                record_no += 1
        except SourceStructureError as exc:
            raise BatchRejected(f"{ctx.spec.name} batch {ctx.batch_id}, part {part_no}: {exc}") from exc
    if record_no - first_no > allotted:
        raise RuntimeError(
            f"{ctx.spec.name} batch {ctx.batch_id}: {record_no - first_no} records in {allotted} lines; "
            "a row parser must give one record per line of a line-delimited payload"
        )
    return prepare_chunk(ctx, chunk, copied=False)


@dataclass
class Totals:
    """What a batch's staging counted, for its audit row, validation result and Data Docs."""

    received: int = 0
    quarantined: int = 0
    out_of_area: int = 0
    rows_validated: int = 0
    validation_s: float = 0.0
    failed_expectations: dict[str, int] = field(default_factory=dict)
    failed_by_expectation: dict[str, int] = field(default_factory=dict)


def stage(
    conn,
    spec: FeedSpec,
    batch_id: int,
    *,
    chunk_rows: int,
    parts: Iterable[tuple[int, str, bytes]],
) -> tuple[Totals, int] | Any:
    """Stage every payload of ``parts`` for the batch, in one transaction holding its audit row.

    Returns:
        The totals (load.stage_batch writes Data Docs from them) and how many worker processes
        prepared line-by-line chunks (0 when none did).

    Raises:
        BatchStateError: the batch is not running or staged (vagled.pipeline.batch).
        BatchRejected: the suite failed at batch level.
    """
    import psycopg
    from psycopg import sql

    from vagled.pipeline.background import Background, fork_available, reap
    from vagled.pipeline.batch import lock_for_staging, mark_staged
    from vagled.pipeline.data_docs import expectation_key
    from vagled.pipeline.load import BatchRejected, to_json
    from vagled.pipeline.record_checks import STORABLE_VALUE_CHECK, masked_text, storable
    from vagled.pipeline.validate import suite_columns, validation_definition

    parameters = spec.suite_parameters(conn) if spec.suite_parameters else {}
    if spec.partition_parameter:
        row = conn.execute(load_sql("pipeline/select_load_batch_partition"), {"batch_id": batch_id}).fetchone()
        parameters[spec.partition_parameter] = [row[0]] if row and row[0] is not None else []
    validation_definition(spec.suite)
    suite_columns(spec.suite)
    ctx = StageContext.build(conn, spec, batch_id, parameters)
    table = sql.Identifier(spec.staging_table)
    copy_text = sql.SQL("copy staging.{} ({}) from stdin").format(
        table, sql.SQL(", ").join(map(sql.Identifier, ("batch_id", "record_no", *spec.columns)))
    )
    copy_binary = sql.SQL("{} (format binary)").format(copy_text)
    workers = stage_workers() if spec.parse_rows is not None and fork_available() else 0
    totals = Totals()
    pending: deque[Background] = deque()

    with conn.transaction(), conn.cursor() as cur:
        lock_for_staging(conn, batch_id)
        cur.execute(sql.SQL(load_sql("pipeline/delete_staged_batch")).format(table=table), {"batch_id": batch_id})
        cur.execute(load_sql("pipeline/delete_quarantined_batch"), {"batch_id": batch_id})

        def copy_rows(rows: list[tuple[int, tuple]]) -> None:
            with cur.copy(copy_text) as copy:
                for record_no, row in rows:
                    copy.write_row((batch_id, record_no, *row))

        def copy_loose(rows: list[tuple[int, tuple, str | None, dict]]) -> list[Quarantined]:
            """COPY rows as text; if PostgreSQL refuses a value, find the rows it refuses and hold them."""
            if not rows:
                return []
            try:
                with conn.transaction():  # a savepoint: a refused COPY leaves the batch's other work intact
                    copy_rows([(record_no, row) for record_no, row, _, _ in rows])
                return []
            except psycopg.DataError:
                log.warning("%s batch %d: a value PostgreSQL cannot store; finding its rows", spec.name, batch_id)
            refused = []
            for record_no, row, key, record in rows:
                try:
                    with conn.transaction():
                        copy_rows([(record_no, row)])
                except psycopg.DataError as exc:
                    detail = masked_text(str(exc))[:500]
                    reason = {"expectation": STORABLE_VALUE_CHECK, "column": None, "detail": detail}
                    refused.append(Quarantined(record_no, key, [reason], record))
            return refused

        def apply(result: ChunkResult) -> None:
            """Write a prepared chunk: its COPY data, its other rows, its quarantine rows."""
            if result.binary_copy:
                try:
                    with conn.transaction(), cur.copy(copy_binary) as copy:
                        copy.write(result.binary_copy)
                except psycopg.DataError as exc:
                    # The row checks keep what binary COPY cannot carry out of it: this is a new case.
                    raise RuntimeError(
                        f"{spec.name} batch {batch_id}: PostgreSQL refused a typed row that passed the checks "
                        f"before staging ({masked_text(str(exc))[:500]}); nothing of the batch was staged"
                    ) from exc
            refused = copy_loose(result.loose)
            quarantined = result.quarantined
            if refused:
                # A refused row is not staged: what the suite found in it gives way to the refusal.
                gone = {entry.record_no for entry in refused}
                quarantined = [entry for entry in quarantined if entry.record_no not in gone] + refused
                result.validated -= len(gone)
            if quarantined:
                # executemany runs in pipeline mode: one round trip for the lot, not one per row.
                cur.executemany(
                    load_sql("pipeline/insert_quarantine_record"),
                    [
                        {
                            "batch_id": batch_id,
                            "record_no": entry.record_no,
                            "feed": spec.name,
                            "natural_key": storable(entry.key),
                            "reasons": to_json(storable(entry.reasons)),
                            "record": to_json(storable(entry.record)) if entry.record is not None else None,
                        }
                        for entry in quarantined
                    ],
                )
            totals.received += result.received
            totals.out_of_area += result.out_of_area
            totals.quarantined += len(quarantined)
            totals.rows_validated += result.validated
            totals.validation_s += result.validation_s
            for entry in quarantined:
                for reason in entry.reasons:
                    name = reason["expectation"]
                    totals.failed_expectations[name] = totals.failed_expectations.get(name, 0) + 1
                    check = expectation_key(reason)
                    totals.failed_by_expectation[check] = totals.failed_by_expectation.get(check, 0) + 1
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

        try:
            next_no, started_chunks = 1, 0
            lines: list[tuple[int, str, bytes]] = []
            line_count = 0
            items: list[tuple[int, Item]] = []

            def start_lines() -> None:
                nonlocal next_no, lines, line_count, started_chunks
                wait_until(max(workers - 1, 0))
                group, first, allotted = lines, next_no, line_count
                pending.append(Background(lambda: _parse_lines_chunk(ctx, group, first, allotted)))
                next_no += allotted
                lines, line_count = [], 0
                started_chunks += 1

            def start_items() -> None:
                nonlocal items
                wait_until(1)
                chunk = copy_items(items)
                pending.append(
                    Background(lambda: prepare_chunk(ctx, chunk, copied=True), fork=len(chunk) >= FORK_MIN_ROWS)
                )
                items = []

            def copy_items(chunk: list[tuple[int, Item]]) -> list[tuple[int, Item]]:
                """COPY a parsed chunk's rows; a row PostgreSQL refuses becomes Held."""
                rows = []
                for record_no, item in chunk:
                    if item.__class__ is tuple:  # typed rows of a row parser, read from a JSON page
                        item = LooseRow(item, dict(zip(spec.columns, item, strict=True)))
                    if item.__class__ is LooseRow:
                        rows.append((record_no, item.row, spec.key_of(item.record), item.record))
                refused = {entry.record_no: entry for entry in copy_loose(rows)}
                if not refused:
                    return chunk
                return [
                    (no, Held(refused[no].key, refused[no].reasons, refused[no].record) if no in refused else item)
                    for no, item in chunk
                ]

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
                    for item in part_items(ctx, part_no, body, content_type):
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

        # Records a lander skipped before landing (counted in its parts) are outside the area too.
        totals.out_of_area += conn.execute(
            load_sql("pipeline/select_skipped_before_landing"), {"batch_id": batch_id}
        ).fetchone()[0]
        if totals.received >= ANALYZE_MIN_ROWS:
            cur.execute(sql.SQL(load_sql("pipeline/analyze_staged_table")).format(table=table))
        mark_staged(
            conn, batch_id, received=totals.received, quarantined=totals.quarantined, out_of_area=totals.out_of_area
        )
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
