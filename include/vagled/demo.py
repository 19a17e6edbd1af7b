"""The demo: embedded warehouse + feedsim + every DAG, run for real, then a report of what happened.

Each DAG runs with ``airflow dags test`` in its own process, exactly as an engineer would run it;
its full log goes to ``$VAGLED_HOME/logs/demo/<dag_id>.log`` and the console gets one line per DAG.
The report at the end is read from the warehouse (audit.load_batch and the core tables), never
from what the demo believes it did.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from vagled.config import DAGS_DIR, vagled_home

# The order matters: dimensions first, then facts, then the marts built on them.
DEMO_DAG_ORDER = (
    "reference_data",
    "reference_taxonomy",
    "employment_agency_job_ads",
    "employment_agency_jobseekers",
    "employment_agency_outlook",
    "municipality_key_figures",
    "municipality_files",
    "education_offerings",
    "education_transitions",
    "warehouse_marts",
)


# What each DAG loads in the demo: one `airflow dags test` per conf. feedsim's clock stands at
# 2026-11-01, so the periods end there (a period after it would rightly find nothing published).
DEMO_RUN_CONF: dict[str, tuple[dict | None, ...]] = {
    "employment_agency_job_ads": (
        {"backfill": [2025]},
        {"period_start": "2026-10-01T00:00:00+02:00", "period_end": "2026-11-01T00:00:00+01:00"},
    ),
    # the page check finds 2026-09 in every workbook: the first load publishes the whole series
    "employment_agency_jobseekers": (None,),
    # the yrkesbarometer file of the current round (2026-1 at feedsim's clock)
    "employment_agency_outlook": (None,),
    "municipality_key_figures": ({"years": "2023-2025"},),
    "municipality_files": ({"period_start": "2026-09-01", "period_end": "2026-10-01"},),
    # Skolverket lists today's catalogue and MYH the 2024 and 2025 rounds (intakes in 2025 and 2026):
    # one snapshot holds both years' supply
    "education_offerings": ({"period_start": "2026-10-19", "period_end": "2026-10-26"},),
    # three published statistics years: three cohorts, so the report shows a trend
    "education_transitions": ({"years": "2022-2024"},),
}

# DAGs that need no upstream connection.
OFFLINE_DAGS = frozenset({"reference_data", "warehouse_marts"})


def add_demo_command(commands) -> None:
    demo = commands.add_parser("demo", help="run the main job end to end and print what it did")
    demo.add_argument("--seed", type=int, default=42, help="feedsim seed")
    demo.add_argument("--scale", type=float, default=0.02, help="feedsim volume (1.0 = a national year of ads)")
    demo.set_defaults(func=run_demo)


def demo_dags() -> list[str]:
    """Return the DAG ids the demo runs: those of DEMO_DAG_ORDER that exist in dags/, in order."""
    present = {p.stem for p in DAGS_DIR.glob("*.py")}
    unknown = present - set(DEMO_DAG_ORDER) - {"__init__"}
    return [dag_id for dag_id in DEMO_DAG_ORDER if dag_id in present] + sorted(unknown)


def _say(message: str) -> None:
    print(message, flush=True)


def run_demo(args: argparse.Namespace) -> int:
    from vagled.airflow_env import apply_airflow_environment
    from vagled.monitoring.freshness import sync_freshness_policies
    from vagled.warehouse.embedded import EmbeddedWarehouse
    from vagled.warehouse.migrate import migrate

    home = vagled_home()
    log_dir = home / "logs" / "demo"
    log_dir.mkdir(parents=True, exist_ok=True)

    _say("== Vägled demo ==")
    warehouse = EmbeddedWarehouse(home)
    status = warehouse.start()
    _say(f"[1] warehouse: PostgreSQL running on 127.0.0.1:{status.port} (data in {status.pgdata})")
    os.environ.setdefault("AIRFLOW_CONN_VAGLED_WAREHOUSE", warehouse.url())
    report = migrate()
    sync_freshness_policies()
    _say(
        f"[2] migrations: {len(report.applied)} applied now, {len(report.already_applied)} already applied; "
        f"county roles {', '.join(report.county_roles)}"
    )
    apply_airflow_environment(home)
    airflow = str(Path(sys.executable).parent / "airflow")
    _run_logged([airflow, "db", "migrate"], log_dir / "airflow-db-migrate.log")
    from vagled.pools import sync_pools

    pools = sync_pools()
    _say(
        f"[3] airflow: metadata database migrated (AIRFLOW_HOME={os.environ['AIRFLOW_HOME']}), "
        f"{len(pools)} upstream pools"
    )

    feedsim = _start_feedsim(args)
    failures = 0
    try:
        dag_ids = demo_dags()
        _say(f"[4] running {len(dag_ids)} DAGs with `airflow dags test` (logs in {log_dir}):")
        for dag_id in dag_ids:
            if feedsim is None and dag_id not in OFFLINE_DAGS:
                _say(f"    {dag_id:<32}   skipped: its upstreams need feedsim, which this version lacks")
                continue
            confs = DEMO_RUN_CONF.get(dag_id, (None,))
            for number, conf in enumerate(confs, start=1):
                log_path = log_dir / (f"{dag_id}.log" if len(confs) == 1 else f"{dag_id}.{number}.log")
                argv = [airflow, "dags", "test", dag_id]
                if conf:
                    argv[3:3] = ["--conf", json.dumps(conf)]
                started = time.monotonic()
                code = _run_logged(argv, log_path, check=False)
                elapsed = time.monotonic() - started
                verdict = "ok" if code == 0 else f"FAILED (exit {code}, see {log_path})"
                failures += code != 0
                what = "" if not conf else "  " + ", ".join(f"{k}={v}" for k, v in conf.items())
                _say(f"    {dag_id:<32} {elapsed:6.1f} s  {verdict}{what}")
    finally:
        if feedsim is not None:
            feedsim.stop()
    _say("[5] what the warehouse now holds:")
    from vagled.report.summary import print_warehouse_summary

    print_warehouse_summary()
    _print_marts_and_reports()
    if failures:
        _say(f"{failures} DAG(s) failed: the demo is not complete.")
        return 1
    _say("demo complete.")
    return 0


def _print_marts_and_reports() -> None:
    """Print the marts' sizes and where the regional reports are (written by warehouse_marts)."""
    from psycopg import sql

    from vagled.config import area_county_codes
    from vagled.marts import MARTS
    from vagled.report.regional import default_report_dir, report_path
    from vagled.sql import load_sql
    from vagled.warehouse.db import connect

    with connect(autocommit=True) as conn:
        populated = dict(conn.execute(load_sql("mart/select_mart_state")).fetchall())
        sizes = []
        for mart in MARTS:
            count = sql.SQL("select count(*) from {}").format(sql.Identifier("mart", mart))
            rows = conn.execute(count).fetchone()[0] if populated.get(mart) else "not built"
            sizes.append(f"{mart} {rows}")
    _say("    marts: " + ", ".join(sizes))
    _say("[6] regional reports (open in a browser):")
    for county in area_county_codes():
        path = report_path(default_report_dir(), county)
        _say(f"    {county}  {path}" + ("" if path.is_file() else "  (missing: warehouse_marts did not write it)"))


def _start_feedsim(args: argparse.Namespace):
    """Start feedsim on a free port and point every upstream connection at it."""
    try:
        from vagled.feedsim.cli import connection_uris
        from vagled.feedsim.server import FeedSim
    except ImportError:
        _say("    feedsim is not part of this version: no upstream feed is served")
        return None

    feedsim = FeedSim(port=0, seed=args.seed, scale=args.scale).start()
    for conn_id, uri in connection_uris("127.0.0.1", feedsim.port).items():
        os.environ[f"AIRFLOW_CONN_{conn_id.upper()}"] = uri
    _say(f"    feedsim serving every upstream on 127.0.0.1:{feedsim.port} (seed {args.seed}, scale {args.scale})")
    return feedsim


def _run_logged(argv: list[str], log_path: Path, *, check: bool = True) -> int:
    with log_path.open("w") as log_file:
        code = subprocess.run(argv, stdout=log_file, stderr=subprocess.STDOUT, env=os.environ.copy()).returncode
    if check and code != 0:
        tail = log_path.read_text()[-3000:]
        raise RuntimeError(f"{' '.join(argv[1:])} failed (exit {code}); end of {log_path}:\n{tail}")
    return code
