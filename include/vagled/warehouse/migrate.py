"""Versioned SQL migrations (include/sql/migrations/V<nnn>__<name>.sql) with a recorded version table.

Each file runs in its own transaction and is recorded in audit.schema_version with its checksum;
applying twice is a no-op, and an applied file that was edited afterwards is an error (write a
new migration instead). After the files, the idempotent steps that depend on configuration run:
one read role per county of the area, grants and the reference data. The feeds' freshness policies
(declared on their specs) are synced by ``vagled warehouse migrate`` through vagled.monitoring.freshness.
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path

from vagled.config import SQL_DIR, area_county_codes, county_role_name
from vagled.sql import load_sql

log = logging.getLogger(__name__)

MIGRATIONS_DIR = SQL_DIR / "migrations"
_NAME = re.compile(r"^V(?P<version>\d{3})__(?P<name>[a-z0-9_]+)\.sql$")
# Two migrate commands at once must not interleave.
_ADVISORY_LOCK_KEY = 0x7661676C6564  # "vagled"


class MigrationError(RuntimeError):
    """A migration file is malformed, or an applied one was changed."""


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    path: Path

    @property
    def sql(self) -> str:
        return self.path.read_text(encoding="utf-8")

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.path.read_bytes()).hexdigest()


@dataclass
class MigrationReport:
    applied: list[str] = field(default_factory=list)
    already_applied: list[str] = field(default_factory=list)
    county_roles: list[str] = field(default_factory=list)
    reference_rows: dict[str, int] = field(default_factory=dict)


def discover(directory: Path = MIGRATIONS_DIR) -> list[Migration]:
    """Return the migrations in version order.

    Raises:
        MigrationError: a file name does not follow V<nnn>__<name>.sql, or a version repeats.
    """
    migrations: dict[int, Migration] = {}
    for path in sorted(directory.glob("*.sql")):
        match = _NAME.match(path.name)
        if not match:
            raise MigrationError(f"{path.name}: migration files are named V<nnn>__<lowercase_name>.sql")
        version = int(match["version"])
        if version in migrations:
            raise MigrationError(f"{path.name}: version {version} is used twice")
        migrations[version] = Migration(version, match["name"], path)
    return [migrations[v] for v in sorted(migrations)]


def migrate(
    conn_id: str | None = None, *, load_reference: bool = True, migrations_dir: Path = MIGRATIONS_DIR
) -> MigrationReport:
    """Apply pending migrations, county roles, grants and reference data to the warehouse.

    Args:
        conn_id: Airflow connection id of the database (default: vagled_warehouse).
        load_reference: also upsert include/reference into the core dimensions.
        migrations_dir: where the V<nnn>__<name>.sql files are.

    Raises:
        MigrationError: a file is misnamed, an applied file was edited, or a pending file is older
            than the newest applied one.
    """
    from vagled.config import WAREHOUSE_CONN_ID
    from vagled.warehouse.db import connect

    report = MigrationReport()
    with connect(conn_id or WAREHOUSE_CONN_ID, autocommit=True) as conn:
        conn.execute("select pg_advisory_lock(%s)", (_ADVISORY_LOCK_KEY,))
        try:
            _apply_files(conn, report, migrations_dir)
            _ensure_county_roles(conn, report)
            if load_reference:
                from vagled.warehouse.reference import load_reference_data

                report.reference_rows = load_reference_data(conn)
            with conn.transaction():
                conn.execute(load_sql("roles/grant_analyst_read"))
        finally:
            conn.execute("select pg_advisory_unlock(%s)", (_ADVISORY_LOCK_KEY,))
    return report


def _apply_files(conn, report: MigrationReport, migrations_dir: Path) -> None:
    conn.execute(load_sql("audit/create_schema_version"))
    applied = {
        version: checksum for version, checksum in conn.execute("select version, checksum from audit.schema_version")
    }
    migrations = discover(migrations_dir)
    _refuse_out_of_order(migrations, applied)
    for migration in migrations:
        label = f"V{migration.version:03d}__{migration.name}"
        if migration.version in applied:
            if applied[migration.version] != migration.checksum:
                raise MigrationError(
                    f"{label} was changed after it was applied (checksum differs); "
                    "write a new migration instead of editing an applied one"
                )
            report.already_applied.append(label)
            continue
        log.info("applying %s", label)
        with conn.transaction():
            conn.execute(migration.sql)
            conn.execute(
                "insert into audit.schema_version (version, name, checksum) values (%s, %s, %s)",
                (migration.version, migration.name, migration.checksum),
            )
        report.applied.append(label)


def _refuse_out_of_order(migrations: list[Migration], applied: dict[int, str]) -> None:
    """Refuse pending files older than the newest applied one, before anything runs (as Flyway does).

    A late V012 behind an applied V013 was written against an older schema: applying it silently
    could undo or clash with V013, so the engineer renumbers it instead.
    """
    if not applied:
        return
    newest = max(applied)
    late = [f"V{m.version:03d}__{m.name}" for m in migrations if m.version not in applied and m.version < newest]
    if late:
        raise MigrationError(
            f"{', '.join(late)} {'is' if len(late) == 1 else 'are'} older than V{newest:03d}, which is already "
            "applied: give the new migration a version above the newest applied one"
        )


def _ensure_county_roles(conn, report: MigrationReport) -> None:
    from psycopg import sql

    template = load_sql("roles/create_county_role")
    for county_code in area_county_codes():
        role = county_role_name(county_code)
        statement = sql.SQL(template).format(role=sql.Identifier(role), role_literal=sql.Literal(role))
        with conn.transaction():
            conn.execute(statement)
        report.county_roles.append(role)
