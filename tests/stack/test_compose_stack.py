"""The production stack, built and started for real with Docker: image, compose, Celery, a lost worker.

Docker's engine and Compose come from Debian's packages (deploy/docker-host.sh); no image registry is
needed: deploy/base-image.sh builds the base, PostgreSQL and Redis images from Debian's packages and
the project's image is built on that base from the Dockerfile. The stack is docker-compose.yml with
docker-compose.host-network.yml on top: every service on the host's network, on 127.0.0.1 and free
ports, feedsim as every upstream, secrets in a generated .env only.

Every DAG is triggered through the api-server's REST API and run by two Celery worker containers;
one worker container is killed (SIGKILL) while it runs a task of the load path. The warehouse must
end with exactly what the same DAGs give with dag.test() in one process (the comparison of
tests/e2e/test_celery_scale_out.py). Also on the same stack: the warehouse and the metadata database
are separate servers; the Data-health page answers in Chromium; a pg_dump of the warehouse restores
to the same contents. Image size, build time, time to healthy and memory are printed, not asserted.
Then `compose down -v`: nothing of the stack is left.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "e2e"))
import test_celery_scale_out as scale_out  # its comparison helpers, reused

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

REPO = Path(__file__).resolve().parents[2]
BASE_IMAGE = "vagled-base:bookworm"
IMAGE = "vagled-airflow:stack-test"
COMPOSE_OVERRIDE = "docker-compose.host-network.yml"
WORKERS = 2
WORKER_CONCURRENCY = 2
HEALTH_TIMEOUT = 600.0
SECRET_KEYS = (
    "AIRFLOW_DB_PASSWORD",
    "WAREHOUSE_ADMIN_PASSWORD",
    "WAREHOUSE_LOADER_PASSWORD",
    "REDIS_PASSWORD",
    "AIRFLOW_JWT_SECRET",
    "AIRFLOW_API_SECRET_KEY",
    "AIRFLOW_ADMIN_PASSWORD",
)
PORT_KEYS = ("AIRFLOW_DB", "WAREHOUSE", "REDIS", "API", "FEEDSIM", "SCHEDULER_HEALTH", "TRIGGERER_LOG")


def _free_ports(count: int) -> list[int]:
    """Distinct free loopback ports below the kernel's ephemeral range.

    A port the kernel hands out (bind to port 0) may be handed to another program of this shared
    machine in the minutes before the stack binds it (it happened: an embedded PostgreSQL took the
    api-server's); ports below the ephemeral range are only taken by programs that ask for them.
    """
    import random

    low = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    candidates = random.sample(range(max(low - 12000, 1024), low), 400)
    ports: list[int] = []
    for port in candidates:
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
        ports.append(port)
        if len(ports) == count:
            return ports
    raise AssertionError(f"fewer than {count} free ports below {low}")


def _run(argv: list[str], **kwargs) -> subprocess.CompletedProcess:
    kwargs.setdefault("capture_output", True)
    kwargs.setdefault("text", True)
    result = subprocess.run(argv, **kwargs)
    if result.returncode != 0:
        raise AssertionError(f"{' '.join(argv)} exited {result.returncode}\n{result.stdout}\n{result.stderr}")
    return result


def _compose_command() -> list[str]:
    """Compose v2 (`docker compose`) when the machine has it, Debian's v1 (`docker-compose`) otherwise."""
    if subprocess.run(["docker", "compose", "version"], capture_output=True).returncode == 0:
        return ["docker", "compose"]
    assert shutil.which("docker-compose"), "no Compose: deploy/docker-host.sh start installs it"
    return ["docker-compose"]


def _mib(text: str) -> float:
    """'123.4MiB' (docker stats) in MiB."""
    match = re.match(r"([\d.]+)\s*([KMGT]?i?B)", text.strip())
    assert match, text
    factor = {"B": 1 / 2**20, "KiB": 1 / 1024, "kB": 1 / 1024, "MiB": 1, "MB": 1, "GiB": 1024, "GB": 1024}
    return float(match[1]) * factor.get(match[2], 1)


class Stack:
    """One compose project: the commands, its containers, their health and memory."""

    def __init__(self, root: Path, env: dict[str, str], project: str) -> None:
        self.root = root
        self.env = env
        self.project = project
        self.env_file = root / ".env"
        self.env_file.write_text("".join(f"{key}={value}\n" for key, value in env.items()))
        self.env_file.chmod(0o600)
        # Compose v1 refuses `ports` on a service in the host's network (v2 ignores them) and has no
        # way to remove them in an override: run on the compose file without its `ports`.
        import yaml

        compose = yaml.safe_load((REPO / "docker-compose.yml").read_text())
        for service in compose["services"].values():
            service.pop("ports", None)
        self.base_file = root / "docker-compose.yml"
        self.base_file.write_text(yaml.safe_dump(compose, sort_keys=False))
        self.command = [
            *_compose_command(),
            "--project-name",
            project,
            "--project-directory",
            str(REPO),
            "--env-file",
            str(self.env_file),
            "--file",
            str(self.base_file),
            "--file",
            str(REPO / COMPOSE_OVERRIDE),
            "--profile",
            "feedsim",
        ]

    def compose(self, *args: str, **kwargs) -> subprocess.CompletedProcess:
        return _run([*self.command, *args], **kwargs)

    def containers(self, service: str | None = None, every: bool = False) -> list[str]:
        label = f"label=com.docker.compose.project={self.project}"
        argv = ["docker", "ps", "--format", "{{.Names}}", "--filter", label]
        if every:
            argv.append("--all")
        if service:
            argv += ["--filter", f"label=com.docker.compose.service={service}"]
        return sorted(_run(argv).stdout.split())

    def state(self, container: str) -> dict:
        return json.loads(_run(["docker", "inspect", "--format", "{{json .State}}", container]).stdout)

    def unhealthy(self) -> list[str]:
        """Containers not (yet) healthy; airflow-init must have exited 0."""
        waiting = []
        for container in self.containers(every=True):
            state = self.state(container)
            if "airflow-init" in container:
                if state["Status"] != "exited":
                    waiting.append(container)
                elif state["ExitCode"] != 0:
                    raise AssertionError(f"airflow-init failed\n{self.logs(container)}")
            elif state.get("Health", {}).get("Status") != "healthy":
                waiting.append(container)
        return waiting

    def logs(self, container: str, tail: int = 80) -> str:
        result = subprocess.run(["docker", "logs", "--tail", str(tail), container], capture_output=True, text=True)
        return f"--- {container} ---\n{result.stdout}{result.stderr}"

    def all_logs(self) -> str:
        return "\n".join(self.logs(c) for c in self.containers(every=True))

    def memory_mib(self) -> float:
        names = self.containers()
        out = _run(["docker", "stats", "--no-stream", "--format", "{{.MemUsage}}", *names]).stdout
        return sum(_mib(line.split("/")[0]) for line in out.splitlines() if line.strip())

    def wait_for(self, what: str, condition, timeout: float, every: float = 2.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            result = condition()
            if result:
                return result
            time.sleep(every)
        raise AssertionError(f"timed out waiting for {what}\n{self.all_logs()}")


class Api:
    """The api-server's REST API, as an operator's script uses it."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.token: str | None = None

    def request(self, method: str, path: str, body: Any = None) -> Any:
        headers = {"Content-Type": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.base + path, data=data, method=method, headers=headers)
        with urllib.request.urlopen(req, timeout=60) as response:
            return json.loads(response.read() or b"null")

    def login(self, user: str, password: str) -> None:
        self.token = self.request("POST", "/auth/token", {"username": user, "password": password})["access_token"]


class MemorySampler(threading.Thread):
    """The stack's memory every few seconds while the DAGs run; the peak is kept."""

    def __init__(self, stack: Stack) -> None:
        super().__init__(daemon=True)
        self.stack = stack
        self.peak = 0.0
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.is_set():
            with contextlib.suppress(AssertionError, ValueError):
                self.peak = max(self.peak, self.stack.memory_mib())
            self.stopped.wait(5)


@pytest.fixture(scope="module")
def docker_host():
    """A Docker engine (Debian's docker.io), started for this module unless one was running."""
    started = _run([str(REPO / "deploy" / "docker-host.sh"), "start"], timeout=900).stdout.strip() == "started"
    try:
        yield
    finally:
        if started:
            subprocess.run([str(REPO / "deploy" / "docker-host.sh"), "stop"], capture_output=True, timeout=120)


def _task_running_in(stack: Stack, metadata, run_ids: list[str]) -> tuple[str, tuple] | None:
    """(worker container, task instance) of a load-path task running now, once KILL_AFTER_TASKS succeeded."""
    done = metadata.execute(
        "select count(*) from task_instance where state = 'success' and run_id = any(%s)", (run_ids,)
    ).fetchone()[0]
    if done < scale_out.KILL_AFTER_TASKS:
        return None
    running = {
        str(row[0]): row
        for row in metadata.execute(
            "select id, dag_id, task_id, run_id, map_index, try_number from task_instance"
            " where state = 'running' and run_id = any(%s) and task_id ~ '(^|\\.)(extract|stage|publish)_'",
            (run_ids,),
        ).fetchall()
    }
    for container in stack.containers("airflow-worker"):
        # The task process names itself after its task instance: "airflow worker -- <id>".
        top = subprocess.run(["docker", "top", container, "-eo", "pid,args"], capture_output=True, text=True)
        for ti_id, row in running.items():
            if f"airflow worker -- {ti_id}" in top.stdout:
                return container, row
    return None


def _data_health_page(chromium, base: str, password: str, tmp_path: Path) -> set[tuple[str, str]]:
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(f"{base}/vagled/data-health", timeout=30)
    assert refused.value.code == 401, "the page shows quarantined records: a login is required"
    context = chromium.new_context()
    try:
        page = context.new_page()
        page.goto(f"{base}/auth/login/", wait_until="networkidle")
        page.get_by_label("Username").fill("admin")
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(lambda url: "/auth/login" not in url, timeout=60_000)
        page.goto(f"{base}/vagled/data-health", wait_until="load")
        page.screenshot(path=str(tmp_path / "data-health.png"), full_page=True)
        rows = page.locator("tr.feed-row")
        return {
            (rows.nth(i).get_attribute("data-feed"), rows.nth(i).get_attribute("data-status"))
            for i in range(rows.count())
        }
    finally:
        context.close()


def test_compose_stack_runs_every_dag_on_celery_and_survives_a_killed_worker(
    docker_host, airflow_db, embedded_warehouse, admin_conn, feedsim_factory, monkeypatch, tmp_path, request
):
    import psycopg

    from vagled.feedsim.cli import connection_env
    from vagled.monitoring.freshness import load_config

    measured: dict[str, str] = {}
    runs = scale_out._run_confs()
    dag_ids = sorted({dag_id for dag_id, _ in runs})

    # 1. The images: Debian-built base, PostgreSQL and Redis when missing; the project's image on
    # the base (its layers are reused between runs: only what changed is rebuilt).
    _run([str(REPO / "deploy" / "base-image.sh"), "all"], timeout=1800)
    started = time.monotonic()
    _run(
        ["docker", "build", "--network", "host", "--build-arg", f"BASE_IMAGE={BASE_IMAGE}", "-t", IMAGE, str(REPO)],
        env={**os.environ, "DOCKER_BUILDKIT": "0"},
        timeout=3600,
    )
    measured["image build"] = f"{time.monotonic() - started:.0f} s"
    size = int(_run(["docker", "image", "inspect", "--format", "{{.Size}}", IMAGE]).stdout)
    measured["image size"] = f"{size / 1e6:.0f} MB"

    # 2. The reference: the same DAGs with dag.test(), one after the other, in this process.
    single_url = scale_out._migrated_warehouse(admin_conn, embedded_warehouse, "stack_single")
    scale_out._run_in_one_process(runs, single_url, feedsim_factory(**scale_out.FEEDSIM), monkeypatch)
    reference = scale_out._fingerprint(single_url)
    assert reference["core.job_ad"][0] > 0 and reference["core.adult_education_enrolment"][0] > 0

    # 3. The stack: secrets and ports in .env only.
    ports = dict(zip(PORT_KEYS, _free_ports(len(PORT_KEYS)), strict=True))
    env = {key: secrets.token_urlsafe(24) for key in SECRET_KEYS}
    env["AIRFLOW_FERNET_KEY"] = base64.urlsafe_b64encode(os.urandom(32)).decode()
    env |= {f"STACK_{key}_PORT": str(port) for key, port in ports.items()}
    env |= connection_env("127.0.0.1", ports["FEEDSIM"])
    env |= {
        "VAGLED_IMAGE": IMAGE,
        "FEEDSIM_SEED": str(scale_out.FEEDSIM["seed"]),
        "FEEDSIM_SCALE": str(scale_out.FEEDSIM["scale"]),
        "AIRFLOW_WORKER_CONCURRENCY": str(WORKER_CONCURRENCY),
        "AIRFLOW_PARALLELISM": str(WORKERS * WORKER_CONCURRENCY),
        "AIRFLOW_USE_JOB_SCHEDULE": "false",
    }
    project = f"vagled-stacktest-{secrets.token_hex(3)}"
    stack = Stack(tmp_path, env, project)
    api = Api(f"http://127.0.0.1:{ports['API']}")
    try:
        started = time.monotonic()
        stack.compose("up", "--detach", "--no-build", "--scale", f"airflow-worker={WORKERS}", timeout=HEALTH_TIMEOUT)
        stack.wait_for("every health check", lambda: not stack.unhealthy(), HEALTH_TIMEOUT, every=3)
        measured["time to healthy"] = f"{time.monotonic() - started:.0f} s"
        for service in ("airflow-db", "warehouse", "redis", "feedsim", "airflow-apiserver", "airflow-scheduler"):
            assert len(stack.containers(service)) == 1, service
        assert len(stack.containers("airflow-worker")) == WORKERS
        time.sleep(10)
        measured["memory at rest"] = f"{stack.memory_mib():.0f} MiB"

        # Secrets: in the containers exactly as in .env, in neither the image nor the compose files.
        apiserver = stack.containers("airflow-apiserver")[0]
        container_env = dict(
            item.split("=", 1)
            for item in json.loads(_run(["docker", "inspect", "--format", "{{json .Config.Env}}", apiserver]).stdout)
        )
        assert container_env["AIRFLOW__CORE__FERNET_KEY"] == env["AIRFLOW_FERNET_KEY"]
        assert container_env["AIRFLOW__API_AUTH__JWT_SECRET"] == env["AIRFLOW_JWT_SECRET"]
        image_config = _run(["docker", "image", "inspect", "--format", "{{json .Config}}", IMAGE]).stdout
        compose_text = "".join((REPO / name).read_text() for name in ("docker-compose.yml", COMPOSE_OVERRIDE))
        for key in (*SECRET_KEYS, "AIRFLOW_FERNET_KEY"):
            assert env[key] not in image_config and env[key] not in compose_text, key

        # Two database servers: Airflow's metadata in one, the warehouse in the other.
        metadata = psycopg.connect(
            f"postgresql://airflow:{env['AIRFLOW_DB_PASSWORD']}@127.0.0.1:{ports['AIRFLOW_DB']}/airflow",
            autocommit=True,
        )
        warehouse_url = f"postgresql://postgres:{env['WAREHOUSE_ADMIN_PASSWORD']}@127.0.0.1:{ports['WAREHOUSE']}"
        with psycopg.connect(f"{warehouse_url}/vagled", autocommit=True) as warehouse:
            assert warehouse.execute("select to_regclass('core.job_ad')").fetchone()[0] is not None
            assert warehouse.execute("select to_regclass('public.dag_run')").fetchone()[0] is None
            assert warehouse.execute("select 1 from pg_database where datname = 'airflow'").fetchone() is None
        assert metadata.execute("select to_regclass('public.dag_run')").fetchone()[0] is not None
        assert metadata.execute("select 1 from pg_namespace where nspname = 'core'").fetchone() is None

        # 4. Every DAG through the REST API, run by the Celery workers; one worker killed mid-task.
        api.login("admin", env["AIRFLOW_ADMIN_PASSWORD"])
        stack.wait_for(
            "every DAG to be parsed",
            lambda: set(dag_ids) <= {d["dag_id"] for d in api.request("GET", "/api/v2/dags?limit=100")["dags"]},
            300,
        )
        for dag_id in dag_ids:  # paused at creation in production: an operator unpauses them
            api.request("PATCH", f"/api/v2/dags/{dag_id}", {"is_paused": False})
        sampler = MemorySampler(stack)
        sampler.start()
        killed: tuple[str, tuple] | None = None
        triggered: list[tuple[str, str]] = []
        for index, phase in enumerate(scale_out._phases(runs)):
            phase_runs = []
            for dag_id, conf in phase:
                run = api.request("POST", f"/api/v2/dags/{dag_id}/dagRuns", {"logical_date": None, "conf": conf or {}})
                phase_runs.append((dag_id, run["dag_run_id"]))
            triggered += phase_runs
            if index == 1:
                run_ids = [run_id for _, run_id in phase_runs]
                killed = stack.wait_for(
                    "a load-path task running in a worker container",
                    lambda ids=run_ids: _task_running_in(stack, metadata, ids),
                    600,
                    every=0.5,
                )
                _run(["docker", "kill", "--signal", "KILL", killed[0]])
                print(f"\nworker container {killed[0]} killed (SIGKILL) while running {killed[1][1:5]}")
            stack.wait_for(
                f"phase {index + 1} to finish",
                lambda runs_=phase_runs: all(
                    api.request("GET", f"/api/v2/dags/{d}/dagRuns/{r}")["state"] in ("success", "failed")
                    for d, r in runs_
                ),
                scale_out.RUN_TIMEOUT,
                every=5,
            )
        stack.wait_for(
            "every DAG run to finish",
            lambda: (
                metadata.execute("select count(*) from dag_run where state in ('queued', 'running')").fetchone()[0] == 0
            ),
            scale_out.RUN_TIMEOUT,
            every=5,
        )
        sampler.stopped.set()
        sampler.join(timeout=30)
        measured["memory under the DAG runs (peak)"] = f"{sampler.peak:.0f} MiB"

        states = {(d, r): api.request("GET", f"/api/v2/dags/{d}/dagRuns/{r}")["state"] for d, r in triggered}
        assert set(states.values()) == {"success"}, (states, stack.all_logs())
        assert killed is not None
        _, dag_id, task_id, run_id, map_index, try_number = killed[1]
        final_state, final_try = metadata.execute(
            "select state, try_number from task_instance where dag_id = %s and task_id = %s and run_id = %s"
            " and map_index = %s",
            (dag_id, task_id, run_id, map_index),
        ).fetchone()
        assert final_state == "success" and final_try > try_number, (killed, final_state, final_try)
        metadata.close()

        # 5. The warehouse holds exactly what the single-process run made.
        stacked = scale_out._fingerprint(f"{warehouse_url}/vagled")
        assert stacked.keys() == reference.keys()
        differing = {name: (reference[name], stacked[name]) for name in reference if reference[name] != stacked[name]}
        assert not differing, differing
        tables = [name for name in reference if name.startswith(("core.", "mart.")) and "->" not in name]
        rows = sum(reference[t][0] for t in tables)
        print(f"identical to dag.test(): {len(tables)} core and mart relations, {rows} rows")

        # 6. Back up and restore (docs/deployment.md): pg_dump of the warehouse, restored into a new
        # database of the same server, holds the same contents.
        dump = tmp_path / "vagled.dump"
        port = str(ports["WAREHOUSE"])
        with dump.open("wb") as out:
            subprocess.run(
                [*stack.command, "exec", "-T", "warehouse", "pg_dump", "-p", port, "-U", "postgres", "-Fc", "vagled"],
                stdout=out,
                check=True,
                timeout=600,
            )
        assert dump.stat().st_size > 0
        stack.compose("exec", "-T", "warehouse", "createdb", "-p", port, "-U", "postgres", "vagled_restored")
        with dump.open("rb") as dump_in:
            subprocess.run(
                [
                    *stack.command,
                    "exec",
                    "-T",
                    "warehouse",
                    "pg_restore",
                    "-p",
                    port,
                    "-U",
                    "postgres",
                    "--exit-on-error",
                    "-d",
                    "vagled_restored",
                ],
                stdin=dump_in,
                check=True,
                timeout=600,
            )
        assert scale_out._fingerprint(f"{warehouse_url}/vagled_restored") == stacked
        measured["warehouse dump"] = f"{dump.stat().st_size / 1e6:.1f} MB"

        # 7. The Data-health page of the api-server container, in Chromium.
        # Only now: Playwright's event loop on this thread would block dag.test()'s in-process API.
        chromium = request.getfixturevalue("chromium")
        shown = _data_health_page(chromium, api.base, env["AIRFLOW_ADMIN_PASSWORD"], tmp_path)
        assert {feed for feed, _ in shown} == set(load_config().policies)
        # job ads were loaded by the runs above: the page of the running stack shows it.
        assert {status for feed, status in shown if feed == "job_ads"} - {"never_loaded"}, shown
    finally:
        with contextlib.suppress(Exception):
            (tmp_path / "stack.log").write_text(stack.all_logs())
        stack.compose("down", "--volumes", "--remove-orphans", timeout=600)
        print("\n".join(f"{name:36} {value}" for name, value in measured.items()))

    # Nothing of the stack is left: no container, no volume.
    assert stack.containers(every=True) == []
    volumes = _run(["docker", "volume", "ls", "--quiet", "--filter", f"label=com.docker.compose.project={project}"])
    assert volumes.stdout.strip() == ""
