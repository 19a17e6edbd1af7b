"""The hourly increment as Airflow really runs it: one `employment_agency_job_ads` run in the local scheduler.

Starts Airflow as ``vagled airflow-ui`` configures it (vagled.airflow_env: LocalExecutor, workers
from a forkserver that preloads Great Expectations and the stager), its metadata in the bench's
own embedded PostgreSQL (database ``airflow``), as separate processes: api-server, scheduler,
dag-processor. feedsim serves JobStream at the scale that gives about 500 changed ads in an hour
(bench/increment.py). The DAG is triggered with ``airflow dags trigger`` (the hour as
``period_start``/``period_end``; no schedule creates runs of its own) and the bench waits for the
run to end. From the task instances' timestamps in Airflow's metadata database, per task:
queued -> running (the executor starting the task process) and running -> success (the task,
including the task runner's own start-up and its calls to the api-server), and the gaps in
between (the scheduler noticing a finished task and queueing the next). The figure is the run's
wall time from the run being queued to the publish task's success.

Two runs, one after the other: the hour 10-11 (the first task processes of a fresh scheduler)
and the hour 11-12 (a scheduler that has run tasks before, as an hourly run finds it). The figure
kept is the second's; both are in the JSON.

    python bench/increment_scheduler.py
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from increment import HOUR_START, SEED, scale_for_changes

DAG_ID = "employment_agency_job_ads"
PUBLISH = re.compile(r"(^|\.)publish_")
# generous: on a machine shared with other work a task process can wait minutes for a core
RUN_TIMEOUT_S = 1800


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LocalAirflow:
    """api-server, scheduler and dag-processor of the local set-up, as separate processes."""

    def __init__(self, root: Path, env: dict[str, str]) -> None:
        self.root = root
        self.env = env
        self.logs = root / "logs"
        self.logs.mkdir(parents=True, exist_ok=True)
        self.airflow = str(Path(sys.executable).parent / "airflow")
        self.processes: dict[str, subprocess.Popen] = {}

    def run(self, *args: str) -> str:
        done = subprocess.run([self.airflow, *args], env=self.env, capture_output=True, text=True, cwd=self.root)
        if done.returncode != 0:
            raise RuntimeError(f"airflow {' '.join(args)} failed: {done.stderr[-3000:]}")
        return done.stdout

    def start(self, name: str, *args: str) -> None:
        log = (self.logs / f"{name}.log").open("wb")
        # Its own session, so that it and the processes it starts are stopped together.
        self.processes[name] = subprocess.Popen(
            [self.airflow, *args],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=self.env,
            cwd=self.root,
            start_new_session=True,
        )

    def tail(self, name: str, chars: int = 3000) -> str:
        return f"--- {name} ---\n" + (self.logs / f"{name}.log").read_text(errors="replace")[-chars:]

    def wait_for(self, what: str, condition, timeout: float = 300.0, every: float = 0.5):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for name, process in self.processes.items():
                if process.poll() is not None:
                    raise RuntimeError(f"{name} exited ({process.returncode}) waiting for {what}\n{self.tail(name)}")
            result = condition()
            if result:
                return result
            time.sleep(every)
        raise RuntimeError(f"timed out waiting for {what}\n" + "\n".join(self.tail(n) for n in self.processes))

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + 30
        for process in self.processes.values():
            try:
                process.wait(timeout=max(deadline - time.monotonic(), 0.1))
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
        # What a component left in its group (multiprocessing's resource tracker ignores SIGTERM).
        for process in self.processes.values():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)


def _environment(warehouse, root: Path, feedsim_port: int) -> dict[str, str]:
    from vagled.airflow_env import airflow_environment
    from vagled.feedsim.cli import connection_env
    from vagled.warehouse.embedded import AIRFLOW_DB

    api_port = _free_port()
    api = f"http://127.0.0.1:{api_port}"
    passwords = root / "passwords.json"
    passwords.write_text(json.dumps({"admin": secrets.token_urlsafe(12)}))
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW_", "AIRFLOW__"))},
        # The project's local configuration (executor, forkserver preload, DAG folder, time zone) ...
        **airflow_environment(warehouse.home),
        # ... with the bench's own server, home and ports.
        **connection_env("127.0.0.1", feedsim_port),
        "AIRFLOW_HOME": str(root / "airflow-home"),
        "AIRFLOW_CONN_VAGLED_WAREHOUSE": warehouse.url(),
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": warehouse.url(AIRFLOW_DB, driver="psycopg"),
        "AIRFLOW__API__PORT": str(api_port),
        "AIRFLOW__API__BASE_URL": api,
        "AIRFLOW__API__WORKERS": "1",
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{api}/execution/",
        "AIRFLOW__API_AUTH__JWT_SECRET": secrets.token_urlsafe(32),
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(passwords),
        "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False",
        # Only the runs the bench triggers: the hourly schedule creates none of its own.
        "AIRFLOW__SCHEDULER__USE_JOB_SCHEDULE": "False",
        "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(_free_port()),
        "PYTHONUNBUFFERED": "1",
    }


def _seconds(later, earlier) -> float | None:
    return None if later is None or earlier is None else round((later - earlier).total_seconds(), 3)


def run_figures(metadata, run_id: str) -> dict:
    """The run's wall time and its parts, from dag_run and task_instance in Airflow's metadata database."""
    queued_at, started_at, ended_at, state = metadata.execute(
        "select queued_at, start_date, end_date, state from dag_run where dag_id = %s and run_id = %s", (DAG_ID, run_id)
    ).fetchone()
    tasks = metadata.execute(
        "select task_id, state, queued_dttm, start_date, end_date from task_instance"
        " where dag_id = %s and run_id = %s order by start_date nulls last, task_id",
        (DAG_ID, run_id),
    ).fetchall()
    parts, previous_end = [], queued_at
    for task_id, task_state, queued, start, end in tasks:
        parts.append(
            {
                "task": task_id,
                "state": task_state,
                # from the run's queueing or the previous task's end, to this task being queued
                "scheduling_s": _seconds(queued, previous_end),
                "queued_to_running_s": _seconds(start, queued),
                "running_to_end_s": _seconds(end, start),
            }
        )
        previous_end = end or previous_end
    publish_end = next((end for task_id, _, _, _, end in tasks if PUBLISH.search(task_id)), None)
    return {
        "run_id": run_id,
        "state": state,
        "wall_s": _seconds(publish_end, queued_at),
        "queued_to_running_s": _seconds(started_at, queued_at),
        "run_end_s": _seconds(ended_at, queued_at),
        "tasks": parts,
    }


def _watermark_reset(warehouse) -> None:
    import psycopg

    with psycopg.connect(warehouse.admin_conninfo(), dbname="vagled", autocommit=True) as conn:
        conn.execute("delete from audit.feed_watermark where feed = 'job_ads'")


def _changes_loaded(warehouse, run_id: str) -> dict:
    import psycopg

    with psycopg.connect(warehouse.admin_conninfo(), dbname="vagled", autocommit=True) as conn:
        row = conn.execute(
            "select received, loaded, quarantined, duplicates from audit.load_batch"
            " where feed = 'job_ads' and run_id = %s order by batch_id desc limit 1",
            (run_id,),
        ).fetchone()
    keys = ("received", "loaded", "quarantined", "duplicates")
    return dict(zip(keys, row, strict=True)) if row else {}


def measure(warehouse, *, log=print) -> dict:
    import psycopg
    from ads_files import bench_home

    from vagled.feedsim.server import FeedSim
    from vagled.warehouse.embedded import AIRFLOW_DB

    scale = scale_for_changes()
    root = bench_home() / "scheduler"
    root.mkdir(parents=True, exist_ok=True)
    runs = []
    with FeedSim(port=0, seed=SEED, scale=scale) as sim:
        env = _environment(warehouse, root, sim.port)
        airflow = LocalAirflow(root, env)
        begun = time.monotonic()
        airflow.run("db", "migrate")
        subprocess.run(
            [str(Path(sys.executable).parent / "vagled"), "pools", "sync"], env=env, check=True, capture_output=True
        )
        metadata = psycopg.connect(warehouse.url(AIRFLOW_DB), autocommit=True)
        try:
            airflow.start("api-server", "api-server", "--port", env["AIRFLOW__API__PORT"], "--host", "127.0.0.1")
            airflow.start("scheduler", "scheduler")
            airflow.start("dag-processor", "dag-processor")
            airflow.wait_for(
                f"{DAG_ID} to be parsed",
                lambda: metadata.execute("select 1 from dag where dag_id = %s and not is_stale", (DAG_ID,)).fetchone(),
            )
            airflow.run("dags", "unpause", DAG_ID)
            start_up_s = time.monotonic() - begun
            log(f"  local Airflow up in {start_up_s:.0f} s (LocalExecutor, preload), feedsim scale {scale:.3f}")
            _watermark_reset(warehouse)
            stamp = time.strftime("%Y%m%dT%H%M%S")
            for number, hour_start in enumerate((HOUR_START, HOUR_START + timedelta(hours=1)), start=1):
                run_id = f"bench_increment_{stamp}_{number}"
                conf = {
                    "period_start": hour_start.isoformat(),
                    "period_end": (hour_start + timedelta(hours=1)).isoformat(),
                }
                airflow.run("dags", "trigger", DAG_ID, "--run-id", run_id, "--conf", json.dumps(conf))
                state = airflow.wait_for(
                    f"run {run_id} to end",
                    lambda rid=run_id: (
                        row[0]
                        if (
                            row := metadata.execute(
                                "select state from dag_run where dag_id = %s and run_id = %s"
                                " and state in ('success', 'failed')",
                                (DAG_ID, rid),
                            ).fetchone()
                        )
                        else None
                    ),
                    timeout=RUN_TIMEOUT_S,
                )
                figures = {**run_figures(metadata, run_id), **_changes_loaded(warehouse, run_id), "hour": conf}
                runs.append(figures)
                if state != "success":
                    raise RuntimeError(f"run {run_id} {state}: {figures}\n{airflow.tail('scheduler')}")
                log(
                    f"  run {number} ({hour_start:%H}-{hour_start + timedelta(hours=1):%H}): "
                    f"{figures.get('received', 0)} changes received in the area, "
                    f"queued -> publish success {figures['wall_s']:.1f} s: "
                    + ", ".join(
                        f"{part['task'].rsplit('.', 1)[-1]} [wait {part['scheduling_s']} + queued "
                        f"{part['queued_to_running_s']} + run {part['running_to_end_s']}]"
                        for part in figures["tasks"]
                    )
                )
        finally:
            metadata.close()
            airflow.stop()
    kept = runs[-1]
    return {
        "feedsim_scale": round(scale, 3),
        "executor": "LocalExecutor",
        "start_method": env.get("AIRFLOW__SCHEDULER__MP_START_METHOD"),
        "preload": env.get("AIRFLOW__SCHEDULER__MP_FORKSERVER_PRELOAD"),
        "airflow_start_up_s": round(start_up_s, 1),
        "increment_scheduler_s": kept["wall_s"],
        "increment_scheduler_first_s": runs[0]["wall_s"],
        "runs": runs,
    }


def main(argv: list[str] | None = None) -> int:
    from run import bench_warehouse, stop_bench_warehouses

    warehouse = bench_warehouse()
    try:
        print(json.dumps(measure(warehouse), indent=2, default=str))
    finally:
        stop_bench_warehouses()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
