"""What DAG tasks call: each function takes plain values and returns a small dict for XCom.

Airflow is imported only to turn a rejected batch into a failure that is not retried (a retry
cannot fix bad data; a rerun after the fix can).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
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
    params: dict[str, Any] | None,
    run_id: str | None,
    land: Callable[[Any, int, Period | None], dict[str, Any]],
    needs_period: bool = True,
) -> dict[str, Any]:
    """Open a batch for the run's period and land what ``land(conn, batch_id, period)`` fetches."""
    spec = get_feed(feed)
    period = resolve_period(data_interval_start, data_interval_end, params) if needs_period else None
    with _connect() as conn:
        batch_id = open_batch(conn, spec, period, run_id)
        try:
            landed = land(conn, batch_id, period)
        except Exception as exc:
            fail_batch(conn, batch_id, f"extract failed: {type(exc).__name__}: {exc}")
            raise
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
