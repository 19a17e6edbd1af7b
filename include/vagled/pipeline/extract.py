"""Extract helpers: fetch from an upstream and land every answer in raw, part by part.

A page is landed only when it was received completely (HttpSource checks the body), so a
failed extract leaves complete parts or nothing, never a partial page.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from vagled.pipeline.load import land_payload
from vagled.sources.http import HttpSource, UpstreamError

log = logging.getLogger(__name__)

SLICE_BYTES = 8 * 1024 * 1024


def land_responses(
    conn,
    source: HttpSource,
    batch_id: int,
    feed: str,
    requests: Iterable[tuple[str, dict[str, Any]]],
    *,
    expect: str = "json",
    first_part: int = 0,
) -> int:
    """Fetch each (path, params) and land its body; returns the number of parts landed."""
    part_no = first_part
    for path, params in requests:
        response = source.fetch(path, params=params, expect=expect)
        land_payload(
            conn,
            batch_id,
            feed,
            part_no,
            source_url=response.url,
            body=response.body,
            content_type=response.content_type,
            request_params=params,
        )
        log.info("%s batch %d: landed part %d, %d bytes from %s", feed, batch_id, part_no, len(response.body), path)
        part_no += 1
    return part_no - first_part


def land_stream_in_slices(
    conn,
    source: HttpSource,
    batch_id: int,
    feed: str,
    path: str,
    *,
    first_part: int = 0,
    slice_bytes: int = SLICE_BYTES,
) -> tuple[int, int]:
    """Stream a large line-oriented file (JSONL) into raw in slices cut at line ends.

    Memory stays at about one slice whatever the file's size.

    Returns:
        (parts landed, bytes landed)

    Raises:
        UpstreamError: the file could not be read to its end (the batch then holds no usable data
            and is failed by the caller; nothing of it is published).
    """
    import requests

    url = source.url(path)
    part_no = first_part
    total = 0
    buffer = bytearray()
    try:
        with source.session.get(url, stream=True, timeout=source.timeout) as response:
            if response.status_code >= 400:
                raise UpstreamError(f"GET {url} answered HTTP {response.status_code}")
            content_type = response.headers.get("Content-Type", "application/x-ndjson")
            for block in response.iter_content(chunk_size=1024 * 1024):
                buffer.extend(block)
                if len(buffer) >= slice_bytes:
                    cut = buffer.rfind(b"\n") + 1
                    if cut:
                        land_payload(
                            conn,
                            batch_id,
                            feed,
                            part_no,
                            source_url=url,
                            body=bytes(buffer[:cut]),
                            content_type=content_type,
                            request_params={"slice": part_no - first_part},
                        )
                        total += cut
                        del buffer[:cut]
                        part_no += 1
                        log.info("%s batch %d: landed slice %d (%.1f MB so far)", feed, batch_id, part_no, total / 1e6)
            if buffer:
                land_payload(
                    conn,
                    batch_id,
                    feed,
                    part_no,
                    source_url=url,
                    body=bytes(buffer),
                    content_type=content_type,
                    request_params={"slice": part_no - first_part},
                )
                total += len(buffer)
                part_no += 1
    except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError, requests.Timeout) as exc:
        raise UpstreamError(f"GET {url} broke off after {total} bytes: {exc}") from exc
    return part_no - first_part, total
