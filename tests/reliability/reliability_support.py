"""Helpers of the reliability tests: running DAGs against feedsim, and the warehouse invariants."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest


def create_database(admin_conn, embedded_warehouse, name: str) -> str:
    """(Re)create an empty database owned by the loader and return its URL."""
    from psycopg import sql

    admin_conn.execute(sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(name)))
    admin_conn.execute(sql.SQL("create database {} owner vagled_loader").format(sql.Identifier(name)))
    return embedded_warehouse.url().rsplit("/", 1)[0] + f"/{name}"


# -- running DAGs against feedsim -------------------------------------------------------------------
def point_upstreams_at(sim, monkeypatch: pytest.MonkeyPatch, *, extra: str = "", host: str = "127.0.0.1") -> None:
    """Point every upstream connection at a feedsim (or at anything serving its paths)."""
    from vagled.feedsim.cli import connection_uris

    for conn_id, uri in connection_uris(host, sim.port).items():
        monkeypatch.setenv(f"AIRFLOW_CONN_{conn_id.upper()}", uri + extra)


def load_dag(dag_id: str):
    """The DAG from its file, with Airflow's retries off: the client's own retries must do it."""
    from airflow.dag_processing.dagbag import DagBag

    from vagled.config import DAGS_DIR

    dag = DagBag(dag_folder=str(DAGS_DIR / f"{dag_id}.py")).dags[dag_id]
    for task in dag.tasks:
        task.retries = 0
    return dag


def last_batch_id(conn) -> int:
    return conn.execute("select coalesce(max(batch_id), 0) from audit.load_batch").fetchone()[0]


# -- warehouse invariants ------------------------------------------------------------------------
# feed -> (core table, its natural key, the columns that name the batch that wrote a row)
CORE_TARGETS: dict[str, tuple[str, tuple[str, ...], tuple[str, ...]]] = {
    "job_ads": ("core.job_ad", ("ad_id",), ("first_batch_id", "last_batch_id")),
    "jobseekers": ("core.jobseekers_monthly", ("month", "municipality_code", "group_code"), ("last_batch_id",)),
    "occupational_outlook": (
        "core.occupational_outlook",
        ("year", "half", "county_code", "ssyk4"),
        ("last_batch_id",),
    ),
    "education_offerings": ("core.education_offering", ("offering_id",), ("first_batch_id", "last_batch_id")),
    "kolada_key_figures": (
        "core.municipality_key_figure",
        ("municipality_code", "year", "month", "indicator_code", "gender"),
        ("last_batch_id",),
    ),
    "scb_key_figures": (
        "core.municipality_key_figure",
        ("municipality_code", "year", "month", "indicator_code", "gender"),
        ("last_batch_id",),
    ),
    "municipal_komvux": (
        "core.adult_education_enrolment",
        ("month", "municipality_code", "course_code"),
        ("last_batch_id",),
    ),
    "municipal_programmes": (
        "core.labour_market_programme",
        ("month", "municipality_code", "programme", "target_group"),
        ("last_batch_id",),
    ),
}
# The taxonomy feed writes three dimensions, by the kind of concept.
TAXONOMY_TARGETS = {
    "county": ("core.county", "county_code"),
    "municipality": ("core.municipality", "municipality_code"),
    "occupation": ("core.occupation", "ssyk_code"),
}


@dataclass
class Findings:
    """What the invariants found: each violation in words, and how many records were lost."""

    violations: list[str] = field(default_factory=list)
    lost: int = 0
    batches: int = 0

    def add(self, text: str, lost: int = 0) -> None:
        self.violations.append(text)
        self.lost += lost


def _key_text(values) -> str:
    return "|".join("" if v is None else str(v) for v in values)


def _core_keys(conn, feed: str) -> set[str]:
    if feed == "taxonomy":
        keys: set[str] = set()
        for kind, (table, column) in TAXONOMY_TARGETS.items():
            keys |= {f"{kind}|{r[0].strip()}" for r in conn.execute(f"select {column} from {table}")}
        return keys
    table, key, _ = CORE_TARGETS[feed]
    columns = ", ".join(f"{c}::text" for c in key)
    return {_key_text(r) for r in conn.execute(f"select {columns} from {table}")}


def expected_keys(conn, batch_id: int) -> set[str]:
    """The natural keys a published batch must have in core: every landed record, parsed again,
    that is in the area and not in quarantine."""
    from vagled.feeds import get_feed
    from vagled.pipeline.feed import ParseFailure

    feed = conn.execute("select feed from audit.load_batch where batch_id = %s", (batch_id,)).fetchone()[0]
    spec = get_feed(feed)
    held = {r[0] for r in conn.execute("select record_no from quarantine.record where batch_id = %s", (batch_id,))}
    keys: set[str] = set()
    record_no = 0
    parts = conn.execute(
        "select content_type, body from raw.landed_payload where batch_id = %s order by part_no", (batch_id,)
    ).fetchall()
    for content_type, body in parts:
        for item in spec.parse(bytes(body), content_type or ""):
            record_no += 1
            if isinstance(item, ParseFailure) or record_no in held:
                continue
            if spec.in_area is not None and not spec.in_area(item):
                continue
            keys.add(_key_text(item.get(col) for col in spec.natural_key))
    return keys


def check_invariants(conn, *, since: int = 0, allow_running: bool = False, reparse: bool = True) -> Findings:
    """Check the warehouse's promises for every batch after ``since``.

    - no natural key twice in a core table;
    - every published batch reconciles (received = loaded + quarantined + duplicates), has as many
      quarantine rows as it counts, and every record it parsed is in core or in quarantine;
    - no batch is half loaded: a batch that did not succeed wrote no core row, and no finished
      batch leaves rows in staging;
    - every batch that received records keeps its raw payload, unchanged (its sha256 still holds);
    - every quarantine row names at least one failed check;
    - unless ``allow_running``, no batch is left running.
    """
    from vagled.feeds import get_feed

    found = Findings()
    for table, key, _ in set(CORE_TARGETS.values()):
        columns = ", ".join(key)
        twice = conn.execute(
            f"select count(*) from (select {columns} from {table} group by {columns} having count(*) > 1) d"
        ).fetchone()[0]
        if twice:
            found.add(f"{table}: {twice} natural keys ({columns}) appear more than once")
    batches = conn.execute(
        "select b.batch_id, b.feed, b.status, b.received, b.loaded, b.quarantined, b.duplicates, b.error,"
        " (select count(*) from quarantine.record q where q.batch_id = b.batch_id),"
        " (select count(*) from raw.landed_payload p where p.batch_id = b.batch_id),"
        " (select count(*) from raw.landed_payload p where p.batch_id = b.batch_id"
        "   and encode(sha256(p.body), 'hex') <> p.sha256),"
        " (select count(*) from quarantine.record q where q.batch_id = b.batch_id and not exists"
        "   (select from jsonb_array_elements(q.reasons) r where coalesce(r->>'expectation', '') <> ''))"
        " from audit.load_batch b where b.batch_id > %s order by b.batch_id",
        (since,),
    ).fetchall()
    core_keys: dict[str, set[str]] = {}
    for batch_id, feed, status, received, loaded, quarantined, duplicates, error, held, parts, altered, bare in batches:
        found.batches += 1
        label = f"{feed} batch {batch_id} ({status})"
        spec = get_feed(feed)
        staged = conn.execute(
            f"select count(*) from staging.{spec.staging_table} where batch_id = %s", (batch_id,)
        ).fetchone()[0]
        if status == "running":
            if not allow_running:
                found.add(f"{label} was left running")
        elif staged:
            found.add(f"{label} left {staged} rows in staging")
        if status != "running" and status != "succeeded" and not (error or "").strip():
            found.add(f"{label} ended without a reason")
        if held != quarantined:
            found.add(f"{label}: counts {quarantined} quarantined, quarantine holds {held}", max(quarantined - held, 0))
        if bare:
            found.add(f"{label}: {bare} quarantine rows name no failed check")
        if (received or status in ("succeeded", "rejected")) and parts == 0:
            found.add(f"{label} received records but kept no raw payload", received)
        if altered:
            found.add(f"{label}: {altered} raw payloads no longer match their sha256")
        if status == "succeeded":
            if received != loaded + quarantined + duplicates:
                found.add(f"{label} does not reconcile", abs(received - loaded - quarantined - duplicates))
            if reparse:
                if feed not in core_keys:
                    core_keys[feed] = _core_keys(conn, feed)
                missing = expected_keys(conn, batch_id) - core_keys[feed]
                if missing:
                    found.add(f"{label}: {len(missing)} records in neither core nor quarantine", len(missing))
        elif feed in CORE_TARGETS:
            table, _, batch_columns = CORE_TARGETS[feed]
            condition = " or ".join(f"{c} = %(b)s" for c in batch_columns)
            written = conn.execute(f"select count(*) from {table} where {condition}", {"b": batch_id}).fetchone()[0]
            if written:
                found.add(f"{label} is half loaded: {written} rows of {table} carry its id")
    return found


def batches_since(conn, since: int) -> list[dict]:
    rows = conn.execute(
        "select batch_id, feed, partition_key, status, received, loaded, quarantined, duplicates, error"
        " from audit.load_batch where batch_id > %s order by batch_id",
        (since,),
    ).fetchall()
    names = ("batch_id", "feed", "partition_key", "status", "received", "loaded", "quarantined", "duplicates", "error")
    return [dict(zip(names, row, strict=True)) for row in rows]


def reasons_of(conn, batch_id: int) -> set[str]:
    """The names of the failed checks (and their columns) of a batch's quarantine rows."""
    rows = conn.execute(
        "select distinct unnest(array[r->>'expectation', r->>'column'])"
        " from quarantine.record, jsonb_array_elements(reasons) r where batch_id = %s",
        (batch_id,),
    ).fetchall()
    return {r[0] for r in rows if r[0]}


# Schemas whose text must never hold an identity number in clear (raw keeps payloads as received,
# for engineers only).
SCANNED_SCHEMAS = ("staging", "quarantine", "core", "mart", "audit")


def identity_numbers_stored(conn, schemas: tuple[str, ...] = SCANNED_SCHEMAS) -> list[str]:
    """Every national identity or co-ordination number stored in clear in a text or jsonb column.

    PostgreSQL narrows the search to ten-digit candidates; vagled.privacy decides (date and Luhn).
    """
    from psycopg import sql

    from vagled.privacy import find_identity_numbers

    columns = conn.execute(
        "select table_schema, table_name, column_name from information_schema.columns"
        " where table_schema = any(%s) and data_type in ('text', 'character varying', 'jsonb', 'json')"
        " and table_name in (select table_name from information_schema.tables t"
        "   where t.table_schema = columns.table_schema and t.table_type in ('BASE TABLE', 'VIEW'))",
        (list(schemas),),
    ).fetchall()
    found: list[str] = []
    for schema, table, column in columns:
        query = sql.SQL("select {col}::text from {tbl} where {col}::text ~ %s").format(
            col=sql.Identifier(column), tbl=sql.Identifier(schema, table)
        )
        for (text,) in conn.execute(query, (r"[0-9]{6}[-+ ]?[0-9]{4}",)):
            found += [f"{schema}.{table}.{column}: {hit}" for hit in find_identity_numbers(text)]
    return found
