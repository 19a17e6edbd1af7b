"""Landing for the job-ads feed: the hourly JobStream increment, or a backfill from the enriched archives.

A backfill finds its archives on the index page (connection ``jobtech_historical``), spools each
ZIP to disk (vagled.feeds.job_ads.archive), streams its JSONL member in slices cut at line ends and lands,
per slice, the lines that can be in the area. A national year is about a million ads of which some
15 % are in the area: an ad whose address names a county outside it is skipped from its bytes,
before any JSON parsing, and counted as ``out_of_area``. Each landed part records the archive's URL,
size, sha256, member name and the slice's place in it, so a batch is staged again from raw alone.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from contextlib import closing
from typing import Any

from vagled.feeds.job_ads import jobtech
from vagled.pipeline.extract import land_responses, line_slices, read_ahead
from vagled.pipeline.load import land_payload, read_watermark
from vagled.pipeline.period import Period
from vagled.sources.http import HttpSource

log = logging.getLogger(__name__)

# Input slices of a member: what one landed part is cut from (its area lines are about 15 % of it).
ARCHIVE_SLICE_BYTES = 32 * 1024 * 1024
ARCHIVE_CONTENT_TYPE = "application/x-ndjson"

_REGION_KEY = b'"region_code"'
_MUNICIPALITY_KEY = b'"municipality_code"'
_REGION = re.compile(rb'"region_code"\s*:\s*(?:"([^"\\]*)"|(null))')
_MUNICIPALITY = re.compile(rb'"municipality_code"\s*:\s*(?:"([^"\\]*)"|(null))')


def is_increment(params: Mapping[str, Any]) -> bool:
    """A run is a JobStream increment over its period unless param ``backfill`` names archives."""
    return not jobtech.parse_backfill(params.get("backfill"))


def _code(line: bytes, key: bytes, pattern: re.Pattern[bytes]) -> bytes | bool | None:
    """The string value of a key that occurs once in the line; None when it is null or absent;
    False when the bytes alone cannot say (the key twice, or a value that is not a plain string)."""
    count = line.count(key)
    if count == 0:
        return None
    if count > 1:
        return False
    match = pattern.search(line)
    if match is None:
        return False
    return match[1] or None


def line_county(line: bytes) -> bytes | bool | None:
    """The county an ad line is in, read from its bytes as job_ads.ad_to_record reads it from the
    parsed ad (region_code, else the first two digits of municipality_code); None when neither is
    given; False when the bytes are not plain enough to say, and only a full parse can."""
    region = _code(line, _REGION_KEY, _REGION)
    if region is False or region:
        return region
    municipality = _code(line, _MUNICIPALITY_KEY, _MUNICIPALITY)
    if municipality is False or municipality is None:
        return municipality
    return municipality[:2]


def area_lines(body: bytes, counties: frozenset[bytes]) -> tuple[bytes, int, int]:
    """Keep the lines of a JSONL slice that may be in the area.

    A line is skipped only when its bytes name a county outside the area, exactly as the full
    parse would; anything the bytes do not settle (no address, null codes, odd spelling) is kept
    for the parser, which decides and counts it. Blank lines are not records and are dropped.

    Returns:
        (the kept lines, each ending in a line end; how many were kept; how many were skipped)
    """
    kept: list[bytes] = []
    skipped = 0
    for line in body.split(b"\n"):
        if not line or line.isspace():
            continue
        county = line_county(line)
        if county and county not in counties:
            skipped += 1
            continue
        kept.append(line)
    data = b"\n".join(kept)
    return (data + b"\n" if kept else b""), len(kept), skipped


def land_archive_backfill(conn, batch_id: int, params: Mapping[str, Any]) -> dict[str, Any]:
    """Land the area lines of every archive the ``backfill`` param asks for.

    Raises:
        jobtech.ArchiveNotListed: the index page lists no file for a year or quarter asked for.
        UpstreamError: an archive could not be downloaded whole, or is not a ZIP with one JSONL member.
    """
    from vagled.config import area_county_codes
    from vagled.feeds.job_ads.archive import ArchiveFormatError, jsonl_member, member_blocks, spool_download

    asked = jobtech.parse_backfill(params.get("backfill"))
    source = HttpSource(jobtech.HISTORICAL_CONN_ID, timeout=(5.0, 120.0))
    directory, pattern = jobtech.archive_settings()
    # The index is an HTML page (a folder listing): read as bytes, the links are all it needs.
    index = source.fetch(directory, expect="bytes")
    listed = jobtech.listed_archives(index.body.decode("utf-8", "replace"), pattern)
    archives = jobtech.resolve_archives(asked, listed)
    counties = frozenset(code.encode() for code in area_county_codes())
    part_no = total_lines = kept_lines = skipped_lines = 0
    landed_bytes = 0
    files = []
    for period in archives:
        spooled = spool_download(source, directory + jobtech.archive_name(period, pattern))
        try:
            member = jsonl_member(spooled.path)
            offset = 0
            # Inflating the next slice (zlib, outside the GIL) overlaps filtering and landing this one;
            # closing it stops the inflating thread, also when landing fails.
            member_slices = read_ahead(line_slices(member_blocks(spooled.path, member), ARCHIVE_SLICE_BYTES))
            with closing(member_slices):
                for index_no, body in enumerate(member_slices):
                    data, kept, skipped = area_lines(body, counties)
                    land_payload(
                        conn,
                        batch_id,
                        "job_ads",
                        part_no,
                        source_url=spooled.url,
                        body=data,
                        content_type=ARCHIVE_CONTENT_TYPE,
                        request_params={
                            "archive": period.label,
                            "archive_bytes": spooled.size,
                            "archive_sha256": spooled.sha256,
                            "member": member,
                            "slice": index_no,
                            "member_offset": offset,
                            "member_slice_bytes": len(body),
                            "kept": kept,
                            "out_of_area_skipped": skipped,
                        },
                    )
                    offset += len(body)
                    part_no += 1
                    kept_lines += kept
                    skipped_lines += skipped
                    total_lines += kept + skipped
                    landed_bytes += len(data)
            log.info(
                "job_ads batch %d: %s: %d lines, %d landed, %d outside the area skipped (%.0f MB of member)",
                batch_id,
                member,
                total_lines,
                kept_lines,
                skipped_lines,
                offset / 1e6,
            )
            files.append({"archive": period.label, "member": member, "bytes": spooled.size, "sha256": spooled.sha256})
        except ArchiveFormatError:
            # A corrupt file is fetched whole again by a retry, never resumed.
            spooled.path.unlink(missing_ok=True)
            raise
        spooled.path.unlink(missing_ok=True)
    return {
        "parts": part_no,
        "bytes": landed_bytes,
        "mode": "backfill",
        "archives": files,
        "lines": total_lines,
        "out_of_area_skipped": skipped_lines,
    }


def land_job_ads(conn, batch_id: int, period: Period | None, params: Mapping[str, Any]) -> dict[str, Any]:
    """Land the increment of ``period`` from JobStream, or the archives of the ``backfill`` param."""
    if jobtech.parse_backfill(params.get("backfill")):
        return land_archive_backfill(conn, batch_id, params)
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
