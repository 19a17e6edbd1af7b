"""What an installation runs once, and again at each upgrade: pools, and a check of the connections.

``vagled pools sync`` creates or updates one Airflow pool per upstream (vagled.pools);
``vagled pools list`` prints them as configured; ``vagled connections check`` resolves the
warehouse and every upstream connection the way a task would and fails, naming the missing ones,
before any DAG runs. docker-compose.yml's airflow-init service runs both; so do ``vagled demo``
and ``vagled airflow-ui`` for the local set-up.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass

from vagled.config import UPSTREAM_CONN_IDS, WAREHOUSE_CONN_ID


@dataclass(frozen=True)
class ConnectionStatus:
    conn_id: str
    defined: bool
    detail: str  # where it points (never its password), or why it cannot be read


def check_connections(conn_ids: tuple[str, ...] = (WAREHOUSE_CONN_ID, *UPSTREAM_CONN_IDS)) -> list[ConnectionStatus]:
    """Resolve each connection (environment, secrets backend or metadata database) as tasks do."""
    from airflow.sdk import BaseHook

    statuses = []
    for conn_id in conn_ids:
        try:
            conn = BaseHook.get_connection(conn_id)
        except Exception as exc:  # not found, or a backend that cannot be read: both fail the check
            statuses.append(ConnectionStatus(conn_id, False, f"{type(exc).__name__}: {exc}"))
            continue
        if not conn.host:
            statuses.append(ConnectionStatus(conn_id, False, "defined without a host"))
            continue
        where = f"{conn.conn_type}://{conn.host}" + (f":{conn.port}" if conn.port else "")
        where += f"/{conn.schema}" if conn.schema else ""
        statuses.append(ConnectionStatus(conn_id, True, where))
    return statuses


def _cmd_connections_check(args: argparse.Namespace) -> int:
    statuses = check_connections()
    for status in statuses:
        print(f"{status.conn_id:<22} {'ok' if status.defined else 'MISSING':<8} {status.detail}")
    missing = [s.conn_id for s in statuses if not s.defined]
    if missing:
        print(
            f"connections missing: {', '.join(missing)}; set AIRFLOW_CONN_<ID> (see .env.example) "
            "or define them in Airflow or its secrets backend",
            file=sys.stderr,
        )
        return 2
    return 0


def _cmd_pools(args: argparse.Namespace) -> int:
    from vagled.pools import UPSTREAM_POOLS, sync_pools

    if args.action == "sync":
        synced = sync_pools()
        for pool in UPSTREAM_POOLS:
            print(f"{pool.name:<30} {synced[pool.name]:>3} slots  {pool.limit}")
        print(f"{len(synced)} upstream pools in Airflow")
    else:
        for pool in UPSTREAM_POOLS:
            print(f"{pool.name:<30} {pool.slots():>3} slots  {pool.limit}")
    return 0


def add_deployment_commands(commands: argparse._SubParsersAction) -> None:
    """Register ``pools`` and ``connections`` on the ``vagled`` command."""
    pools = commands.add_parser("pools", help="the Airflow pool of each upstream (sync: create or update them)")
    pools.add_argument("action", choices=["sync", "list"])
    pools.set_defaults(func=_cmd_pools)

    connections = commands.add_parser("connections", help="check that every connection the DAGs use is defined")
    connections.add_argument("action", choices=["check"])
    connections.set_defaults(func=_cmd_connections_check)
