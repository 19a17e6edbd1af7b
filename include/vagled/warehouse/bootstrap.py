"""First set-up of a warehouse server that is not the embedded one (docker-compose, a managed PostgreSQL).

A fresh PostgreSQL has only its superuser. ``vagled warehouse bootstrap`` uses that superuser once,
through the Airflow connection ``vagled_warehouse_admin``, to create what ``vagled_warehouse``
names: its login role (with CREATEROLE, for the county read roles that ``migrate`` makes) and its
database, owned by that role. Everything after that, migrations included, runs as the loader.
Running it again changes nothing but the loader's password, which follows the connection's.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from vagled.config import WAREHOUSE_CONN_ID
from vagled.sql import load_sql

log = logging.getLogger(__name__)

ADMIN_CONN_ID = "vagled_warehouse_admin"


class BootstrapError(RuntimeError):
    """The warehouse cannot be set up as its connection describes."""


@dataclass(frozen=True)
class BootstrapReport:
    role: str
    database: str
    role_created: bool
    database_created: bool


def bootstrap_warehouse(admin_conn_id: str = ADMIN_CONN_ID, conn_id: str = WAREHOUSE_CONN_ID) -> BootstrapReport:
    """Create the loader role and the warehouse database that connection ``conn_id`` names.

    Args:
        admin_conn_id: a superuser (or CREATEROLE + CREATEDB) connection to the same server.
        conn_id: the warehouse connection: its login, password and database (schema field).

    Raises:
        BootstrapError: the warehouse connection lacks a login, password or database, or the
            database exists with another owner.
    """
    from airflow.sdk import BaseHook
    from psycopg import sql

    from vagled.warehouse.db import connect

    target = BaseHook.get_connection(conn_id)
    role, password, database = target.login, target.password, target.schema
    missing = [name for name, value in (("login", role), ("password", password), ("database", database)) if not value]
    if missing:
        raise BootstrapError(f"connection {conn_id!r} has no {', '.join(missing)}: set them in its URI")
    names = {"role": sql.Identifier(role), "password": sql.Literal(password), "database": sql.Identifier(database)}
    with connect(admin_conn_id, autocommit=True) as admin:
        role_exists = admin.execute(load_sql("bootstrap/select_role"), {"role": role}).fetchone() is not None
        statement = "bootstrap/alter_loader_role" if role_exists else "bootstrap/create_loader_role"
        admin.execute(sql.SQL(load_sql(statement)).format(**names))
        owner_row = admin.execute(load_sql("bootstrap/select_database"), {"database": database}).fetchone()
        if owner_row is None:
            # create database cannot run inside a transaction: the connection is in autocommit.
            admin.execute(sql.SQL(load_sql("bootstrap/create_warehouse_database")).format(**names))
        elif owner_row[0] != role:
            raise BootstrapError(
                f"database {database!r} exists but is owned by {owner_row[0]!r}, not {role!r}: "
                f"change its owner (alter database {database} owner to {role}) or use another database"
            )
    report = BootstrapReport(role, database, role_created=not role_exists, database_created=owner_row is None)
    log.info(
        "warehouse bootstrap: role %s %s, database %s %s",
        role,
        "created" if report.role_created else "updated",
        database,
        "created" if report.database_created else "already there",
    )
    return report
