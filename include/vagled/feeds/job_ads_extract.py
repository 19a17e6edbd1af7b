"""Landing for the job-ads feed: the hourly JobStream increment or a backfill of historical years."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from vagled.pipeline.extract import land_responses, land_stream_in_slices
from vagled.pipeline.load import read_watermark
from vagled.pipeline.period import Period
from vagled.sources import jobtech
from vagled.sources.http import HttpSource

log = logging.getLogger(__name__)


def is_increment(params: Mapping[str, Any]) -> bool:
    """A run is a JobStream increment over its period unless param ``backfill`` names years."""
    return not jobtech.parse_backfill_years(params.get("backfill"))


def land_job_ads(conn, batch_id: int, period: Period | None, params: Mapping[str, Any]) -> dict[str, Any]:
    """Land the increment of ``period`` from JobStream, or the historical files of the ``backfill`` years."""
    backfill_years = jobtech.parse_backfill_years(params.get("backfill"))
    if backfill_years:
        source = HttpSource(jobtech.HISTORICAL_CONN_ID, timeout=(5.0, 120.0))
        parts = 0
        total = 0
        for year in backfill_years:
            landed, size = land_stream_in_slices(
                conn, source, batch_id, "job_ads", jobtech.historical_path(year), first_part=parts
            )
            parts += landed
            total += size
            log.info("job_ads batch %d: historical %d landed, %d slices, %.1f MB", batch_id, year, landed, size / 1e6)
        return {"parts": parts, "bytes": total, "mode": "backfill", "years": backfill_years}
    assert period is not None
    watermark = read_watermark(conn, "job_ads")
    start = jobtech.stream_start(period.start, watermark)
    source = HttpSource(jobtech.STREAM_CONN_ID)
    parts = land_responses(conn, source, batch_id, "job_ads", jobtech.stream_windows(start, period.end))
    return {
        "parts": parts,
        "mode": "increment",
        "window_start": start.isoformat(),
        "window_end": period.end.isoformat(),
        "watermark": period.end.isoformat(),
    }
