"""One Airflow pool per upstream connection, so the upstreams' limits hold however many workers run.

A pool bounds how many tasks call an upstream at once across every worker of the deployment
(a per-process limit alone would multiply with each worker added). Every extract task runs in the
pool of the upstream its feed's spec names (``FeedSpec.pool``, :func:`pool_for_feed`); stage and
publish tasks only touch the warehouse and use the default pool. Where an upstream states a
request rate (SCB: 30 calls per 10 seconds per client), the pool's slots share that budget: each
task's own limiter gets ``calls // slots`` (see :func:`per_task_calls`), so slots x per-task rate
never exceeds the limit.

Slots can be changed per deployment with ``VAGLED_POOL_SLOTS_<CONNECTION ID>`` (e.g.
``VAGLED_POOL_SLOTS_MUNICIPAL_FILES=8``); `vagled pools sync` writes them to Airflow. Change them
there, not in the UI: the workers read the same variable to size their limiters.

Cheap to import (DAG files import it at parse time).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

POOL_PREFIX = "upstream_"
SLOTS_ENV_PREFIX = "VAGLED_POOL_SLOTS_"


@dataclass(frozen=True)
class UpstreamPool:
    """The concurrency budget of one upstream connection.

    Attributes:
        conn_id: the Airflow connection id of the upstream.
        default_slots: tasks that may call it at once, across all workers, unless overridden.
        limit: the upstream's own limit, in words (documented, or what the slots assume).
    """

    conn_id: str
    default_slots: int
    limit: str

    @property
    def name(self) -> str:
        """The Airflow pool's name, e.g. ``upstream_scb_pxweb``."""
        return POOL_PREFIX + self.conn_id

    def slots(self, environ: Mapping[str, str] | None = None) -> int:
        """Return the slots: ``VAGLED_POOL_SLOTS_<CONN_ID>`` when set, else the default.

        Raises:
            ValueError: the variable is not a whole number of at least 1.
        """
        env = os.environ if environ is None else environ
        variable = SLOTS_ENV_PREFIX + self.conn_id.upper()
        raw = env.get(variable, "").strip()
        if not raw:
            return self.default_slots
        if not raw.isdigit() or int(raw) < 1:
            raise ValueError(f"{variable}={raw!r}: expected a whole number of pool slots, at least 1")
        return int(raw)

    @property
    def description(self) -> str:
        """What the pool guards, shown in Airflow's Pools page."""
        return f"extract tasks calling connection {self.conn_id}: {self.limit}"


# One pool per upstream connection that a task calls. The job-ads backfill of historical files
# (connection jobtech_historical) runs inside the job-ads extract task, so it holds that task's
# JobStream slot: a backfill and an increment never download at the same time.
UPSTREAM_POOLS: tuple[UpstreamPool, ...] = (
    UpstreamPool("jobtech_jobstream", 1, "one reader of the ad stream at a time; runs of the DAG are sequential"),
    UpstreamPool("jobtech_taxonomy", 1, "a full snapshot weekly; one task at a time is plenty"),
    UpstreamPool("af_statistics", 2, "monthly files; two downloads at once"),
    UpstreamPool("af_outlook", 1, "two small answers a year; one task at a time"),
    UpstreamPool("kolada", 2, "no published rate limit; Kolada asks for considerate use: two at once"),
    UpstreamPool(
        "scb_pxweb",
        1,
        "SCB allows 30 calls per 10 s per client IP; the slots share that budget (limiter per task)",
    ),
    UpstreamPool("education_offerings", 2, "Skolverket's paged listings, per municipality; two readers at once"),
    UpstreamPool("myh_results", 1, "a few published workbooks; one download at a time"),
    UpstreamPool("municipal_files", 4, "52 municipalities' drops on one file server: four downloads at once"),
    UpstreamPool(
        "skolverket_statistics",
        1,
        "Skolverket's statistics servers allow about 10 calls per 10 s and answer bursts with a bare 429",
    ),
)

def feed_upstream(feed: str) -> str:
    """The upstream connection a feed's extract task calls: its spec's ``pool``.

    Raises:
        KeyError: no such feed, or its spec names no upstream.
    """
    from vagled.feeds import get_feed

    conn_id = get_feed(feed).pool
    if not conn_id:
        raise KeyError(f"feed {feed!r} names no upstream connection (FeedSpec.pool)")
    return conn_id


def upstream_pool(conn_id: str) -> UpstreamPool:
    """Return the pool of an upstream connection.

    Raises:
        KeyError: no pool is declared for that connection.
    """
    for pool in UPSTREAM_POOLS:
        if pool.conn_id == conn_id:
            return pool
    known = ", ".join(pool.conn_id for pool in UPSTREAM_POOLS)
    raise KeyError(f"no pool for connection {conn_id!r}; pools exist for {known}")


def pool_for_feed(*feeds: str) -> str:
    """Return the name of the pool an extract task of ``feeds`` runs in.

    Raises:
        KeyError: a feed is unknown or its spec names no upstream (FeedSpec.pool).
        ValueError: the feeds call different upstreams (one task can hold one pool only).
    """
    upstreams = {feed_upstream(feed) for feed in feeds}
    if len(upstreams) != 1:
        raise ValueError(f"feeds {', '.join(feeds)} call several upstreams ({', '.join(sorted(upstreams))})")
    return upstream_pool(upstreams.pop()).name


def per_task_calls(conn_id: str, calls: int, environ: Mapping[str, str] | None = None) -> int:
    """Share an upstream's ``calls`` per window between its pool's slots.

    Raises:
        ValueError: the pool has more slots than the window has calls (no share would hold it).
    """
    pool = upstream_pool(conn_id)
    slots = pool.slots(environ)
    if slots > calls:
        raise ValueError(
            f"{SLOTS_ENV_PREFIX}{conn_id.upper()}={slots}: more tasks at once than the {calls} calls "
            f"{conn_id} allows per window; use at most {calls} slots"
        )
    return calls // slots


def sync_pools(environ: Mapping[str, str] | None = None) -> dict[str, int]:
    """Create or update every upstream pool in Airflow's metadata database.

    Returns:
        {pool name: slots}.
    """
    from airflow.models.pool import Pool

    synced: dict[str, int] = {}
    for pool in UPSTREAM_POOLS:
        slots = pool.slots(environ)
        Pool.create_or_update_pool(pool.name, slots, pool.description, include_deferred=False)
        synced[pool.name] = slots
    return synced
