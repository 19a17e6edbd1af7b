"""What DAG tasks call: each function takes plain values and returns a small dict for XCom.

Airflow is imported only to turn a rejected batch into a failure that is not retried (a retry
cannot fix bad data; a rerun after the fix can).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from vagled.feeds import get_feed
from vagled.pipeline.load import BatchRejected, fail_batch, open_batch, publish_batch, stage_batch
from vagled.pipeline.period import Period, resolve_period

log = logging.getLogger(__name__)


def _connect():
    from vagled.warehouse.db import connect

    return connect(autocommit=True)


def _fail_without_retry(message: str) -> None:
    from airflow.sdk.exceptions import AirflowFailException

    raise AirflowFailException(message)


def extract(
    feed: str,
    *,
    data_interval_start: datetime | None,
    data_interval_end: datetime | None,
    params: Mapping[str, Any] | None,
    run_id: str | None,
) -> dict[str, Any]:
    """Open a batch for the run's period and land what the feed's ``land`` fetches."""
    spec = get_feed(feed)
    if spec.land is None:
        raise TypeError(f"feed {feed!r} declares no land function")
    params = params or {}
    period: Period | None = None
    if spec.period_required(params):
        period = resolve_period(data_interval_start, data_interval_end, params)
    with _connect() as conn:
        batch_id = open_batch(conn, spec, period, run_id)
        log.info("%s batch %d opened for %s", feed, batch_id, period or "a run without period")
        try:
            landed = spec.land(conn, batch_id, period, params)
        except Exception as exc:
            fail_batch(conn, batch_id, f"extract failed: {type(exc).__name__}: {exc}")
            raise
    log.info("%s batch %d: %s landed", feed, batch_id, landed)
    return {"batch_id": batch_id, **landed}


def stage(feed: str, batch_id: int) -> dict[str, Any]:
    spec = get_feed(feed)
    with _connect() as conn:
        try:
            result = stage_batch(conn, spec, batch_id)
        except BatchRejected as exc:
            fail_batch(conn, batch_id, str(exc), status="rejected")
            _fail_without_retry(str(exc))
    return result.__dict__.copy()


def publish(feed: str, batch_id: int, *, watermark: str | None = None) -> dict[str, Any]:
    """Publish a staged batch; for an incremental feed also move its watermark to ``watermark``."""
    from vagled.pipeline.load import save_watermark

    spec = get_feed(feed)
    with _connect() as conn:
        try:
            result = publish_batch(conn, spec, batch_id)
        except BatchRejected as exc:
            _fail_without_retry(str(exc))
        if watermark:
            save_watermark(conn, feed, datetime.fromisoformat(watermark), batch_id)
    return result.as_dict()


def data_docs(feed: str, batch_id: int | None) -> dict[str, Any]:
    """Build the batch's Data Docs from what its stage left in the warehouse; never fails.

    ``batch_id`` is None when extract failed before it returned one: there is nothing to render.
    """
    from vagled.pipeline.data_docs import record_batch_docs

    if batch_id is None:
        log.info("%s: no batch to render Data Docs for (extract did not finish)", feed)
        return {"batch_id": None, "data_docs": None}
    spec = get_feed(feed)
    with _connect() as conn:
        index = record_batch_docs(conn, feed=feed, suite_name=spec.suite, batch_id=batch_id)
    return {"batch_id": batch_id, "data_docs": str(index) if index else None}


# -- feeds loaded in parts (one batch per feed and part, e.g. per municipality) -------------------
def extract_partition(
    feeds: tuple[str, ...] | list[str],
    partition: str,
    *,
    data_interval_start: datetime | None,
    data_interval_end: datetime | None,
    params: Mapping[str, Any] | None,
    run_id: str | None,
) -> dict[str, Any]:
    """Open one batch per feed for this part and land what each feed's ``land`` fetches for it.

    The part's key reaches ``land`` as ``params["partition"]``. A failure fails this part only
    (the task of one municipality), and is retried like any extract.
    """
    params = dict(params or {})
    batches: dict[str, int] = {}
    with _connect() as conn:
        for feed in feeds:
            spec = get_feed(feed)
            if spec.land is None:
                raise TypeError(f"feed {feed!r} declares no land function")
            period = (
                resolve_period(data_interval_start, data_interval_end, params) if spec.period_required(params) else None
            )
            batch_id = open_batch(conn, spec, period, run_id, partition=partition)
            try:
                landed = spec.land(conn, batch_id, period, {**params, "partition": partition})
            except Exception as exc:
                fail_batch(conn, batch_id, f"extract failed for {partition}: {type(exc).__name__}: {exc}")
                raise
            log.info("%s batch %d (%s): %s landed", feed, batch_id, partition, landed)
            batches[feed] = batch_id
    return {"partition": partition, "batches": batches}


def stage_partition(extracted: Mapping[str, Any]) -> dict[str, Any]:
    """Stage every batch of a part; a batch rejected for its structure does not stop the others."""
    staged: dict[str, dict[str, Any]] = {}
    rejected: dict[str, str] = {}
    with _connect() as conn:
        for feed, batch_id in extracted["batches"].items():
            try:
                staged[feed] = stage_batch(conn, get_feed(feed), batch_id).__dict__.copy()
            except BatchRejected as exc:
                fail_batch(conn, batch_id, str(exc), status="rejected")
                log.error("%s", exc)
                rejected[feed] = str(exc)
    return {**extracted, "staged": staged, "rejected": rejected}


def publish_partition(staged: Mapping[str, Any]) -> dict[str, Any]:
    """Publish every staged batch of a part, then fail (without retry) if any batch was rejected.

    Each batch publishes in its own transaction, so a rejected file of a municipality never holds
    back its other file, nor any other municipality.
    """
    rejected = dict(staged.get("rejected") or {})
    published: dict[str, dict[str, int]] = {}
    with _connect() as conn:
        for feed in staged.get("staged") or {}:
            batch_id = staged["batches"][feed]
            try:
                published[feed] = publish_batch(conn, get_feed(feed), batch_id).as_dict()
            except BatchRejected as exc:
                log.error("%s", exc)
                rejected[feed] = str(exc)
        # After publish, never in stage: Data Docs of each staged batch of the part.
        from vagled.pipeline.data_docs import record_batch_docs

        for feed in staged.get("staged") or {}:
            record_batch_docs(conn, feed=feed, suite_name=get_feed(feed).suite, batch_id=staged["batches"][feed])
    if rejected:
        _fail_without_retry(f"part {staged['partition']}: " + " | ".join(f"{k}: {v}" for k, v in rejected.items()))
    return {"partition": staged["partition"], "published": published}
