"""The documented analyst queries (docs/queries/*.sql) on ten years of national data: median and p95.

A warehouse of its own (``$VAGLED_HOME/bench/queries``, kept between runs) holds ten years of job
ads at national volume (about a million a year, every municipality of the country, no free text),
with what each ad says about skills (two enriched skill terms, a must-have and a nice-to-have
skill, over the taxonomy's ~6 000 skills), and beside them what the other marts read at the same
scale: job seekers per month, municipality and group, the occupational outlook per half-year,
county and occupation, and education providers with their intakes. The rows are generated in
SQL (bench/sql/generate_*.sql) in one session that skips the foreign-key triggers (its rows take
their codes from the dimensions), then the marts are built with vagled.marts.refresh_marts, as
the warehouse_marts DAG builds them.

Every query runs as an analyst login (a member of analyst_03, so row-level security applies as
for a region's analyst): a few runs to warm the cache, then timed runs; median and p95 per query.

    python bench/queries.py                  # build the data if needed, time the queries
    python bench/queries.py --rebuild        # generate the ten years again
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import statistics
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from ads_files import bench_home

BENCH_DIR = Path(__file__).resolve().parent
QUERIES_DIR = BENCH_DIR.parent / "docs" / "queries"
CONN_ID = "bench_queries"
# Ten years up to feedsim's "now" (2026-11-01), which the documented queries' example values follow.
LAST_DAY = date(2026, 10, 31)
FIRST_DAY = date(2016, 11, 1)
# National volume; VAGLED_BENCH_QUERY_ADS_PER_YEAR sets a smaller one on a machine without the time.
ADS_PER_YEAR = int(os.environ.get("VAGLED_BENCH_QUERY_ADS_PER_YEAR") or 1_000_000)
OFFERINGS_PER_YEAR = 60_000
DATA_VERSION = 3  # bump when the generated data or the marts change, so that kept warehouses are rebuilt
WARM_UP_RUNS = 3
TIMED_RUNS = 30
ANALYST = "bench_analyst_03"


def query_warehouse():
    from vagled.warehouse.embedded import EmbeddedWarehouse

    warehouse = EmbeddedWarehouse(bench_home() / "queries")
    warehouse.start()
    os.environ[f"AIRFLOW_CONN_{CONN_ID.upper()}"] = warehouse.url()
    return warehouse


def _sql(name: str) -> str:
    return (BENCH_DIR / "sql" / f"{name}.sql").read_text()


def _marker(warehouse) -> Path:
    return warehouse.root / "bench-data.json"


def _facts() -> dict:
    return {
        "version": DATA_VERSION,
        "first_day": FIRST_DAY.isoformat(),
        "last_day": LAST_DAY.isoformat(),
        "ads_per_year": ADS_PER_YEAR,
        "offerings_per_year": OFFERINGS_PER_YEAR,
    }


def build(warehouse, *, log=print) -> dict:
    """Generate the ten years into the query warehouse and build the marts; return what it holds."""
    import psycopg

    from vagled.marts import refresh_marts
    from vagled.warehouse.migrate import migrate

    migrate(CONN_ID)
    days = (LAST_DAY - FIRST_DAY).days + 1
    years = days / 365.25
    ads = round(ADS_PER_YEAR * years)
    offerings = round(OFFERINGS_PER_YEAR * years)
    started = time.monotonic()
    with psycopg.connect(warehouse.admin_conninfo(), dbname="vagled", autocommit=True) as conn:
        conn.execute(
            "truncate core.job_ad_keyword, core.job_ad_requirement, core.job_ad, core.skill_esco_match, core.skill, "
            "core.jobseekers_monthly, core.occupational_outlook, core.education_offering, core.education_provider"
        )
        batch_id = conn.execute(
            "insert into audit.load_batch (feed, run_id, status) values ('bench_history', 'bench', 'running') "
            "returning batch_id"
        ).fetchone()[0]
        params = {
            "batch_id": batch_id,
            "first_day": FIRST_DAY,
            "days": days,
            "ads": ads,
            "offerings": offerings,
            "first_month": FIRST_DAY.replace(day=1),
            "last_month": LAST_DAY.replace(day=1),
            "first_year": FIRST_DAY.year,
            "last_year": LAST_DAY.year,
        }
        with conn.transaction():
            # Generated codes come from the dimensions themselves: the per-row foreign-key checks
            # would only repeat that, at most of the cost of the insert.
            conn.execute("set local session_replication_role = replica")
            for name in (
                "generate_job_ads",
                "generate_skills",
                "generate_job_ad_skills",
                "generate_jobseekers",
                "generate_outlook",
                "generate_education_providers",
                "generate_education_offerings",
            ):
                begun = time.monotonic()
                conn.execute(_sql(name), params)
                log(f"  queries: {name} in {time.monotonic() - begun:.0f} s")
        conn.execute(
            "update audit.load_batch set received = 0, loaded = 0, quarantined = 0, duplicates = 0, "
            "status = 'succeeded', finished_at = now() where batch_id = %s",
            (batch_id,),
        )
        for table in (
            "job_ad",
            "job_ad_keyword",
            "job_ad_requirement",
            "skill",
            "jobseekers_monthly",
            "occupational_outlook",
            "education_offering",
        ):
            conn.execute(f"vacuum analyze core.{table}")
    with psycopg.connect(warehouse.url(), autocommit=True) as conn:
        marts = refresh_marts(conn)
    held = {
        **_facts(),
        "job_ads": ads,
        "education_offerings": offerings,
        "generate_s": round(time.monotonic() - started),
        "marts": {m.mart: {"rows": m.rows, "refresh_s": m.seconds} for m in marts},
    }
    _marker(warehouse).write_text(json.dumps(held, indent=2) + "\n")
    return held


def ensure_data(warehouse, *, rebuild: bool = False, log=print) -> dict:
    """The data the queries run on: built once, rebuilt when asked or when its definition changed.

    A kept warehouse first gets the project's new migrations, and its marts are refreshed if any
    was applied (as the warehouse_marts DAG would after a deployment).
    """
    import psycopg

    from vagled.marts import refresh_marts
    from vagled.warehouse.migrate import migrate

    marker = _marker(warehouse)
    if not rebuild and marker.exists():
        held = json.loads(marker.read_text())
        if all(held.get(key) == value for key, value in _facts().items()):
            applied = migrate(CONN_ID).applied
            if applied:
                log(f"  queries: applied {', '.join(applied)}; refreshing the marts")
                with psycopg.connect(warehouse.url(), autocommit=True) as conn:
                    held["marts"] = {m.mart: {"rows": m.rows, "refresh_s": m.seconds} for m in refresh_marts(conn)}
            return held
    log("  queries: generating ten years of national data (once; kept for later runs)")
    return build(warehouse, log=log)


def _analyst_url(warehouse) -> str:
    """A login in analyst_03 (made if missing, new password each run), as a region's analyst connects."""
    import psycopg
    from psycopg import sql

    password = secrets.token_urlsafe(18)
    with psycopg.connect(warehouse.admin_conninfo(), autocommit=True) as conn:
        exists = conn.execute("select 1 from pg_roles where rolname = %s", (ANALYST,)).fetchone()
        verb = sql.SQL("alter") if exists else sql.SQL("create")
        conn.execute(
            sql.SQL("{} role {} login password {}").format(verb, sql.Identifier(ANALYST), sql.Literal(password))
        )
        conn.execute(sql.SQL("grant analyst_03 to {}").format(sql.Identifier(ANALYST)))
    return f"postgresql://{ANALYST}:{password}@127.0.0.1:{warehouse.port}/vagled"


def time_queries(warehouse) -> dict[str, dict]:
    import psycopg

    results = {}
    with psycopg.connect(_analyst_url(warehouse)) as conn:
        for path in sorted(QUERIES_DIR.glob("*.sql")):
            query = path.read_text()
            rows = 0
            timings = []
            for attempt in range(WARM_UP_RUNS + TIMED_RUNS):
                started = time.perf_counter()
                rows = len(conn.execute(query).fetchall())
                elapsed = (time.perf_counter() - started) * 1000
                conn.rollback()
                if attempt >= WARM_UP_RUNS:
                    timings.append(elapsed)
            timings.sort()
            results[path.stem] = {
                "rows": rows,
                "median_ms": round(statistics.median(timings), 1),
                "p95_ms": round(timings[max(0, round(0.95 * len(timings)) - 1)], 1),
                "max_ms": round(timings[-1], 1),
                "runs": len(timings),
            }
    return results


def measure(*, rebuild: bool = False, log=print) -> dict:
    warehouse = query_warehouse()
    held = ensure_data(warehouse, rebuild=rebuild, log=log)
    queries = time_queries(warehouse)
    for name, figures in queries.items():
        log(f"  query {name}: median {figures['median_ms']} ms, p95 {figures['p95_ms']} ms ({figures['rows']} rows)")
    worst = max(queries, key=lambda name: queries[name]["p95_ms"])
    return {
        "data": held,
        "queries": queries,
        "query_p95_ms": queries[worst]["p95_ms"],
        "slowest_query": worst,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rebuild", action="store_true", help="generate the ten years again")
    args = parser.parse_args(argv)
    print(json.dumps(measure(rebuild=args.rebuild), indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
