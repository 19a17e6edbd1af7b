"""Validate a pandas frame against a Great Expectations suite from ``expectations/``, row by row.

Every feed validates its staged chunks with :func:`validate_frame`. The caller gets, per record
number, every expectation the row failed (it goes to quarantine), and separately the failures that
belong to the whole batch (a missing column, a row count): those mean the source changed shape.

How it runs, and why:

- Great Expectations is imported here, inside functions, never at module level: the import costs
  seconds, and DAG files import this package at parse time.
- One Ephemeral context per process, built in code; the suite and its validation definition are
  built once per suite name, so a stream of chunks pays the set-up once.
- A fast pass/fail gate first (result_format BOOLEAN_ONLY). Only when it fails are the failing
  expectations run again with COMPLETE results and the record numbers as unexpected index
  columns. A clean chunk, the usual case, never pays for building row lists.
- Suites reference run-time values with GX's own suite parameters, ``{"$PARAMETER": "name"}``,
  filled from ``parameters``.

What lands where: an expectation GX reports per row (every column-map expectation, and the
uniqueness ones, which flag every copy of a duplicate, the first included) gives row failures;
anything else that fails (row count, a mean, a missing column) is a batch failure. Rows are
reported only for expectations that failed as a whole: with ``mostly`` below 1, the few
unexpected rows of a passing expectation are not failures.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from vagled.config import EXPECTATIONS_DIR

if TYPE_CHECKING:
    import pandas as pd
    from great_expectations.core import ExpectationSuiteValidationResult, ExpectationValidationResult
    from great_expectations.core.batch_definition import BatchDefinition
    from great_expectations.core.expectation_suite import ExpectationSuite
    from great_expectations.core.validation_definition import ValidationDefinition
    from great_expectations.data_context import EphemeralDataContext

# Names of the objects inside the process's context; one pandas asset serves every suite.
_DATASOURCE = "vagled_frames"
_ASSET = "frame"
_BATCH_DEFINITION = "whole_frame"

# kwargs are stored with every quarantined row: a literal value list longer than this is
# summarised. Values in reasons are cut to this many characters (the full record is kept anyway).
_MAX_LIST_ITEMS = 10
_MAX_TEXT_CHARS = 200

# kwargs that name the columns an expectation reads; a frame without one of them has drifted.
_COLUMN_KWARGS = ("column", "column_A", "column_B")


@dataclass(frozen=True)
class RowFailure:
    """Everything one record failed: one reason per failed expectation.

    Each reason is ``{"expectation", "column", "kwargs", "value"}``, all JSON-safe.
    """

    record_no: int
    reasons: tuple[dict, ...]


@dataclass
class ValidationOutcome:
    """The result of validating one frame.

    Attributes:
        suite: the suite's name.
        success: every expectation passed.
        rows: rows in the frame.
        failures: the failing records, by record number.
        batch_failures: expectations that failed for the frame as a whole (row count, a column
            that is missing...); the same shape as reasons, plus ``detail`` (e.g. "column missing: x").
        statistics: evaluated / successful / unsuccessful expectation counts.
    """

    suite: str
    success: bool
    rows: int
    failures: dict[int, RowFailure] = field(default_factory=dict)
    batch_failures: list[dict] = field(default_factory=list)
    statistics: dict = field(default_factory=dict)

    def to_json(self) -> dict:
        """Return a compact JSON-safe summary for audit storage: counts per expectation, no row lists."""
        counts: Counter[tuple[str, str | None, str]] = Counter()
        for failure in self.failures.values():
            for reason in failure.reasons:
                kwargs = json.dumps(reason["kwargs"], sort_keys=True)
                counts[(reason["expectation"], reason["column"], kwargs)] += 1
        return {
            "suite": self.suite,
            "success": self.success,
            "rows": self.rows,
            "failed_rows": len(self.failures),
            "statistics": dict(self.statistics),
            "row_failures": [
                {"expectation": expectation, "column": column, "kwargs": json.loads(kwargs), "rows": rows}
                for (expectation, column, kwargs), rows in sorted(counts.items(), key=lambda item: item[0])
            ],
            "batch_failures": list(self.batch_failures),
        }


@dataclass
class _SuiteRunner:
    """A suite as GX objects, plus what the results need from the suite's own JSON."""

    suite: ExpectationSuite
    validation_definition: ValidationDefinition
    batch_definition: BatchDefinition
    # By GX expectation id: the suite's position, type, unresolved kwargs (compact) and columns read.
    order: dict[str, int]
    types: dict[str, str]
    kwargs: dict[str, dict]
    columns: dict[str, tuple[str, ...]]


_LOCK = threading.RLock()
_CONTEXT: EphemeralDataContext | None = None
_RUNNERS: dict[str, _SuiteRunner] = {}
_SUITE_COLUMNS: dict[str, frozenset[str] | None] = {}
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


# -- suites -------------------------------------------------------------------------------------
def load_suite(name: str) -> dict:
    """Read ``expectations/<name>.json``.

    Args:
        name: the suite's name; the file's ``name`` must be the same.

    Returns:
        The suite dict in GX 1.x shape: ``{"name", "expectations": [{"type", "kwargs", "meta"}], "meta"}``.

    Raises:
        FileNotFoundError: no such suite file.
        ValueError: the name points outside expectations/, or the file is not a GX 1.x suite.
    """
    path = (EXPECTATIONS_DIR / f"{name}.json").resolve()
    if path.parent != EXPECTATIONS_DIR.resolve():
        raise ValueError(f"suite name {name!r} points outside {EXPECTATIONS_DIR}")
    suite = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(suite, dict) or not isinstance(suite.get("expectations"), list):
        raise ValueError(f"{path} is not a GX 1.x suite: it needs an 'expectations' list")
    if suite.get("name") != name:
        raise ValueError(f"{path} names the suite {suite.get('name')!r}, expected {name!r}")
    for position, expectation in enumerate(suite["expectations"]):
        # GX 0.x files say "expectation_type"; GX 1.x would drop such an entry with only a log line.
        if not (
            isinstance(expectation, dict)
            and isinstance(expectation.get("type"), str)
            and isinstance(expectation.get("kwargs", {}), dict)
        ):
            raise ValueError(f"{path}: expectation #{position} needs a 'type' string and a 'kwargs' object")
    return suite


def suite_columns(name: str) -> frozenset[str] | None:
    """The columns a suite reads: those its expectations name and those its row conditions mention.

    A caller may validate a frame of these columns alone (and the index column). Returns None when
    the suite holds a table-level expectation, which may look at every column of the frame.
    """
    with _LOCK:
        if name not in _SUITE_COLUMNS:
            columns: set[str] | None = set()
            for expectation in load_suite(name)["expectations"]:
                kwargs = expectation.get("kwargs", {})
                if expectation["type"].startswith("expect_table_"):
                    columns = None
                    break
                columns.update(_columns_read(kwargs))
                if isinstance(kwargs.get("row_condition"), str):
                    # Every name-like word: a superset of the columns the condition reads.
                    columns.update(_WORD.findall(kwargs["row_condition"]))
            _SUITE_COLUMNS[name] = frozenset(columns) if columns is not None else None
        return _SUITE_COLUMNS[name]


def gx_context() -> EphemeralDataContext:
    """Return the process's Ephemeral GX context, built on first use.

    It holds one pandas data source whose whole-dataframe batch definition every suite shares.
    """
    global _CONTEXT
    with _LOCK:
        if _CONTEXT is None:
            import great_expectations as gx
            from great_expectations.data_context.types.base import ProgressBarsConfig
            from great_expectations.execution_engine import pandas_execution_engine

            # GX hashes every frame under this many bytes into a batch marker ("fingerprint") that
            # nothing here reads; on a 50 000-row chunk that costs more than the validation itself.
            # GX 1.24 has no setting for it, so the threshold (a module constant) is set to zero.
            pandas_execution_engine.HASH_THRESHOLD = 0
            context = gx.get_context(mode="ephemeral")
            # tqdm bars on stderr per run would flood task logs.
            context.variables.progress_bars = ProgressBarsConfig(globally=False)
            asset = context.data_sources.add_pandas(_DATASOURCE).add_dataframe_asset(_ASSET)
            asset.add_batch_definition_whole_dataframe(_BATCH_DEFINITION)
            _CONTEXT = context
        return _CONTEXT


def validation_definition(suite_name: str) -> ValidationDefinition:
    """Return the cached GX validation definition of a suite (built on first use)."""
    return _runner(suite_name).validation_definition


def _runner(suite_name: str) -> _SuiteRunner:
    with _LOCK:
        runner = _RUNNERS.get(suite_name)
        if runner is None:
            runner = _RUNNERS[suite_name] = _build_runner(suite_name)
        return runner


def _build_runner(suite_name: str) -> _SuiteRunner:
    import great_expectations as gx
    from great_expectations.core.expectation_suite import ExpectationSuite
    from great_expectations.expectations.expectation_configuration import ExpectationConfiguration

    spec = load_suite(suite_name)
    context = gx_context()
    expectations = []
    for position, item in enumerate(spec["expectations"]):
        # Built one by one because ExpectationSuite(...) logs and drops an invalid expectation,
        # and a suite silently missing a check is worse than a failed task.
        try:
            extra = {key: item[key] for key in ("meta", "notes", "description") if key in item}
            config = ExpectationConfiguration(type=item["type"], kwargs=item.get("kwargs", {}), **extra)
            expectations.append(config.to_domain_obj())
        except Exception as exc:
            raise ValueError(
                f"suite {suite_name!r}: expectation #{position} ({item['type']}) is invalid: {exc}"
            ) from exc
    suite = context.suites.add(ExpectationSuite(name=suite_name, expectations=expectations, meta=spec.get("meta")))
    batch_definition = context.data_sources.get(_DATASOURCE).get_asset(_ASSET).get_batch_definition(_BATCH_DEFINITION)
    definition = context.validation_definitions.add(
        gx.ValidationDefinition(name=f"vagled_{suite_name}", data=batch_definition, suite=suite)
    )
    runner = _SuiteRunner(suite, definition, batch_definition, {}, {}, {}, {})
    for position, (expectation, item) in enumerate(zip(suite.expectations, spec["expectations"], strict=True)):
        kwargs = item.get("kwargs", {})
        runner.order[expectation.id] = position
        runner.types[expectation.id] = item["type"]
        runner.kwargs[expectation.id] = _compact_kwargs(kwargs)
        runner.columns[expectation.id] = _columns_read(kwargs)
    return runner


# -- frames ---------------------------------------------------------------------------------------
def validation_frame(
    record_nos: list[int], rows: list[tuple], columns: tuple[str, ...], suite_name: str, *, as_parsed: bool
) -> pd.DataFrame:
    """The one way a chunk of staged rows becomes the frame a suite validates (staging and replay alike).

    Args:
        record_nos: each row's record number (the frame's ``record_no``, which pins failures).
        rows: the staged rows, values in the order of ``columns``.
        as_parsed: keep the values as they are (object columns of the columns the suite reads), for
            a feed whose row parser gives typed values: dtype inference (tz-aware datetimes to
            datetime64, strings to pandas' str dtype) costs more than the validation itself, and the
            suites compare values, which object columns do as Python does. Otherwise every column
            with pandas' dtype inference, as the suites of the other feeds were written against.
    """
    import numpy as np
    import pandas as pd

    if not as_parsed:
        return pd.DataFrame.from_records(
            [(record_no, *row) for record_no, row in zip(record_nos, rows, strict=True)],
            columns=["record_no", *columns],
        )
    wanted = suite_columns(suite_name)
    data: dict[str, Any] = {"record_no": np.fromiter(record_nos, dtype=np.int64, count=len(record_nos))}
    for name, values in zip(columns, zip(*rows, strict=True), strict=True):
        if wanted is None or name in wanted:
            data[name] = pd.Series(values, dtype=object)
    return pd.DataFrame(data, copy=False)


# -- validation ---------------------------------------------------------------------------------
def validate_frame(
    frame: pd.DataFrame,
    suite_name: str,
    *,
    parameters: dict | None = None,
    index_column: str = "record_no",
) -> ValidationOutcome:
    """Validate a frame against ``expectations/<suite_name>.json``.

    Args:
        frame: the rows; ``index_column`` identifies each one.
        suite_name: the suite's name.
        parameters: values for the suite's ``{"$PARAMETER": name}`` references.
        index_column: the column whose value pins a failure to a record.

    Returns:
        The outcome: row failures by record number, batch-level failures, counts. A column the
        suite reads but the frame lacks is a batch failure ("column missing: x"), not an exception.

    Raises:
        ValueError: the frame has no ``index_column``, the suite is invalid, or a parameter the
            suite references is missing from ``parameters``.
        FileNotFoundError: no such suite.
    """
    if index_column not in frame.columns:
        raise ValueError(f"the frame has no index column {index_column!r} to pin failures to records")
    runner = _runner(suite_name)
    expectation_parameters = dict(parameters or {})
    gate = _run(
        suite_name,
        lambda: runner.validation_definition.run(
            batch_parameters={"dataframe": frame},
            expectation_parameters=expectation_parameters,
            result_format="BOOLEAN_ONLY",
        ),
    )
    statistics = {
        key: int(gate.statistics.get(key) or 0)
        for key in ("evaluated_expectations", "successful_expectations", "unsuccessful_expectations")
    }
    outcome = ValidationOutcome(suite=suite_name, success=bool(gate.success), rows=len(frame), statistics=statistics)
    if gate.success:
        return outcome

    present = set(frame.columns)
    batch_failures: list[tuple[int, dict]] = []
    to_detail: list[str] = []
    for result in gate.results:
        if result.success:
            continue
        expectation_id = result.expectation_config.id
        errors = _exception_messages(result)
        if errors:
            # GX could not evaluate it at all (typically a missing column): no rows to pin.
            batch_failures.append(
                (runner.order[expectation_id], _batch_failure(runner, expectation_id, present, errors))
            )
        else:
            to_detail.append(expectation_id)

    reasons: dict[int, list[tuple[int, dict]]] = {}
    if to_detail:
        detail = _run(suite_name, lambda: _detail_run(runner, frame, to_detail, expectation_parameters, index_column))
        for result in detail.results:
            if result.success:
                continue  # cannot differ from the gate on the same frame, but never invent failures
            expectation_id = result.expectation_config.id
            position = runner.order[expectation_id]
            details = result.result or {}
            errors = _exception_messages(result)
            rows = details.get("unexpected_index_list")
            if errors or not rows:
                # Table-level and aggregate expectations have no rows to blame.
                failure = _batch_failure(runner, expectation_id, present, errors, details.get("observed_value"))
                batch_failures.append((position, failure))
                continue
            column = runner.kwargs[expectation_id].get("column")
            for entry in rows:
                # Entries are dicts because unexpected_index_column_names is always set: the index
                # column plus the column(s) the expectation read.
                record_no = int(entry[index_column])
                if isinstance(column, str) and column in entry:
                    value = _json_safe(entry[column])
                else:
                    value = {name: _json_safe(val) for name, val in entry.items() if name != index_column}
                # kwargs is one shared (read-only) dict per expectation, not a copy per row.
                reason = {
                    "expectation": runner.types[expectation_id],
                    "column": column if isinstance(column, str) else None,
                    "kwargs": runner.kwargs[expectation_id],
                    "value": value,
                }
                reasons.setdefault(record_no, []).append((position, reason))

    outcome.batch_failures = [failure for _, failure in sorted(batch_failures, key=lambda item: item[0])]
    outcome.failures = {
        record_no: RowFailure(record_no, tuple(reason for _, reason in sorted(found, key=lambda item: item[0])))
        for record_no, found in sorted(reasons.items())
    }
    return outcome


def _run(suite_name: str, call: Callable[[], ExpectationSuiteValidationResult]) -> ExpectationSuiteValidationResult:
    """Run a GX validation, turning a missing suite parameter into a clear error."""
    from great_expectations.exceptions import SuiteParameterError

    try:
        return call()
    except SuiteParameterError as exc:
        raise ValueError(f"suite {suite_name!r} references a parameter not given in parameters=: {exc}") from exc
    finally:
        _forget_results()


def _detail_run(
    runner: _SuiteRunner,
    frame: pd.DataFrame,
    expectation_ids: list[str],
    expectation_parameters: dict,
    index_column: str,
) -> ExpectationSuiteValidationResult:
    """Run only the failing expectations again, with every unexpected record number."""
    from great_expectations.core.expectation_suite import ExpectationSuite

    wanted = set(expectation_ids)
    # An unsaved suite of the same configurations (ids kept, so results map back). Validated on
    # a batch directly: it is never stored, and nothing is added to the context per chunk.
    subset = ExpectationSuite(
        name=f"{runner.suite.name}__detail",
        expectations=[
            expectation.configuration for expectation in runner.suite.expectations if expectation.id in wanted
        ],
    )
    batch = runner.batch_definition.get_batch(batch_parameters={"dataframe": frame})
    return batch.validate(
        subset,
        # A fresh dict each time: GX fills in defaults in the dict it is given.
        result_format={
            "result_format": "COMPLETE",
            "unexpected_index_column_names": [index_column],
            "return_unexpected_index_query": False,
            # No most-common-values table: nobody reads it. Not exclude_unexpected_values: in
            # GX 1.24 it also turns unexpected_index_list into one dict of record numbers
            # without the offending values, which the reasons need.
            "partial_unexpected_count": 0,
        },
        expectation_parameters=expectation_parameters,
    )


def _forget_results() -> None:
    # ValidationDefinition.run stores every result in the context's (in-memory) results store;
    # over a stream of chunks that would only grow.
    store = gx_context().validation_results_store
    for key in store.list_keys():
        store.remove_key(key)


def _exception_messages(result: ExpectationValidationResult) -> list[str]:
    """The messages of exceptions GX caught while evaluating one expectation.

    GX 1.24 reports them in two shapes: flat (``{"raised_exception": True, "exception_message": ...}``)
    when the expectation itself raised, and keyed by metric id when a metric it needs raised.
    """
    info = result.exception_info or {}
    if info.get("raised_exception"):
        return [str(info.get("exception_message") or "GX raised an exception")]
    return sorted(
        {
            str(value.get("exception_message") or "GX raised an exception")
            for value in info.values()
            if isinstance(value, dict) and value.get("raised_exception")
        }
    )


def _batch_failure(
    runner: _SuiteRunner,
    expectation_id: str,
    present: set,
    errors: list[str],
    observed: Any = None,
) -> dict:
    missing = [column for column in runner.columns[expectation_id] if column not in present]
    if missing:
        detail = "; ".join(f"column missing: {column}" for column in missing)
    elif errors:
        detail = "GX could not evaluate the expectation: " + "; ".join(errors)
    else:
        detail = "failed for the batch as a whole"
    column = runner.kwargs[expectation_id].get("column")
    return {
        "expectation": runner.types[expectation_id],
        "column": column if isinstance(column, str) else None,
        "kwargs": runner.kwargs[expectation_id],
        "value": _json_safe(observed),
        "detail": detail,
    }


# -- JSON-safe values ---------------------------------------------------------------------------
def _columns_read(kwargs: dict) -> tuple[str, ...]:
    columns = [kwargs[key] for key in _COLUMN_KWARGS if isinstance(kwargs.get(key), str)]
    if isinstance(kwargs.get("column_list"), list):
        columns.extend(column for column in kwargs["column_list"] if isinstance(column, str))
    return tuple(columns)


def _compact_kwargs(kwargs: dict) -> dict:
    """kwargs as written in the suite ($PARAMETER references unresolved), long literal lists summarised."""
    compact = {}
    for key, value in kwargs.items():
        if isinstance(value, list | tuple | set | frozenset) and len(value) > _MAX_LIST_ITEMS:
            compact[key] = f"<{len(value)} values>"
        else:
            compact[key] = _json_safe(value)
    return compact


def _json_safe(value: Any) -> Any:
    """Convert a value from a frame or a GX result to plain JSON types.

    numpy scalars become Python ones, timestamps ISO strings, NaN/NaT/NA None, long text is cut.
    """
    # The casts matter: numpy.float64 and numpy.str_ are float and str subclasses.
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, str):
        return str(value) if len(value) <= _MAX_TEXT_CHARS else str(value[: _MAX_TEXT_CHARS - 1]) + "…"
    if isinstance(value, float):
        if math.isnan(value):
            return None
        return float(value) if math.isfinite(value) else str(float(value))
    if isinstance(value, dict):
        return {str(key): _json_safe(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_json_safe(item) for item in value]

    import numpy as np
    import pandas as pd

    if value is pd.NaT or value is pd.NA:
        return None
    if isinstance(value, np.datetime64 | np.timedelta64):
        # .item() of a nanosecond datetime64 is a bare int; go through pandas instead.
        value = pd.Timestamp(value) if isinstance(value, np.datetime64) else pd.Timedelta(value)
        return None if value is pd.NaT else value.isoformat()
    if isinstance(value, np.generic):
        return _json_safe(value.item())
    if isinstance(value, np.ndarray):
        return [_json_safe(item) for item in value.tolist()]
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return pd.Timedelta(value).isoformat()
    if isinstance(value, Decimal):
        return str(value) if value.is_finite() else None
    return _json_safe(str(value))
