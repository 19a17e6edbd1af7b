"""One HTTP client for every upstream: base URL from an Airflow connection, retries, rate limits.

Status-level faults (429 with Retry-After, 5xx, connection errors before a response) are
retried by urllib3's Retry on the requests adapter. Body-level faults that urllib3 cannot see
(a connection reset mid-body, a truncated or non-UTF-8 JSON body, an HTML error page with 200)
are retried here, a few times, and then raised as UpstreamError: a partial page is never
returned, so it can never be half-loaded.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from dataclasses import dataclass
from typing import Any

log = logging.getLogger(__name__)

RETRY_STATUSES = (429, 500, 502, 503, 504)
# No answer of any upstream is near this (large files are streamed in slices instead); a body that
# grows past it, e.g. a gzip bomb, is refused before it can exhaust the worker's memory.
MAX_BODY_MB = 256.0


class UpstreamError(RuntimeError):
    """An upstream answered with something unusable after every retry.

    ``status`` and ``body`` are the last answer's, when there was one (a client reads an error
    document, e.g. SCB's problem JSON, from them).
    """

    def __init__(self, message: str, *, status: int | None = None, body: bytes = b"") -> None:
        super().__init__(message)
        self.status = status
        self.body = body


class BodyTooLarge(UpstreamError):
    """An answer grew past the client's limit while it was read (not retried: it would again)."""


@dataclass(frozen=True)
class Response:
    url: str
    params: dict[str, Any]
    status: int
    content_type: str
    body: bytes


class RateLimiter:
    """At most ``calls`` requests per ``per_seconds`` from this process (SCB: 30 per 10 s)."""

    def __init__(self, calls: int, per_seconds: float) -> None:
        self.calls = calls
        self.per_seconds = per_seconds
        self._sent: deque[float] = deque()
        self._lock = threading.Lock()

    def wait(self) -> None:
        with self._lock:
            now = time.monotonic()
            while self._sent and now - self._sent[0] >= self.per_seconds:
                self._sent.popleft()
            if len(self._sent) >= self.calls:
                pause = self.per_seconds - (now - self._sent[0])
                log.info("rate limit: %d calls in %.0f s reached, waiting %.1f s", self.calls, self.per_seconds, pause)
                time.sleep(max(pause, 0))
                self._sent.popleft()
            self._sent.append(time.monotonic())


def base_url_from_connection(conn_id: str) -> str:
    """Return ``scheme://host[:port][/path]`` of an Airflow HTTP connection, without a trailing slash.

    The path is the connection's schema field; the scheme is ``https`` for conn_type https or an
    extra ``{"scheme": "https"}``, else ``http``.
    """
    return _connection_settings(conn_id)[0]


def _connection_settings(conn_id: str) -> tuple[str, dict[str, Any]]:
    """Return the base URL and the extras of an Airflow HTTP connection."""
    from airflow.sdk import BaseHook

    conn = BaseHook.get_connection(conn_id)
    if not conn.host:
        raise UpstreamError(f"connection {conn_id!r} has no host")
    extra = conn.extra_dejson or {}
    scheme = extra.get("scheme") or ("https" if conn.conn_type == "https" else "http")
    host = conn.host.split("://", 1)[-1].rstrip("/")
    url = f"{scheme}://{host}" + (f":{conn.port}" if conn.port else "")
    if conn.schema:
        url += "/" + conn.schema.strip("/")
    return url, extra


class HttpSource:
    """A requests session bound to one upstream connection."""

    def __init__(
        self,
        conn_id: str,
        *,
        timeout: tuple[float, float] | None = None,
        retries: int = 5,
        backoff: float = 0.5,
        body_attempts: int = 4,
        rate_limiter: RateLimiter | None = None,
        base_url: str | None = None,
        max_body_mb: float | None = None,
    ) -> None:
        import requests
        from requests.adapters import HTTPAdapter
        from urllib3.util.retry import Retry

        self.conn_id = conn_id
        extra: dict[str, Any] = {}
        if base_url is None:
            base_url, extra = _connection_settings(conn_id)
        self.base_url = base_url
        # connect and read time-outs: the caller's, else the connection's extras, else 5 s / 30 s
        self.timeout = timeout or (
            float(extra.get("connect_timeout", 5.0)),
            float(extra.get("read_timeout", 30.0)),
        )
        # the most one answer may hold once decoded: the caller's, else the extra max_body_mb
        self.max_body_bytes = int((max_body_mb or float(extra.get("max_body_mb", MAX_BODY_MB))) * 1024 * 1024)
        self.body_attempts = body_attempts
        self.backoff = backoff
        self.rate_limiter = rate_limiter
        retry = Retry(
            total=retries,
            connect=retries,
            read=retries,
            status=retries,
            backoff_factor=backoff,
            status_forcelist=RETRY_STATUSES,
            allowed_methods=None,  # POST too: every upstream query here is read-only
            respect_retry_after_header=True,
            raise_on_status=False,
        )
        self.session = requests.Session()
        self.session.headers["User-Agent"] = "vagled/0.1 (+competence-supply data platform)"
        self.session.mount("http://", HTTPAdapter(max_retries=retry))
        self.session.mount("https://", HTTPAdapter(max_retries=retry))

    def url(self, path: str) -> str:
        return self.base_url + "/" + path.lstrip("/")

    def fetch(
        self,
        path: str,
        *,
        params: dict[str, Any] | list[tuple[str, Any]] | None = None,
        method: str = "GET",
        json_body: Any = None,
        expect: str = "json",
        headers: dict[str, str] | None = None,
    ) -> Response:
        """Fetch one resource completely, or raise.

        Args:
            expect: ``json`` (the body must parse as JSON), ``text`` (any text type), ``lines``
                (text that ends at a line end, as every complete CSV file does: a body cut short
                is retried), ``zip`` (a complete ZIP archive, e.g. an XLSX workbook: a body cut
                short or an error page is retried) or ``bytes``.

        Raises:
            UpstreamError: a non-success status after retries, or a body that stays unusable.
        """
        import requests

        url = self.url(path)
        last_problem = ""
        for attempt in range(1, self.body_attempts + 1):
            if self.rate_limiter is not None:
                self.rate_limiter.wait()
            try:
                response = self.session.request(
                    method, url, params=params, json=json_body, timeout=self.timeout, headers=headers, stream=True
                )
                with response:
                    body = read_body(response, self.max_body_bytes)  # a reset mid-body raises here
            except (requests.ConnectionError, requests.Timeout, requests.exceptions.ChunkedEncodingError) as exc:
                last_problem = f"{type(exc).__name__}: {exc}"
            else:
                content_type = response.headers.get("Content-Type", "")
                if response.status_code >= 400:
                    # urllib3 has already retried the retryable statuses (honouring Retry-After).
                    raise UpstreamError(
                        f"{method} {response.url} answered HTTP {response.status_code} after retries: {body[:200]!r}",
                        status=response.status_code,
                        body=body[:64 * 1024],
                    )
                else:
                    problem = _body_problem(body, content_type, expect)
                    if problem is None:
                        return Response(
                            url=response.url,
                            params=dict(params or {}),
                            status=response.status_code,
                            content_type=content_type,
                            body=body,
                        )
                    last_problem = problem
            log.warning("%s %s: attempt %d/%d unusable (%s)", method, url, attempt, self.body_attempts, last_problem)
            if attempt < self.body_attempts:
                time.sleep(self.backoff * 2 ** (attempt - 1))
        raise UpstreamError(f"{method} {url} gave no usable answer after {self.body_attempts} attempts: {last_problem}")


def read_body(response: Any, limit: int) -> bytes:
    """Read a streamed response's decoded body, refusing it once it grows past ``limit`` bytes.

    Raises:
        BodyTooLarge: the body (after gzip or deflate decoding) is larger than the limit.
    """
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_content(chunk_size=1024 * 1024):
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge(
                f"{response.request.method} {response.url}: the answer grew past {limit} bytes and was refused "
                "(set the connection's extra max_body_mb if such answers are real)"
            )
        chunks.append(chunk)
    return b"".join(chunks)


def _body_problem(body: bytes, content_type: str, expect: str) -> str | None:
    """Return why a 2xx body is unusable, or None when it is fine."""
    if expect == "bytes":
        return None
    if expect == "zip":
        import io
        import zipfile

        # a ZIP's directory is at its end: a body cut short has none
        if zipfile.is_zipfile(io.BytesIO(body)):
            return None
        return f"expected a complete ZIP/XLSX file, got {len(body)} bytes of {content_type!r}"
    if expect == "json":
        if "json" not in content_type:
            return f"expected JSON, got content type {content_type!r}"
        import orjson

        try:
            orjson.loads(body)
        except orjson.JSONDecodeError as exc:
            return f"body is not valid JSON ({exc})"
        return None
    if content_type.startswith("text/html"):
        return f"expected data, got an HTML page ({content_type!r})"
    if expect == "lines" and body and not body.endswith(b"\n"):
        return f"body ends mid-line after {len(body)} bytes (cut short?)"
    return None
