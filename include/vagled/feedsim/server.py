"""The feedsim HTTP server: every upstream under /<connection id>/..., with switchable faults.

Pure standard library (ThreadingHTTPServer, daemon threads). Answers are generated per request,
never ahead of time; large answers are streamed with chunked transfer encoding.

    with FeedSim(seed=42, scale=0.05) as sim:
        requests.get(sim.base_url("kolada") + "/v2/kpi/N00914")
"""

from __future__ import annotations

import collections
import logging
import socket
import struct
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from vagled.config import UPSTREAM_CONN_IDS
from vagled.feedsim.common import DEFAULT_NOW, STOCKHOLM, HttpError, Request, Response, SimConfig, dumps, parse_time
from vagled.feedsim.faults import FaultPlanner, FaultSpec, parse_fault_list

log = logging.getLogger("vagled.feedsim")

CONNECTION_IDS = UPSTREAM_CONN_IDS
FAULT_PARAM = "feedsim_fault"
FAULT_HEADER = "X-Feedsim-Fault"

_HTML_ERROR = (
    b"<!DOCTYPE html>\n<html><head><title>Tillf\xc3\xa4lligt fel</title></head><body>"
    b"<h1>Tj\xc3\xa4nsten \xc3\xa4r tillf\xc3\xa4lligt otillg\xc3\xa4nglig</h1>"
    b"<p>Ett ov\xc3\xa4ntat fel intr\xc3\xa4ffade. F\xc3\xb6rs\xc3\xb6k igen senare.</p></body></html>\n"
)


_ROUTES = {
    "jobtech_jobstream": "jobtech:handle_stream",
    "jobtech_historical": "jobtech:handle_historical",
    "jobtech_taxonomy": "taxonomy:handle",
    "af_statistics": "af_statistics:handle",
    "af_outlook": "af_outlook:handle",
    "kolada": "kolada:handle",
    "scb_pxweb": "scb:handle",
    "education_offerings": "education:handle",
    "myh_results": "myh:handle",
    "municipal_files": "municipal_files:handle",
}


def _route(conn_id: str) -> Callable[[Request], Response]:
    """Import an upstream module on its first request: a server start stays well under a second."""
    import importlib

    module, function = _ROUTES[conn_id].split(":")
    return getattr(importlib.import_module(f"vagled.feedsim.{module}"), function)


class FeedSim:
    """An offline replica of every upstream API, served on a background thread.

    Args:
        host: interface to bind (127.0.0.1).
        port: TCP port; 0 picks a free one (read it from .port after start()).
        seed: the data seed; the same seed and scale give byte-identical answers.
        scale: volume of job ads (1.0 = about 150 000 ads a year in the area).
        faults: run-level fault specs, NAME[:N][@CONNECTION], applied to every matching request.
        fault_rate: probability that a run-level fault hits a request (seeded, reproducible).
        now: the sim's fixed "now" (Europe/Stockholm when no offset); never the wall clock.
        slow_seconds: delay of the `slow` fault.
        timeout_seconds: hang of the `timeout` fault (interrupted by stop()).
        scb_rate_limit: SCB's calls allowed per client IP in scb_rate_window seconds (30 per 10 s).
        log_requests: log one line per request at INFO (the CLI turns it on; faults are always logged).
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        seed: int = 42,
        scale: float = 0.05,
        faults: Iterable[str] = (),
        fault_rate: float = 1.0,
        *,
        now: str | datetime = DEFAULT_NOW,
        slow_seconds: float = 2.0,
        timeout_seconds: float = 30.0,
        scb_rate_limit: int = 30,
        scb_rate_window: float = 10.0,
        log_requests: bool = False,
    ) -> None:
        if scale <= 0:
            raise ValueError("scale must be positive")
        self.host = host
        self._requested_port = port
        if isinstance(now, str):
            now = parse_time(now)
        elif now.tzinfo is None:
            now = now.replace(tzinfo=STOCKHOLM)  # a naive "now" is Stockholm time, like every upstream time
        self.sim = SimConfig(seed=seed, scale=scale, now=now)
        self.fault_specs: list[FaultSpec] = parse_fault_list(list(faults))
        self.planner = FaultPlanner(seed, self.fault_specs, fault_rate)
        self.slow_seconds = slow_seconds
        self.timeout_seconds = timeout_seconds
        self.log_requests = log_requests
        self.state: dict[str, Any] = {"scb_rate": (scb_rate_limit, scb_rate_window)}
        # The faults applied, newest last (tests and operators read it; bounded).
        self.fault_log: collections.deque[dict[str, Any]] = collections.deque(maxlen=10_000)
        self._stopping = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ----------------------------------------------------------------------------------
    def start(self) -> FeedSim:
        """Bind and serve on a daemon thread; returns self."""
        if self._server is not None:
            return self
        self._stopping.clear()
        server = ThreadingHTTPServer((self.host, self._requested_port), _make_handler(self))
        server.daemon_threads = True
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.2}, name=f"feedsim:{self.port}", daemon=True
        )
        self._thread.start()
        log.info(
            "feedsim serving on http://%s:%s (seed %s, scale %s, now %s, faults %s)",
            self.host,
            self.port,
            self.sim.seed,
            self.sim.scale,
            self.sim.now.isoformat(),
            ",".join(s.text for s in self.fault_specs) or "none",
        )
        return self

    def stop(self) -> None:
        """Stop serving: interrupts slow and hanging answers, closes the socket."""
        self._stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> FeedSim:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("feedsim is not started")
        return int(self._server.server_address[1])

    def base_url(self, connection_id: str) -> str:
        """Base URL of one upstream, e.g. http://127.0.0.1:8765/kolada (no trailing slash)."""
        if connection_id not in CONNECTION_IDS:
            raise KeyError(f"unknown connection id {connection_id!r}")
        return f"http://{self.host}:{self.port}/{connection_id}"

    def wait(self, seconds: float) -> bool:
        """Sleep up to `seconds`; returns True if the server is stopping."""
        return self._stopping.wait(seconds)


def _make_handler(sim: FeedSim) -> type[BaseHTTPRequestHandler]:
    class Handler(_Handler):
        feedsim = sim

    return Handler


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "feedsim/1.0"
    feedsim: FeedSim

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s %s", self.address_string(), format % args)

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def do_HEAD(self) -> None:
        self._send_simple(405, "application/json", dumps({"message": "HEAD is not supported"}))

    # -- request handling -----------------------------------------------------------------------
    def _serve(self) -> None:
        started = time.monotonic()
        sim = self.feedsim
        split = urlsplit(self.path)
        pairs = parse_qsl(split.query, keep_blank_values=True)
        fault_values = [v for k, v in pairs if k == FAULT_PARAM] + self.headers.get_all(FAULT_HEADER, [])
        pairs = [(k, v) for k, v in pairs if k != FAULT_PARAM]
        parts = split.path.split("/", 2)
        conn_id = parts[1] if len(parts) > 1 else ""
        rest = "/" + (parts[2] if len(parts) > 2 else "")
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        self._status, self._sent = 0, 0
        self._faults: frozenset[str] = frozenset()
        self._req: Request | None = None
        self._fault_logged = False
        try:
            if conn_id not in CONNECTION_IDS:
                raise HttpError(404, f"unknown upstream {conn_id!r}; feedsim serves /{'/, /'.join(CONNECTION_IDS)}/")
            try:
                specs = parse_fault_list(fault_values)
            except ValueError as exc:
                raise HttpError(400, f"feedsim: {exc}") from exc
            query_text = urlencode(pairs)
            faults = self._faults = sim.planner.plan(conn_id, f"{split.path}?{query_text}", specs)
            query: dict[str, list[str]] = {}
            for key, value in pairs:
                query.setdefault(key, []).append(value)
            req = self._req = Request(
                method=self.command,
                conn_id=conn_id,
                path=rest,
                query=query,
                headers={k.lower(): v for k, v in self.headers.items()},
                body=body,
                faults=faults,
                sim=sim.sim,
                client_ip=self.client_address[0],
                host=self.headers.get("Host") or f"{sim.host}:{sim.port}",
                state=sim.state,
            )
            self._respond(req, faults)
        except HttpError as exc:
            self._send_error(exc)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        except Exception:  # a generator bug must not kill the server; the client sees a 500
            log.exception("feedsim: error serving %s", self.path)
            if not self._status:
                self._send_simple(500, "application/json", dumps({"message": "feedsim internal error"}))
            self.close_connection = True
        finally:
            self._record_faults()
            if sim.log_requests:
                applied = self._applied()
                log.info(
                    '%s "%s %s" %s %s bytes %.0f ms%s',
                    self.client_address[0],
                    self.command,
                    self.path,
                    self._status,
                    self._sent,
                    (time.monotonic() - started) * 1000,
                    f" faults={','.join(applied)}" if applied else "",
                )

    def _applied(self) -> list[str]:
        req = self._req
        return sorted(self._faults & (_transport(self._faults) | (req.claimed if req else set())))

    def _record_faults(self) -> None:
        """Log the faults applied to this request, once, before its last byte goes out."""
        if self._fault_logged:
            return
        self._fault_logged = True
        applied = self._applied()
        if applied:
            split = urlsplit(self.path)
            query = urlencode([(k, v) for k, v in parse_qsl(split.query, keep_blank_values=True) if k != FAULT_PARAM])
            parts = split.path.split("/", 2)
            entry = {
                "connection": parts[1] if len(parts) > 1 else "",
                "path": split.path,
                "query": query,
                "faults": applied,
                "status": self._status,
            }
            self.feedsim.fault_log.append(entry)
            log.info("feedsim fault %s on %s %s", ",".join(applied), self.command, self.path)

    def _respond(self, req: Request, faults: frozenset[str]) -> None:
        sim = self.feedsim
        for name, status in (("http_429", 429), ("http_503", 503), ("http_500", 500)):
            if name in faults:
                headers = [("Retry-After", "1")] if status in (429, 503) else []
                message = {429: "Too Many Requests", 503: "Service Unavailable", 500: "Internal Server Error"}
                self._send_simple(status, "application/json", dumps({"message": message[status]}), headers)
                return
        if "timeout" in faults and sim.wait(sim.timeout_seconds):
            self.close_connection = True
            return
        if "slow" in faults and sim.wait(sim.slow_seconds):
            self.close_connection = True
            return
        response = _route(req.conn_id)(req)
        if "wrong_content_type" in faults:
            self._send_simple(200, "text/html; charset=utf-8", _HTML_ERROR)
            return
        body: Iterable[bytes] = [response.body] if isinstance(response.body, bytes) else response.body
        content_type = response.content_type
        if "wrong_encoding" in faults and "wrong_encoding" not in req.claimed and _is_text(content_type):
            # JSON and text are generated as UTF-8; send them as Windows-1252 while still declaring UTF-8.
            body = _recode_cp1252(body, req)
            if "charset" not in content_type:
                content_type += "; charset=utf-8"
        if "invalid_utf8" in faults:
            body = _inject_invalid_utf8(body)
        if "truncated" in faults:
            body = _truncate(body)
        if "reset" in faults:
            self._send_reset(response.status, content_type, body, response.headers)
            return
        if isinstance(response.body, bytes):
            data = b"".join(body)
            self._send_simple(response.status, content_type, data, response.headers)
            return
        self._send_chunked(response.status, content_type, body, response.headers)

    # -- writing ------------------------------------------------------------------------------
    def _start(self, status: int, content_type: str, headers: list[tuple[str, str]]) -> None:
        self._status = status
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        for key, value in headers:
            self.send_header(key, value)

    def _send_error(self, exc: HttpError) -> None:
        if exc.content_type.startswith("application/json"):
            self._send_simple(exc.status, exc.content_type, dumps({"message": exc.message}))
        else:
            self._send_simple(exc.status, exc.content_type, exc.message.encode("utf-8"))

    def _send_simple(
        self, status: int, content_type: str, data: bytes, headers: list[tuple[str, str]] | None = None
    ) -> None:
        self._start(status, content_type, headers or [])
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self._record_faults()
        self.wfile.write(data)
        self._sent += len(data)

    def _send_chunked(
        self, status: int, content_type: str, body: Iterable[bytes], headers: list[tuple[str, str]]
    ) -> None:
        iterator = iter(body)
        try:
            # Generate the first chunk before the status line, so a bad request still gets a 4xx.
            first = next(iterator, b"")
        except HttpError as exc:
            self._send_error(exc)
            return
        self._start(status, content_type, headers)
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        try:
            for chunk in _prepend(first, iterator):
                if chunk:
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                    self._sent += len(chunk)
            self._record_faults()
            self.wfile.write(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client stopped reading: stop generating
        except Exception:
            log.exception("feedsim: error while streaming %s", self.path)
            self.close_connection = True  # no terminating chunk: the client sees a broken body
        finally:
            close = getattr(iterator, "close", None)
            if close is not None:
                close()

    def _send_reset(
        self, status: int, content_type: str, body: Iterable[bytes], headers: list[tuple[str, str]]
    ) -> None:
        """Announce a body, send part of it, then reset the connection (RST, not a clean close)."""
        data = b""
        for chunk in body:
            data += chunk
            if len(data) >= 4096:
                break
        announced = max(len(data) * 2, 1024)
        self._start(status, content_type, headers)
        self.send_header("Content-Length", str(announced))
        self.end_headers()
        self._record_faults()
        part = data[: max(1, len(data) // 2)]
        self.wfile.write(part)
        self._sent += len(part)
        self.wfile.flush()
        time.sleep(0.05)
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.connection.close()
        self.close_connection = True


def _transport(faults: frozenset[str]) -> set[str]:
    from vagled.feedsim.faults import TRANSPORT_FAULTS

    return set(faults & TRANSPORT_FAULTS)


def _is_text(content_type: str) -> bool:
    media = content_type.split(";")[0]
    # vendor JSON (Skolverket's ...hal+json, problem+json) is text too
    return media.startswith(("application/json", "application/x-ndjson", "text/")) or media.endswith("+json")


def _recode_cp1252(body: Iterable[bytes], req: Request) -> Iterator[bytes]:
    """Re-encode UTF-8 chunks as Windows-1252; the fault counts as applied once a byte changes."""
    for chunk in body:
        recoded = chunk.decode("utf-8", "replace").encode("cp1252", "replace")
        if recoded != chunk:
            req.claimed.add("wrong_encoding")
        yield recoded


def _prepend(first: bytes, rest: Iterator[bytes]) -> Iterator[bytes]:
    yield first
    yield from rest


def _inject_invalid_utf8(body: Iterable[bytes]) -> Iterator[bytes]:
    """Put bytes that are never valid UTF-8 inside the first text value of the first chunk."""
    iterator = iter(body)
    first = next(iterator, b"")
    marker = first.find(b'":"')
    if marker < 0:
        marker = first.find(b'": "')
    if marker >= 0:
        at = marker + 3
    else:  # CSV and other text: after the first separator of the first data line
        newline = first.find(b"\n")
        sep = max(first.find(b";", newline), first.find(b",", newline))
        at = sep + 1 if sep > 0 else len(first) // 2
    yield first[:at] + b"\xff\xfe\xc3\x28" + first[at:]
    yield from iterator


def _truncate(body: Iterable[bytes]) -> Iterator[bytes]:
    """Send about half of the answer (at most 32 KB) and end it as if it were complete."""
    sent = 0
    chunks = []
    for chunk in body:
        chunks.append(chunk)
        sent += len(chunk)
        if sent >= 64 * 1024:
            break
    close = getattr(body, "close", None)
    if close is not None:
        close()
    data = b"".join(chunks)
    yield data[: max(1, min(len(data) // 2, 32 * 1024))]
