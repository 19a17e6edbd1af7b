"""The embedded warehouse, its migrations, roles and reference data, against a real PostgreSQL."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from vagled.config import area_county_codes

pytestmark = pytest.mark.integration

VAGLED = str(Path(sys.executable).parent / "vagled")


def _vagled(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([VAGLED, *args], capture_output=True, text=True, env=env or os.environ.copy(), timeout=180)


def test_cli_status_and_url_of_running_warehouse(embedded_warehouse):
    status = _vagled("warehouse", "status")
    assert status.returncode == 0, status.stderr
    assert f"127.0.0.1:{embedded_warehouse.port}" in status.stdout
    url = _vagled("warehouse", "url").stdout.strip()
    with psycopg.connect(url) as conn:
        assert conn.execute("select current_user, current_database()").fetchone() == ("vagled_loader", "vagled")


def test_cli_start_stop_in_a_fresh_home(tmp_path):
    env = {**os.environ, "VAGLED_HOME": str(tmp_path / "home")}
    (tmp_path / "home").mkdir()
    assert _vagled("warehouse", "status", env=env).returncode == 3  # never started: stopped
    started = _vagled("warehouse", "start", env=env)
    assert started.returncode == 0, started.stderr
    try:
        url = _vagled("warehouse", "url", env=env).stdout.strip()
        with psycopg.connect(url) as conn:
            assert conn.execute("select 1").fetchone() == (1,)
        airflow_url = _vagled("warehouse", "url", "--airflow", env=env).stdout.strip()
        with psycopg.connect(airflow_url) as conn:
            assert conn.execute("select current_database()").fetchone() == ("airflow",)
        # a second start of a running server is a no-op
        assert _vagled("warehouse", "start", env=env).returncode == 0
    finally:
        stopped = _vagled("warehouse", "stop", env=env)
    assert stopped.returncode == 0, stopped.stderr
    assert _vagled("warehouse", "status", env=env).returncode == 3
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(url, connect_timeout=3)


def test_tcp_clients_need_the_password(embedded_warehouse):
    wrong = embedded_warehouse.url().replace(embedded_warehouse.password("vagled_loader"), "wrong-password")
    with pytest.raises(psycopg.OperationalError, match="password"):
        psycopg.connect(wrong, connect_timeout=3)


@pytest.fixture
def empty_database(admin_conn, embedded_warehouse, monkeypatch):
    """A new empty database owned by vagled_loader, named by its own Airflow connection."""
    name = "vagled_migration_test"
    admin_conn.execute(sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(name)))
    admin_conn.execute(sql.SQL("create database {} owner vagled_loader").format(sql.Identifier(name)))
    url = embedded_warehouse.url().rsplit("/", 1)[0] + f"/{name}"
    monkeypatch.setenv("AIRFLOW_CONN_VAGLED_MIGRATION_TEST", url)
    yield url
    admin_conn.execute(sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(name)))


def _catalog(url: str) -> list[tuple]:
    with psycopg.connect(url) as conn:
        return conn.execute(
            """select table_schema, table_name, column_name, data_type
               from information_schema.columns
               where table_schema in ('raw','staging','quarantine','core','mart','audit')
               order by 1, 2, 3"""
        ).fetchall()


def test_migrations_from_empty_then_reapplied_are_a_no_op(empty_database):
    from vagled.warehouse.migrate import discover, migrate

    first = migrate("vagled_migration_test")
    assert first.applied == [f"V{m.version:03d}__{m.name}" for m in discover()]
    catalog = _catalog(empty_database)
    with psycopg.connect(empty_database) as conn:
        schemas = {r[0] for r in conn.execute("select nspname from pg_namespace")}
        rows_before = conn.execute("select count(*) from core.municipality").fetchone()[0]
        xmin_before = conn.execute("select sum(xmin::text::bigint) from core.occupation").fetchone()[0]
    assert {"raw", "staging", "quarantine", "core", "mart", "audit"} <= schemas

    second = migrate("vagled_migration_test")
    assert second.applied == []
    assert len(second.already_applied) == len(first.applied)
    assert _catalog(empty_database) == catalog
    with psycopg.connect(empty_database) as conn:
        assert conn.execute("select count(*) from core.municipality").fetchone()[0] == rows_before
        # reference upserts skip unchanged rows: no row was rewritten
        assert conn.execute("select sum(xmin::text::bigint) from core.occupation").fetchone()[0] == xmin_before


def test_an_edited_applied_migration_is_refused(empty_database, tmp_path):
    import shutil

    from vagled.warehouse import migrate as migrate_module

    copy = tmp_path / "migrations"
    shutil.copytree(migrate_module.MIGRATIONS_DIR, copy)
    migrate_module.migrate("vagled_migration_test", load_reference=False, migrations_dir=copy)
    first = sorted(copy.glob("V001__*.sql"))[0]
    first.write_text(first.read_text() + "\n-- edited\n")
    with pytest.raises(migrate_module.MigrationError, match="changed after it was applied"):
        migrate_module.migrate("vagled_migration_test", load_reference=False, migrations_dir=copy)


def test_a_late_migration_below_the_newest_applied_is_refused(empty_database, tmp_path):
    """A V012 that arrives after V013 was applied is refused by name, and nothing pending runs."""
    import shutil

    from vagled.warehouse import migrate as migrate_module

    copy = tmp_path / "migrations"
    shutil.copytree(migrate_module.MIGRATIONS_DIR, copy)
    newest = migrate_module.discover(copy)[-1].version
    # The versions above the project's newest: free whatever the repository's gaps are.
    late, applied, pending = newest + 1, newest + 2, newest + 3
    (copy / f"V{applied:03d}__applied_table.sql").write_text("create table core.applied_table (id int);\n")
    migrate_module.migrate("vagled_migration_test", load_reference=False, migrations_dir=copy)

    (copy / f"V{late:03d}__late_table.sql").write_text("create table core.late_table (id int);\n")
    (copy / f"V{pending:03d}__pending_table.sql").write_text("create table core.pending_table (id int);\n")
    with pytest.raises(
        migrate_module.MigrationError,
        match=rf"^V{late:03d}__late_table is older than V{applied:03d}, which is already applied: give the new "
        "migration a version above the newest applied one$",
    ):
        migrate_module.migrate("vagled_migration_test", load_reference=False, migrations_dir=copy)
    with psycopg.connect(empty_database) as conn:
        # refused before anything ran: neither the late file nor the rightful pending one
        assert conn.execute("select to_regclass('core.late_table'), to_regclass('core.pending_table')").fetchone() == (
            None,
            None,
        )
        recorded = conn.execute(
            "select max(version), count(*) filter (where version > %s) from audit.schema_version", (newest,)
        )
        assert recorded.fetchone() == (applied, 1)

    # Renumbered above the newest applied, it is applied.
    (copy / f"V{late:03d}__late_table.sql").rename(copy / f"V{pending + 1:03d}__late_table.sql")
    report = migrate_module.migrate("vagled_migration_test", load_reference=False, migrations_dir=copy)
    assert report.applied == [f"V{pending:03d}__pending_table", f"V{pending + 1:03d}__late_table"]


# The newest migration of the last release: warehouses in use stand here and must upgrade.
RELEASED_THROUGH = 41


def test_a_warehouse_of_the_last_release_upgrades_to_the_newest_schema(empty_database, tmp_path):
    import shutil

    from vagled.warehouse import migrate as migrate_module

    released = tmp_path / "released"
    released.mkdir()
    for migration in migrate_module.discover():
        if migration.version <= RELEASED_THROUGH:
            shutil.copy(migration.path, released / migration.path.name)
    # The release's own code loaded its reference data; today's loader needs today's tables.
    migrate_module.migrate("vagled_migration_test", load_reference=False, migrations_dir=released)

    upgrade = migrate_module.migrate("vagled_migration_test")
    pending = [f"V{m.version:03d}__{m.name}" for m in migrate_module.discover() if m.version > RELEASED_THROUGH]
    assert pending, "the tree holds migrations newer than the last release"
    assert upgrade.applied == pending
    with psycopg.connect(empty_database) as conn:
        newest = conn.execute("select max(version) from audit.schema_version").fetchone()[0]
    assert newest == migrate_module.discover()[-1].version


def test_audit_load_batch_must_reconcile(warehouse_conn):
    with pytest.raises(psycopg.errors.CheckViolation):
        warehouse_conn.execute(
            "insert into audit.load_batch (feed, received, loaded, quarantined, duplicates, status)"
            " values ('test', 10, 5, 1, 1, 'succeeded')"
        )
    batch = warehouse_conn.execute(
        "insert into audit.load_batch (feed, received, loaded, quarantined, duplicates, status)"
        " values ('test', 10, 8, 1, 1, 'succeeded') returning batch_id"
    ).fetchone()[0]
    warehouse_conn.execute("delete from audit.load_batch where batch_id = %s", (batch,))


def test_reference_data_area_municipalities(warehouse_conn):
    rows = warehouse_conn.execute(
        "select county_code, count(*) from core.municipality where in_area group by 1 order by 1"
    ).fetchall()
    assert dict(rows) == {"03": 8, "04": 9, "05": 13, "18": 12, "19": 10}
    assert tuple(code for code, _ in rows) == area_county_codes()
    assert warehouse_conn.execute("select count(*) from core.municipality").fetchone()[0] == 290
    mismatched = warehouse_conn.execute(
        "select municipality_code from core.municipality where left(municipality_code, 2) <> county_code"
    ).fetchall()
    assert mismatched == []
    assert warehouse_conn.execute(
        "select municipality_name from core.municipality where municipality_code = '1880'"
    ).fetchone() == ("Örebro",)
    assert warehouse_conn.execute("select count(*) from core.county where in_area").fetchone()[0] == 5


def test_reference_data_ssyk_levels_and_hierarchy(warehouse_conn):
    levels = dict(warehouse_conn.execute("select ssyk_level, count(*) from core.occupation group by 1").fetchall())
    assert (levels[1], levels[2], levels[4]) == (10, 46, 429)
    # every minor group has unit groups below it, and every unit group's prefix is a minor group
    prefixes = warehouse_conn.execute(
        "select count(distinct left(ssyk_code, 3)) from core.occupation where ssyk_level = 4"
    ).fetchone()[0]
    assert levels[3] == prefixes
    orphans = warehouse_conn.execute(
        """select c.ssyk_code from core.occupation c
           left join core.occupation p on p.ssyk_code = c.parent_code
           where c.ssyk_level > 1 and (p.ssyk_code is null or left(c.ssyk_code, c.ssyk_level - 1) <> p.ssyk_code)"""
    ).fetchall()
    assert orphans == []


def test_reference_data_sun_fields_and_months(warehouse_conn):
    fields = dict(warehouse_conn.execute("select sun_level, count(*) from core.education_field group by 1").fetchall())
    assert fields == {1: 10, 2: 26, 3: 118, 4: 377}
    broken = warehouse_conn.execute(
        """select sun_field_code from core.education_field
           where sun_level > 1 and parent_code <> left(sun_field_code, length(sun_field_code) - 1)"""
    ).fetchall()
    assert broken == []
    assert warehouse_conn.execute("select count(*) from core.education_level").fetchone()[0] >= 5
    months = warehouse_conn.execute("select count(*), min(month), max(month) from core.month").fetchone()
    assert months[0] == 31 * 12


@pytest.fixture
def analyst_18_url(admin_conn, embedded_warehouse):
    """A login of a person in the Örebro county analysts' role."""
    admin_conn.execute("drop role if exists test_analyst_orebro")
    admin_conn.execute("create role test_analyst_orebro login password 'analyst-test-pw' in role analyst_18")
    yield f"postgresql://test_analyst_orebro:analyst-test-pw@127.0.0.1:{embedded_warehouse.port}/vagled"
    admin_conn.execute("drop owned by test_analyst_orebro")
    admin_conn.execute("drop role if exists test_analyst_orebro")


def test_county_roles_exist_and_inherit_analyst(warehouse_conn):
    rows = warehouse_conn.execute(
        """select r.rolname from pg_roles r
           join pg_auth_members m on m.member = r.oid
           join pg_roles g on g.oid = m.roleid and g.rolname = 'analyst'
           where r.rolname like 'analyst\\_%' order by 1"""
    ).fetchall()
    assert [r[0] for r in rows] == [f"analyst_{c}" for c in sorted(area_county_codes())]


def test_analyst_reads_core_and_mart_and_nothing_else(analyst_18_url, warehouse_conn):
    warehouse_conn.execute("create table if not exists raw.role_probe (id int)")
    warehouse_conn.execute("create table if not exists mart.role_probe (id int)")
    with psycopg.connect(analyst_18_url, autocommit=True) as conn:
        assert conn.execute("select count(*) from core.municipality").fetchone()[0] == 290
        assert conn.execute("select count(*) from mart.role_probe").fetchone()[0] == 0
        for statement in (
            "select * from raw.role_probe",
            "select * from audit.load_batch",
            "insert into core.county values ('99', 'x', false)",
            "delete from core.municipality",
            "update core.occupation set label_sv = 'x'",
            "insert into mart.role_probe values (1)",
            "create table mart.by_analyst (id int)",
            "create table public.by_analyst (id int)",
            "create role sneaky",
        ):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(statement)
    warehouse_conn.execute("drop table raw.role_probe, mart.role_probe")


def test_v052_makes_a_running_batch_whose_stage_committed_staged(empty_database, tmp_path):
    """Batches in flight when V052 arrives: one whose stage committed becomes 'staged', others stay running."""
    import shutil

    from vagled.warehouse import migrate as migrate_module

    before = tmp_path / "before"
    before.mkdir()
    for migration in migrate_module.discover():
        if migration.version < 52:
            shutil.copy(migration.path, before / migration.path.name)
    migrate_module.migrate("vagled_migration_test", load_reference=False, migrations_dir=before)
    with psycopg.connect(empty_database, autocommit=True) as conn:
        insert = "insert into audit.load_batch (feed, status) values ('test', 'running') returning batch_id"
        staged, landing = (conn.execute(insert).fetchone()[0] for _ in range(2))
        conn.execute(
            "insert into audit.validation_result"
            " (batch_id, suite, success, rows_validated, rows_failed, statistics, summary)"
            " values (%s, 'test', true, 1, 0, '{}', '{}')",
            (staged,),
        )
        with pytest.raises(psycopg.errors.CheckViolation):
            conn.execute("update audit.load_batch set status = 'staged' where batch_id = %s", (landing,))

    migrate_module.migrate("vagled_migration_test", load_reference=False)
    with psycopg.connect(empty_database, autocommit=True) as conn:
        statuses = dict(conn.execute("select batch_id, status from audit.load_batch").fetchall())
        assert statuses == {staged: "staged", landing: "running"}
        # a staged batch is in flight: freshness does not count it as a finished load
        conn.execute("update audit.load_batch set finished_at = now() where batch_id = %s", (staged,))
        conn.execute(
            "insert into audit.feed_freshness_policy (feed, dag_id, max_age) values ('test', 'test_dag', '1 day')"
        )
        row = conn.execute("select last_batch_id from mart.feed_freshness_at(now()) where feed = 'test'").fetchone()
        assert row == (None,)
