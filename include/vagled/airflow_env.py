"""The environment that configures Airflow for local use: no hand edits to airflow.cfg.

AIRFLOW_HOME lives under VAGLED_HOME, DAGs and plugins come from the repo, the metadata
database is the ``airflow`` database of the embedded PostgreSQL, and the executor is
LocalExecutor. Variables already set in the environment win, so any setting can be overridden.
"""

from __future__ import annotations

import os
from pathlib import Path

from vagled.config import DAGS_DIR, PLUGINS_DIR, TIME_ZONE, vagled_home

API_HOST = "127.0.0.1"
API_PORT = 8080
ADMIN_USER = "admin"
# Imported once by the scheduler's forkserver, so every task process forked from a LocalExecutor
# worker has them already: what staging needs that is slow to import.
WORKER_PRELOAD = "great_expectations,vagled.pipeline.validate,vagled.pipeline.stage"


def airflow_home(home: Path | None = None) -> Path:
    return (home or vagled_home()) / "airflow"


def passwords_file(home: Path | None = None) -> Path:
    """Where Airflow's simple auth manager keeps the generated admin password."""
    return airflow_home(home) / "simple_auth_manager_passwords.json.generated"


def airflow_environment(home: Path | None = None) -> dict[str, str]:
    """Return the variables to run any airflow command against the project's local setup.

    Needs the embedded warehouse to have been started once (for the metadata database URL),
    unless AIRFLOW__DATABASE__SQL_ALCHEMY_CONN is set.
    """
    from vagled.warehouse.embedded import AIRFLOW_DB, EmbeddedWarehouse, embedded_environment

    home = home or vagled_home()
    env = {
        "AIRFLOW_HOME": str(airflow_home(home)),
        "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS_DIR),
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(PLUGINS_DIR),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
        "AIRFLOW__CORE__DEFAULT_TIMEZONE": TIME_ZONE,
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": f"{ADMIN_USER}:admin",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(passwords_file(home)),
        "AIRFLOW__API__HOST": API_HOST,
        "AIRFLOW__API__PORT": str(API_PORT),
        "AIRFLOW__API__BASE_URL": f"http://{API_HOST}:{API_PORT}",
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://{API_HOST}:{API_PORT}/execution/",
        "AIRFLOW__LOGGING__LOGGING_LEVEL": "INFO",
        # The demo and tests start many short processes: keep the DAG processor's refresh quick.
        "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "30",
        # Every task process forks from a LocalExecutor worker. Workers started by a forkserver that
        # has imported Great Expectations hand it to every stage task, which would otherwise spend
        # five seconds or more importing it (bench/increment.py measures both).
        "AIRFLOW__SCHEDULER__MP_START_METHOD": "forkserver",
        "AIRFLOW__SCHEDULER__MP_FORKSERVER_PRELOAD": WORKER_PRELOAD,
    }
    if not os.environ.get("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"):
        env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] = EmbeddedWarehouse(home).url(AIRFLOW_DB, driver="psycopg")
    env.update(embedded_environment(home))
    return env


def apply_airflow_environment(home: Path | None = None) -> dict[str, str]:
    """Set the variables of airflow_environment() in os.environ; variables already set win.

    Returns:
        The resulting values of every variable the project configures.
    """
    env = airflow_environment(home)
    for key, value in env.items():
        os.environ.setdefault(key, value)
    return {key: os.environ[key] for key in env}
