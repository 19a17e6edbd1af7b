"""Scale-out on Airflow's CeleryExecutor, for real, on this machine; a worker is lost mid-run.

Debian's redis-server is the broker, the session's embedded PostgreSQL holds Airflow's metadata and
the warehouses, feedsim serves every upstream over HTTP. The api-server, scheduler, dag-processor
and two `airflow celery worker` processes run as separate processes on loopback. Every DAG of the
project is triggered with the demo's configuration (through the REST API, as an operator would);
while worker 1 runs a task it is killed with SIGKILL, with everything it started. Its tasks must be
retried on worker 2, and the warehouse must end with exactly the rows that the same DAGs give when
run in one process with dag.test().

Also checked on the same run: every extract task ran in its upstream's pool and no pool ever had
more tasks running than slots; every XCom is a small reference, never a local file path.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

# One municipality per county keeps the mapped DAG small; both runs use the same configuration.
MUNICIPALITIES = ["0380", "0484", "0581", "1880", "1980"]
# Fewer slots than the runnable extract tasks (5 municipalities) and the workers' slots (2 x 2):
# the pool, not the number of workers, must bound how many run at once.
MUNICIPAL_FILES_SLOTS = 2
DIMENSION_DAGS = ("reference_data", "reference_taxonomy")
FEEDSIM = {"seed": 42, "scale": 0.02}
WORKER_CONCURRENCY = 2
# Worker 1 is lost after this many tasks of the fact feeds have succeeded (both workers ran some).
KILL_AFTER_TASKS = 8
RUN_TIMEOUT = 900.0

# Columns that say when or in which batch a row was written, not what it holds; surrogate ids
# drawn from a sequence (an attempt that was killed and rolled back still consumed its values).
LOAD_COLUMNS = {"provider_id", "refreshed_at", "loaded_at", "updated_at", "created_at", "computed_at"}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _run_confs() -> list[tuple[str, dict | None]]:
    """Every DAG of the project with the demo's configuration, in the demo's order."""
    from vagled.demo import DEMO_RUN_CONF, demo_dags

    runs: list[tuple[str, dict | None]] = []
    for dag_id in demo_dags():
        for conf in DEMO_RUN_CONF.get(dag_id, (None,)):
            if dag_id == "municipality_files":
                conf = {**(conf or {}), "municipalities": MUNICIPALITIES}
            runs.append((dag_id, conf))
    return runs


def _phases(runs: list[tuple[str, dict | None]]) -> list[list[tuple[str, dict | None]]]:
    """Dimensions first, then every fact feed at once, then whatever builds on them (marts)."""
    from vagled.demo import DEMO_RUN_CONF

    first = [run for run in runs if run[0] in DIMENSION_DAGS]
    facts = [run for run in runs if run[0] in DEMO_RUN_CONF]
    rest = [run for run in runs if run not in first and run not in facts]
    return [phase for phase in (first, facts, rest) if phase]


# -- the warehouse, compared -----------------------------------------------------------------------
def _fingerprint(url: str) -> dict[str, Any]:
    """What the warehouse holds, independent of batch ids, load times and run ids."""
    import psycopg
    from psycopg import sql

    out: dict[str, Any] = {}
    with psycopg.connect(url, autocommit=True) as conn:
        relations = conn.execute(
            "select n.nspname, c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace"
            " where n.nspname in ('core', 'mart') and c.relkind in ('r', 'p', 'm') order by 1, 2"
        ).fetchall()
        for schema, table in relations:
            columns = [
                name
                for (name,) in conn.execute(
                    "select attname from pg_attribute where attrelid = %s::regclass and attnum > 0"
                    " and not attisdropped order by attnum",
                    (f"{schema}.{table}",),
                )
                if not name.endswith("batch_id") and name not in LOAD_COLUMNS
            ]
            query = sql.SQL(
                "select count(*), coalesce(md5(string_agg(r, E'\\n' order by r)), '')"
                " from (select row({})::text as r from {}.{}) t"
            ).format(sql.SQL(", ").join(map(sql.Identifier, columns)), sql.Identifier(schema), sql.Identifier(table))
            out[f"{schema}.{table}"] = tuple(conn.execute(query).fetchone())
        # the provider of each offering, by its organisation number rather than its surrogate id
        out["core.education_offering->provider"] = tuple(
            conn.execute(
                "select count(*), coalesce(md5(string_agg(o.offering_id || '|' || p.organisation_number, ','"
                " order by o.offering_id)), '') from core.education_offering o join core.education_provider p"
                " using (provider_id)"
            ).fetchone()
        )
        out["audit.load_batch succeeded"] = sorted(
            conn.execute(
                "select feed, coalesce(partition_key, ''), coalesce(interval_start::text, ''),"
                " coalesce(interval_end::text, ''), received, loaded, quarantined, duplicates, out_of_area"
                " from audit.load_batch where status = 'succeeded'"
            ).fetchall()
        )
        out["raw payloads of succeeded batches"] = sorted(
            conn.execute(
                "select p.feed, coalesce(b.partition_key, ''), p.part_no, p.sha256 from raw.landed_payload p"
                " join audit.load_batch b using (batch_id) where b.status = 'succeeded'"
            ).fetchall()
        )
        out["quarantine of succeeded batches"] = sorted(
            conn.execute(
                "select q.feed, q.natural_key, q.reasons::text from quarantine.record q"
                " join audit.load_batch b using (batch_id) where b.status = 'succeeded'"
            ).fetchall()
        )
    return out


def _create_database(admin_conn, name: str, owner: str) -> None:
    from psycopg import sql

    admin_conn.execute(sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(name)))
    admin_conn.execute(
        sql.SQL("create database {} owner {} encoding 'UTF8' template template0").format(
            sql.Identifier(name), sql.Identifier(owner)
        )
    )


def _database_url(base_url: str, database: str) -> str:
    return base_url.rsplit("/", 1)[0] + "/" + database


def _migrated_warehouse(admin_conn, embedded_warehouse, name: str) -> str:
    from vagled.warehouse.embedded import LOADER_ROLE
    from vagled.warehouse.migrate import migrate

    _create_database(admin_conn, name, LOADER_ROLE)
    url = _database_url(embedded_warehouse.url(), name)
    previous = os.environ.get("AIRFLOW_CONN_VAGLED_WAREHOUSE")
    os.environ["AIRFLOW_CONN_VAGLED_WAREHOUSE"] = url
    try:
        migrate()
    finally:
        if previous is not None:
            os.environ["AIRFLOW_CONN_VAGLED_WAREHOUSE"] = previous
    return url


# -- the single-process reference --------------------------------------------------------------------
def _run_in_one_process(runs, warehouse_url: str, sim, monkeypatch) -> None:
    from airflow.dag_processing.dagbag import DagBag

    from vagled.config import DAGS_DIR
    from vagled.feedsim.cli import connection_env

    with monkeypatch.context() as patch:
        patch.setenv("AIRFLOW_CONN_VAGLED_WAREHOUSE", warehouse_url)
        for key, uri in connection_env("127.0.0.1", sim.port).items():
            patch.setenv(key, uri)
        for dag_id, conf in runs:
            dag = DagBag(dag_folder=str(DAGS_DIR / f"{dag_id}.py")).dags[dag_id]
            run = dag.test(run_conf=conf) if conf else dag.test()
            assert run.state == "success", f"{dag_id} {conf}: {run.state} in the single-process run"


# -- the Celery cluster --------------------------------------------------------------------------------
class CeleryCluster:
    """Redis, api-server, scheduler, dag-processor and Celery workers as separate processes."""

    def __init__(self, root: Path, env: dict[str, str]) -> None:
        self.root = root
        self.env = env
        self.logs = root / "logs"
        self.logs.mkdir(parents=True, exist_ok=True)
        self.processes: dict[str, subprocess.Popen] = {}
        self.airflow = str(Path(sys.executable).parent / "airflow")
        self.api = env["AIRFLOW__API__BASE_URL"]
        self._token: str | None = None

    def start(self, name: str, argv: list[str], extra_env: dict[str, str] | None = None) -> subprocess.Popen:
        log = (self.logs / f"{name}.log").open("wb")
        # Its own session: the process and everything it starts can be stopped (or killed) together.
        process = subprocess.Popen(
            argv,
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**self.env, **(extra_env or {})},
            cwd=self.root,
            start_new_session=True,
        )
        self.processes[name] = process
        return process

    def log(self, name: str) -> str:
        return (self.logs / f"{name}.log").read_text(errors="replace")

    def tail(self, name: str, chars: int = 4000) -> str:
        return f"--- {name} ---\n" + self.log(name)[-chars:]

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

    def wait_for(self, what: str, condition, timeout: float = 180.0, every: float = 1.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for name, process in self.processes.items():
                if process.poll() is not None and name != "worker1":
                    raise AssertionError(
                        f"{name} exited with {process.returncode} while waiting for {what}\n" + self.tail(name)
                    )
            result = condition()
            if result:
                return result
            time.sleep(every)
        raise AssertionError(f"timed out waiting for {what}\n" + "\n".join(self.tail(n) for n in self.processes))

    # REST API, as an operator's script would use it
    def request(self, method: str, path: str, body: Any = None) -> Any:
        headers = {"Content-Type": "application/json"}
        if self._token:
            headers["Authorization"] = f"Bearer {self._token}"
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.api + path, data=data, method=method, headers=headers)
        with urllib.request.urlopen(req, timeout=30) as response:
            return json.loads(response.read() or b"null")

    def login(self, user: str, password: str) -> None:
        self._token = self.request("POST", "/auth/token", {"username": user, "password": password})["access_token"]

    def api_up(self) -> bool:
        try:
            self.request("GET", "/api/v2/version")
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            return False
        return True


def _descendants_of(pid: int) -> set[int]:
    import psutil

    try:
        return {child.pid for child in psutil.Process(pid).children(recursive=True)}
    except psutil.NoSuchProcess:
        return set()


def _load_path_task_running_on(metadata, worker_pid: int, run_ids: list[str]) -> tuple | None:
    """A running extract, stage or publish task of ``run_ids`` whose process descends from the worker.

    None until KILL_AFTER_TASKS tasks of those runs have succeeded (so both workers ran some).
    """
    done = metadata.execute(
        "select count(*) from task_instance where state = 'success' and run_id = any(%s)", (run_ids,)
    ).fetchone()[0]
    if done < KILL_AFTER_TASKS:
        return None
    rows = metadata.execute(
        "select dag_id, task_id, run_id, map_index, try_number, pid from task_instance"
        " where state = 'running' and pid is not null and run_id = any(%s)"
        " and task_id ~ '(^|\\.)(extract|stage|publish)_'",
        (run_ids,),
    ).fetchall()
    mine = _descendants_of(worker_pid)
    return next((row for row in rows if row[5] in mine), None)


def _kill_tree(process: subprocess.Popen) -> None:
    """SIGKILL a process and everything under it, as when its machine is lost."""
    for pid in _descendants_of(process.pid) | {process.pid}:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=30)


def _max_concurrent(intervals: list[tuple[Any, Any]]) -> int:
    """The most intervals open at one moment (an end frees its slot before a start at the same time)."""
    events = sorted([(start, 1) for start, _ in intervals] + [(end, -1) for _, end in intervals], key=lambda e: e[:2])
    running = peak = 0
    for _, step in events:
        running += step
        peak = max(peak, running)
    return peak


def _strings(value: Any):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(key)
            yield from _strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item)


def test_celery_workers_scale_out_and_survive_a_lost_worker(
    airflow_db, embedded_warehouse, admin_conn, feedsim_factory, monkeypatch, tmp_path
):
    import psycopg

    from vagled.feedsim.cli import connection_env
    from vagled.pools import pool_for_feed, upstream_pool

    redis_server = shutil.which("redis-server")
    assert redis_server, "redis-server is missing: `make install` installs Debian's redis-server package"
    runs = _run_confs()
    dag_ids = sorted({dag_id for dag_id, _ in runs})

    # 1. The reference: the same DAGs, one after the other, in this process (dag.test()).
    single_url = _migrated_warehouse(admin_conn, embedded_warehouse, "scaleout_single")
    _run_in_one_process(runs, single_url, feedsim_factory(**FEEDSIM), monkeypatch)
    reference = _fingerprint(single_url)
    assert reference["core.job_ad"][0] > 0 and reference["core.adult_education_enrolment"][0] > 0
    if "warehouse_marts" in dag_ids:
        assert all(reference[name][0] > 0 for name in reference if name.startswith("mart.")), reference

    # 2. The cluster: its own metadata database and warehouse, Redis on a free loopback port.
    celery_url = _migrated_warehouse(admin_conn, embedded_warehouse, "scaleout_celery")
    _create_database(admin_conn, "scaleout_airflow", "airflow")
    metadata_url = _database_url(embedded_warehouse.url("airflow"), "scaleout_airflow")
    sim = feedsim_factory(**FEEDSIM)
    redis_port, api_port = _free_port(), _free_port()
    password = secrets.token_urlsafe(12)
    (tmp_path / "passwords.json").write_text(json.dumps({"admin": password}))
    api = f"http://127.0.0.1:{api_port}"
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW_CONN_", "PYTEST_"))},
        **connection_env("127.0.0.1", sim.port),
        "AIRFLOW_HOME": str(tmp_path / "airflow-home"),
        "AIRFLOW_CONN_VAGLED_WAREHOUSE": celery_url,
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": metadata_url.replace("postgresql://", "postgresql+psycopg://", 1),
        "AIRFLOW__CORE__EXECUTOR": "CeleryExecutor",
        "AIRFLOW__CELERY__BROKER_URL": f"redis://127.0.0.1:{redis_port}/0",
        "AIRFLOW__CELERY__RESULT_BACKEND": "db+" + metadata_url.replace("postgresql://", "postgresql+psycopg://", 1),
        "AIRFLOW__CELERY__EXTRA_CELERY_CONFIG": json.dumps({"worker_disable_prefetch": True}),
        "AIRFLOW__CELERY__WORKER_CONCURRENCY": str(WORKER_CONCURRENCY),
        # The scheduler hands out no more than the two workers can run.
        "AIRFLOW__CORE__PARALLELISM": str(2 * WORKER_CONCURRENCY),
        "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False",
        "AIRFLOW__API__HOST": "127.0.0.1",
        "AIRFLOW__API__PORT": str(api_port),
        "AIRFLOW__API__BASE_URL": api,
        "AIRFLOW__API__WORKERS": "1",
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{api}/execution/",
        "AIRFLOW__API_AUTH__JWT_SECRET": secrets.token_urlsafe(32),
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": "admin:admin",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(tmp_path / "passwords.json"),
        # Only the runs this test triggers: no schedule creates runs of its own.
        "AIRFLOW__SCHEDULER__USE_JOB_SCHEDULE": "False",
        # A lost worker's tasks are noticed in seconds here (production keeps Airflow's default).
        "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT": "20",
        "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT_DETECTION_INTERVAL": "5",
        # A task the lost worker had taken but not started stays queued in the broker: it is
        # requeued after task_queued_timeout (600 s by default, 60 s here).
        "AIRFLOW__SCHEDULER__TASK_QUEUED_TIMEOUT": "60",
        "AIRFLOW__SCHEDULER__TASK_QUEUED_TIMEOUT_CHECK_INTERVAL": "10",
        "VAGLED_POOL_SLOTS_MUNICIPAL_FILES": str(MUNICIPAL_FILES_SLOTS),
        "PYTHONUNBUFFERED": "1",
    }
    cluster = CeleryCluster(tmp_path, env)
    try:
        cluster.start(
            "redis",
            [
                redis_server,
                "--port",
                str(redis_port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(tmp_path),
            ],
        )
        # What the deployment's init service does: metadata migrations, then the upstream pools.
        subprocess.run([cluster.airflow, "db", "migrate"], env=env, check=True, capture_output=True)
        vagled = str(Path(sys.executable).parent / "vagled")
        synced = subprocess.run([vagled, "pools", "sync"], env=env, check=True, capture_output=True, text=True)
        assert f"upstream_municipal_files         {MUNICIPAL_FILES_SLOTS} slots" in synced.stdout, synced.stdout

        cluster.start("api-server", [cluster.airflow, "api-server", "--port", str(api_port), "--host", "127.0.0.1"])
        cluster.start("scheduler", [cluster.airflow, "scheduler"])
        cluster.start("dag-processor", [cluster.airflow, "dag-processor"])
        for number in (1, 2):
            cluster.start(
                f"worker{number}",
                [
                    cluster.airflow,
                    "celery",
                    "worker",
                    "--celery-hostname",
                    f"worker{number}@%h",
                    "--concurrency",
                    str(WORKER_CONCURRENCY),
                    "--without-mingle",
                    "--without-gossip",
                ],
                {"AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(_free_port())},
            )
        cluster.wait_for("the api-server", cluster.api_up)
        cluster.login("admin", password)
        cluster.wait_for(
            "every DAG to be parsed",
            lambda: set(dag_ids) <= {d["dag_id"] for d in cluster.request("GET", "/api/v2/dags?limit=100")["dags"]},
        )
        for number in (1, 2):
            cluster.wait_for(
                f"worker{number}",
                lambda n=number: f"worker{n}@" in cluster.log(f"worker{n}") and " ready." in cluster.log(f"worker{n}"),
            )

        metadata = psycopg.connect(metadata_url, autocommit=True)
        worker1 = cluster.processes["worker1"]
        killed: tuple | None = None
        triggered: list[tuple[str, str]] = []
        for index, phase in enumerate(_phases(runs)):
            phase_runs = []
            for dag_id, conf in phase:
                run = cluster.request(
                    "POST", f"/api/v2/dags/{dag_id}/dagRuns", {"logical_date": None, "conf": conf or {}}
                )
                phase_runs.append((dag_id, run["dag_run_id"]))
            triggered += phase_runs
            if index == 1:
                # 3. Once both workers have shared the fact feeds for a while, worker 1 is lost, with
                # all it started, while it runs a task of the load path (extract, stage or publish).
                run_ids = [run_id for _, run_id in phase_runs]
                killed = cluster.wait_for(
                    "a load-path task running on worker 1",
                    lambda ids=run_ids: _load_path_task_running_on(metadata, worker1.pid, ids),
                    timeout=300,
                    every=0.5,
                )
                _kill_tree(worker1)
                print(f"worker 1 lost (SIGKILL) while running {killed[:5]}")
            cluster.wait_for(
                f"phase {index + 1} to finish",
                lambda runs_=phase_runs: all(
                    cluster.request("GET", f"/api/v2/dags/{d}/dagRuns/{r}")["state"] in ("success", "failed")
                    for d, r in runs_
                ),
                timeout=RUN_TIMEOUT,
                every=3,
            )
        # Asset-triggered runs (marts) settle too before the warehouse is read.
        cluster.wait_for(
            "every DAG run to finish",
            lambda: (
                metadata.execute("select count(*) from dag_run where state in ('queued', 'running')").fetchone()[0] == 0
            ),
            timeout=RUN_TIMEOUT,
            every=3,
        )

        states = {(d, r): cluster.request("GET", f"/api/v2/dags/{d}/dagRuns/{r}")["state"] for d, r in triggered}
        assert set(states.values()) == {"success"}, (states, cluster.tail("worker2"), cluster.tail("scheduler"))

        # 4. The killed task was retried, on the surviving worker, and succeeded.
        assert killed is not None
        dag_id, task_id, run_id, map_index, try_number, _ = killed
        final_state, final_try = metadata.execute(
            "select state, try_number from task_instance where dag_id = %s and task_id = %s and run_id = %s"
            " and map_index = %s",
            (dag_id, task_id, run_id, map_index),
        ).fetchone()
        assert final_state == "success" and final_try > try_number, (killed, final_state, final_try)
        retried_on = [
            line
            for line in cluster.log("worker2").splitlines()
            if f"task_id='{task_id}'" in line and f"try_number={final_try}" in line and run_id in line
        ]
        assert retried_on, f"worker 2 never ran {task_id} try {final_try}\n" + cluster.tail("worker2")
        assert worker1.poll() is not None  # worker 1 stayed dead: everything after ran on worker 2
        # Both workers ran tasks of the fact feeds: the work was spread, not just failed over.
        fact_runs = [run_id for dag_id_, run_id in triggered if dag_id_ not in DIMENSION_DAGS]
        for worker in ("worker1", "worker2"):
            ran = [line for line in cluster.log(worker).splitlines() if "Executing workload" in line]
            assert sum(any(run_id in line for run_id in fact_runs) for line in ran) >= 2, worker

        # 5. Pools: every extract task ran in its upstream's pool, never above the pool's slots.
        tries = metadata.execute(
            "select task_id, pool, start_date, end_date from task_instance where task_id ~ '(^|\\.)extract_'"
            " union all select task_id, pool, start_date, end_date from task_instance_history"
            " where task_id ~ '(^|\\.)extract_'"
        ).fetchall()
        assert tries
        for task_id_, pool, _, _ in tries:
            assert pool.startswith("upstream_"), (task_id_, pool)
        assert {pool for task_, pool, _, _ in tries if task_.endswith(".extract_files")} == {
            pool_for_feed("municipal_komvux")
        }
        by_pool: dict[str, list] = {}
        for _, pool, start, end in tries:
            if start is not None:
                by_pool.setdefault(pool, []).append((start, end or start))
        for pool, intervals in by_pool.items():
            slots = (
                MUNICIPAL_FILES_SLOTS
                if pool == "upstream_municipal_files"
                else upstream_pool(pool.removeprefix("upstream_")).default_slots
            )
            assert _max_concurrent(intervals) <= slots, (pool, sorted(intervals))
        # Five municipalities were runnable at once; the pool let exactly its slots run together.
        assert _max_concurrent(by_pool["upstream_municipal_files"]) == MUNICIPAL_FILES_SLOTS

        # 6. XComs are small references, never a path on some worker's disk.
        xcoms = metadata.execute("select dag_id, task_id, key, value from xcom").fetchall()
        assert xcoms
        for dag_id_, task_id_, key, value in xcoms:
            text = json.dumps(value)
            assert len(text) < 4096, (dag_id_, task_id_, key, len(text))
            for string in _strings(value):
                assert not string.startswith(("/", "file:", "~")), (dag_id_, task_id_, key, string)
        metadata.close()
    finally:
        cluster.stop()

    # 7. Exactly the rows of the single-process run.
    scaled = _fingerprint(celery_url)
    assert scaled.keys() == reference.keys()
    differing = {name: (reference[name], scaled[name]) for name in reference if reference[name] != scaled[name]}
    assert not differing, differing
    tables = [name for name in reference if name.startswith(("core.", "mart.")) and "->" not in name]
    print(f"identical: {len(tables)} core and mart relations, {sum(reference[t][0] for t in tables)} rows")
