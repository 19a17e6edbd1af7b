"""reference_taxonomy runs for real against feedsim's JobTech Taxonomy and keeps the dimensions in step."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.e2e

DIMENSIONS = ("core.county", "core.municipality", "core.occupation")


def _dag():
    from airflow.dag_processing.dagbag import DagBag

    from vagled.config import DAGS_DIR

    dag = DagBag(dag_folder=str(DAGS_DIR / "reference_taxonomy.py")).dags["reference_taxonomy"]
    for task in dag.tasks:
        task.retries = 0
    return dag


def _point_at(sim, monkeypatch) -> None:
    from vagled.feedsim.cli import connection_uris

    for conn_id, uri in connection_uris("127.0.0.1", sim.port).items():
        monkeypatch.setenv(f"AIRFLOW_CONN_{conn_id.upper()}", uri)


def _last_batch(conn) -> tuple:
    return conn.execute(
        "select batch_id, status, received, loaded, quarantined, duplicates, out_of_area, error"
        " from audit.load_batch where feed = 'taxonomy' order by batch_id desc limit 1"
    ).fetchone()


def _versions(conn) -> list[tuple]:
    return [conn.execute(f"select count(*), sum(xmin::text::bigint) from {t}").fetchone() for t in DIMENSIONS]


@pytest.fixture
def retired_municipality(warehouse_conn):
    """A municipality code the taxonomy does not list, with a fact that refers to it; removed afterwards."""
    warehouse_conn.execute(
        "insert into core.municipality (municipality_code, municipality_name, county_code, in_area)"
        " values ('0399', 'Nedlagd kommun', '03', true)"
    )
    (batch_id,) = warehouse_conn.execute(
        "insert into audit.load_batch (feed, status) values ('fixture', 'running') returning batch_id"
    ).fetchone()
    warehouse_conn.execute(
        "insert into core.jobseekers_monthly (month, area_code, area_level, group_code, count_min, count_max,"
        " last_batch_id) values ('2020-01-01', '0399', 'municipality', 'total', 12, 12, %s)",
        (batch_id,),
    )
    yield "0399"
    warehouse_conn.execute("delete from core.jobseekers_monthly where area_code = '0399'")
    warehouse_conn.execute("delete from core.municipality where municipality_code = '0399'")
    warehouse_conn.execute("update audit.load_batch set status = 'failed' where batch_id = %s", (batch_id,))


def test_taxonomy_updates_dimensions_and_retires_without_deleting(
    airflow_db, feedsim, warehouse_conn, monkeypatch, retired_municipality
):
    _point_at(feedsim, monkeypatch)
    warehouse_conn.execute("update core.occupation set label_sv = 'Fel namn' where ssyk_code = '2512'")

    assert _dag().test().state == "success"

    _, status, received, loaded, quarantined, duplicates, out_of_area, _ = _last_batch(warehouse_conn)
    assert status == "succeeded"
    assert (loaded, quarantined, duplicates) == (21 + 290 + 10 + 46 + 148 + 429, 0, 0)
    assert received == loaded + quarantined + duplicates
    assert out_of_area == 2, "the two regions abroad are counted, not loaded"

    retired = warehouse_conn.execute(
        "select municipality_name, retired_at is not null from core.municipality where municipality_code = '0399'"
    ).fetchone()
    assert retired == ("Nedlagd kommun", True), "a retired code keeps its row"
    fact = warehouse_conn.execute(
        "select count_min from core.jobseekers_monthly where area_code = '0399'"
    ).fetchone()
    assert fact == (12,), "facts that refer to a retired code are untouched"
    assert warehouse_conn.execute("select label_sv from core.occupation where ssyk_code = '2512'").fetchone() == (
        "Mjukvaru- och systemutvecklare m.fl.",
    )
    current = warehouse_conn.execute(
        "select count(*) filter (where concept_id is not null), count(*) filter (where retired_at is null)"
        " from core.municipality"
    ).fetchone()
    assert current == (290, 290)
    assert warehouse_conn.execute("select concept_id from core.county where county_code = '19'").fetchone() == (
        "G6DV_fKE_Viz",
    )

    before = _versions(warehouse_conn)
    assert _dag().test().state == "success"
    assert _versions(warehouse_conn) == before, "a rerun of an unchanged taxonomy changes no row"


@pytest.mark.parametrize(
    ("fault", "reason"),
    [("schema_drift", "taxonomy/preferred-label"), ("empty_page", "no concepts")],
)
def test_a_broken_taxonomy_answer_loads_nothing_and_retires_nothing(
    airflow_db, feedsim_factory, warehouse_conn, monkeypatch, fault, reason
):
    _point_at(feedsim_factory(faults=[f"{fault}@jobtech_taxonomy"]), monkeypatch)
    before = _versions(warehouse_conn)
    assert _dag().test().state == "failed"
    batch_id, status, *_, error = _last_batch(warehouse_conn)
    assert status == "rejected" and reason in error
    assert _versions(warehouse_conn) == before
    landed = warehouse_conn.execute(
        "select count(*) from raw.landed_payload where batch_id = %s", (batch_id,)
    ).fetchone()[0]
    assert landed == 6, "the raw answers are kept for a rerun"


# -- skills ------------------------------------------------------------------------------------------
SKILL_TABLES = ("core.skill", "core.skill_esco_match")


def _skill_versions(conn) -> list[tuple]:
    return [conn.execute(f"select count(*), sum(xmin::text::bigint) from {t}").fetchone() for t in SKILL_TABLES]


def _last_skills_batch(conn) -> tuple:
    return conn.execute(
        "select batch_id, status, received, loaded, quarantined, duplicates, error"
        " from audit.load_batch where feed = 'taxonomy_skills' order by batch_id desc limit 1"
    ).fetchone()


def test_skills_load_with_their_esco_mappings_and_a_rerun_changes_nothing(
    airflow_db, feedsim, warehouse_conn, monkeypatch
):
    from vagled.feedsim.taxonomy import DEPRECATED_SKILL, SKILLS, skill_concept_id

    _point_at(feedsim, monkeypatch)
    warehouse_conn.execute("delete from core.skill_esco_match")
    warehouse_conn.execute("delete from core.skill")
    assert _dag().test().state == "success"

    _, status, received, loaded, quarantined, duplicates, _ = _last_skills_batch(warehouse_conn)
    assert (status, loaded, quarantined, duplicates) == ("succeeded", len(SKILLS), 0, 0)
    assert received == loaded
    # every skill with its headline; the mapped ones with their ESCO URI and relation
    rows = warehouse_conn.execute(
        "select count(*), count(headline_sv), count(*) filter (where retired_at is not null) from core.skill"
    ).fetchone()
    assert rows == (len(SKILLS), len(SKILLS), 1)
    mapped = warehouse_conn.execute(
        "select s.label_sv, e.relation, e.esco_uri from core.skill_esco_match e join core.skill s using (concept_id)"
    ).fetchall()
    assert len(mapped) == sum(1 for _label, _h, relation, _e in SKILLS if relation)
    assert ("Python", "exact-match") in {(label, relation) for label, relation, _ in mapped}
    assert all(uri.startswith("http://data.europa.eu/esco/skill/") for *_, uri in mapped)
    # a deprecated skill keeps its row and counts as its replacement
    old, new = (skill_concept_id(label) for label in DEPRECATED_SKILL)
    assert warehouse_conn.execute(
        "select e.effective_concept_id, s.retired_at is not null from core.skill_effective e"
        " join core.skill s using (concept_id) where concept_id = %s",
        (old,),
    ).fetchone() == (new, True)

    before = _skill_versions(warehouse_conn)
    assert _dag().test().state == "success"
    assert _skill_versions(warehouse_conn) == before, "a rerun of unchanged skills changes no row"


@pytest.mark.parametrize(("fault", "reason"), [("schema_drift", "refused"), ("empty_page", "holds no skills")])
def test_a_broken_skills_answer_loads_nothing_and_retires_no_skill(
    airflow_db, feedsim_factory, warehouse_conn, monkeypatch, fault, reason
):
    _point_at(feedsim_factory(faults=[f"{fault}@jobtech_taxonomy"]), monkeypatch)
    before = _skill_versions(warehouse_conn)
    assert _dag().test().state == "failed"
    _, status, *_, error = _last_skills_batch(warehouse_conn)
    assert status == "rejected" and reason in error
    assert _skill_versions(warehouse_conn) == before
