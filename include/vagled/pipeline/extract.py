"""Extract helpers: fetch from an upstream and land every answer in raw, part by part.

A page is landed only when it was received completely (HttpSource checks the body), so a
failed extract leaves complete parts or nothing, never a partial page.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Iterable, Iterator
from typing import Any, TypeVar

from vagled.pipeline.load import land_payload
from vagled.sources.http import HttpSource, UpstreamError

log = logging.getLogger(__name__)

SLICE_BYTES = 8 * 1024 * 1024

T = TypeVar("T")
_DONE = object()


def read_ahead(items: Iterable[T], depth: int = 2) -> Iterator[T]:
    """Yield ``items``, produced by a background thread up to ``depth`` ahead of the consumer.

    For a producer that mostly waits outside the interpreter (zlib inflating an archive member
    releases the GIL) while the consumer works on the previous item: the two overlap on two
    cores. Memory grows by at most ``depth`` items. An exception in the producer is raised here,
    at the item where it happened; a consumer that stops early stops the producer too.
    """
    ready: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(item: object) -> bool:
        while not stop.is_set():
            try:
                ready.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    source = iter(items)

    def produce() -> None:
        try:
            for item in source:
                if not put(item):
                    break
            else:
                put(_DONE)
        except BaseException as exc:  # handed to the consumer, raised there
            put(exc)
        finally:
            # A generator's own clean-up (an open archive) runs in this thread, once it is done.
            close = getattr(source, "close", None)
            if close is not None:
                close()

    producer = threading.Thread(target=produce, name="read-ahead", daemon=True)
    producer.start()
    try:
        while True:
            item = ready.get()
            if item is _DONE:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        producer.join()


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


def line_slices(blocks: Iterable[bytes], slice_bytes: int = SLICE_BYTES) -> Iterator[bytes]:
    """Regroup a stream of blocks into slices cut at line ends: once ``slice_bytes`` have gathered,
    all of it up to the last line end (the last slice holds what is left). Memory stays at about
    one slice whatever the stream's size."""
    buffer = bytearray()
    for block in blocks:
        buffer.extend(block)
        if len(buffer) >= slice_bytes:
            cut = buffer.rfind(b"\n") + 1
            if cut:
                yield bytes(buffer[:cut])
                del buffer[:cut]
    if buffer:
        yield bytes(buffer)


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
    try:
        with source.session.get(url, stream=True, timeout=source.timeout) as response:
            if response.status_code >= 400:
                raise UpstreamError(f"GET {url} answered HTTP {response.status_code}")
            content_type = response.headers.get("Content-Type", "application/x-ndjson")
            for body in line_slices(response.iter_content(chunk_size=1024 * 1024), slice_bytes):
                land_payload(
                    conn,
                    batch_id,
                    feed,
                    part_no,
                    source_url=url,
                    body=body,
                    content_type=content_type,
                    request_params={"slice": part_no - first_part},
                )
                total += len(body)
                part_no += 1
                log.info("%s batch %d: landed slice %d (%.1f MB so far)", feed, batch_id, part_no, total / 1e6)
    except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError, requests.Timeout) as exc:
        raise UpstreamError(f"GET {url} broke off after {total} bytes: {exc}") from exc
    return part_no - first_part, total


class IncompleteSnapshotError(UpstreamError):
    """A paged listing did not add up to its own total: a page was short, empty or the total moved."""


def land_paged(
    conn,
    source: HttpSource,
    batch_id: int,
    feed: str,
    path: str,
    params: dict[str, Any],
    *,
    items_key: str,
    id_key: str = "id",
    total_key: str = "total",
    page_param: str = "page",
    size_param: str = "size",
    size: int = 500,
    page_attempts: int = 3,
    first_part: int = 0,
) -> tuple[int, int]:
    """Land every page of a listing paged by page number and size, whose answers carry a total.

    A page is landed only when it holds as many distinct records as the total implies for it, so a
    batch holds the complete listing or fails: a consumer may treat the batch as a full snapshot
    (and close what it no longer lists). A short or empty page is fetched again a few times first.

    Returns:
        (parts landed, the listing's total)

    Raises:
        IncompleteSnapshotError: a page stays short, or the total changed while paging.
        UpstreamError: an answer stayed unusable (see HttpSource.fetch).
    """
    import orjson

    page, part_no, total = 1, first_part, None
    while True:
        query = {**params, page_param: page, size_param: size}
        for attempt in range(1, page_attempts + 1):
            response = source.fetch(path, params=query)
            document = orjson.loads(response.body)
            if not isinstance(document, dict) or not isinstance(document.get(items_key), list):
                # Not a listing at all: land it so the parser rejects the batch with the reason.
                got, page_total = None, total if total is not None else 0
                break
            page_total = int(document.get(total_key) or 0)
            if total is not None and page_total != total:
                raise IncompleteSnapshotError(
                    f"{path}: the total changed from {total} to {page_total} while paging (page {page})"
                )
            expected = max(0, min(size, page_total - (page - 1) * size))
            got = len({item.get(id_key) for item in document[items_key] if isinstance(item, dict)})
            if got >= expected:
                break
            log.warning(
                "%s batch %d: page %d holds %d of %d records (attempt %d/%d)",
                feed,
                batch_id,
                page,
                got,
                expected,
                attempt,
                page_attempts,
            )
        else:
            raise IncompleteSnapshotError(
                f"{path}: page {page} held {got} of the {expected} records its total of {page_total} implies, "
                f"after {page_attempts} attempts; nothing of this listing is published"
            )
        total = page_total
        land_payload(
            conn,
            batch_id,
            feed,
            part_no,
            source_url=response.url,
            body=response.body,
            content_type=response.content_type,
            request_params=query,
        )
        log.info("%s batch %d: landed page %d (%d bytes, total %d)", feed, batch_id, page, len(response.body), total)
        part_no += 1
        if got is None or page * size >= total:
            return part_no - first_part, total
        page += 1
