"""The analysts' marts: materialized views in schema ``mart``, rebuilt without blocking readers.

Each mart is defined in a migration (include/sql/migrations/V008__marts.sql). A refresh after
the first is ``REFRESH MATERIALIZED VIEW CONCURRENTLY``: PostgreSQL builds the new result beside
the old one and applies the difference in one transaction, so an analyst's query never waits for
it and sees either the old or the new rows, never a mix.
"""

from __future__ import annotations

import logging
import time
from dataclasses import asdict, dataclass

from vagled.sql import load_sql

log = logging.getLogger(__name__)

# Every mart the warehouse_marts DAG keeps fresh, in the order they are refreshed.
MARTS: tuple[str, ...] = (
    "job_ads_monthly",
    "jobseekers_monthly",
    "education_supply",
    "municipality_profile",
    "competence_gap",
    "skill_demand_monthly",
    "skill_trend",
    "jobs_within_reach",
    "education_transitions",
    "matched_employment",
    "labour_market_outcomes",
    # reads mart.competence_gap: refreshed after it (MART_UPSTREAMS)
    "shortage_programme_transitions",
)
# Marts built on another mart: the warehouse_marts DAG refreshes them after those.
MART_UPSTREAMS: dict[str, tuple[str, ...]] = {"shortage_programme_transitions": ("competence_gap",)}
# Marts refreshed with nested loops off: labour_market_outcomes (V050) left-joins its `wide` CTE to
# itself, which PostgreSQL planned as a nested loop over the CTE: 67 s for 14 364 rows against 0.5 s
# as a hash join, with the same rows. A migration rewriting the mart's query should replace this.
NO_NESTED_LOOP_MARTS: frozenset[str] = frozenset({"labour_market_outcomes"})


class UnknownMart(ValueError):
    """A mart name that is not one of MARTS."""


@dataclass(frozen=True)
class MartRefresh:
    mart: str
    rows: int
    seconds: float
    concurrently: bool

    def as_dict(self) -> dict:
        return asdict(self)


def refresh_mart(conn, mart: str) -> MartRefresh:
    """Rebuild one mart (concurrently once it has been built) and return its size and duration.

    ``conn`` is an autocommit psycopg connection as the marts' owner (the loader); then the mart
    is also vacuumed and analysed (not possible inside a caller's open transaction).

    Raises:
        UnknownMart: ``mart`` is not one of MARTS.
    """
    from psycopg import pq, sql

    if mart not in MARTS:
        raise UnknownMart(f"{mart!r} is not a mart; the marts are {', '.join(MARTS)}")
    populated = dict(conn.execute(load_sql("mart/select_mart_state")).fetchall())
    if mart not in populated:
        raise UnknownMart(f"mart.{mart} does not exist in the warehouse: run `vagled warehouse migrate`")
    concurrently = bool(populated[mart])
    statement = load_sql("mart/refresh_concurrently" if concurrently else "mart/refresh_first")
    identifier = sql.Identifier("mart", mart)
    started = time.monotonic()
    if mart in NO_NESTED_LOOP_MARTS:
        conn.execute(load_sql("mart/disable_nested_loops"))
    try:
        conn.execute(sql.SQL(statement).format(mart=identifier))
    finally:
        if mart in NO_NESTED_LOOP_MARTS and conn.info.transaction_status != pq.TransactionStatus.INERROR:
            conn.execute(load_sql("mart/reset_nested_loops"))
    if conn.info.transaction_status == pq.TransactionStatus.IDLE:
        # Outside a transaction block (as the DAG refreshes): statistics for the planner, and the
        # visibility map that lets the analysts' queries read the covering indexes alone.
        conn.execute(sql.SQL(load_sql("mart/vacuum_mart")).format(mart=identifier))
    rows = conn.execute(sql.SQL("select count(*) from {}").format(identifier)).fetchone()[0]
    result = MartRefresh(mart, rows, round(time.monotonic() - started, 3), concurrently)
    log.info(
        "mart.%s refreshed%s: %d rows in %.1f s",
        mart,
        " concurrently" if concurrently else " (first build)",
        rows,
        result.seconds,
    )
    return result


def refresh_marts(conn, marts: tuple[str, ...] | list[str] | None = None) -> list[MartRefresh]:
    """Refresh the given marts (default: all of MARTS), one transaction each."""
    return [refresh_mart(conn, mart) for mart in (marts or MARTS)]
