"""Great Expectations Data Docs for the load path: one validation result per staged batch.

Validation runs per chunk in an Ephemeral context (see :mod:`vagled.pipeline.validate`) and keeps
no GX results; what a batch failed is in quarantine.record. After publish (the load path's
``data_docs_<feed>`` task, :func:`record_batch_docs`; rendering costs 0.2-0.5 s, kept off the
stage of a batch) this module counts it per expectation and turns the counts into one real GX
``ExpectationSuiteValidationResult`` per batch,
stores it in a file context under ``$VAGLED_HOME/gx`` (local state, never the repository) and
rebuilds the local Data Docs site, ``$VAGLED_HOME/gx/uncommitted/data_docs/local_site/index.html``.

Why this shape, and its limits:

- audit.validation_result is the record of truth. Data Docs are a view: an error here is logged
  as a warning and never fails a load (:func:`record_batch_validation` does not raise).
- Only the new result's page is rendered (``resource_identifiers``); the index page is rebuilt
  each time and reads every stored result, so the store keeps the last ``keep_per_suite`` results
  of each suite (older ones, and their pages, are removed). That bounds both disk and build time.
- Staging a batch again replaces the batch's earlier result, as the audit row is replaced.
- The numbers are the batch's: element_count is the rows validated, unexpected_count the rows
  that failed the expectation (in chunks where it failed as a whole). No row values are stored:
  those are in quarantine.record, for engineers only.
- Great Expectations is imported inside functions (seconds to import; DAG files import this package).
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import logging
import os
import re
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlparse

from vagled.config import vagled_home

if TYPE_CHECKING:
    from great_expectations.core import ExpectationSuiteValidationResult
    from great_expectations.data_context import FileDataContext

log = logging.getLogger(__name__)

SITE_NAME = "local_site"
# Results kept per suite in the store (and so on the site). The index page reads each of them on
# every build: with ~10 suites this keeps a build well under a second.
KEEP_PER_SUITE = 50

_SITE_CONFIG: dict[str, Any] = {
    "class_name": "SiteBuilder",
    # GX's how-to buttons advertise GX features that this project does not use.
    "show_how_to_buttons": False,
    "store_backend": {
        "class_name": "TupleFilesystemStoreBackend",
        "base_directory": f"uncommitted/data_docs/{SITE_NAME}/",
    },
    "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
}

_LOCK = threading.Lock()
_CONTEXTS: dict[Path, FileDataContext] = {}


def gx_root() -> Path:
    """Return the folder of the Data Docs' GX file context: ``$VAGLED_HOME/gx``."""
    return vagled_home() / "gx"


def data_docs_index() -> Path:
    """Return where the local Data Docs site's index.html is (it may not be built yet)."""
    return gx_root() / "uncommitted" / "data_docs" / SITE_NAME / "index.html"


def expectation_key(reason: Mapping[str, Any]) -> str:
    """Return the key that ties a quarantine reason to one expectation of a suite.

    Type and column alone are ambiguous (a suite may check one column twice with the same type
    and other kwargs), so the reason's compact kwargs, as ``validate`` writes them, are part of it.
    """
    return json.dumps([reason.get("expectation"), reason.get("column"), reason.get("kwargs")], sort_keys=True)


def record_batch_validation(
    *,
    feed: str,
    suite_name: str,
    batch_id: int,
    rows_validated: int,
    failed_by_expectation: Mapping[str, int],
    rows_failed: int | None = None,
    run_name: str | None = None,
    keep_per_suite: int = KEEP_PER_SUITE,
) -> Path | None:
    """Store one batch's validation result as a GX result and rebuild the local Data Docs site.

    Never raises: Data Docs must not fail a load, so any error is logged as a warning.

    Args:
        feed: the feed's name.
        suite_name: the suite in ``expectations/<suite_name>.json``.
        batch_id: the audit.load_batch id.
        rows_validated: rows the suite ran on (element_count of every expectation).
        failed_by_expectation: rows failed, by :func:`expectation_key` of the quarantine reason.
            Keys that match no expectation of the suite (a record that could not be parsed) are
            kept in the result's meta as ``failures_outside_suite``.
        rows_failed: rows quarantined in the batch, for the meta; optional.
        run_name: the run that staged the batch; by default the Airflow run of the current task
            (AIRFLOW_CTX_DAG_RUN_ID), else ``batch-<id>``.
        keep_per_suite: results kept per suite; older ones and their pages are removed.

    Returns:
        The path of the site's index.html, or None when Data Docs could not be updated.
    """
    try:
        run = run_name or os.environ.get("AIRFLOW_CTX_DAG_RUN_ID") or f"batch-{batch_id}"
        result = build_validation_result(
            feed=feed,
            suite_name=suite_name,
            batch_id=batch_id,
            rows_validated=rows_validated,
            failed_by_expectation=failed_by_expectation,
            rows_failed=rows_failed,
            run_name=run,
        )
        return _store_and_build(result, suite_name, batch_id, keep_per_suite)
    except Exception as exc:
        # The audit row is already committed; the docs catch up with the next batch of the suite.
        log.warning(
            "%s batch %d: Data Docs not updated (audit.validation_result has the result): %s: %s",
            feed,
            batch_id,
            type(exc).__name__,
            exc,
        )
        log.debug("Data Docs failure for %s batch %d", feed, batch_id, exc_info=True)
        return None


def record_batch_docs(conn, *, feed: str, suite_name: str, batch_id: int, run_name: str | None = None) -> Path | None:
    """Data Docs of a staged batch, read back from the warehouse; called after publish, never in stage.

    What the batch's stage wrote (audit.validation_result) and what it quarantined, counted per
    expectation, become its GX result (:func:`record_batch_validation`). Never raises: a batch
    without a validation result (its stage never committed) has no docs, and any error is a warning.
    """
    from vagled.sql import load_sql

    try:
        row = conn.execute(
            load_sql("quarantine/select_batch_validation_result"), {"batch_id": batch_id, "suite": suite_name}
        ).fetchone()
        if row is None:
            log.info("%s batch %d: no validation result, so no Data Docs", feed, batch_id)
            return None
        failed: dict[str, int] = {}
        for expectation, column, kwargs, rows in conn.execute(
            load_sql("quarantine/count_batch_failures_by_expectation"), {"batch_id": batch_id}
        ):
            key = expectation_key({"expectation": expectation, "column": column, "kwargs": kwargs})
            failed[key] = failed.get(key, 0) + rows
    except Exception as exc:
        log.warning("%s batch %d: Data Docs not updated: %s: %s", feed, batch_id, type(exc).__name__, exc)
        return None
    return record_batch_validation(
        feed=feed,
        suite_name=suite_name,
        batch_id=batch_id,
        rows_validated=row[0],
        failed_by_expectation=failed,
        rows_failed=row[1],
        run_name=run_name,
    )


def build_validation_result(
    *,
    feed: str,
    suite_name: str,
    batch_id: int,
    rows_validated: int,
    failed_by_expectation: Mapping[str, int],
    rows_failed: int | None = None,
    run_name: str,
    run_time: dt.datetime | None = None,
) -> ExpectationSuiteValidationResult:
    """Build the GX result of one batch: one ExpectationValidationResult per suite expectation.

    Args: as :func:`record_batch_validation`; ``run_time`` defaults to now (UTC).

    Raises:
        FileNotFoundError, ValueError: the suite is missing or invalid.
    """
    import great_expectations as gx
    from great_expectations.core import ExpectationSuiteValidationResult, ExpectationValidationResult
    from great_expectations.core.run_identifier import RunIdentifier
    from great_expectations.expectations.expectation import (
        ColumnMapExpectation,
        ColumnPairMapExpectation,
        MulticolumnMapExpectation,
    )
    from great_expectations.expectations.expectation_configuration import ExpectationConfiguration

    from vagled.pipeline.validate import _compact_kwargs, load_suite

    spec = load_suite(suite_name)
    remaining = {key: int(count) for key, count in failed_by_expectation.items() if count}
    rows = max(int(rows_validated), 0)
    # Expectations GX evaluates row by row: the only ones with unexpected counts.
    row_checks = (ColumnMapExpectation, ColumnPairMapExpectation, MulticolumnMapExpectation)
    results = []
    for item in spec["expectations"]:
        kwargs = item.get("kwargs", {})
        extra = {key: item[key] for key in ("meta", "notes", "description") if key in item}
        config = ExpectationConfiguration(type=item["type"], kwargs=kwargs, **extra)
        column = kwargs.get("column")
        # The same key validate's reasons give, so counts map back to this expectation.
        key = expectation_key(
            {
                "expectation": item["type"],
                "column": column if isinstance(column, str) else None,
                "kwargs": _compact_kwargs(kwargs),
            }
        )
        unexpected = min(remaining.pop(key, 0), rows)
        if isinstance(config.to_domain_obj(), row_checks):
            percent = 100.0 * unexpected / rows if rows else 0.0
            result = {
                "element_count": rows,
                "unexpected_count": unexpected,
                "unexpected_percent": percent,
                "unexpected_percent_total": percent,
                "partial_unexpected_list": [],
            }
        else:
            # Table and aggregate expectations that fail reject the batch before anything is
            # recorded, so a recorded batch passed them; their observed values are not kept.
            result = {}
        results.append(ExpectationValidationResult(success=unexpected == 0, expectation_config=config, result=result))

    successful = sum(1 for result in results if result.success)
    run_id = RunIdentifier(run_name=run_name, run_time=run_time or dt.datetime.now(dt.UTC))
    outside: dict[str, int] = {}
    for key, count in sorted(remaining.items()):
        name = str(json.loads(key)[0])
        outside[name] = outside.get(name, 0) + count
    validation = ExpectationSuiteValidationResult(
        success=successful == len(results),
        results=results,
        suite_name=suite_name,
        statistics={
            "evaluated_expectations": len(results),
            "successful_expectations": successful,
            "unsuccessful_expectations": len(results) - successful,
            "success_percent": 100.0 * successful / len(results) if results else None,
        },
        meta={
            "great_expectations_version": gx.__version__,
            # Where GX's pages read the run name and time from, as ValidationDefinition.run sets them.
            "run_id": run_id,
            "validation_time": run_id.run_time,
            # data_asset_name is what the index page shows as the asset.
            "batch_spec": {"data_asset_name": feed, "batch_id": batch_id},
            "vagled": {
                "feed": feed,
                "batch_id": batch_id,
                "run": run_name,
                "rows_validated": rows,
                "rows_failed": rows_failed,
                "failures_outside_suite": outside,
            },
        },
        batch_id=_batch_identifier(batch_id),
    )
    return validation


def _batch_identifier(batch_id: int) -> str:
    return f"batch-{batch_id}"


def _store_and_build(
    result: ExpectationSuiteValidationResult, suite_name: str, batch_id: int, keep_per_suite: int
) -> Path:
    from great_expectations.core.run_identifier import RunIdentifier
    from great_expectations.data_context.types.resource_identifiers import (
        ExpectationSuiteIdentifier,
        ValidationResultIdentifier,
    )

    root = gx_root()
    with _project_lock(root):
        context = _file_context(root)
        store = context.validation_results_store
        run_id: RunIdentifier = result.meta["run_id"]
        # The run name is a path segment: keep it to safe characters (the meta has it verbatim).
        safe_run = RunIdentifier(run_name=re.sub(r"[^A-Za-z0-9._-]+", "_", run_id.run_name), run_time=run_id.run_time)
        key = ValidationResultIdentifier(
            expectation_suite_identifier=ExpectationSuiteIdentifier(name=suite_name),
            run_id=safe_run,
            batch_identifier=_batch_identifier(batch_id),
        )
        suite_keys = [
            existing for existing in store.list_keys() if existing.expectation_suite_identifier.name == suite_name
        ]
        for existing in suite_keys:
            if existing.batch_identifier == key.batch_identifier:
                store.remove_key(existing)  # a re-staged batch replaces its earlier result
        store.set(key, result)
        kept = sorted(
            (existing for existing in suite_keys if existing.batch_identifier != key.batch_identifier),
            key=lambda existing: existing.run_id.run_time,
            reverse=True,
        )
        for old in kept[max(keep_per_suite - 1, 0) :]:
            store.remove_key(old)
        # Renders the new result's page only; the index drops pages whose result was removed.
        urls = context.build_data_docs(site_names=[SITE_NAME], resource_identifiers=[key])
    index = Path(unquote(urlparse(urls[SITE_NAME]).path))
    log.info("Data Docs for %s updated: %s", suite_name, index)
    return index


def _file_context(root: Path) -> FileDataContext:
    """Return the process's file context rooted at ``root`` (created on first use)."""
    with _LOCK:
        context = _CONTEXTS.get(root)
        if context is None:
            import great_expectations as gx

            # project_root_dir is the folder that holds gx/.
            context = gx.get_context(mode="file", project_root_dir=root.parent)
            sites = context.variables.data_docs_sites or {}
            if sites.get(SITE_NAME) != _SITE_CONFIG:
                if SITE_NAME in sites:
                    context.update_data_docs_site(SITE_NAME, _SITE_CONFIG)
                else:
                    context.add_data_docs_site(SITE_NAME, _SITE_CONFIG)
            _CONTEXTS[root] = context
        return context


@contextmanager
def _project_lock(root: Path) -> Iterator[None]:
    """Serialise writers of one site across processes (parallel tasks share $VAGLED_HOME)."""
    root.mkdir(parents=True, exist_ok=True)
    with open(root / ".data_docs.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
