"""Feed freshness: how old each feed's data may be, how old it is, and alerts when it is too old.

Each feed declares its policy on its spec (``FeedSpec.freshness``: ``dag_id``, ``max_age``,
``per_county``); include/reference/feed_freshness.toml holds what is not a feed's (how often a
feed still stale is alerted on again). The policies are loaded into audit.feed_freshness_policy, from
where ``mart.feed_freshness_at(as_of)`` computes every feed's status (``fresh``, ``stale``,
``never_loaded``) and ``mart.feed_freshness`` shows it as of now.

The check (:func:`check_freshness`, run hourly by the ``monitoring_feed_freshness`` DAG) computes
freshness as of its run's moment (param ``as_of``, else the end of its data interval), never the wall clock, so a rerun
of an hour gives the same answer. It alerts on stale feeds through the alert channels
(vagled.monitoring.alerts), and records each alert in audit.freshness_alert so a feed that stays
stale is alerted on again only after ``realert_after``. A feed never loaded is shown, not alerted:
it has not started, it has not gone stale.
"""

from __future__ import annotations

import logging
import re
import tomllib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from vagled.config import REFERENCE_DIR, WAREHOUSE_CONN_ID
from vagled.pipeline.feed import FeedSpec
from vagled.sql import load_sql

log = logging.getLogger(__name__)

FRESHNESS_CONFIG = REFERENCE_DIR / "feed_freshness.toml"
_DURATION = re.compile(r"^\s*(?P<n>\d+)\s*(?P<unit>[hd])\s*$")


@dataclass(frozen=True)
class FreshnessPolicy:
    """How old one feed's data may be."""

    feed: str
    dag_id: str
    max_age: timedelta
    per_county: bool = False
    description: str = ""


@dataclass(frozen=True)
class FreshnessConfig:
    policies: dict[str, FreshnessPolicy]
    realert_after: timedelta


@dataclass(frozen=True)
class FeedFreshness:
    """One row of mart.feed_freshness_at(as_of)."""

    feed: str
    county_code: str | None
    dag_id: str
    max_age: timedelta
    last_success_at: datetime | None
    last_batch_id: int | None
    last_batch_status: str | None
    rows_last_batch: int
    quarantined_last: int
    validation_pass_rate: Any
    parts: int
    stale_parts: int
    status: str

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def parse_duration(text: str) -> timedelta:
    """Parse ``"<n>h"`` or ``"<n>d"`` into a timedelta.

    Raises:
        ValueError: any other form, or zero.
    """
    match = _DURATION.match(str(text))
    if not match:
        raise ValueError(f"duration {text!r}: expected '<n>h' or '<n>d', e.g. '3h' or '40d'")
    n = int(match["n"])
    if n <= 0:
        raise ValueError(f"duration {text!r} must be longer than zero")
    return timedelta(hours=n) if match["unit"] == "h" else timedelta(days=n)


def policy_of(spec: FeedSpec) -> FreshnessPolicy:
    """The freshness policy a feed's spec declares.

    Raises:
        ValueError: the spec declares none, lacks ``dag_id`` or ``max_age``, or a value is malformed.
    """
    declared = spec.freshness
    if declared is None:
        raise ValueError(f"feed {spec.name!r} declares no freshness on its spec")
    missing = [key for key in ("dag_id", "max_age") if not getattr(declared, key)]
    if missing:
        raise ValueError(f"feed {spec.name!r} lacks {', '.join(missing)} in its freshness")
    return FreshnessPolicy(
        feed=spec.name,
        dag_id=declared.dag_id,
        max_age=parse_duration(declared.max_age),
        per_county=declared.per_county,
        description=declared.description,
    )


def load_config(path: Path = FRESHNESS_CONFIG, specs: Iterable[FeedSpec] | None = None) -> FreshnessConfig:
    """Every feed's policy (from the specs, default all feeds) and the alerting settings (from ``path``).

    Raises:
        ValueError: a spec's policy is missing or malformed, or the file holds unknown keys.
    """
    from vagled.feeds import all_feeds

    data = tomllib.loads(path.read_text(encoding="utf-8"))
    unknown = set(data) - {"freshness"}
    if unknown:
        raise ValueError(f"{path.name}: unknown tables {sorted(unknown)}; a feed's policy is declared on its spec")
    policies = {spec.name: policy_of(spec) for spec in (all_feeds() if specs is None else specs)}
    realert_after = parse_duration((data.get("freshness") or {}).get("realert_after", "24h"))
    return FreshnessConfig(policies=policies, realert_after=realert_after)


def sync_policies(conn, config: FreshnessConfig | None = None) -> int:
    """Make audit.feed_freshness_policy hold exactly the declared feeds; return rows changed."""
    config = config or load_config()
    changed = 0
    with conn.transaction():
        for policy in config.policies.values():
            changed += conn.execute(
                load_sql("monitoring/upsert_feed_freshness_policy"),
                {
                    "feed": policy.feed,
                    "dag_id": policy.dag_id,
                    "max_age": policy.max_age,
                    "per_county": policy.per_county,
                    "description": policy.description,
                },
            ).rowcount
        changed += conn.execute(
            load_sql("monitoring/delete_feed_freshness_policy_absent"), {"feeds": sorted(config.policies)}
        ).rowcount
    return changed


def sync_freshness_policies(conn_id: str = WAREHOUSE_CONN_ID) -> int:
    """Sync every feed's policy into the warehouse over a connection of its own; return rows changed."""
    from vagled.warehouse.db import connect

    with connect(conn_id, autocommit=True) as conn:
        return sync_policies(conn)


def feed_freshness(conn, as_of: datetime) -> list[FeedFreshness]:
    """Every declared feed's freshness (and per county where it applies) as of ``as_of``."""
    rows = conn.execute(load_sql("monitoring/select_feed_freshness"), {"as_of": as_of}).fetchall()
    return [FeedFreshness(*row) for row in rows]


def rows_to_alert(rows: list[FeedFreshness], per_county_feeds: set[str]) -> list[FeedFreshness]:
    """The stale rows an alert names: per county for feeds loaded per municipality, else per feed."""
    return [
        row
        for row in rows
        if row.status == "stale" and ((row.county_code is not None) == (row.feed in per_county_feeds))
    ]


def check_freshness(
    conn,
    as_of: datetime,
    *,
    config: FreshnessConfig | None = None,
    send: Callable[..., list[str]] | None = None,
) -> dict[str, Any]:
    """Compute freshness as of ``as_of``, alert on feeds newly stale, record the alerts.

    Args:
        conn: an autocommit connection to the warehouse.
        as_of: the moment checked (the run's data interval end).
        config: the policies and alerting settings (default: :func:`load_config`).
        send: delivers an Alert (default: vagled.monitoring.alerts.dispatch).

    Returns:
        ``{"as_of", "feeds", "stale", "alerted", "channels"}``: counts and the feeds alerted on.

    Raises:
        AlertDeliveryError: channels are configured and none delivered the alert (nothing is
            recorded, so the next check alerts again).
    """
    from vagled.monitoring.alerts import Alert, dispatch, health_url

    config = config or load_config()
    send = send or dispatch
    sync_policies(conn, config)
    rows = feed_freshness(conn, as_of)
    per_county = {feed for feed, policy in config.policies.items() if policy.per_county}
    stale = rows_to_alert(rows, per_county)
    recent = {
        (feed, county)
        for feed, county in conn.execute(
            load_sql("monitoring/select_recent_freshness_alerts"),
            {"since": as_of - config.realert_after, "as_of": as_of},
        )
    }
    due = [row for row in stale if (row.feed, row.county_code) not in recent]
    for row in stale:
        level = log.warning if row in due else log.info
        level("stale: %s county %s, last success %s", row.feed, row.county_code or "-", row.last_success_at)
    channels: list[str] = []
    if due:
        names = ", ".join(f"{r.feed}" + (f" ({r.county_code})" if r.county_code else "") for r in due)
        alert = Alert(
            kind="stale",
            headline=f"{len(due)} feed(s) stale as of {as_of.isoformat()}: {names}",
            feeds=tuple(dict.fromkeys(r.feed for r in due)),
            links={"Data health page": health_url()},
            stale_feeds=tuple(_stale_entry(r) for r in due),
            dag_id="monitoring_feed_freshness",
        )
        channels = send(alert)
        with conn.transaction():
            for row in due:
                conn.execute(
                    load_sql("monitoring/insert_freshness_alert"),
                    {
                        "feed": row.feed,
                        "county_code": row.county_code,
                        "status": row.status,
                        "last_success_at": row.last_success_at,
                        "checked_as_of": as_of,
                        "channels": channels,
                    },
                )
    return {
        "as_of": as_of.isoformat(),
        "feeds": len(rows),
        "stale": [_label(r) for r in stale],
        "alerted": [_label(r) for r in due],
        "channels": channels,
    }


def _stale_entry(row: FeedFreshness) -> Mapping[str, Any]:
    return {
        "feed": row.feed,
        "county_code": row.county_code,
        "status": row.status,
        "last_success_at": row.last_success_at,
        "max_age": str(row.max_age),
        "last_batch_id": row.last_batch_id,
        "last_batch_status": row.last_batch_status,
        "stale_parts": row.stale_parts,
        "parts": row.parts,
    }


def _label(row: FeedFreshness) -> str:
    return row.feed + (f"/{row.county_code}" if row.county_code else "")


def check_moment(
    data_interval_end: datetime | None, params: Mapping[str, Any] | None, run_after: datetime | None
) -> datetime:
    """The moment a freshness run checks: param ``as_of``, else its data interval end, else its trigger time.

    The param wins, as params win for the load DAGs' manual runs (vagled.pipeline.period).

    Raises:
        ValueError: none of them is known, or ``as_of`` has no time zone.
    """
    as_of = (params or {}).get("as_of")
    if as_of:
        moment = datetime.fromisoformat(str(as_of))
        if moment.tzinfo is None:
            raise ValueError(f"param as_of {as_of!r} needs a time zone, e.g. 2026-11-01T08:00:00+01:00")
        return moment
    if data_interval_end is not None:
        return data_interval_end
    if run_after is not None:
        return run_after
    raise ValueError("a freshness check needs param as_of, a data interval, or the run's trigger time")
