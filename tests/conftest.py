"""Shared fixtures: a real embedded PostgreSQL per test session, Airflow configured against it.

The environment is set in pytest_configure, before anything imports Airflow, because Airflow
reads its configuration once at import time.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

pytest_plugins: list[str] = ["vagled.feedsim.pytest_plugin"]

_SESSION_HOME: Path | None = None


def pytest_configure(config: pytest.Config) -> None:
    global _SESSION_HOME
    # A warehouse of its own for every test session: the demo's data in .vagled/ is never touched.
    _SESSION_HOME = Path(tempfile.mkdtemp(prefix="vagled-test-"))
    os.environ["VAGLED_HOME"] = str(_SESSION_HOME)
    os.environ.pop("AIRFLOW_CONN_VAGLED_WAREHOUSE", None)
    os.environ.pop("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN", None)
    os.environ.pop("AIRFLOW_HOME", None)
    from vagled.airflow_env import airflow_environment

    os.environ.update(airflow_environment(_SESSION_HOME))


def pytest_unconfigure(config: pytest.Config) -> None:
    if _SESSION_HOME is None:
        return
    from vagled.warehouse.embedded import EmbeddedWarehouse

    if "airflow.settings" in sys.modules:
        # Close Airflow's pooled metadata connections before the server goes away.
        sys.modules["airflow.settings"].dispose_orm()
    warehouse = EmbeddedWarehouse(_SESSION_HOME)
    if warehouse.status().running:
        warehouse.stop()
    shutil.rmtree(_SESSION_HOME, ignore_errors=True)


@pytest.fixture(scope="session")
def embedded_warehouse():
    """The session's embedded PostgreSQL, started, with the warehouse migrated."""
    from vagled.monitoring.freshness import sync_freshness_policies
    from vagled.warehouse.embedded import EmbeddedWarehouse
    from vagled.warehouse.migrate import migrate

    warehouse = EmbeddedWarehouse(_SESSION_HOME)
    warehouse.start()
    os.environ["AIRFLOW_CONN_VAGLED_WAREHOUSE"] = warehouse.url()
    migrate()
    sync_freshness_policies()  # as `vagled warehouse migrate` does
    return warehouse


@pytest.fixture(scope="session")
def airflow_db(embedded_warehouse):
    """Airflow's metadata database, migrated, in the session's embedded PostgreSQL."""
    airflow = Path(sys.executable).parent / "airflow"
    subprocess.run([str(airflow), "db", "migrate"], check=True, capture_output=True, env=os.environ.copy())
    return embedded_warehouse


@pytest.fixture
def warehouse_conn(embedded_warehouse):
    """A psycopg connection to the migrated warehouse as vagled_loader (autocommit)."""
    import psycopg

    with psycopg.connect(embedded_warehouse.url(), autocommit=True) as conn:
        yield conn


@pytest.fixture
def admin_conn(embedded_warehouse):
    """A superuser connection over the local socket, for test set-up only (roles, databases)."""
    import psycopg

    with psycopg.connect(embedded_warehouse.admin_conninfo(), autocommit=True) as conn:
        yield conn


# Debian's Chromium, driven by Playwright; never a downloaded browser.
CHROMIUM_PATH = os.environ.get("VAGLED_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def chromium():
    """A real headless Chromium (Debian's package, installed by `make install`), shared by the session."""
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM_PATH).exists():
        pytest.fail(f"{CHROMIUM_PATH} is missing: `make install` installs Debian's chromium package")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM_PATH, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()
