"""One lane of the demo: a process that runs the DAGs it is handed with ``dag.test()``, one after the other.

Starting a process for each DAG (``airflow dags test``) paid, every time, for importing Airflow,
Airflow's in-process execution API and Great Expectations, which took longer than most DAGs'
tasks. A lane pays for them once, while the demo is still starting, then runs each DAG for real
exactly as ``airflow dags test`` does (``dag.test()``: Airflow's own task runner, XComs, assets
and the metadata database). The demo drives two lanes so that DAGs independent of each other
run at the same time.

Protocol (one JSON object per line): the lane prints ``{"ready": ...}`` when warm, then reads
requests from stdin and answers each on stdout. Everything else the lane prints (Airflow's and
the tasks' logs) goes to the log file named by the request, or to the warm-up log before one.
"""

from __future__ import annotations

import json
import os
import sys
import time
import traceback
from pathlib import Path
from typing import Any, TextIO


def _redirect_output(path: Path) -> None:
    """Point this process's stdout and stderr (the file descriptors, which Airflow's log handlers
    write to) at ``path``."""
    sys.stdout.flush()
    sys.stderr.flush()
    with path.open("a") as log:
        os.dup2(log.fileno(), 1)
        os.dup2(log.fileno(), 2)


def warm_up() -> dict[str, float]:
    """Import what every DAG run needs once: Airflow, its in-process execution API, the load path
    with Great Expectations. Returns the seconds of each part."""
    parts: dict[str, float] = {}
    started = time.monotonic()
    from airflow.dag_processing.dagbag import DagBag  # noqa: F401  (Airflow and its ORM)

    parts["airflow"] = time.monotonic() - started
    started = time.monotonic()
    # Built lazily by the first task a dag.test() runs, once per process (functools.lru_cache).
    # Internal to Airflow: if it moves, the first task builds it as before.
    try:
        from airflow.sdk.execution_time.supervisor import in_process_api_server

        in_process_api_server().app  # noqa: B018  (builds the FastAPI app)
    except (ImportError, AttributeError):
        traceback.print_exc()
    parts["execution API"] = time.monotonic() - started
    started = time.monotonic()
    import great_expectations  # noqa: F401

    import vagled.pipeline.stage
    import vagled.pipeline.validate  # noqa: F401

    parts["great expectations + load path"] = time.monotonic() - started
    return parts


def run_dag(dag_id: str, conf: dict[str, Any] | None) -> dict[str, Any]:
    """Run one DAG with ``dag.test()`` as ``airflow dags test`` does; return its run id and state."""
    from airflow.dag_processing.dagbag import DagBag
    from sqlalchemy.exc import DBAPIError

    from vagled.config import DAGS_DIR

    bag = DagBag(dag_folder=str(DAGS_DIR / f"{dag_id}.py"))
    if dag_id not in bag.dags:
        raise LookupError(f"DAG {dag_id} did not parse: {bag.import_errors}")
    dag = bag.dags[dag_id]
    try:
        run = dag.test(run_conf=conf) if conf else dag.test()
    except DBAPIError:
        # dag.test() first writes every DAG of the folder to the metadata database; the other lane
        # may be writing the same rows at that moment (a deadlock or a duplicate key). Tasks report
        # their own failures into the run, so an error raised here ran no task: try once more.
        traceback.print_exc()
        run = dag.test(run_conf=conf) if conf else dag.test()
    return {"run_id": run.run_id, "state": str(run.state)}


def serve(requests: TextIO, answers: TextIO, warm_up_log: Path) -> None:
    """Warm up, then answer each request line until stdin closes."""
    _redirect_output(warm_up_log)
    started = time.monotonic()
    parts = warm_up()
    answers.write(json.dumps({"ready": True, "seconds": time.monotonic() - started, "parts": parts}) + "\n")
    answers.flush()
    for line in requests:
        request = json.loads(line)
        _redirect_output(Path(request["log"]))
        started = time.monotonic()
        try:
            if request["op"] == "pools":
                from vagled.pools import sync_pools

                answer: dict[str, Any] = {"pools": sync_pools()}
            else:
                answer = run_dag(request["dag_id"], request.get("conf"))
        except Exception as error:  # the demo reports it and goes on with the other DAGs
            traceback.print_exc()
            answer = {"state": "error", "error": f"{type(error).__name__}: {error}"}
        answer["seconds"] = time.monotonic() - started
        answers.write(json.dumps(answer) + "\n")
        answers.flush()


def main() -> None:
    # The answers go to the original stdout; fd 1 itself is pointed at the log files.
    answers = os.fdopen(os.dup(1), "w")
    serve(sys.stdin, answers, Path(sys.argv[1]))


if __name__ == "__main__":
    main()
