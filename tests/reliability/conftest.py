"""The reliability suite's fixtures: a warehouse database of its own per module, and the tally.

The tally counts what the suite tried and what got through (faults tried and survived, bad inputs
tried, records lost, unauthorised accesses allowed) and is printed at the end of the run.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from reliability_support import create_database

_TALLY = pytest.StashKey["Tally"]()


@dataclass
class Tally:
    """What the reliability tests tried, and what got through (records lost and accesses allowed must be 0)."""

    faults_tried: int = 0
    faults_survived: int = 0
    faults_not_applied: int = 0
    bad_inputs_tried: int = 0
    records_lost: int = 0
    accesses_tried: int = 0
    accesses_allowed: int = 0
    crashes_survived: int = 0
    not_applied: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    def fault(self, label: str, *, applied: bool, survived: bool) -> None:
        if not applied:
            self.faults_not_applied += 1
            self.not_applied.append(label)
            return
        self.faults_tried += 1
        self.faults_survived += survived
        if not survived:
            self.failures.append(f"fault not survived: {label}")

    def bad_inputs(self, count: int = 1) -> None:
        self.bad_inputs_tried += count

    def lost(self, count: int, label: str) -> None:
        if count:
            self.records_lost += count
            self.failures.append(f"{count} record(s) lost: {label}")

    def access(self, label: str, *, allowed: bool) -> None:
        self.accesses_tried += 1
        if allowed:
            self.accesses_allowed += 1
            self.failures.append(f"unauthorised access allowed: {label}")

    @property
    def used(self) -> bool:
        return bool(self.faults_tried or self.faults_not_applied or self.bad_inputs_tried or self.accesses_tried)

    def lines(self) -> list[str]:
        out = [
            f"faults tried: {self.faults_tried}, survived: {self.faults_survived}"
            + (
                f" ({self.faults_not_applied} fault/DAG pairs where the upstream has no such fault)"
                if self.faults_not_applied
                else ""
            ),
            f"crashes survived (killed task, stopped server): {self.crashes_survived}",
            f"bad inputs tried: {self.bad_inputs_tried}",
            f"records lost: {self.records_lost} (must be 0)",
            f"unauthorised accesses tried: {self.accesses_tried}, allowed: {self.accesses_allowed} (must be 0)",
        ]
        if self.not_applied:
            out.append("not applied by feedsim: " + "; ".join(self.not_applied[:12]))
        return out + self.failures[:20]


@pytest.fixture(scope="session")
def tally(request: pytest.FixtureRequest) -> Tally:
    """The session's reliability tally (printed by pytest_terminal_summary)."""
    return request.config.stash.setdefault(_TALLY, Tally())


def pytest_terminal_summary(terminalreporter, exitstatus, config: pytest.Config) -> None:
    found = config.stash.get(_TALLY, None)
    if found is None or not found.used:
        return
    terminalreporter.write_sep("=", "reliability tally")
    for line in found.lines():
        terminalreporter.write_line(line)


# -- a warehouse database of the module's own ------------------------------------------------------
@dataclass(frozen=True)
class IsolatedWarehouse:
    """A migrated warehouse database of one test module, named by the vagled_warehouse connection."""

    name: str
    url: str

    def connect(self, *, autocommit: bool = True):
        import psycopg

        return psycopg.connect(self.url, autocommit=autocommit)


@pytest.fixture(scope="module")
def isolated_warehouse(request: pytest.FixtureRequest, airflow_db) -> Iterator[IsolatedWarehouse]:
    """A fresh, migrated warehouse database for this module; every task of the module writes there.

    The fault matrix and the crash tests change dimensions and leave failed batches behind: they
    must neither see nor disturb what other modules loaded into the session's warehouse.
    """
    import psycopg
    from psycopg import sql

    from vagled.monitoring.freshness import sync_freshness_policies
    from vagled.warehouse.migrate import migrate

    name = "vagled_" + re.sub(r"[^a-z0-9_]", "_", request.module.__name__.rsplit(".", 1)[-1].lower())[:40]
    with psycopg.connect(airflow_db.admin_conninfo(), autocommit=True) as admin:
        url = create_database(admin, airflow_db, name)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("AIRFLOW_CONN_VAGLED_WAREHOUSE", url)
        migrate()
        sync_freshness_policies()  # as `vagled warehouse migrate` does
        yield IsolatedWarehouse(name, url)
    with psycopg.connect(airflow_db.admin_conninfo(), autocommit=True) as admin:
        admin.execute(sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(name)))


@pytest.fixture
def wh(isolated_warehouse) -> Iterator:
    """An autocommit connection (as the loader) to the module's warehouse database."""
    with isolated_warehouse.connect() as conn:
        yield conn
