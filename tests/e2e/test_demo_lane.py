"""A demo lane runs real DAGs with dag.test() in one warm process, logging each run to its own file."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.e2e]


def test_a_lane_runs_dags_one_after_the_other_and_logs_each(airflow_db, warehouse_conn, tmp_path):
    from vagled.demo import Lane

    lane = Lane("t", tmp_path)
    try:
        ready = lane.ready()
        assert ready["ready"] and set(ready["parts"]) == {"airflow", "execution API", "great expectations + load path"}
        pools = lane.request(op="pools", log=str(tmp_path / "pools.log"))
        assert pools["pools"], pools
        first = lane.request(op="dag", dag_id="reference_data", conf=None, log=str(tmp_path / "first.log"))
        second = lane.request(op="dag", dag_id="reference_data", conf=None, log=str(tmp_path / "second.log"))
        missing = lane.request(op="dag", dag_id="no_such_dag", conf=None, log=str(tmp_path / "missing.log"))
    finally:
        lane.close()
    assert first["state"] == "success" and second["state"] == "success", (first, second)
    assert first["run_id"] != second["run_id"]
    # each run's Airflow log went to its own file, not to the lane's answers
    assert "reference_data" in (tmp_path / "first.log").read_text()
    assert "reference_data" in (tmp_path / "second.log").read_text()
    assert missing["state"] == "error" and "no_such_dag" in missing["error"]
    assert lane.process.returncode == 0
    # the runs are Airflow's own: in its metadata database, with their tasks succeeded
    import os

    import psycopg

    url = os.environ["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"].replace("+psycopg", "")
    with psycopg.connect(url) as conn:
        states = conn.execute(
            "select run_id, state from dag_run where dag_id = 'reference_data' and run_id = any(%s)",
            ([first["run_id"], second["run_id"]],),
        ).fetchall()
    assert sorted(state for _, state in states) == ["success", "success"]


def test_a_lane_that_dies_is_reported_not_waited_for(tmp_path):
    from vagled.demo import Lane, _run_phase

    lane = Lane("dead", tmp_path)
    lane.process.kill()
    with pytest.raises(RuntimeError, match="demo lane dead ended"):
        lane.ready()
    # a phase with no lane left counts every run it could not start as failed
    jobs = [[("reference_data", None)], [("warehouse_marts", None), ("warehouse_marts", None)]]
    assert _run_phase([lane], jobs, tmp_path, times=None) == 3
    lane.close()
