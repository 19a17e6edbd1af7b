"""Task processes of the local Airflow start with Great Expectations imported.

The project's Airflow configuration has the scheduler start its LocalExecutor workers from a
forkserver that imports Great Expectations first; Airflow forks every task process from such a
worker. This runs that chain as Airflow does (set_component_mp_start_method("scheduler"), a
multiprocessing worker, a fork per task) in a separate interpreter, and asks the task process
whether it has to import Great Expectations itself.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from vagled.airflow_env import airflow_environment

pytestmark = pytest.mark.integration

PROBE = r"""
import json, multiprocessing, os, sys
from airflow.utils.process_utils import set_component_mp_start_method

def task_process(conn):
    # what BaseExecutor.run_workload -> supervise does for a task: fork from the worker
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.write(write, json.dumps("great_expectations" in sys.modules).encode())
        os._exit(0)
    os.waitpid(pid, 0)
    os.close(write)
    conn.send(json.loads(os.read(read, 100)))

if __name__ == "__main__":
    set_component_mp_start_method("scheduler")
    receiver, sender = multiprocessing.Pipe(duplex=False)
    worker = multiprocessing.Process(target=task_process, args=(sender,))
    worker.start()
    task_has_gx = receiver.recv()
    worker.join()
    print(json.dumps({"start_method": multiprocessing.get_start_method(), "task_has_gx": task_has_gx}))
"""


def _probe(env: dict[str, str], tmp_path) -> dict:
    script = tmp_path / "scheduler_probe.py"
    script.write_text(PROBE)
    done = subprocess.run([sys.executable, str(script)], env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_task_processes_of_the_local_scheduler_have_great_expectations_loaded(embedded_warehouse, tmp_path):
    env = {**os.environ, **airflow_environment()}
    assert _probe(env, tmp_path) == {"start_method": "forkserver", "task_has_gx": True}

    without = {k: v for k, v in env.items() if not k.startswith("AIRFLOW__SCHEDULER__MP_")}
    assert _probe(without, tmp_path) == {"start_method": "fork", "task_has_gx": False}
