"""The reference_data DAG run for real with dag.test() against the session's warehouse."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.e2e


def test_reference_data_dag_restores_a_changed_dimension(airflow_db, warehouse_conn):
    from airflow.dag_processing.dagbag import DagBag

    from vagled.config import DAGS_DIR

    warehouse_conn.execute(
        "update core.municipality set municipality_name = 'Fel namn' where municipality_code = '1980'"
    )
    dag = DagBag(dag_folder=str(DAGS_DIR / "reference_data.py")).dags["reference_data"]
    run = dag.test()
    assert run.state == "success"
    name = warehouse_conn.execute(
        "select municipality_name from core.municipality where municipality_code = '1980'"
    ).fetchone()[0]
    assert name == "Västerås"
