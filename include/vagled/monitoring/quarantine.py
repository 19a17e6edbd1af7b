"""Quarantine, read only: list the batches with open records, show a batch's records.

Replaying them after a fix is a batch of its own, staged by the load path: vagled.pipeline.replay.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from vagled.sql import load_sql


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


def list_open(conn, *, feed: str | None = None, limit: int = 50) -> list[OpenBatch]:
    """Batches with open (not replayed) quarantined records, newest first."""
    rows = conn.execute(load_sql("quarantine/select_open_batches"), {"feed": feed, "limit": limit}).fetchall()
    return [OpenBatch(*row) for row in rows]


def show_batch(conn, batch_id: int, *, limit: int = 100) -> list[QuarantinedRecord]:
    """The quarantined records of a batch, open ones first."""
    rows = conn.execute(load_sql("quarantine/select_batch_records"), {"batch_id": batch_id, "limit": limit}).fetchall()
    return [QuarantinedRecord(*row) for row in rows]
