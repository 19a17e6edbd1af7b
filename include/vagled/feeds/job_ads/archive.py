"""Large archive files (ZIP holding one JSONL member): spooled to disk, then read line by line.

A ZIP's directory sits at its end, so an archive cannot be read while it streams in: it is
downloaded to a spool file first, in blocks (memory stays at one block whatever the archive's
size), resuming with an HTTP Range request when a transfer breaks and the server honours ranges,
else starting over. A partial file is kept under its URL's digest, so a retried task resumes it too.
The member is then decompressed as a stream (zipfile reads it block by block).
"""

from __future__ import annotations

import hashlib
import logging
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from vagled.sources.http import HttpSource, UpstreamError

log = logging.getLogger(__name__)

BLOCK_BYTES = 1024 * 1024


class ArchiveFormatError(UpstreamError):
    """A downloaded archive is not what the source publishes: not a ZIP, or no JSONL member in it."""


@dataclass(frozen=True)
class SpooledArchive:
    """An archive complete on disk, with what raw records about it."""

    url: str
    path: Path
    size: int
    sha256: str


def spool_root() -> Path:
    from vagled.config import vagled_home

    return vagled_home() / "spool"


def _part_path(folder: Path, url: str) -> Path:
    return folder / (hashlib.sha256(url.encode()).hexdigest()[:24] + ".part")


def spool_download(source: HttpSource, path: str, *, folder: Path | None = None, attempts: int = 5) -> SpooledArchive:
    """Download ``path`` of the source to a spool file, resuming or restarting a broken transfer.

    Returns:
        The complete file with its size and sha256 (the caller removes it when done).

    Raises:
        UpstreamError: an error status, or the transfer broke ``attempts`` times.
    """
    import requests
    from tenacity import Retrying, retry_if_exception_type, stop_after_attempt, wait_exponential

    url = source.url(path)
    folder = folder or spool_root()
    folder.mkdir(parents=True, exist_ok=True)
    partial = _part_path(folder, url)

    def transfer() -> int:
        have = partial.stat().st_size if partial.exists() else 0
        headers = {"Range": f"bytes={have}-"} if have else {}
        with source.session.get(url, stream=True, timeout=source.timeout, headers=headers) as response:
            if response.status_code == 416 and have:
                # The range starts at or past the end: the part is whole, or longer than the file now is.
                partial.unlink()
                raise _Broken(f"GET {url}: the kept partial file no longer fits the archive; starting over")
            if response.status_code >= 400:
                raise UpstreamError(f"GET {url} answered HTTP {response.status_code}")
            if have and response.status_code != 206:
                log.info("GET %s: the server ignored the range; downloading the archive again", url)
                have = 0
            total = _total_size(response, have)
            mode = "ab" if have else "wb"
            with partial.open(mode) as out:
                try:
                    for block in response.iter_content(chunk_size=BLOCK_BYTES):
                        out.write(block)
                        have += len(block)
                except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError, requests.Timeout) as exc:
                    raise _Broken(f"GET {url} broke off after {have} bytes: {exc}") from exc
            if total is not None and have != total:
                raise _Broken(f"GET {url} ended after {have} of {total} bytes")
            return have

    try:
        for attempt in Retrying(
            stop=stop_after_attempt(attempts),
            wait=wait_exponential(multiplier=source.backoff, max=30),
            retry=retry_if_exception_type(_Broken),
            reraise=True,
        ):
            with attempt:
                size = transfer()
    except _Broken as exc:
        raise UpstreamError(f"{exc} ({attempts} attempts); the partial file is kept to resume: {partial}") from exc
    digest = hashlib.sha256()
    with partial.open("rb") as handle:
        for block in iter(lambda: handle.read(BLOCK_BYTES), b""):
            digest.update(block)
    done = partial.with_suffix(".zip")
    partial.replace(done)
    log.info("GET %s: %.1f MB spooled to %s", url, size / 1e6, done)
    return SpooledArchive(url=url, path=done, size=size, sha256=digest.hexdigest())


class _Broken(Exception):
    """A transfer that may succeed when tried again."""


def _total_size(response, offset: int) -> int | None:
    """The archive's full size from Content-Range (a resumed transfer) or Content-Length."""
    content_range = response.headers.get("Content-Range", "")
    if response.status_code == 206 and "/" in content_range:
        total = content_range.rsplit("/", 1)[1]
        return int(total) if total.isdigit() else None
    length = response.headers.get("Content-Length", "")
    if not length.isdigit():
        return None
    return int(length) + (offset if response.status_code == 206 else 0)


def jsonl_member(path: Path) -> str:
    """The name of the one JSONL member of a ZIP archive.

    Raises:
        ArchiveFormatError: not a ZIP (a corrupt or cut file), or no single ``.jsonl`` member.
    """
    try:
        with zipfile.ZipFile(path) as archive:
            names = [info.filename for info in archive.infolist() if not info.is_dir()]
    except (zipfile.BadZipFile, OSError) as exc:
        raise ArchiveFormatError(f"{path.name} is not a readable ZIP archive: {exc}") from exc
    members = [name for name in names if name.endswith(".jsonl")]
    if len(members) != 1:
        raise ArchiveFormatError(f"{path.name} holds {names!r}: expected exactly one .jsonl member")
    return members[0]


def member_blocks(path: Path, member: str, block_bytes: int = BLOCK_BYTES) -> Iterator[bytes]:
    """The member's bytes, decompressed block by block (never the member whole).

    Raises:
        ArchiveFormatError: the member is not JSONL (its first line is not a JSON object), or
            its compressed data is corrupt (a CRC or deflate error).
    """
    import zlib

    try:
        with zipfile.ZipFile(path) as archive, archive.open(member) as stream:
            first = True
            while block := stream.read(block_bytes):
                if first:
                    head = block.lstrip()
                    if head and not head.startswith(b"{"):
                        raise ArchiveFormatError(f"{path.name}: member {member} is not JSONL (it starts {head[:40]!r})")
                    first = False
                yield block
    except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
        raise ArchiveFormatError(f"{path.name}: member {member} is corrupt: {exc}") from exc
