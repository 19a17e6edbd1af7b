"""Connections to the warehouse, always through the Airflow connection ``vagled_warehouse``.

AIRFLOW_CONN_VAGLED_WAREHOUSE works everywhere (tasks, CLI, tests); in Airflow a connection
from the metadata database or a secrets backend works the same way.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from vagled.config import WAREHOUSE_CONN_ID

if TYPE_CHECKING:
    import psycopg
    from sqlalchemy.engine import URL


def _hook(conn_id: str):
    from airflow.providers.postgres.hooks.postgres import PostgresHook

    return PostgresHook(postgres_conn_id=conn_id)


def connect(conn_id: str = WAREHOUSE_CONN_ID, *, autocommit: bool = False) -> psycopg.Connection:
    """Open a psycopg 3 connection to the warehouse named by an Airflow connection id."""
    conn = _hook(conn_id).get_conn()
    conn.autocommit = autocommit
    return conn


def sqlalchemy_url(conn_id: str = WAREHOUSE_CONN_ID) -> URL:
    """Return the SQLAlchemy URL (postgresql+psycopg) of the warehouse connection.

    Built from the connection's fields, not from a helper that emits a psycopg2 URL.
    """
    from sqlalchemy.engine import URL

    conn = _hook(conn_id).connection
    return URL.create(
        "postgresql+psycopg",
        username=conn.login,
        password=conn.password,
        host=conn.host,
        port=conn.port,
        database=conn.schema,
    )
