"""The demo's plan: every configured run exactly once, dimensions before facts, marts last."""

from __future__ import annotations

from vagled.demo import DEMO_RUN_CONF, DIMENSION_DAGS, demo_dags, demo_phases


def _runs(phases):
    return [run for phase in phases for job in phase for run in job]


def test_every_dag_and_conf_runs_once():
    dag_ids = demo_dags()
    runs = _runs(demo_phases(dag_ids))
    expected = [(dag_id, conf) for dag_id in dag_ids for conf in DEMO_RUN_CONF.get(dag_id, (None,))]
    assert sorted(map(repr, runs)) == sorted(map(repr, expected))


def test_dimensions_first_then_facts_then_what_builds_on_them():
    phases = demo_phases(demo_dags())
    first, facts, last = phases
    assert [dag_id for job in first for dag_id, _ in job] == list(DIMENSION_DAGS)
    assert {dag_id for job in facts for dag_id, _ in job} == set(DEMO_RUN_CONF)
    assert "warehouse_marts" in {dag_id for job in last for dag_id, _ in job}


def test_a_feed_with_several_runs_keeps_them_in_order_in_one_job():
    facts = demo_phases(demo_dags())[1]
    (job,) = [job for job in facts if job[0][0] == "employment_agency_job_ads"]
    assert [conf for _, conf in job] == list(DEMO_RUN_CONF["employment_agency_job_ads"])


def test_offline_demo_keeps_only_offline_dags():
    phases = demo_phases(["reference_data", "warehouse_marts"])
    assert _runs(phases) == [("reference_data", None), ("warehouse_marts", None)]


def test_demo_municipalities_cover_every_county_of_the_area():
    from vagled.config import area_county_codes

    (conf,) = DEMO_RUN_CONF["municipality_files"]
    assert {code[:2] for code in conf["municipalities"]} == set(area_county_codes())
