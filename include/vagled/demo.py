"""The demo: embedded warehouse + feedsim + every DAG, run for real, then a report of what happened.

Each DAG runs with ``dag.test()`` (what ``airflow dags test`` runs) in one of two lane processes
(vagled.demo_lane) that import Airflow and Great Expectations once: the dimensions first, then the
fact feeds two at a time, then the marts. Each run's full log goes to
``$VAGLED_HOME/logs/demo/<dag_id>.log`` and the console gets one line per run, with its task time;
a table of where the wall time went ends the demo. The report at the end is read from the
warehouse (audit.load_batch and the core tables), never from what the demo believes it did.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time
from collections import Counter, deque
from collections.abc import Iterator
from contextlib import contextmanager
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
    # one municipality of each county, the Excel exports among them (0484, 1861), CSV with either
    # delimiter, encoding and zero to two title rows; the reports do not read these files, and the
    # 52 municipalities' 156 mapped tasks took longer than every other DAG together
    "municipality_files": (
        {
            "period_start": "2026-09-01",
            "period_end": "2026-10-01",
            "municipalities": ["0380", "0484", "0581", "1861", "1880", "1980"],
        },
    ),
    # Skolverket lists today's catalogue and MYH the 2024 and 2025 rounds (intakes in 2025 and 2026):
    # one snapshot holds both years' supply
    "education_offerings": ({"period_start": "2026-10-19", "period_end": "2026-10-26"},),
    # three published statistics years: three cohorts, so the report shows a trend
    "education_transitions": ({"years": "2022-2024"},),
}

# Loaded first, one after the other: the fact feeds' suites check codes against them.
DIMENSION_DAGS = ("reference_data", "reference_taxonomy")

# The fact feeds (independent of each other) are handed to the lanes longest first, so that the two
# lanes end together (measured in docs/demo.md: transitions 129 s, job ads' two runs 72 s, job
# seekers 71 s, municipal files 49 s, offerings 25 s, key figures and outlook 11 s each).
FACT_DISPATCH_ORDER = (
    "education_transitions",
    "employment_agency_job_ads",
    "employment_agency_jobseekers",
    "municipality_files",
    "education_offerings",
    "municipality_key_figures",
    "employment_agency_outlook",
)

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


class StepTimes:
    """Wall time of each step of the demo, printed at the end as a table (step, seconds, share of the
    demo's wall time). Steps of the two lanes overlap, so their shares add up to more than 100 %."""

    def __init__(self) -> None:
        self.started = time.monotonic()
        self.steps: list[tuple[str, float]] = []

    @contextmanager
    def step(self, name: str) -> Iterator[None]:
        started = time.monotonic()
        try:
            yield
        finally:
            self.add(name, time.monotonic() - started)

    def add(self, name: str, seconds: float) -> None:
        self.steps.append((name, seconds))

    def table(self) -> str:
        """Return the steps in the order they ended, then the total wall time of the demo."""
        total = time.monotonic() - self.started
        width = max([len(name) for name, _ in self.steps] + [len("total (wall)")])
        lines = [f"    {'step':<{width}} {'seconds':>8} {'share':>6}"]
        for name, seconds in self.steps:
            lines.append(f"    {name:<{width}} {seconds:8.1f} {seconds / total:6.1%}")
        lines.append(f"    {'total (wall)':<{width}} {total:8.1f} {1:6.0%}")
        return "\n".join(lines)


class Lane:
    """A process of vagled.demo_lane: imports Airflow and the load path once, then runs DAGs on request."""

    def __init__(self, name: str, log_dir: Path) -> None:
        self.name = name
        self.log_dir = log_dir
        self.process = subprocess.Popen(
            [sys.executable, "-m", "vagled.demo_lane", str(log_dir / f"lane-{name}.log")],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=os.environ.copy(),
        )

    def _answer(self) -> dict:
        line = self.process.stdout.readline()
        if not line:
            code = self.process.wait()
            raise RuntimeError(f"demo lane {self.name} ended (exit {code}); see {self.log_dir}/lane-{self.name}.log")
        return json.loads(line)

    def ready(self) -> dict:
        """Wait until the lane has imported what the DAGs need; return its warm-up seconds."""
        return self._answer()

    def request(self, **request) -> dict:
        self.process.stdin.write(json.dumps(request) + "\n")
        self.process.stdin.flush()
        return self._answer()

    def close(self) -> None:
        if self.process.stdin and not self.process.stdin.closed:
            self.process.stdin.close()
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def demo_phases(dag_ids: list[str]) -> list[list[list[tuple[str, dict | None]]]]:
    """Split the demo's runs into phases of jobs: the dimensions one after the other, then the fact
    feeds (independent of each other) longest first, then what builds on them. A job is the runs of
    one DAG, in order; the jobs of a phase may run at the same time."""

    def job(dag_id: str) -> list[tuple[str, dict | None]]:
        return [(dag_id, conf) for conf in DEMO_RUN_CONF.get(dag_id, (None,))]

    dimensions = [job(dag_id) for dag_id in dag_ids if dag_id in DIMENSION_DAGS]
    facts = [dag_id for dag_id in dag_ids if dag_id in DEMO_RUN_CONF]
    facts.sort(key=lambda dag_id: FACT_DISPATCH_ORDER.index(dag_id) if dag_id in FACT_DISPATCH_ORDER else 99)
    rest = [job(dag_id) for dag_id in dag_ids if dag_id not in DIMENSION_DAGS and dag_id not in DEMO_RUN_CONF]
    # the dimensions are one job: the taxonomy's suite checks codes reference_data loads
    phases = [[[run for one in dimensions for run in one]], [job(dag_id) for dag_id in facts], rest]
    return [phase for phase in phases if phase and phase[0]]


def run_demo(args: argparse.Namespace) -> int:
    times = StepTimes()
    with times.step("imports (warehouse, migrations)"):
        from vagled.airflow_env import apply_airflow_environment
        from vagled.monitoring.freshness import sync_freshness_policies
        from vagled.warehouse.embedded import EmbeddedWarehouse
        from vagled.warehouse.migrate import migrate

    home = vagled_home()
    log_dir = home / "logs" / "demo"
    log_dir.mkdir(parents=True, exist_ok=True)

    _say("== Vägled demo ==")
    with times.step("warehouse start"):
        warehouse = EmbeddedWarehouse(home)
        status = warehouse.start()
    _say(f"[1] warehouse: PostgreSQL running on 127.0.0.1:{status.port} (data in {status.pgdata})")
    os.environ.setdefault("AIRFLOW_CONN_VAGLED_WAREHOUSE", warehouse.url())
    apply_airflow_environment(home)
    with times.step("feedsim start"):
        feedsim = _start_feedsim(args)
    airflow = str(Path(sys.executable).parent / "airflow")
    # Everything below until the lanes are ready overlaps: Airflow's metadata migration, the
    # warehouse's migrations and the lanes importing Airflow and Great Expectations.
    overlap_started = time.monotonic()
    db_migrate = _start_logged([airflow, "db", "migrate"], log_dir / "airflow-db-migrate.log")
    lanes = [Lane(name, log_dir) for name in ("a", "b")] if feedsim is not None else [Lane("a", log_dir)]
    failures = 0
    try:
        with times.step("warehouse migrations + reference data"):
            report = migrate()
            sync_freshness_policies()
        _say(
            f"[2] migrations: {len(report.applied)} applied now, {len(report.already_applied)} already applied; "
            f"county roles {', '.join(report.county_roles)}"
        )
        with times.step("airflow db migrate (waited for)"):
            _wait_logged(db_migrate, log_dir / "airflow-db-migrate.log")
        with times.step("lanes import Airflow, execution API, GX (waited for)"):
            warm = [lane.ready() for lane in lanes]
        for lane, ready in zip(lanes, warm, strict=True):
            parts = ", ".join(f"{part} {seconds:.1f} s" for part, seconds in ready["parts"].items())
            times.add(f"  lane {lane.name} warm-up: {parts}", ready["seconds"])
        times.add("start-up, overlapped (wall)", time.monotonic() - overlap_started)
        synced = lanes[0].request(op="pools", log=str(log_dir / "airflow-pools.log"))
        if "pools" not in synced:
            error = synced.get("error")
            raise RuntimeError(f"syncing Airflow's pools failed: {error} (see {log_dir}/airflow-pools.log)")
        pools = synced["pools"]
        _say(
            f"[3] airflow: metadata database migrated (AIRFLOW_HOME={os.environ['AIRFLOW_HOME']}), "
            f"{len(pools)} upstream pools; {len(lanes)} lanes ready"
        )
        dag_ids = demo_dags()
        _say(f"[4] running {len(dag_ids)} DAGs with dag.test() in {len(lanes)} lanes (logs in {log_dir}):")
        if feedsim is None:
            for dag_id in dag_ids:
                if dag_id not in OFFLINE_DAGS:
                    _say(f"    {dag_id:<32}   skipped: its upstreams need feedsim, which this version lacks")
            dag_ids = [dag_id for dag_id in dag_ids if dag_id in OFFLINE_DAGS]
        for number, phase in enumerate(demo_phases(dag_ids), start=1):
            started = time.monotonic()
            failures += _run_phase(lanes, phase, log_dir, times)
            times.add(f"DAG phase {number} (wall)", time.monotonic() - started)
    finally:
        for lane in lanes:
            lane.close()
        if db_migrate.poll() is None:
            db_migrate.kill()
        if feedsim is not None:
            feedsim.stop()
    _say("[5] what the warehouse now holds:")
    with times.step("summary + marts/report check"):
        from vagled.report.summary import print_warehouse_summary

        print_warehouse_summary()
        _print_marts_and_reports()
    _say("[7] where the time went (the DAG runs of a phase overlap: two lanes):")
    _say(times.table())
    if failures:
        _say(f"{failures} DAG(s) failed: the demo is not complete.")
        return 1
    _say("demo complete.")
    return 0


def _run_phase(lanes: list[Lane], jobs: list[list[tuple[str, dict | None]]], log_dir: Path, times: StepTimes) -> int:
    """Run a phase's jobs on the lanes, each lane taking the next job when it is free; return the
    number of failed runs."""
    pending = deque(jobs)
    lock = threading.Lock()
    failures = 0

    def work(lane: Lane) -> None:
        nonlocal failures
        while True:
            with lock:
                if not pending:
                    return
                job = pending.popleft()
            runs_of = Counter(dag_id for dag_id, _ in job)
            seen: Counter[str] = Counter()
            for dag_id, conf in job:
                seen[dag_id] += 1
                name = dag_id if runs_of[dag_id] == 1 else f"{dag_id}.{seen[dag_id]}"
                log_path = log_dir / f"{name}.log"
                log_path.unlink(missing_ok=True)
                try:
                    answer = lane.request(op="dag", dag_id=dag_id, conf=conf, log=str(log_path))
                except (RuntimeError, OSError) as error:  # the lane died: this run and the rest of its job fail
                    with lock:
                        failures += len(job) - (sum(seen.values()) - 1)  # this run and the job's later ones
                        _say(f"    {dag_id:<32}   FAILED ({error})")
                    return
                ok = answer.get("state") == "success"
                verdict = "ok" if ok else f"FAILED ({answer.get('error') or answer.get('state')}, see {log_path})"
                what = "" if not conf else "  " + ", ".join(f"{k}={v}" for k, v in conf.items())
                detail = _task_time(dag_id, answer.get("run_id"), answer["seconds"])
                with lock:
                    failures += not ok
                    times.add(f"  dag {name} (lane {lane.name})", answer["seconds"])
                    _say(f"    {dag_id:<32} {answer['seconds']:6.1f} s  {verdict}{what}{detail}")

    alive = [lane for lane in lanes if lane.process.poll() is None]
    if not alive:
        _say(f"    no demo lane is left: {sum(len(job) for job in jobs)} run(s) not started")
        return sum(len(job) for job in jobs)
    threads = [threading.Thread(target=work, args=(lane,), name=f"demo-lane-{lane.name}") for lane in alive]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return failures


def _task_time(dag_id: str, run_id: str | None, elapsed: float) -> str:
    """Say how much of a run's wall time its tasks took, from Airflow's metadata database: the rest
    is dag.test() parsing and syncing the DAGs and creating the run."""
    import psycopg

    from vagled.sql import load_sql

    url = os.environ.get("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN", "").replace("+psycopg", "")
    if not run_id:
        return ""
    try:
        with psycopg.connect(url, autocommit=True) as conn:
            row = conn.execute(
                load_sql("airflow/select_run_task_time"), {"dag_id": dag_id, "run_id": run_id}
            ).fetchone()
    except psycopg.Error:
        return ""
    if not row or row[0] is None:
        return ""
    tasks, slowest, slowest_seconds = row
    outside = elapsed - tasks
    return f"  (tasks {tasks:.1f} s, slowest {slowest} {slowest_seconds:.1f} s; outside tasks {outside:.1f} s)"


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


def _start_logged(argv: list[str], log_path: Path) -> subprocess.Popen:
    with log_path.open("w") as log_file:
        return subprocess.Popen(argv, stdout=log_file, stderr=subprocess.STDOUT, env=os.environ.copy())


def _wait_logged(process: subprocess.Popen, log_path: Path) -> None:
    code = process.wait()
    if code != 0:
        tail = log_path.read_text()[-3000:]
        raise RuntimeError(f"{' '.join(process.args[1:])} failed (exit {code}); end of {log_path}:\n{tail}")
