"""`make airflow` stopped with SIGTERM stops every Airflow component it started.

`make airflow` runs `vagled airflow-ui`, which runs `airflow standalone`: api-server, scheduler,
dag-processor and triggerer as child processes. A SIGTERM to make (as `kill`, a service manager or
a CI timeout sends it) must leave none of them running. Real processes on free loopback ports, the
session's embedded PostgreSQL as Airflow's metadata database and the warehouse.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request

import pytest

from vagled.config import REPO_ROOT

# Four Airflow components must start first: about a minute alone, several on a busy machine.
pytestmark = [pytest.mark.integration, pytest.mark.slow]

COMPONENTS = ("api-server", "scheduler", "dag-processor", "triggerer")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _components(root_pid: int) -> dict[str, list]:
    """The Airflow components among the descendants of ``root_pid``, by name."""
    import psutil

    found: dict[str, list] = {}
    for child in psutil.Process(root_pid).children(recursive=True):
        try:
            cmdline = child.cmdline()
        except psutil.Error:
            continue
        text = " ".join(cmdline)
        for component in COMPONENTS:
            # "airflow scheduler", or a title the component set itself ("airflow api_server -- ...")
            if re.search(r"airflow " + component.replace("-", "[-_]") + r"(\s|$)", text):
                found.setdefault(component, []).append(child)
    return found


def _api_up(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v2/version", timeout=5):
            return True
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return False


def test_sigterm_to_make_airflow_stops_every_component(airflow_db, tmp_path):
    import psutil

    port = _free_port()
    env = {
        **os.environ,
        "AIRFLOW__API__PORT": str(port),
        "AIRFLOW__API__BASE_URL": f"http://127.0.0.1:{port}",
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{port}/execution/",
        "AIRFLOW__API__WORKERS": "1",
        "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(_free_port()),
        "AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT": str(_free_port()),
    }
    log = (tmp_path / "make-airflow.log").open("wb")
    # A session of its own, as a terminal's job would be: only make itself is signalled below.
    make = subprocess.Popen(
        ["make", "--no-print-directory", "airflow"],
        cwd=REPO_ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    started: list = []
    try:
        deadline = time.monotonic() + 480
        while time.monotonic() < deadline and make.poll() is None:
            found = _components(make.pid)
            if set(found) == set(COMPONENTS) and _api_up(port):
                started = [process for processes in found.values() for process in processes]
                break
            time.sleep(1)
        output = (tmp_path / "make-airflow.log").read_text(errors="replace")
        assert started, f"not every component started (make: {make.poll()})\n{output[-3000:]}"
        everything = [make, *psutil.Process(make.pid).children(recursive=True)]
        pids = {process.pid for process in everything}

        make.send_signal(signal.SIGTERM)
        make.wait(timeout=90)
        _gone, alive = psutil.wait_procs([psutil.Process(pid) for pid in pids if psutil.pid_exists(pid)], timeout=60)
        alive = [p for p in alive if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]
        assert not alive, [(p.pid, p.cmdline()) for p in alive]
        assert not _api_up(port), "the api-server still answers"
    finally:
        leftovers = list(started)
        if make.poll() is None:
            leftovers += psutil.Process(make.pid).children(recursive=True)
            os.killpg(make.pid, signal.SIGKILL)
            make.wait(timeout=30)
        for process in leftovers:
            with contextlib.suppress(psutil.Error):
                process.kill()
        log.close()
