"""DAG integrity: every file in dags/ imports cleanly and every DAG follows the project's rules."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from vagled.config import DAGS_DIR
from vagled.dag_defaults import FAMILY_TAGS, LAYER_TAGS

pytestmark = pytest.mark.dags

DAG_FILES = sorted(p for p in DAGS_DIR.glob("*.py") if not p.name.startswith("_"))
HEAVY_MODULES = ("pandas", "great_expectations", "requests", "psycopg", "pyarrow", "openpyxl")


@pytest.fixture(scope="module")
def dagbag():
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=str(DAGS_DIR))


def test_dag_folder_is_not_empty():
    assert DAG_FILES, "dags/ holds no DAG file"


def test_no_import_errors(dagbag):
    assert dagbag.import_errors == {}


def test_one_dag_per_file_named_after_it(dagbag):
    file_ids = {p.stem for p in DAG_FILES}
    assert set(dagbag.dag_ids) == file_ids


def _dag_keywords(path: Path) -> set[str]:
    """The keyword arguments the file passes to its @dag(...) or DAG(...) call."""
    import ast

    calls = [
        node
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", None)) in ("dag", "DAG")
    ]
    assert len(calls) == 1, f"{path.name}: one @dag(...) or DAG(...) call"
    return {keyword.arg for keyword in calls[0].keywords if keyword.arg}


@pytest.mark.parametrize("path", DAG_FILES, ids=lambda p: p.stem)
def test_dag_rules(dagbag, path: Path):
    dag = dagbag.dags.get(path.stem)
    assert dag is not None
    assert dag.doc_md and len(dag.doc_md.strip()) > 80, "DAG needs a doc (doc_md=__doc__)"
    assert dag.start_date is not None and dag.start_date.tzinfo is not None
    # Airflow fills in a schedule and catchup when a DAG omits them: the file must state its own.
    assert {"schedule", "start_date", "catchup"} <= _dag_keywords(path), f"{dag.dag_id}: state them in @dag()"
    assert dag.max_active_runs is not None and dag.max_active_runs >= 1
    tags = set(dag.tags)
    assert tags & set(FAMILY_TAGS), f"{dag.dag_id}: needs one family:* tag from {FAMILY_TAGS}"
    assert tags & set(LAYER_TAGS), f"{dag.dag_id}: needs one layer:* tag from {LAYER_TAGS}"
    assert tags <= set(FAMILY_TAGS) | set(LAYER_TAGS), f"{dag.dag_id}: unapproved tags {tags}"
    for task in dag.tasks:
        assert task.owner and task.owner != "airflow", f"{task.task_id}: no owner"
        assert task.retries >= 2, f"{task.task_id}: retries < 2"
        assert task.execution_timeout is not None, f"{task.task_id}: no execution_timeout"
        doc = task.doc_md or ""
        assert len(doc.strip()) > 60, f"{task.task_id}: needs a doc (its docstring or doc_md)"
        assert "Rerun" in doc, f"{task.task_id}: its doc must say how to rerun it"
        assert task.on_failure_callback, f"{task.task_id}: no failure alert (on_failure_callback)"
    # no cycles: a topological sort exists for the whole DAG
    assert len(list(dag.topological_sort())) == len(dag.tasks)


@pytest.mark.parametrize("path", DAG_FILES, ids=lambda p: p.stem)
def test_dag_file_is_cheap_to_import(path: Path):
    """Importing a DAG file loads no heavy library and does no I/O beyond the module itself."""
    probe = (
        "import sys, json, time, importlib.util\n"
        "import airflow.sdk\n"
        "before = set(sys.modules)\n"
        "t = time.perf_counter()\n"
        f"spec = importlib.util.spec_from_file_location('probe', {str(path)!r})\n"
        "module = importlib.util.module_from_spec(spec); spec.loader.exec_module(module)\n"
        "elapsed = time.perf_counter() - t\n"
        "new = sorted({m.split('.')[0] for m in set(sys.modules) - before})\n"
        "print(json.dumps({'new': new, 'elapsed': elapsed}))\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], check=True, capture_output=True, text=True)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    loaded_heavy = sorted(set(result["new"]) & set(HEAVY_MODULES))
    assert loaded_heavy == [], f"{path.name} imports {loaded_heavy} at parse time"
