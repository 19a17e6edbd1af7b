"""What the deployment's init service runs, against the real embedded PostgreSQL and Airflow's database.

`vagled warehouse bootstrap` on a server that has only a superuser, `vagled pools sync`, and
`vagled connections check`.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

VAGLED = str(Path(sys.executable).parent / "vagled")
TARGET_CONN = "bootstrap_target"


def _url(warehouse, role: str, password: str, database: str) -> str:
    return f"postgresql://{role}:{password}@127.0.0.1:{warehouse.port}/{database}"


@pytest.fixture
def fresh_server_roles(embedded_warehouse, admin_conn, monkeypatch):
    """A superuser login like a fresh postgres image's, and names for a loader and its database."""
    admin_password = secrets.token_urlsafe(12)
    admin_conn.execute(f"create role bootstrap_admin login superuser password '{admin_password}'")
    monkeypatch.setenv(
        "AIRFLOW_CONN_VAGLED_WAREHOUSE_ADMIN", _url(embedded_warehouse, "bootstrap_admin", admin_password, "postgres")
    )
    try:
        yield embedded_warehouse
    finally:
        admin_conn.execute("drop database if exists bootstrap_wh with (force)")
        admin_conn.execute("drop database if exists bootstrap_taken with (force)")
        admin_conn.execute("drop role if exists bootstrap_loader")
        admin_conn.execute("drop role bootstrap_admin")


def test_bootstrap_creates_the_loader_and_its_database_then_migrate_runs_as_the_loader(
    fresh_server_roles, admin_conn, monkeypatch
):
    import psycopg

    from vagled.warehouse.bootstrap import bootstrap_warehouse
    from vagled.warehouse.migrate import migrate

    warehouse = fresh_server_roles
    first = secrets.token_urlsafe(12)
    monkeypatch.setenv(
        f"AIRFLOW_CONN_{TARGET_CONN.upper()}", _url(warehouse, "bootstrap_loader", first, "bootstrap_wh")
    )

    report = bootstrap_warehouse(conn_id=TARGET_CONN)

    assert (report.role, report.database, report.role_created, report.database_created) == (
        "bootstrap_loader",
        "bootstrap_wh",
        True,
        True,
    )
    login, createrole, superuser = admin_conn.execute(
        "select rolcanlogin, rolcreaterole, rolsuper from pg_roles where rolname = 'bootstrap_loader'"
    ).fetchone()
    assert (login, createrole, superuser) == (True, True, False)
    owner = admin_conn.execute(
        "select pg_get_userbyid(datdba) from pg_database where datname = 'bootstrap_wh'"
    ).fetchone()[0]
    assert owner == "bootstrap_loader"
    # Everything after the bootstrap runs as the loader: the migrations need nothing more.
    migrated = migrate(TARGET_CONN, load_reference=False)
    assert migrated.applied and not migrated.already_applied
    with psycopg.connect(_url(warehouse, "bootstrap_loader", first, "bootstrap_wh")) as conn:
        assert conn.execute("select count(*) from audit.schema_version").fetchone()[0] == len(migrated.applied)

    # A rerun creates nothing and moves the loader's password to the connection's.
    second = secrets.token_urlsafe(12)
    monkeypatch.setenv(
        f"AIRFLOW_CONN_{TARGET_CONN.upper()}", _url(warehouse, "bootstrap_loader", second, "bootstrap_wh")
    )
    again = bootstrap_warehouse(conn_id=TARGET_CONN)
    assert (again.role_created, again.database_created) == (False, False)
    psycopg.connect(_url(warehouse, "bootstrap_loader", second, "bootstrap_wh")).close()
    with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
        psycopg.connect(_url(warehouse, "bootstrap_loader", first, "bootstrap_wh"))


def test_bootstrap_refuses_what_it_cannot_do_safely(fresh_server_roles, admin_conn, monkeypatch):
    from vagled.warehouse.bootstrap import BootstrapError, bootstrap_warehouse

    warehouse = fresh_server_roles
    monkeypatch.setenv(
        f"AIRFLOW_CONN_{TARGET_CONN.upper()}", f"postgresql://bootstrap_loader@127.0.0.1:{warehouse.port}/bootstrap_wh"
    )
    with pytest.raises(BootstrapError, match="has no password"):
        bootstrap_warehouse(conn_id=TARGET_CONN)

    admin_conn.execute("create database bootstrap_taken owner bootstrap_admin")
    monkeypatch.setenv(
        f"AIRFLOW_CONN_{TARGET_CONN.upper()}", _url(warehouse, "bootstrap_loader", "pw-1", "bootstrap_taken")
    )
    with pytest.raises(BootstrapError, match="owned by 'bootstrap_admin'"):
        bootstrap_warehouse(conn_id=TARGET_CONN)


def _slots(airflow_db) -> dict[str, int]:
    import psycopg

    with psycopg.connect(airflow_db.url("airflow")) as conn:
        return dict(conn.execute("select pool, slots from slot_pool where pool like 'upstream_%'").fetchall())


def test_pools_sync_creates_one_pool_per_upstream_and_follows_the_environment(airflow_db):
    from vagled.pools import UPSTREAM_POOLS

    env = {**os.environ, "VAGLED_POOL_SLOTS_KOLADA": "3"}
    done = subprocess.run([VAGLED, "pools", "sync"], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    expected = {pool.name: pool.default_slots for pool in UPSTREAM_POOLS} | {"upstream_kolada": 3}
    assert _slots(airflow_db) == expected

    # run again with the defaults: the same pools, updated in place
    done = subprocess.run([VAGLED, "pools", "sync"], env=dict(os.environ), capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert _slots(airflow_db) == {pool.name: pool.default_slots for pool in UPSTREAM_POOLS}

    refused = subprocess.run(
        [VAGLED, "pools", "sync"],
        env={**os.environ, "VAGLED_POOL_SLOTS_KOLADA": "many"},
        capture_output=True,
        text=True,
    )
    assert refused.returncode != 0 and "VAGLED_POOL_SLOTS_KOLADA='many'" in refused.stderr


def test_connections_check_names_what_is_missing(embedded_warehouse, feedsim):
    from vagled.feedsim.cli import connection_env

    env = {**os.environ, **connection_env("127.0.0.1", feedsim.port)}
    done = subprocess.run([VAGLED, "connections", "check"], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"scb_pxweb              ok       http://127.0.0.1:{feedsim.port}/scb_pxweb" in done.stdout
    assert "vagled_warehouse       ok" in done.stdout
    assert embedded_warehouse.password("vagled_loader") not in done.stdout  # never a password

    del env["AIRFLOW_CONN_KOLADA"]
    missing = subprocess.run([VAGLED, "connections", "check"], env=env, capture_output=True, text=True)
    assert missing.returncode == 2
    assert "kolada                 MISSING" in missing.stdout
    assert "connections missing: kolada;" in missing.stderr
