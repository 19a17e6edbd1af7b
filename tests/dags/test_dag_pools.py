"""Every task that calls an upstream runs in that upstream's pool; the others use the default pool."""

from __future__ import annotations

import pytest

from vagled.config import DAGS_DIR
from vagled.pools import UPSTREAM_POOLS

pytestmark = pytest.mark.dags

# (DAG, extract task) -> the connection it calls, as the feed modules say (tests/unit/test_pools.py
# ties each feed to its module's CONN_ID).
EXTRACT_UPSTREAM = {
    ("employment_agency_job_ads", "extract_job_ads"): "jobtech_jobstream",
    ("employment_agency_jobseekers", "extract_jobseekers"): "af_statistics",
    ("employment_agency_outlook", "extract_outlook"): "af_outlook",
    ("reference_taxonomy", "extract_taxonomy"): "jobtech_taxonomy",
    ("reference_taxonomy", "extract_taxonomy_skills"): "jobtech_taxonomy",
    ("municipality_key_figures", "extract_kolada"): "kolada",
    ("municipality_key_figures", "extract_scb"): "scb_pxweb",
    ("municipality_files", "load_files.extract_files"): "municipal_files",
    ("education_offerings", "extract_offerings"): "education_offerings",
    ("education_offerings", "extract_myh"): "myh_results",
    ("education_transitions", "extract_transitions"): "skolverket_statistics",
    ("education_transitions", "extract_scb"): "scb_pxweb",
    ("education_transitions", "extract_kolada"): "kolada",
}


@pytest.fixture(scope="module")
def dagbag():
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=str(DAGS_DIR))


def test_extract_tasks_run_in_their_upstreams_pool(dagbag):
    pools = {pool.conn_id: pool.name for pool in UPSTREAM_POOLS}
    extract_tasks = {
        (dag.dag_id, task.task_id): task.pool
        for dag in dagbag.dags.values()
        for task in dag.tasks
        if task.task_id.rsplit(".", 1)[-1].startswith("extract_")
    }
    assert set(extract_tasks) == set(EXTRACT_UPSTREAM), "a new extract task needs its upstream here"
    for key, pool in extract_tasks.items():
        assert pool == pools[EXTRACT_UPSTREAM[key]], key


def test_tasks_that_do_not_call_an_upstream_use_the_default_pool(dagbag):
    upstream_pools = {pool.name for pool in UPSTREAM_POOLS}
    for dag in dagbag.dags.values():
        for task in dag.tasks:
            if not task.task_id.rsplit(".", 1)[-1].startswith("extract_"):
                assert task.pool not in upstream_pools, (dag.dag_id, task.task_id, task.pool)


def test_publish_tasks_emit_the_assets_their_feeds_specs_declare(dagbag):
    """The Asset of each feed comes from its spec (FeedSpec.asset_uri), and its freshness names its DAG."""
    from vagled.feeds import all_feeds

    declared: dict[str, set[str]] = {}
    for spec in all_feeds():
        declared.setdefault(spec.freshness.dag_id, set()).add(spec.asset_uri)
    emitted: dict[str, set[str]] = {}
    for dag in dagbag.dags.values():
        for task in dag.tasks:
            if task.task_id.rsplit(".", 1)[-1].startswith("publish_"):
                emitted.setdefault(dag.dag_id, set()).update(outlet.uri for outlet in task.outlets)
    assert emitted == declared
