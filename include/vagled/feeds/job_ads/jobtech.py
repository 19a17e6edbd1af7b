"""JobTech (Arbetsförmedlingen) job-ad upstreams: JobStream windows and the enriched historical archives.

The archives (docs/upstreams/jobtech.md): ``annonser/historiska/berikade/kompletta/`` holds one ZIP
per complete year, ``{year}_beta1_jsonl.zip``, and the running year per quarter,
``{year}-Q{n}_beta1_jsonl.zip``; an HTML index page there lists them. The directory and the name
pattern are settings (connection extras ``archive_dir`` and ``archive_pattern``) because only the
pattern, not a contract, says how they are named.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from vagled.config import STOCKHOLM

STREAM_CONN_ID = "jobtech_jobstream"
HISTORICAL_CONN_ID = "jobtech_historical"
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


ARCHIVE_DIR = "annonser/historiska/berikade/kompletta/"
# {period} is a year ("2023") or a quarter of the running year ("2026-Q1").
ARCHIVE_PATTERN = "{period}_beta1_jsonl.zip"
FIRST_ARCHIVE_YEAR = 2016
_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")
_YEAR_RANGE = re.compile(r"^(\d{4})\s*-\s*(\d{4})$")


@dataclass(frozen=True, order=True)
class ArchivePeriod:
    """What one archive file covers: a whole year, or one quarter of the running year."""

    year: int
    quarter: int | None = None

    @property
    def label(self) -> str:
        return f"{self.year}-Q{self.quarter}" if self.quarter else str(self.year)


def archive_name(period: ArchivePeriod, pattern: str = ARCHIVE_PATTERN) -> str:
    return pattern.format(period=period.label)


def parse_backfill(value: Any) -> list[ArchivePeriod]:
    """Read the ``backfill`` param: a year, a list, "2019-2021", or a running-year quarter "2026-Q1".

    Empty means no backfill. A year means its yearly archive, or every quarterly archive of it
    the index lists when the year is still running (see ``resolve_archives``).

    Raises:
        ValueError: a year outside 2016 (the first archive) .. 2100, or an unreadable value.
    """
    if value in (None, "", [], 0):
        return []
    items: list[Any]
    if isinstance(value, int | str):
        items = [value] if isinstance(value, int) else value.replace(",", " ").split()
    else:
        items = list(value)
    # "2019 - 2021" was split on spaces above: put a range written with spaces back together.
    if isinstance(value, str) and _YEAR_RANGE.match(value.strip()):
        items = [value.strip()]
    periods: set[ArchivePeriod] = set()
    for item in items:
        text = str(item).strip()
        quarter = _QUARTER.match(text)
        span = _YEAR_RANGE.match(text)
        if quarter:
            periods.add(ArchivePeriod(int(quarter[1]), int(quarter[2])))
        elif span:
            periods.update(ArchivePeriod(year) for year in range(int(span[1]), int(span[2]) + 1))
        else:
            try:
                periods.add(ArchivePeriod(int(text)))
            except ValueError as exc:
                raise ValueError(f"backfill {item!r}: expected a year, 'YYYY-YYYY' or 'YYYY-Qn'") from exc
    for period in periods:
        if not FIRST_ARCHIVE_YEAR <= period.year <= 2100:
            raise ValueError(f"backfill year {period.year} is out of range: the archives start in 2016")
    return sorted(periods, key=lambda p: (p.year, p.quarter or 0))


def parse_backfill_years(value: Any) -> list[int]:
    """The years a ``backfill`` param names (a quarter counts as its year); empty means no backfill."""
    return sorted({period.year for period in parse_backfill(value)})


class ArchiveNotListed(RuntimeError):
    """The archive index does not list a file the backfill asks for."""


_HREF = re.compile(r"""href\s*=\s*["']([^"'#?]+)["']""", re.I)


def listed_archives(index_html: str, pattern: str = ARCHIVE_PATTERN) -> dict[ArchivePeriod, str]:
    """The archives an index page links to: {period: href as written}, by the file-name pattern.

    Anything else the page links to (samples, .zst variants, parent folders) is ignored.
    """
    prefix, _, suffix = pattern.partition("{period}")
    name = re.compile(re.escape(prefix) + r"(\d{4}(?:-Q[1-4])?)" + re.escape(suffix) + "$")
    found: dict[ArchivePeriod, str] = {}
    for href in _HREF.findall(index_html):
        match = name.search(href.rsplit("/", 1)[-1])
        if match:
            label = match[1]
            quarter = _QUARTER.match(label)
            period = ArchivePeriod(int(quarter[1]), int(quarter[2])) if quarter else ArchivePeriod(int(label))
            found[period] = href
    return found


def resolve_archives(asked: list[ArchivePeriod], listed: dict[ArchivePeriod, str]) -> list[ArchivePeriod]:
    """The archive files that hold what a backfill asks for.

    A year with a yearly archive gets it; a year without one (the running year) gets the quarterly
    archives the index lists for it. A quarter gets its own file.

    Raises:
        ArchiveNotListed: the index lists nothing for a year or quarter asked for.
    """
    chosen: list[ArchivePeriod] = []
    for period in asked:
        if period in listed:
            chosen.append(period)
            continue
        quarters = sorted(p for p in listed if p.year == period.year and p.quarter) if not period.quarter else []
        if not quarters:
            offered = ", ".join(p.label for p in sorted(listed, key=lambda p: (p.year, p.quarter or 0))) or "nothing"
            raise ArchiveNotListed(
                f"the archive index lists no file for {period.label} (it lists {offered}); "
                "nothing was landed for this backfill"
            )
        chosen.extend(quarters)
    return list(dict.fromkeys(chosen))


def archive_settings(conn_id: str = HISTORICAL_CONN_ID) -> tuple[str, str]:
    """(archive folder, file-name pattern) from the connection's extras, else the published ones."""
    from vagled.sources.http import _connection_settings

    _, extra = _connection_settings(conn_id)
    directory = str(extra.get("archive_dir") or ARCHIVE_DIR)
    return directory.strip("/") + "/", str(extra.get("archive_pattern") or ARCHIVE_PATTERN)
