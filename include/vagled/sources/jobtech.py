"""JobTech (Arbetsförmedlingen) job-ad upstreams: JobStream windows and the historical yearly files."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

STREAM_CONN_ID = "jobtech_jobstream"
HISTORICAL_CONN_ID = "jobtech_historical"
STOCKHOLM = ZoneInfo("Europe/Stockholm")
# Consecutive windows overlap, as public JobStream clients do, to catch late events; the load is
# idempotent, so the overlap costs a little traffic and changes nothing.
WINDOW_OVERLAP = timedelta(minutes=5)
# A long catch-up is split into windows so that one answer never grows without bound.
MAX_WINDOW = timedelta(hours=6)


def _local(ts: datetime) -> str:
    # JobStream takes local Swedish time without an offset.
    return ts.astimezone(STOCKHOLM).strftime("%Y-%m-%dT%H:%M:%S")


def stream_windows(start: datetime, end: datetime, max_window: timedelta = MAX_WINDOW) -> Iterator[tuple[str, dict]]:
    """Yield the (path, params) of the JobStream requests covering [start - overlap, end)."""
    cursor = start - WINDOW_OVERLAP
    while cursor < end:
        upper = min(cursor + max_window, end)
        yield "v2/stream", {"updated-after": _local(cursor), "updated-before": _local(upper)}
        cursor = upper


def stream_start(period_start: datetime, watermark: datetime | None) -> datetime:
    """The increment starts at the period start, or earlier when the last load ended before it."""
    return min(period_start, watermark) if watermark else period_start


def historical_path(year: int) -> str:
    return f"annonser/historiska/{year}.jsonl"


def parse_backfill_years(value: Any) -> list[int]:
    """Read the ``backfill`` param: a year, a list of years, or "2019-2021"; empty means no backfill.

    Raises:
        ValueError: a year outside 2016 (the first historical file) .. 2100, or an unreadable value.
    """
    if value in (None, "", [], 0):
        return []
    if isinstance(value, int):
        years = [value]
    elif isinstance(value, str) and "-" in value:
        first, last = (int(part) for part in value.split("-", 1))
        years = list(range(first, last + 1))
    elif isinstance(value, str):
        years = [int(part) for part in value.replace(",", " ").split()]
    else:
        years = [int(part) for part in value]
    for year in years:
        if not 2016 <= year <= 2100:
            raise ValueError(f"backfill year {year} is out of range: historical files start in 2016")
    return sorted(set(years))
