"""The loaders a user would pick instead of the load path: dlt (merge) and pandas ``to_sql``.

Measured in the same run and on the same embedded PostgreSQL as the COPY floor and the path
(bench/load_path.py), right after them, on exactly the rows the path wrote: each ad's row of
``core.job_ad`` and its child rows in ``core.job_ad_keyword`` (about 14 an ad) and
``core.job_ad_requirement`` (about 4), read back with server-side cursors in chunks of CHUNK
ads. The peers thus get flattened, typed rows (no JSON to parse, no validation, no quarantine),
which favours them over the path; every figure is ads per second, each ad with its child rows,
as the path's and the floor's are. What each includes:

- dlt (the release pinned in bench/requirements-bench.lock, the pyproject extra ``bench``):
  ``pipeline.run`` of one resource yielding each ad's ``core.job_ad`` columns with two nested
  lists, ``keywords`` and ``requirements`` (aggregated per ad by the server, ``jsonb_agg``), with
  ``write_disposition="merge"`` and ``primary_key="ad_id"``, destination postgres, its defaults
  otherwise (delete-insert merge through a staging dataset, INSERT VALUES load files). dlt makes
  the child tables ``job_ad__keywords`` and ``job_ad__requirements`` itself and its merge replaces
  the child rows of the ads it merges: the path's semantics. Column types are given from the core
  tables (the nested ones as ``nested_hints``) so that every column exists even when all its
  values are NULL. Timed: extract (reading the rows from the server, timed apart as
  ``source_read_s``) + normalize + load. First load into an empty dataset, then the rerun: the
  same rows again. Every table's rows in the destination are checked after each.
- pandas ``DataFrame.to_sql``: append three frames into three tables made ``like core.<table>
  including all`` (types, keys, indexes; no foreign keys), SQLAlchemy with psycopg 3,
  ``method=PANDAS_METHOD``, ``chunksize=PANDAS_CHUNKSIZE``. Timed: the to_sql calls only (the
  frames are built untimed). ``method=None`` (SQLAlchemy's executemany, "insertmanyvalues"
  batches) was faster than ``"multi"`` here (see docs/performance.md), so it is the one measured.

Each runs in a child process (its peak resident memory from the kernel).

    python bench/peers.py             # peers on what core.job_ad (and its child tables) of the bench's warehouse hold
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from backfill_memory import run_child
from load_path import TABLES, table_rows

CHUNK = 20_000
# None (executemany) or "multi"; VAGLED_BENCH_PANDAS_METHOD=multi measures the other one.
PANDAS_METHOD: str | None = os.environ.get("VAGLED_BENCH_PANDAS_METHOD") or None
PANDAS_CHUNKSIZE = 5_000
DLT_DATASET = "bench_dlt"
PANDAS_SCHEMA = "bench_pandas"
# dlt's nested lists: (list name, core table); each item holds the table's columns but ad_id
# (keywords: origin, keyword_type, term; requirements: requirement, kind, concept_key, concept_id,
# label, weight). dlt names the child tables job_ad__keywords and job_ad__requirements.
NESTED = (("keywords", "job_ad_keyword"), ("requirements", "job_ad_requirement"))
DLT_TABLES = ("job_ad", *(f"job_ad__{name}" for name, _ in NESTED))

# information_schema data types of core.job_ad -> dlt's column types
DLT_TYPES = {
    "text": "text",
    "character varying": "text",
    "character": "text",
    "integer": "bigint",
    "bigint": "bigint",
    "smallint": "bigint",
    "timestamp with time zone": "timestamp",
    "date": "date",
    "boolean": "bool",
    "numeric": "decimal",
    "jsonb": "json",
    "ARRAY": "json",
}


def source_columns(conn, table: str = "job_ad") -> list[tuple[str, str, bool]]:
    """(name, data type, nullable) of core.<table>'s columns, in order."""
    return conn.execute(
        "select column_name, data_type, is_nullable = 'YES' from information_schema.columns"
        " where table_schema = 'core' and table_name = %s order by ordinal_position",
        (table,),
    ).fetchall()


def read_rows(url: str, query, columns: list[str], name: str = "bench_peer_rows"):
    """Yield the rows of ``query`` as lists of dicts of CHUNK rows (a server-side cursor)."""
    import psycopg

    with psycopg.connect(url) as conn, conn.cursor(name=name) as cur:
        cur.itersize = CHUNK
        cur.execute(query)
        while rows := cur.fetchmany(CHUNK):
            yield [dict(zip(columns, row, strict=True)) for row in rows]


def primary_key(conn, table: str) -> list[str]:
    """The columns of core.<table>'s primary key, in order."""
    return [
        name
        for (name,) in conn.execute(
            "select a.attname from pg_index as i join pg_attribute as a"
            " on a.attrelid = i.indrelid and a.attnum = any(i.indkey)"
            " where i.indrelid = %s::regclass and i.indisprimary"
            " order by array_position(i.indkey::int2[], a.attnum)",
            (f"core.{table}",),
        )
    ]


def table_query(table: str, columns: list[str], key: list[str]):
    """core.<table>'s ``columns``, in the order of ``key`` (its primary key)."""
    from psycopg import sql

    return sql.SQL("select {} from {} order by {}").format(
        sql.SQL(", ").join(map(sql.Identifier, columns)),
        sql.Identifier("core", table),
        sql.SQL(", ").join(map(sql.Identifier, key)),
    )


def nested_query(columns: list[str], nested: list[tuple[str, str, list[str]]]):
    """Each ad's core.job_ad ``columns`` and its child rows as the lists ``keywords`` and
    ``requirements`` (``nested``: list name, child table, its fields), built by the server per ad
    (jsonb_agg, in the fields' order: the server joins, the client only reads)."""
    from psycopg import sql

    lists = [
        sql.SQL(
            "coalesce((select jsonb_agg(jsonb_build_object({pairs}) order by {fields}) from {table} as child"
            " where child.ad_id = ad.ad_id), '[]') as {name}"
        ).format(
            pairs=sql.SQL(", ").join(
                sql.SQL("{}, child.{}").format(sql.Literal(field), sql.Identifier(field)) for field in fields
            ),
            fields=sql.SQL(", ").join(sql.SQL("child.{}").format(sql.Identifier(field)) for field in fields),
            table=sql.Identifier("core", table),
            name=sql.Identifier(name),
        )
        for name, table, fields in nested
    ]
    return sql.SQL("select {}, {} from core.job_ad as ad order by ad.ad_id").format(
        sql.SQL(", ").join(sql.SQL("ad.{}").format(sql.Identifier(column)) for column in columns),
        sql.SQL(", ").join(lists),
    )


def dlt_hints(described: list[tuple[str, str, bool]]) -> dict:
    """dlt column hints from (name, data type, nullable) rows of information_schema."""
    # "name" repeated in each hint: dlt's nested hints read it from there, not from the dict's key
    return {
        name: {"name": name, "data_type": DLT_TYPES[kind], "nullable": nullable} for name, kind, nullable in described
    }


def destination_rows(url: str, schema: str, tables: list[str]) -> dict[str, int]:
    """Rows each of ``tables`` holds in ``schema``."""
    import psycopg

    with psycopg.connect(url) as conn:
        return {table: conn.execute(f"select count(*) from {schema}.{table}").fetchone()[0] for table in tables}


def child_dlt(url: str, work: Path) -> None:
    """First load and rerun with dlt's merge; print the figures as one JSON line."""
    os.environ.setdefault("RUNTIME__DLTHUB_TELEMETRY", "false")
    import dlt
    import psycopg

    with psycopg.connect(url) as conn:
        described = source_columns(conn)
        nested, nested_hints = [], {}
        for name, table in NESTED:
            fields = [row for row in source_columns(conn, table) if row[0] != "ad_id"]
            nested.append((name, table, [field for field, _, _ in fields]))
            nested_hints[name] = {"columns": dlt_hints(fields)}
        source = table_rows(conn)
    names = [name for name, _, _ in described]
    query = nested_query(names, nested)
    columns = [*names, *(name for name, _ in NESTED)]

    started = time.monotonic()
    rows = sum(len(chunk) for chunk in read_rows(url, query, columns))
    source_read_s = time.monotonic() - started

    @dlt.resource(
        name="job_ad",
        write_disposition="merge",
        primary_key="ad_id",
        columns=dlt_hints(described),
        nested_hints=nested_hints,
    )
    def job_ads():
        yield from read_rows(url, query, columns)

    pipeline = dlt.pipeline(
        pipeline_name="bench_peer_dlt",
        pipelines_dir=str(work),
        destination=dlt.destinations.postgres(credentials=url),
        dataset_name=DLT_DATASET,
        progress=None,
    )
    figures: dict = {"rows": rows, "source": source, "source_read_s": source_read_s, "dlt_version": dlt.__version__}
    for label in ("first", "rerun"):
        started = time.monotonic()
        info = pipeline.run(job_ads())
        figures[f"{label}_s"] = time.monotonic() - started
        info.raise_on_failed_jobs()
        # after each: the merge replaced the child rows of the merged ads, it added none
        figures[f"{label}_rows_in_destination"] = destination_rows(url, DLT_DATASET, list(DLT_TABLES))
    print(json.dumps(figures), flush=True)


def child_pandas(url: str) -> None:
    """Append the rows of the three tables with DataFrame.to_sql; print the figures as one JSON line."""
    import pandas as pd
    import psycopg
    import sqlalchemy

    with psycopg.connect(url) as conn:
        names = {table: [name for name, _, _ in source_columns(conn, table)] for table in TABLES}
        keys = {table: primary_key(conn, table) for table in TABLES}
        source = table_rows(conn)
    engine = sqlalchemy.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    seconds = 0.0
    chunksizes = {}
    for table in TABLES:
        columns = names[table]
        # "multi" sends one statement per chunk: at most 65 535 parameters, one per value.
        chunksize = PANDAS_CHUNKSIZE if PANDAS_METHOD != "multi" else min(PANDAS_CHUNKSIZE, 65_535 // len(columns))
        chunksizes[table] = chunksize
        for chunk in read_rows(url, table_query(table, columns, keys[table]), columns, f"bench_peer_{table}"):
            frame = pd.DataFrame.from_records(chunk, columns=columns)
            started = time.monotonic()
            frame.to_sql(
                table,
                engine,
                schema=PANDAS_SCHEMA,
                if_exists="append",
                index=False,
                method=PANDAS_METHOD,
                chunksize=chunksize,
            )
            seconds += time.monotonic() - started
    engine.dispose()
    print(
        json.dumps(
            {
                "rows": source["job_ad"],
                "source": source,
                "seconds": seconds,
                "rows_in_destination": destination_rows(url, PANDAS_SCHEMA, list(TABLES)),
                "method": PANDAS_METHOD or "None (executemany)",
                "chunksize": chunksizes["job_ad"],
                "pandas_version": pd.__version__,
            }
        ),
        flush=True,
    )


def reset(warehouse, loader_role: str) -> None:
    """Drop what the peers wrote before; let the loader role create the peers' schemas; checkpoint."""
    import psycopg

    with psycopg.connect(warehouse.admin_conninfo(), dbname="vagled", autocommit=True) as conn:
        for schema in (DLT_DATASET, f"{DLT_DATASET}_staging", PANDAS_SCHEMA):
            conn.execute(f"drop schema if exists {schema} cascade")
        conn.execute(f"grant create on database vagled to {loader_role}")
        conn.execute(f"create schema {PANDAS_SCHEMA} authorization {loader_role}")
        # The same types, keys and indexes as the core tables; foreign keys are not copied.
        for table in TABLES:
            conn.execute(f"create table {PANDAS_SCHEMA}.{table} (like core.{table} including all)")
            conn.execute(f"alter table {PANDAS_SCHEMA}.{table} owner to {loader_role}")
        conn.execute("checkpoint")


def measure(warehouse, *, log=print) -> dict:
    """dlt (first load and rerun) and pandas to_sql on the rows the core tables hold; their figures."""
    from vagled.warehouse.embedded import LOADER_ROLE

    url = warehouse.url()
    env = {**os.environ, "AIRFLOW_CONN_VAGLED_WAREHOUSE": url}
    work = Path(os.environ.get("VAGLED_BENCH_HOME", "/tmp")) / "dlt-pipelines"
    reset(warehouse, LOADER_ROLE)
    shutil.rmtree(work, ignore_errors=True)
    dlt_run, dlt_peak, _ = run_child([__file__, "--child", "dlt", "--work", str(work)], env)
    shutil.rmtree(work, ignore_errors=True)
    source = dlt_run["source"]
    rows = source["job_ad"]
    if dlt_run["rows"] != rows:
        raise RuntimeError(f"dlt read {dlt_run['rows']} ads of {rows}")
    # dlt's tables for core's: job_ad, job_ad__keywords, job_ad__requirements
    expected = dict(zip(DLT_TABLES, source.values(), strict=True))
    for label in ("first", "rerun"):
        if dlt_run[f"{label}_rows_in_destination"] != expected:
            raise RuntimeError(f"dlt ({label}) left {dlt_run[f'{label}_rows_in_destination']}, not {expected}")
    log(
        f"  peers, {rows:,} ads ({source['job_ad_keyword']:,} keyword, {source['job_ad_requirement']:,} "
        f"requirement rows): dlt {dlt_run['dlt_version']} merge {rows / dlt_run['first_s']:,.0f} ads/s, "
        f"rerun {rows / dlt_run['rerun_s']:,.0f} ads/s"
    )
    pandas_run, pandas_peak, _ = run_child([__file__, "--child", "pandas"], env)
    if pandas_run["rows_in_destination"] != source or pandas_run["source"] != source:
        raise RuntimeError(f"to_sql left {pandas_run['rows_in_destination']}, not {source}")
    log(f"  peers: pandas to_sql (method {pandas_run['method']}) {rows / pandas_run['seconds']:,.0f} ads/s")
    reset(warehouse, LOADER_ROLE)  # leave no copy of the rows behind
    return {
        "rows": rows,
        "keyword_rows": source["job_ad_keyword"],
        "requirement_rows": source["job_ad_requirement"],
        "dlt_version": dlt_run["dlt_version"],
        "dlt_first_s": round(dlt_run["first_s"], 2),
        "dlt_rerun_s": round(dlt_run["rerun_s"], 2),
        "dlt_source_read_s": round(dlt_run["source_read_s"], 2),
        "dlt_peak_rss_mb": round(dlt_peak),
        "dlt_rows_in_destination": dlt_run["rerun_rows_in_destination"],
        "peer_dlt_rows_per_s": round(rows / dlt_run["first_s"]),
        "peer_dlt_rerun_rows_per_s": round(rows / dlt_run["rerun_s"]),
        "pandas_version": pandas_run["pandas_version"],
        "pandas_method": pandas_run["method"],
        "pandas_chunksize": pandas_run["chunksize"],
        "pandas_s": round(pandas_run["seconds"], 2),
        "pandas_peak_rss_mb": round(pandas_peak),
        "pandas_rows_in_destination": pandas_run["rows_in_destination"],
        "peer_pandas_rows_per_s": round(rows / pandas_run["seconds"]),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--child", choices=["dlt", "pandas"], help=argparse.SUPPRESS)
    parser.add_argument("--work", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child == "dlt":
        child_dlt(os.environ["AIRFLOW_CONN_VAGLED_WAREHOUSE"], args.work)
        return 0
    if args.child == "pandas":
        child_pandas(os.environ["AIRFLOW_CONN_VAGLED_WAREHOUSE"])
        return 0
    from run import bench_warehouse

    print(json.dumps(measure(bench_warehouse()), indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
