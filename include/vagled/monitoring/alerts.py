"""Alerts to the data engineers: e-mail and a webhook, both through the providers' own notifiers.

Which channels are used is configuration only, by Airflow connection:

- ``vagled_alert_email``: an SMTP connection (host, port, login, password; the SMTP provider's
  extras such as ``from_email``, ``disable_tls``, ``disable_ssl``, ``timeout``) plus the extra
  ``to``: the recipients, separated by commas. Sent with ``SmtpNotifier``.
- ``vagled_alert_webhook``: an HTTP connection whose ``host`` is the receiver's full URL (e.g.
  ``https://hooks.example.org/services/T0/B0``); every other extra is sent as a request header
  (e.g. ``Authorization``), login/password as basic auth. Sent with ``HttpNotifier`` as JSON.

A connection that is not defined is a channel that is off; defining, changing or removing one
switches channels without a code change. With neither, alerts are only logged.

What raises an alert (:class:`AlertNotifier`, set once in the DAG defaults and on the load-path
tasks):

- ``failure``: a task failed without a retry left (e.g. a clear error that a retry cannot fix);
- ``retries_exhausted``: a task failed on its last try;
- ``data_quality``: a batch was rejected by validation, or a batch was published with records in
  quarantine;
- ``stale``: the freshness check found a feed older than it may be (vagled.monitoring.freshness).

Each message names the DAG, task, run and try, the data interval, every batch the task worked on
with its counts, the error, and links to the task log, the Data health page and the quarantine rows.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from airflow.sdk import BaseNotifier

from vagled.config import STOCKHOLM

log = logging.getLogger(__name__)

ALERT_EMAIL_CONN_ID = "vagled_alert_email"
ALERT_WEBHOOK_CONN_ID = "vagled_alert_webhook"
ALERT_CONN_IDS = (ALERT_EMAIL_CONN_ID, ALERT_WEBHOOK_CONN_ID)

# Where the project's Airflow plugin serves the Data health page (plugins/vagled_data_health.py).
HEALTH_URL_PREFIX = "/vagled"

KIND_TITLES = {
    "failure": "Task failed",
    "retries_exhausted": "Retries exhausted",
    "data_quality": "Data quality",
    "stale": "Stale feed",
}

# Times in alerts are shown in the area's time zone, as the DAGs' schedules are.
LOCAL_TZ = STOCKHOLM

# An alert lists at most this many batches (a run of a feed loaded per municipality has 104).
MAX_BATCHES = 20


class AlertDeliveryError(RuntimeError):
    """Every configured alert channel failed to deliver an alert."""


def _iso(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return (value.astimezone(LOCAL_TZ) if value.tzinfo else value).isoformat()
    return str(value)


@dataclass(frozen=True)
class BatchSummary:
    """One audit.load_batch row, as an alert shows it."""

    batch_id: int
    feed: str
    partition_key: str | None
    status: str
    interval_start: datetime | None
    interval_end: datetime | None
    received: int
    loaded: int
    quarantined: int
    duplicates: int
    out_of_area: int
    error: str | None

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        for key in ("interval_start", "interval_end"):
            data[key] = _iso(data[key])
        return data


@dataclass(frozen=True)
class Alert:
    """What one alert says; rendered as an e-mail (:meth:`html`) and a webhook payload (:meth:`payload`)."""

    kind: str
    headline: str
    dag_id: str | None = None
    task_id: str | None = None
    run_id: str | None = None
    map_index: int | None = None
    try_number: int | None = None
    max_tries: int | None = None
    interval_start: datetime | None = None
    interval_end: datetime | None = None
    feeds: tuple[str, ...] = ()
    batches: tuple[BatchSummary, ...] = ()
    error: str | None = None
    log_url: str | None = None
    links: Mapping[str, str] = field(default_factory=dict)
    stale_feeds: tuple[Mapping[str, Any], ...] = ()

    @property
    def title(self) -> str:
        return KIND_TITLES.get(self.kind, self.kind)

    def interval_text(self) -> str:
        if self.interval_start is None and self.interval_end is None:
            return "none (a run without a data interval)"
        return f"{_iso(self.interval_start) or '…'} .. {_iso(self.interval_end) or '…'}"

    def subject(self) -> str:
        where = ".".join(part for part in (self.dag_id, self.task_id) if part)
        feeds = f" [{', '.join(self.feeds)}]" if self.feeds else ""
        return f"[Vägled] {self.title}: {where or 'freshness'}{feeds}: {self.headline}"[:250]

    def lines(self) -> list[tuple[str, str]]:
        """The alert's facts as (label, value) pairs, in the order the messages show them."""
        rows: list[tuple[str, str]] = [("What", f"{self.title}: {self.headline}")]
        if self.feeds:
            rows.append(("Feed", ", ".join(self.feeds)))
        if self.dag_id:
            rows.append(("DAG", self.dag_id))
        if self.task_id:
            task = self.task_id + (f" [map index {self.map_index}]" if self.map_index not in (None, -1) else "")
            rows.append(("Task", task))
        if self.run_id:
            rows.append(("Run", self.run_id))
        if self.try_number is not None:
            rows.append(("Try", f"{self.try_number} of {(self.max_tries or 0) + 1}"))
        if self.dag_id:
            rows.append(("Data interval", self.interval_text()))
        if self.error:
            rows.append(("Error", self.error))
        if self.log_url:
            rows.append(("Task log", self.log_url))
        for label, url in self.links.items():
            rows.append((label, url))
        return rows

    def text(self) -> str:
        """Plain text: the e-mail's content for readers without HTML and the webhook's ``text``."""
        out = [f"{label}: {value}" for label, value in self.lines()]
        for batch in self.batches:
            part = f" part {batch.partition_key}" if batch.partition_key else ""
            out.append(
                f"Batch {batch.batch_id} ({batch.feed}{part}): {batch.status}; received {batch.received}, "
                f"loaded {batch.loaded}, quarantined {batch.quarantined}, duplicates {batch.duplicates}, "
                f"outside the area {batch.out_of_area}" + (f"; error: {batch.error}" if batch.error else "")
            )
        for stale in self.stale_feeds:
            out.append(_stale_text(stale))
        return "\n".join(out)

    def html(self) -> str:
        esc = html.escape
        facts = "".join(
            f"<tr><th align='left'>{esc(label)}</th><td>{_html_value(value)}</td></tr>" for label, value in self.lines()
        )
        parts = [f"<h2>{esc(self.title)}: {esc(self.headline)}</h2>", f"<table>{facts}</table>"]
        if self.batches:
            head = "".join(
                f"<th>{h}</th>"
                for h in (
                    "batch",
                    "feed",
                    "part",
                    "status",
                    "interval",
                    "received",
                    "loaded",
                    "quarantined",
                    "duplicates",
                    "outside area",
                    "error",
                )
            )
            body = "".join(
                "<tr>"
                + "".join(
                    f"<td>{esc(str(v))}</td>"
                    for v in (
                        b.batch_id,
                        b.feed,
                        b.partition_key or "",
                        b.status,
                        _interval(b.interval_start, b.interval_end),
                        b.received,
                        b.loaded,
                        b.quarantined,
                        b.duplicates,
                        b.out_of_area,
                        b.error or "",
                    )
                )
                + "</tr>"
                for b in self.batches
            )
            parts.append(f"<h3>Batches</h3><table border='1' cellpadding='3'><tr>{head}</tr>{body}</table>")
        if self.stale_feeds:
            items = "".join(f"<li>{esc(_stale_text(s))}</li>" for s in self.stale_feeds)
            parts.append(f"<h3>Stale feeds</h3><ul>{items}</ul>")
        return "<html><body>" + "".join(parts) + "</body></html>"

    def payload(self) -> dict[str, Any]:
        """The webhook's JSON body (``text`` makes it readable by chat webhooks as it is)."""
        return {
            "source": "vagled",
            "kind": self.kind,
            "title": self.title,
            "headline": self.headline,
            "subject": self.subject(),
            "text": self.text(),
            "dag_id": self.dag_id,
            "task_id": self.task_id,
            "run_id": self.run_id,
            "map_index": self.map_index,
            "try_number": self.try_number,
            "max_tries": self.max_tries,
            "data_interval": {
                "start": _iso(self.interval_start),
                "end": _iso(self.interval_end),
            },
            "feeds": list(self.feeds),
            "batches": [b.as_json() for b in self.batches],
            "error": self.error,
            "log_url": self.log_url,
            "links": dict(self.links),
            "stale_feeds": [_json_safe(s) for s in self.stale_feeds],
        }


def _interval(start: datetime | None, end: datetime | None) -> str:
    if start is None and end is None:
        return ""
    return f"{_iso(start) or '…'} .. {_iso(end) or '…'}"


def _html_value(value: str) -> str:
    escaped = html.escape(value)
    if value.startswith(("http://", "https://")):
        return f"<a href='{escaped}'>{escaped}</a>"
    return escaped


def _stale_text(stale: Mapping[str, Any]) -> str:
    county = f" (county {stale['county_code']})" if stale.get("county_code") else ""
    last = stale.get("last_success_at")
    last_text = _iso(last) or "never"
    return (
        f"{stale['feed']}{county}: {stale['status']}; last success {last_text}, may be at most "
        f"{stale.get('max_age')} old; last batch {stale.get('last_batch_id')} ({stale.get('last_batch_status')})"
    )


def _json_safe(data: Mapping[str, Any]) -> dict[str, Any]:
    return {
        k: (_iso(v) if isinstance(v, datetime) else v if isinstance(v, int | float | str | None) else str(v))
        for k, v in data.items()
    }


# -- links ------------------------------------------------------------------------------------------
def airflow_base_url() -> str:
    """The Airflow UI's base URL (``[api] base_url``), without a trailing slash."""
    try:
        from airflow.sdk.configuration import conf
    except ImportError:  # outside the task SDK (api-server, CLI)
        from airflow.configuration import conf
    return str(conf.get("api", "base_url", fallback="http://localhost:8080")).rstrip("/")


def health_url(base_url: str | None = None) -> str:
    return f"{base_url or airflow_base_url()}{HEALTH_URL_PREFIX}/data-health"


def quarantine_url(*, batch_id: int | None = None, feed: str | None = None, base_url: str | None = None) -> str:
    query = {k: v for k, v in (("batch_id", batch_id), ("feed", feed)) if v is not None}
    suffix = f"?{urlencode(query)}" if query else ""
    return f"{base_url or airflow_base_url()}{HEALTH_URL_PREFIX}/quarantine{suffix}"


# -- from a task's context ---------------------------------------------------------------------------
def _partition_of(context: Mapping[str, Any]) -> str | None:
    """The part (municipality) a mapped load-path task works on, from its resolved arguments."""
    task = context.get("task")
    kwargs = getattr(task, "op_kwargs", None) or {}
    if isinstance(kwargs.get("partition"), str):
        return kwargs["partition"]
    for value in kwargs.values():
        if isinstance(value, Mapping) and isinstance(value.get("partition"), str):
            return value["partition"]
    return None


def _run_batches(run_id: str, feeds: Sequence[str], partition: str | None) -> tuple[BatchSummary, ...]:
    from vagled.sql import load_sql
    from vagled.warehouse.db import connect

    with connect(autocommit=True) as conn:
        rows = conn.execute(
            load_sql("monitoring/select_run_batches"),
            {"run_id": run_id, "feeds": list(feeds), "partition": partition, "limit": MAX_BATCHES},
        ).fetchall()
    return tuple(BatchSummary(*row) for row in rows)


def _interval_of(context: Mapping[str, Any], batches: Sequence[BatchSummary]) -> tuple[Any, Any]:
    """The period the task loaded: its batches' interval, else the run's params, else its data interval.

    The same precedence as vagled.pipeline.period.resolve_period (params win on a manual run).
    """
    with_interval = [b for b in batches if b.interval_start is not None or b.interval_end is not None]
    if with_interval:
        return with_interval[0].interval_start, with_interval[0].interval_end
    params = context.get("params") or {}
    if params.get("period_start") or params.get("period_end"):
        start, end = params.get("period_start"), params.get("period_end")
        return (
            datetime.fromisoformat(start) if isinstance(start, str) else start,
            datetime.fromisoformat(end) if isinstance(end, str) else end,
        )
    return context.get("data_interval_start"), context.get("data_interval_end")


def alert_from_context(context: Mapping[str, Any], *, event: str, feeds: Sequence[str] = ()) -> Alert | None:
    """Build the alert for a task's state change, or None when there is nothing to tell.

    Args:
        context: the Airflow task context the callback receives.
        event: ``failure`` (from on_failure_callback) or ``success`` (on_success_callback: an
            alert only when a batch of the task has quarantined records).
        feeds: the feeds the task loads (empty: every batch of the run).
    """
    ti = context.get("ti") or context.get("task_instance")
    run_id = context.get("run_id") or getattr(ti, "run_id", None)
    batches: tuple[BatchSummary, ...] = ()
    lookup_error = None
    if run_id:
        try:
            batches = _run_batches(run_id, feeds, _partition_of(context))
        except Exception as exc:  # the warehouse itself may be what failed: alert all the same
            lookup_error = f"batches not read from the warehouse: {type(exc).__name__}: {exc}"
    try_number = getattr(ti, "try_number", None)
    max_tries = getattr(ti, "max_tries", None)
    exception = context.get("exception")
    error = f"{type(exception).__name__}: {exception}" if isinstance(exception, BaseException) else exception
    if error is not None:
        error = str(error)[:4000]
    if event == "success":
        quarantined = [b for b in batches if b.status == "succeeded" and b.quarantined > 0]
        if not quarantined:
            return None
        total = sum(b.quarantined for b in quarantined)
        received = sum(b.received for b in quarantined)
        kind = "data_quality"
        headline = f"{total} of {received} records quarantined in {len(quarantined)} published batch(es)"
    elif any(b.status == "rejected" for b in batches):
        kind = "data_quality"
        rejected = [b for b in batches if b.status == "rejected"]
        headline = f"batch {', '.join(str(b.batch_id) for b in rejected)} rejected by validation; nothing published"
    elif max_tries and try_number is not None and try_number > max_tries:
        kind = "retries_exhausted"
        headline = f"failed on its last try ({try_number} of {max_tries + 1})"
    else:
        kind = "failure"
        headline = "failed without a retry left" if max_tries else "failed"
    if lookup_error:
        error = f"{error}; {lookup_error}" if error else lookup_error
    start, end = _interval_of(context, batches)
    base = airflow_base_url()
    links = {"Data health page": health_url(base)}
    with_quarantine = [b for b in batches if b.quarantined]
    if with_quarantine:
        links["Quarantine rows"] = quarantine_url(batch_id=with_quarantine[0].batch_id, base_url=base)
    dag_id = context.get("dag").dag_id if context.get("dag") is not None else getattr(ti, "dag_id", None)
    return Alert(
        kind=kind,
        headline=headline,
        dag_id=dag_id,
        task_id=getattr(ti, "task_id", None),
        run_id=run_id,
        map_index=getattr(ti, "map_index", None),
        try_number=try_number,
        max_tries=max_tries,
        interval_start=start,
        interval_end=end,
        feeds=tuple(feeds) or tuple(dict.fromkeys(b.feed for b in batches)),
        batches=batches,
        error=error,
        log_url=getattr(ti, "log_url", None),
        links=links,
    )


# -- delivery ------------------------------------------------------------------------------------------
def _connection(conn_id: str):
    from airflow.sdk import BaseHook
    from airflow.sdk.exceptions import AirflowNotFoundException

    try:
        return BaseHook.get_connection(conn_id)
    except AirflowNotFoundException:
        return None


def configured_channels() -> dict[str, Any]:
    """The alert channels that have a connection: ``{"email": conn, "webhook": conn}``."""
    channels = {}
    for name, conn_id in (("email", ALERT_EMAIL_CONN_ID), ("webhook", ALERT_WEBHOOK_CONN_ID)):
        conn = _connection(conn_id)
        if conn is not None:
            channels[name] = conn
    return channels


def _send_email(alert: Alert, conn, context: Mapping[str, Any]) -> None:
    from airflow.providers.smtp.notifications.smtp import SmtpNotifier

    recipients = conn.extra_dejson.get("to")
    if not recipients:
        raise ValueError(f"connection {ALERT_EMAIL_CONN_ID} has no extra 'to' (the recipients, comma-separated)")
    SmtpNotifier(
        to=recipients,
        from_email=conn.extra_dejson.get("from_email"),
        subject=alert.subject(),
        html_content=alert.html(),
        smtp_conn_id=ALERT_EMAIL_CONN_ID,
    ).notify(dict(context))


def _send_webhook(alert: Alert, conn, context: Mapping[str, Any]) -> None:
    from airflow.providers.http.notifications.http import HttpNotifier

    HttpNotifier(
        http_conn_id=ALERT_WEBHOOK_CONN_ID,
        method="POST",
        json=alert.payload(),
        headers={"Content-Type": "application/json"},
    ).notify(dict(context))


def dispatch(alert: Alert, context: Mapping[str, Any] | None = None) -> list[str]:
    """Send an alert through every configured channel; return the channels that delivered it.

    A channel that fails is logged and does not stop the others.

    Raises:
        AlertDeliveryError: channels are configured and every one of them failed.
    """
    context = context or {}
    log.warning("alert %s: %s", alert.subject(), alert.text().replace("\n", " | "))
    channels = configured_channels()
    if not channels:
        log.warning(
            "no alert channel is configured (connections %s): the alert is only in this log",
            ", ".join(ALERT_CONN_IDS),
        )
        return []
    senders = {"email": _send_email, "webhook": _send_webhook}
    delivered, failures = [], []
    for name, conn in channels.items():
        try:
            senders[name](alert, conn, context)
        except Exception as exc:
            log.error("alert not delivered by %s: %s: %s", name, type(exc).__name__, exc)
            failures.append(f"{name}: {type(exc).__name__}: {exc}")
        else:
            delivered.append(name)
    if not delivered:
        raise AlertDeliveryError("; ".join(failures))
    return delivered


class AlertNotifier(BaseNotifier):
    """The project's task callback: builds an :class:`Alert` from the task's context and dispatches it.

    Args:
        event: ``failure`` (use as on_failure_callback) or ``success`` (on_success_callback of a
            publish task: alerts only when records were quarantined).
        feeds: the feeds the task loads, to pick its batches in the run; empty for any.
    """

    template_fields = ()

    def __init__(self, *, event: str = "failure", feeds: Sequence[str] = ()) -> None:
        super().__init__()
        if event not in ("failure", "success"):
            raise ValueError(f"event must be 'failure' or 'success', not {event!r}")
        self.event = event
        self.feeds = tuple(feeds)

    def notify(self, context: Any) -> None:
        alert = alert_from_context(context, event=self.event, feeds=self.feeds)
        if alert is not None:
            dispatch(alert, context)
