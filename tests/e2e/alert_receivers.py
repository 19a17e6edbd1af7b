"""Local alert receivers for the tests: a real SMTP server (aiosmtpd) and an HTTP webhook receiver.

Both listen on 127.0.0.1 in the test process; the Airflow connections vagled_alert_email and
vagled_alert_webhook point at them, so alerts travel through the real SMTP and HTTP providers.
"""

from __future__ import annotations

import email
import email.policy
import json
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class SmtpSink:
    port: int
    messages: list[EmailMessage] = field(default_factory=list)

    def bodies(self) -> list[str]:
        out = []
        for message in self.messages:
            for part in message.walk():
                if part.get_content_type() in ("text/html", "text/plain"):
                    out.append(part.get_content())
        return out


@dataclass
class WebhookReceiver:
    port: int
    requests: list[dict] = field(default_factory=list)
    fail_with: int | None = None

    @property
    def payloads(self) -> list[dict]:
        return [r["json"] for r in self.requests]


class _Handler:
    def __init__(self, sink: SmtpSink) -> None:
        self.sink = sink

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd's handler interface
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        message["X-Envelope-To"] = ", ".join(envelope.rcpt_tos)
        self.sink.messages.append(message)
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_sink() -> Iterator[SmtpSink]:
    from aiosmtpd.controller import Controller

    sink = SmtpSink(port=_free_port())
    controller = Controller(_Handler(sink), hostname="127.0.0.1", port=sink.port)
    controller.start()
    try:
        yield sink
    finally:
        controller.stop()


@pytest.fixture
def webhook_receiver() -> Iterator[WebhookReceiver]:
    receiver = WebhookReceiver(port=0)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            receiver.requests.append(
                {"path": self.path, "headers": dict(self.headers), "json": json.loads(body or b"null")}
            )
            status = receiver.fail_with or 200
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(b'{"ok": true}')

        def log_message(self, *args) -> None:  # keep the test output quiet
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    receiver.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def alert_channels(smtp_sink, webhook_receiver, monkeypatch):
    """Both alert connections pointed at the local receivers; returns (smtp_sink, webhook_receiver)."""
    monkeypatch.setenv(
        "AIRFLOW_CONN_VAGLED_ALERT_EMAIL",
        json.dumps(
            {
                "conn_type": "smtp",
                "host": "127.0.0.1",
                "port": smtp_sink.port,
                "extra": {
                    "from_email": "vagled-alerts@example.org",
                    "to": "dataeng@example.org, jour@example.org",
                    "disable_ssl": True,
                    "disable_tls": True,
                    "timeout": 10,
                    "retry_limit": 1,
                },
            }
        ),
    )
    monkeypatch.setenv(
        "AIRFLOW_CONN_VAGLED_ALERT_WEBHOOK",
        json.dumps(
            {
                "conn_type": "http",
                "host": f"http://127.0.0.1:{webhook_receiver.port}/hooks/vagled",
                "extra": {"X-Alert-Token": "test-token"},
            }
        ),
    )
    return smtp_sink, webhook_receiver
