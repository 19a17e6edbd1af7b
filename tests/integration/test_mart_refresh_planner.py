"""labour_market_outcomes is refreshed without nested loops, and the session's planner is left as it was.

Its query joins a CTE to itself; planned as a nested loop over the CTE it took 67 s for 14 364 rows
of the demo against 0.5 s as a hash join (docs/demo.md).
"""

from __future__ import annotations

import pytest

from vagled.marts import NO_NESTED_LOOP_MARTS, refresh_mart
from vagled.sql import load_sql

pytestmark = pytest.mark.integration


def _mart_query(conn) -> str:
    return conn.execute("select pg_get_viewdef('mart.labour_market_outcomes'::regclass)").fetchone()[0]


def test_without_nested_loops_the_self_join_of_the_cte_is_not_a_nested_loop(warehouse_conn):
    assert "labour_market_outcomes" in NO_NESTED_LOOP_MARTS
    query = _mart_query(warehouse_conn)
    warehouse_conn.execute(load_sql("mart/disable_nested_loops"))
    try:
        plan = "\n".join(row[0] for row in warehouse_conn.execute("explain (costs off) " + query))
    finally:
        warehouse_conn.execute(load_sql("mart/reset_nested_loops"))
    assert "CTE Scan on wide" in plan
    assert "Nested Loop" not in plan, plan


def test_refresh_leaves_the_sessions_planner_as_it_was(warehouse_conn):
    result = refresh_mart(warehouse_conn, "labour_market_outcomes")
    assert result.mart == "labour_market_outcomes" and result.rows >= 0
    assert warehouse_conn.execute("show enable_nestloop").fetchone()[0] == "on"
    # the other marts never touch the setting
    warehouse_conn.execute("set enable_nestloop = off")
    try:
        refresh_mart(warehouse_conn, "job_ads_monthly")
        assert warehouse_conn.execute("show enable_nestloop").fetchone()[0] == "off"
    finally:
        warehouse_conn.execute("reset enable_nestloop")
