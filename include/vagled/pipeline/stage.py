"""Staging a batch: parse its payloads, check and COPY the rows to staging, validate them, quarantine failures.

``load.stage_batch`` (a load) and ``replay.replay_batch`` (quarantined records after a fix) are the
entry points; ``Stager`` is how they run, its state on the object. A batch is worked in chunks.
Preparing a chunk (parsing, the checks before staging, formatting COPY data, building the
validation frame, running the suite) needs nothing from the next chunk, so in a large batch it
runs in a forked child (vagled.pipeline.background) while this process goes on; a small batch is
prepared in-process (the Stager's two strategies, chosen by size: FORK_MIN_BYTES). This process
alone talks to PostgreSQL, applying each chunk in order, all in one transaction.

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

A record-by-record chunk smaller than FORK_MIN_ROWS is prepared in place (a fork would cost more
than it saves).
"""

from __future__ import annotations

import io
import logging
import os
import time
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import chain
from typing import Any, NamedTuple

from vagled.pipeline.feed import FeedSpec, ParseFailure, SourceStructureError
from vagled.pipeline.results import BatchRejected, to_json
from vagled.sql import load_sql

log = logging.getLogger(__name__)

# The crossover of the two strategies (Stager): a batch of fewer landed bytes is staged in-process,
# a larger one with forked workers. Measured on the 2-core development machine with job-ad JSONL
# of about 4.9 KB an ad, stage time (median), in-process / forked. Quiet machine: 5 000 ads
# (25 MB) 0.62 / 0.61 s, 10 000 (50 MB) 1.33 / 0.89 s, 20 000 (99 MB) 1.87 / 1.24 s. Loaded by
# other work: 500 (2.5 MB) 1.7 / 2.3 s, 5 000 3.9 / 5.3 s, 10 000 6.9 / 7.9 s, 20 000 16.6 / 11.8 s.
# Workers pay off once a batch fills more than their first chunk (10 000 lines): between 25 and
# 50 MB quiet, later when the cores are busy.
FORK_MIN_BYTES = 32_000_000
# In the forked strategy, a record-by-record chunk this large is validated in a forked child while
# this process parses the next; a smaller one is validated in place (a fork would cost more).
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
    # Typed values as parsed, or pandas dtype inference (see validate.validation_frame).
    as_parsed: bool
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
            as_parsed=spec.parse_rows is not None,
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
    from vagled.pipeline.record_checks import masked_text
    from vagled.pipeline.validate import validate_frame, validation_frame

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
    frame = validation_frame(
        [record_no for record_no, _ in staged],
        [item if item.__class__ is tuple else item.row for _, item in staged],
        spec.columns,
        spec.suite,
        as_parsed=ctx.as_parsed,
    )
    outcome = validate_frame(frame, spec.suite, parameters=ctx.parameters)
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
    """What a batch's staging counted, for its audit row and validation result."""

    received: int = 0
    quarantined: int = 0
    out_of_area: int = 0
    rows_validated: int = 0
    validation_s: float = 0.0
    failed_expectations: dict[str, int] = field(default_factory=dict)


class Stager:
    """Stages one batch: its state (counters, open chunks, children at work, the COPY statements) lives here.

    Two strategies, chosen by the batch's size before any work starts (``forked`` None):

    - in-process: every chunk is prepared in this process, one after the other, with one
      validation per chunk of up to ``chunk_rows`` records (a small batch: one in all). No fork,
      no pickling, no waiting for a child: an hourly increment pays only its own work;
    - forked: line-by-line chunks go to up to ``stage_workers()`` forked children at once, and a
      record-by-record chunk of FORK_MIN_ROWS or more is validated in a child while this process
      parses the next (see the module's doc).

    Both number, check, COPY (binary for typed rows of line-delimited payloads, text otherwise),
    validate and quarantine the same records in the same way; they differ only in where a chunk
    is prepared and how the payloads are cut into chunks.
    """

    def __init__(
        self,
        conn,
        spec: FeedSpec,
        batch_id: int,
        *,
        chunk_rows: int,
        forked: bool | None = None,
        summary: dict[str, Any] | None = None,
    ) -> None:
        """
        Args:
            chunk_rows: records per chunk (memory grows with it; each chunk is one validation run).
            forked: the strategy; None chooses it by the batch's size (FORK_MIN_BYTES landed, or
                FORK_MIN_ROWS records handed over by ``stage_records``). Forced off where fork is
                not available (VAGLED_NO_FORK, or no ``os.fork``).
            summary: more to keep in audit.validation_result.summary (a replay names its source).
        """
        from vagled.pipeline.background import fork_available

        self.conn, self.spec, self.batch_id, self.chunk_rows = conn, spec, batch_id, chunk_rows
        self.forked = forked if fork_available() else False
        self.summary = summary or {}
        self.totals = Totals()
        self.workers = 0  # children preparing line-by-line chunks at once (forked strategy only)
        self.ctx: StageContext | None = None
        self.cur = None
        self.pending: deque = deque()  # Background results to apply, in record order
        self.next_no = 1
        self.started_line_chunks = 0
        self.lines: list[tuple[int, str, bytes]] = []
        self.line_count = 0
        self.items: list[tuple[int, Item]] = []

    # -- entry points ---------------------------------------------------------------------------
    def stage_parts(self, parts: Iterable[tuple[int, str, bytes]]) -> Totals:
        """Stage the payloads (part_no, content_type, body), numbering their records from 1.

        Raises:
            BatchStateError: the batch is not running or staged (vagled.pipeline.batch).
            BatchRejected: the suite failed at batch level.
        """
        return self._run(lambda: self._feed_parts(iter(parts)))

    def stage_records(self, records: list[tuple[int, Item]]) -> Totals:
        """Stage records already parsed and numbered (a replay's), record by record.

        Args:
            records: (record number, item), an item as ``part_items`` gives (LooseRow or Held).
        """

        def feed() -> None:
            if self.forked is None:
                self.forked = len(records) >= FORK_MIN_ROWS
            for record_no, item in records:
                self._add(record_no, item)
            if self.items:
                self._start_items()

        return self._run(feed)

    # -- the batch's transaction ----------------------------------------------------------------
    def _run(self, feed) -> Totals:
        from psycopg import sql

        from vagled.pipeline.background import reap
        from vagled.pipeline.batch import lock_for_staging
        from vagled.pipeline.validate import suite_columns, validation_definition

        spec, conn = self.spec, self.conn
        parameters = spec.suite_parameters(conn) if spec.suite_parameters else {}
        if spec.partition_parameter:
            row = conn.execute(load_sql("pipeline/select_load_batch_partition"), {"batch_id": self.batch_id}).fetchone()
            parameters[spec.partition_parameter] = [row[0]] if row and row[0] is not None else []
        # Built before any fork, so that every child inherits the suite and context ready.
        validation_definition(spec.suite)
        suite_columns(spec.suite)
        self.ctx = StageContext.build(conn, spec, self.batch_id, parameters)
        self.table = sql.Identifier(spec.staging_table)
        self.copy_text = sql.SQL("copy staging.{} ({}) from stdin").format(
            self.table, sql.SQL(", ").join(map(sql.Identifier, ("batch_id", "record_no", *spec.columns)))
        )
        self.copy_binary = sql.SQL("{} (format binary)").format(self.copy_text)

        with conn.transaction(), conn.cursor() as cur:
            self.cur = cur
            # Held until the stage commits, so two attempts never stage one batch at once.
            lock_for_staging(conn, self.batch_id)
            cur.execute(
                sql.SQL(load_sql("pipeline/delete_staged_batch")).format(table=self.table), {"batch_id": self.batch_id}
            )
            cur.execute(load_sql("pipeline/delete_quarantined_batch"), {"batch_id": self.batch_id})
            try:
                feed()
                self._wait_until(0)
            finally:
                for background in self.pending:
                    background.abandon()
                self.pending.clear()
                reap(wait=True)
            self._close()
        return self.totals

    def _close(self) -> None:
        """Count what a lander skipped, write the batch's counts and its validation result."""
        from psycopg import sql

        from vagled.pipeline.batch import mark_staged

        totals, batch_id = self.totals, self.batch_id
        # Records a lander skipped before landing (counted in its parts) are outside the area too.
        totals.out_of_area += self.conn.execute(
            load_sql("pipeline/select_skipped_before_landing"), {"batch_id": batch_id}
        ).fetchone()[0]
        if totals.received >= ANALYZE_MIN_ROWS:
            self.cur.execute(sql.SQL(load_sql("pipeline/analyze_staged_table")).format(table=self.table))
        counts = {"received": totals.received, "quarantined": totals.quarantined, "out_of_area": totals.out_of_area}
        mark_staged(self.conn, batch_id, **counts)
        self.cur.execute(
            load_sql("pipeline/insert_validation_result"),
            {
                "batch_id": batch_id,
                "suite": self.spec.suite,
                "success": totals.quarantined == 0,
                "rows_validated": totals.rows_validated,
                "rows_failed": totals.quarantined,
                "statistics": to_json({"rows": totals.rows_validated, "failed_rows": totals.quarantined}),
                "summary": to_json({"failed_expectations": totals.failed_expectations, **self.summary}),
            },
        )

    # -- cutting the payloads into chunks -------------------------------------------------------
    def _choose_strategy(self, parts: Iterator[tuple[int, str, bytes]]) -> Iterator[tuple[int, str, bytes]]:
        """Decide in-process or forked by the batch's bytes, reading ahead at most FORK_MIN_BYTES."""
        if self.forked is not None:
            return parts
        ahead, size = [], 0
        for part in parts:
            ahead.append(part)
            size += len(part[2])
            if size >= FORK_MIN_BYTES:
                break
        self.forked = size >= FORK_MIN_BYTES
        return chain(ahead, parts)

    def _feed_parts(self, parts: Iterator[tuple[int, str, bytes]]) -> None:
        from vagled.pipeline.background import fork_available

        parts = self._choose_strategy(parts)
        by_lines = self.spec.parse_rows is not None
        if self.forked and by_lines and fork_available():
            self.workers = stage_workers()
            # Forked with no worker (VAGLED_STAGE_WORKERS aside, only a test's setting): record by
            # record, each large chunk validated in a child while this process parses the next.
            by_lines = self.workers > 0
        spec = self.spec
        for part_no, content_type, body in parts:
            if by_lines and _is_line_delimited(body):
                if self.items:
                    self._start_items()
                self.lines.append((part_no, content_type, body))
                self.line_count += _line_count(body)
                if self.line_count >= self._lines_per_chunk():
                    self._start_lines()
                continue
            if self.lines:
                self._start_lines()
            try:
                for item in part_items(self.ctx, part_no, body, content_type):
                    self._add(self.next_no, item)
                    self.next_no += 1
            except SourceStructureError as exc:
                raise BatchRejected(f"{spec.name} batch {self.batch_id}, part {part_no}: {exc}") from exc
        if self.lines:
            self._start_lines()
        if self.items:
            self._start_items()

    def _lines_per_chunk(self) -> int:
        if not self.workers:
            # In-process: a small batch is one chunk (one validation); a large one where fork is
            # not available holds no more payload at once than a worker's chunk.
            return min(self.chunk_rows, WORKER_CHUNK_LINES)
        # The first chunks are smaller (a quarter, then a half), so the workers start early.
        return min(self.chunk_rows, WORKER_CHUNK_LINES >> max(0, 2 - self.started_line_chunks))

    def _add(self, record_no: int, item: Item) -> None:
        self.items.append((record_no, item))
        if len(self.items) >= self.chunk_rows:
            self._start_items()

    def _start_lines(self) -> None:
        """Hand the gathered line-delimited payloads over as one chunk (to a child, or prepared here)."""
        from vagled.pipeline.background import Background

        self._wait_until(max(self.workers - 1, 0))
        ctx, group, first, allotted = self.ctx, self.lines, self.next_no, self.line_count
        self.pending.append(
            Background(lambda: _parse_lines_chunk(ctx, group, first, allotted), fork=bool(self.workers))
        )
        self.next_no += allotted
        self.lines, self.line_count = [], 0
        self.started_line_chunks += 1

    def _start_items(self) -> None:
        """COPY the gathered records' rows here, and validate them (in a child, or here)."""
        from vagled.pipeline.background import Background

        self._wait_until(1)
        ctx, chunk = self.ctx, self._copy_items(self.items)
        fork = bool(self.forked) and len(chunk) >= FORK_MIN_ROWS
        self.pending.append(Background(lambda: prepare_chunk(ctx, chunk, copied=True), fork=fork))
        self.items = []

    def _wait_until(self, running: int) -> None:
        while len(self.pending) > running:
            self._apply(self.pending.popleft().result()[0])

    # -- writing to PostgreSQL (this process alone) ---------------------------------------------
    def _copy_rows(self, rows: list[tuple[int, tuple]]) -> None:
        with self.cur.copy(self.copy_text) as copy:
            for record_no, row in rows:
                copy.write_row((self.batch_id, record_no, *row))

    def _copy_loose(self, rows: list[tuple[int, tuple, str | None, dict]]) -> list[Quarantined]:
        """COPY rows as text; if PostgreSQL refuses a value, find the rows it refuses and hold them."""
        import psycopg

        from vagled.pipeline.record_checks import STORABLE_VALUE_CHECK, masked_text

        if not rows:
            return []
        try:
            with self.conn.transaction():  # a savepoint: a refused COPY leaves the batch's other work intact
                self._copy_rows([(record_no, row) for record_no, row, _, _ in rows])
            return []
        except psycopg.DataError:
            log.warning("%s batch %d: a value PostgreSQL cannot store; finding its rows", self.spec.name, self.batch_id)
        refused = []
        for record_no, row, key, record in rows:
            try:
                with self.conn.transaction():
                    self._copy_rows([(record_no, row)])
            except psycopg.DataError as exc:
                detail = masked_text(str(exc))[:500]
                reason = {"expectation": STORABLE_VALUE_CHECK, "column": None, "detail": detail}
                refused.append(Quarantined(record_no, key, [reason], record))
        return refused

    def _copy_items(self, chunk: list[tuple[int, Item]]) -> list[tuple[int, Item]]:
        """COPY a parsed chunk's rows; a row PostgreSQL refuses becomes Held."""
        spec, rows = self.spec, []
        for record_no, item in chunk:
            if item.__class__ is tuple:  # typed rows of a row parser, read from a JSON page
                item = LooseRow(item, dict(zip(spec.columns, item, strict=True)))
            if item.__class__ is LooseRow:
                rows.append((record_no, item.row, spec.key_of(item.record), item.record))
        refused = {entry.record_no: entry for entry in self._copy_loose(rows)}
        if not refused:
            return chunk
        return [
            (no, Held(refused[no].key, refused[no].reasons, refused[no].record) if no in refused else item)
            for no, item in chunk
        ]

    def _apply(self, result: ChunkResult) -> None:
        """Write a prepared chunk: its COPY data, its other rows, its quarantine rows; count it."""
        import psycopg

        from vagled.pipeline.record_checks import masked_text, storable

        spec, batch_id, cur, totals = self.spec, self.batch_id, self.cur, self.totals
        if result.binary_copy:
            try:
                with self.conn.transaction(), cur.copy(self.copy_binary) as copy:
                    copy.write(result.binary_copy)
            except psycopg.DataError as exc:
                # The row checks keep what binary COPY cannot carry out of it: this is a new case.
                raise RuntimeError(
                    f"{spec.name} batch {batch_id}: PostgreSQL refused a typed row that passed the checks "
                    f"before staging ({masked_text(str(exc))[:500]}); nothing of the batch was staged"
                ) from exc
        refused = self._copy_loose(result.loose)
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
        log.info(
            "%s batch %d: staged and validated %d rows so far, %d quarantined",
            spec.name,
            batch_id,
            totals.rows_validated,
            totals.quarantined,
        )
