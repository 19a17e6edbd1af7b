"""The loaders a user would pick instead of the load path: dlt (merge) and pandas ``to_sql``.

Measured in the same run and on the same embedded PostgreSQL as the COPY floor and the path
(bench/load_path.py), right after them, on exactly the rows the path loaded: the columns of
``core.job_ad``, read back from it with a server-side cursor in chunks of CHUNK rows. The peers
thus get flattened, typed rows (no JSON to parse, no validation, no quarantine), which favours
them over the path; what each figure includes:

- dlt (the release pinned in bench/requirements-bench.lock, the pyproject extra ``bench``):
  ``pipeline.run`` of a resource with ``write_disposition="merge"`` and ``primary_key="ad_id"``,
  destination postgres, its defaults otherwise (delete-insert merge through a staging dataset,
  INSERT VALUES load files), column types given from ``core.job_ad`` so that every column exists
  even when all its values are NULL. Timed: extract (reading the rows from the server, timed apart
  as ``source_read_s``) + normalize + load. First load into an empty dataset, then the rerun: the
  same rows again.
- pandas ``DataFrame.to_sql``: append to a table made ``like core.job_ad`` (its types, key and
  indexes; no foreign keys), SQLAlchemy with psycopg 3, ``method=PANDAS_METHOD``,
  ``chunksize=PANDAS_CHUNKSIZE``. Timed: the to_sql calls only (the frames are built untimed).
  ``method=None`` (SQLAlchemy's executemany, "insertmanyvalues" batches) was faster than
  ``"multi"`` here (see docs/performance.md), so it is the one measured.

Each runs in a child process (its peak resident memory from the kernel).

    python bench/peers.py             # peers on what core.job_ad of the bench's warehouse holds
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

CHUNK = 20_000
# None (executemany) or "multi"; VAGLED_BENCH_PANDAS_METHOD=multi measures the other one.
PANDAS_METHOD: str | None = os.environ.get("VAGLED_BENCH_PANDAS_METHOD") or None
PANDAS_CHUNKSIZE = 5_000
DLT_DATASET = "bench_dlt"
PANDAS_SCHEMA = "bench_pandas"
SOURCE = "core.job_ad"

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


def source_columns(conn) -> list[tuple[str, str, bool]]:
    """(name, data type, nullable) of core.job_ad's columns, in order."""
    return conn.execute(
        "select column_name, data_type, is_nullable = 'YES' from information_schema.columns"
        " where table_schema = 'core' and table_name = 'job_ad' order by ordinal_position"
    ).fetchall()


def read_rows(url: str, columns: list[str]):
    """Yield core.job_ad's rows as lists of dicts of CHUNK rows (a server-side cursor)."""
    import psycopg
    from psycopg import sql

    query = sql.SQL("select {} from core.job_ad order by ad_id").format(
        sql.SQL(", ").join(map(sql.Identifier, columns))
    )
    with psycopg.connect(url) as conn, conn.cursor(name="bench_peer_rows") as cur:
        cur.itersize = CHUNK
        cur.execute(query)
        while rows := cur.fetchmany(CHUNK):
            yield [dict(zip(columns, row, strict=True)) for row in rows]


def child_dlt(url: str, work: Path) -> None:
    """First load and rerun with dlt's merge; print the figures as one JSON line."""
    os.environ.setdefault("RUNTIME__DLTHUB_TELEMETRY", "false")
    import dlt
    import psycopg

    with psycopg.connect(url) as conn:
        described = source_columns(conn)
    names = [name for name, _, _ in described]
    hints = {name: {"data_type": DLT_TYPES[kind], "nullable": nullable} for name, kind, nullable in described}

    started = time.monotonic()
    rows = sum(len(chunk) for chunk in read_rows(url, names))
    source_read_s = time.monotonic() - started

    @dlt.resource(name="job_ad", write_disposition="merge", primary_key="ad_id", columns=hints)
    def job_ads():
        yield from read_rows(url, names)

    pipeline = dlt.pipeline(
        pipeline_name="bench_peer_dlt",
        pipelines_dir=str(work),
        destination=dlt.destinations.postgres(credentials=url),
        dataset_name=DLT_DATASET,
        progress=None,
    )
    figures: dict = {"rows": rows, "source_read_s": source_read_s, "dlt_version": dlt.__version__}
    for label in ("first", "rerun"):
        started = time.monotonic()
        info = pipeline.run(job_ads())
        figures[f"{label}_s"] = time.monotonic() - started
        info.raise_on_failed_jobs()
    with psycopg.connect(url) as conn:
        figures["rows_in_destination"] = conn.execute(f"select count(*) from {DLT_DATASET}.job_ad").fetchone()[0]
    print(json.dumps(figures), flush=True)


def child_pandas(url: str) -> None:
    """Append the rows with DataFrame.to_sql; print the figures as one JSON line."""
    import pandas as pd
    import psycopg
    import sqlalchemy

    with psycopg.connect(url) as conn:
        names = [name for name, _, _ in source_columns(conn)]
    engine = sqlalchemy.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    # "multi" sends one statement per chunk: at most 65 535 parameters, one per value.
    chunksize = PANDAS_CHUNKSIZE if PANDAS_METHOD != "multi" else min(PANDAS_CHUNKSIZE, 65_535 // len(names))
    rows, seconds = 0, 0.0
    for chunk in read_rows(url, names):
        frame = pd.DataFrame.from_records(chunk, columns=names)
        started = time.monotonic()
        frame.to_sql(
            "job_ad",
            engine,
            schema=PANDAS_SCHEMA,
            if_exists="append",
            index=False,
            method=PANDAS_METHOD,
            chunksize=chunksize,
        )
        seconds += time.monotonic() - started
        rows += len(frame)
    engine.dispose()
    with psycopg.connect(url) as conn:
        loaded = conn.execute(f"select count(*) from {PANDAS_SCHEMA}.job_ad").fetchone()[0]
    print(
        json.dumps(
            {
                "rows": rows,
                "seconds": seconds,
                "rows_in_destination": loaded,
                "method": PANDAS_METHOD or "None (executemany)",
                "chunksize": chunksize,
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
        # The same types, key and indexes as core.job_ad; its foreign keys are not copied.
        conn.execute(f"create table {PANDAS_SCHEMA}.job_ad (like {SOURCE} including all)")
        conn.execute(f"alter table {PANDAS_SCHEMA}.job_ad owner to {loader_role}")
        conn.execute("checkpoint")


def measure(warehouse, *, log=print) -> dict:
    """dlt (first load and rerun) and pandas to_sql on the rows core.job_ad holds; their figures."""
    from vagled.warehouse.embedded import LOADER_ROLE

    url = warehouse.url()
    env = {**os.environ, "AIRFLOW_CONN_VAGLED_WAREHOUSE": url}
    work = Path(os.environ.get("VAGLED_BENCH_HOME", "/tmp")) / "dlt-pipelines"
    reset(warehouse, LOADER_ROLE)
    shutil.rmtree(work, ignore_errors=True)
    dlt_run, dlt_peak, _ = run_child([__file__, "--child", "dlt", "--work", str(work)], env)
    shutil.rmtree(work, ignore_errors=True)
    rows = dlt_run["rows"]
    if dlt_run["rows_in_destination"] != rows:
        raise RuntimeError(f"dlt left {dlt_run['rows_in_destination']} rows of {rows}")
    log(
        f"  peers, {rows:,} rows: dlt {dlt_run['dlt_version']} merge {rows / dlt_run['first_s']:,.0f} rows/s, "
        f"rerun {rows / dlt_run['rerun_s']:,.0f} rows/s"
    )
    pandas_run, pandas_peak, _ = run_child([__file__, "--child", "pandas"], env)
    if pandas_run["rows_in_destination"] != rows:
        raise RuntimeError(f"to_sql left {pandas_run['rows_in_destination']} rows of {rows}")
    log(f"  peers: pandas to_sql (method {pandas_run['method']}) {rows / pandas_run['seconds']:,.0f} rows/s")
    reset(warehouse, LOADER_ROLE)  # leave no copy of the rows behind
    return {
        "rows": rows,
        "dlt_version": dlt_run["dlt_version"],
        "dlt_first_s": round(dlt_run["first_s"], 2),
        "dlt_rerun_s": round(dlt_run["rerun_s"], 2),
        "dlt_source_read_s": round(dlt_run["source_read_s"], 2),
        "dlt_peak_rss_mb": round(dlt_peak),
        "peer_dlt_rows_per_s": round(rows / dlt_run["first_s"]),
        "peer_dlt_rerun_rows_per_s": round(rows / dlt_run["rerun_s"]),
        "pandas_version": pandas_run["pandas_version"],
        "pandas_method": pandas_run["method"],
        "pandas_chunksize": pandas_run["chunksize"],
        "pandas_s": round(pandas_run["seconds"], 2),
        "pandas_peak_rss_mb": round(pandas_peak),
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
