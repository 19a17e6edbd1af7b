"""The education_offerings DAG runs for real (dag.test()) against feedsim over HTTP and the warehouse.

What core should hold is read from feedsim's own HTTP answers, never from the feed's code.
"""

from __future__ import annotations

import json
import urllib.request

import pytest

pytestmark = pytest.mark.e2e

DAG_ID = "education_offerings"
FIRST_WEEK = {"period_start": "2026-08-10", "period_end": "2026-08-17"}
NEXT_WEEK = {"period_start": "2026-08-17", "period_end": "2026-08-24"}
AREA = "03,04,05,18,19"


def _point_connections_at(sim, monkeypatch) -> None:
    from vagled.feedsim.cli import connection_uris

    for conn_id, uri in connection_uris("127.0.0.1", sim.port).items():
        monkeypatch.setenv(f"AIRFLOW_CONN_{conn_id.upper()}", uri)


@pytest.fixture
def upstreams(feedsim, monkeypatch):
    _point_connections_at(feedsim, monkeypatch)
    return feedsim


def _dag():
    from airflow.dag_processing.dagbag import DagBag

    from vagled.config import DAGS_DIR

    dag = DagBag(dag_folder=str(DAGS_DIR / f"{DAG_ID}.py")).dags[DAG_ID]
    for task in dag.tasks:
        task.retries = 0  # a failing run must end now, not after the production back-off
    return dag


def _listing(sim, as_of: str) -> dict[str, dict]:
    """Every offering feedsim lists for the area as of a day, by id, fetched over HTTP."""
    found: dict[str, dict] = {}
    page = 1
    while True:
        url = f"http://127.0.0.1:{sim.port}/education_offerings/v1/offerings?lan={AREA}&as_of={as_of}&size=500&page={page}"
        with urllib.request.urlopen(url) as answer:
            body = json.load(answer)
        found.update({item["id"]: item for item in body["offerings"]})
        if page * body["size"] >= body["total"]:
            return found
        page += 1


def _last_batch(conn) -> tuple:
    return conn.execute(
        "select batch_id, status, received, loaded, quarantined, duplicates, error"
        " from audit.load_batch where feed = 'education_offerings' order by batch_id desc limit 1"
    ).fetchone()


def _core_state(conn) -> tuple:
    return conn.execute("select coalesce(sum(xmin::text::bigint), 0), count(*) from core.education_offering").fetchone()


def test_weekly_snapshots_load_update_close_and_rerun_as_no_ops(airflow_db, upstreams, warehouse_conn):
    dag = _dag()
    assert dag.test(run_conf=FIRST_WEEK).state == "success"
    batch_id, status, received, loaded, quarantined, duplicates, _ = _last_batch(warehouse_conn)
    expected = _listing(upstreams, "2026-08-17")
    assert status == "succeeded"
    assert received == loaded + quarantined + duplicates == len(expected)
    assert quarantined == 0 and duplicates == 0
    open_ids = {
        row[0]
        for row in warehouse_conn.execute("select offering_id from core.education_offering where closed_on is null")
    }
    assert open_ids == set(expected)
    kinds = warehouse_conn.execute(
        "select p.provider_type, count(*) from core.education_offering o"
        " join core.education_provider p using (provider_id) group by 1"
    ).fetchall()
    assert {kind for kind, _ in kinds} == {"gymnasieskola", "komvux", "yrkeshogskola", "folkhogskola", "universitet"}
    # one offering read back field by field against the source
    sample = next(iter(sorted(expected)))
    row = warehouse_conn.execute(
        "select o.offering_name, o.sun_field_code, o.education_level, o.municipality_code, o.start_date::text,"
        " o.pace_percent, o.is_distance, o.places, p.provider_name, p.organisation_number, p.provider_type,"
        " o.first_seen_on::text, o.last_seen_on::text"
        " from core.education_offering o join core.education_provider p using (provider_id) where offering_id = %s",
        (sample,),
    ).fetchone()
    item = expected[sample]
    assert row == (
        item["name"],
        item["sun2020"].lower(),
        item["education_level"],
        item["municipality_code"],
        item["start_date"],
        item["pace_percent"],
        item["distance"],
        item["places"],
        item["provider"]["name"],
        item["provider"]["organisation_number"],
        item["provider"]["type"],
        "2026-08-17",
        "2026-08-17",
    )
    # every SUN code rolls up to each level of the dimension
    rollup = warehouse_conn.execute(
        "select count(*) filter (where l.field_level_1 is null or l.field_level_2 is null"
        "   or l.field_level_3 is null or (length(o.sun_field_code) = 4 and l.field_level_4 <> o.sun_field_code)),"
        " count(distinct l.field_level_1), count(*)"
        " from core.education_offering o left join core.education_field_levels l using (sun_field_code)"
    ).fetchone()
    assert rollup[0] == 0 and rollup[1] >= 5 and rollup[2] == len(expected)
    raw_parts = warehouse_conn.execute(
        "select count(*) from raw.landed_payload where batch_id = %s", (batch_id,)
    ).fetchone()[0]
    assert raw_parts == -(-len(expected) // 500)

    # the same week again writes nothing
    before = _core_state(warehouse_conn)
    providers = warehouse_conn.execute("select sum(xmin::text::bigint) from core.education_provider").fetchone()
    assert dag.test(run_conf=FIRST_WEEK).state == "success"
    assert _core_state(warehouse_conn) == before
    assert warehouse_conn.execute("select sum(xmin::text::bigint) from core.education_provider").fetchone() == providers
    assert _last_batch(warehouse_conn)[1] == "succeeded"

    # the next week: changed offerings are updated, delisted ones closed, not deleted
    later = _listing(upstreams, "2026-08-24")
    gone = set(expected) - set(later)
    changed = {
        oid
        for oid in set(expected) & set(later)
        if (expected[oid]["places"], expected[oid]["pace_percent"])
        != (later[oid]["places"], later[oid]["pace_percent"])
    }
    assert gone and changed, "feedsim's weeks 2026-08-17 and -24 should differ in both ways"
    assert dag.test(run_conf=NEXT_WEEK).state == "success"
    closed = dict(
        warehouse_conn.execute(
            "select offering_id, closed_on::text from core.education_offering where closed_on is not null"
        ).fetchall()
    )
    assert closed == dict.fromkeys(gone, "2026-08-24")
    for oid in changed:
        places, pace, seen = warehouse_conn.execute(
            "select places, pace_percent, last_seen_on::text from core.education_offering where offering_id = %s",
            (oid,),
        ).fetchone()
        assert (places, pace, seen) == (later[oid]["places"], later[oid]["pace_percent"], "2026-08-24")
    assert warehouse_conn.execute("select count(*) from core.education_offering").fetchone()[0] == len(
        set(expected) | set(later)
    )

    # replaying the older week afterwards (a backfill out of order) undoes nothing
    before = _core_state(warehouse_conn)
    assert dag.test(run_conf=FIRST_WEEK).state == "success"
    assert _core_state(warehouse_conn) == before


def test_unknown_sun_code_is_quarantined_with_that_reason(airflow_db, feedsim_factory, warehouse_conn, monkeypatch):
    _point_connections_at(feedsim_factory(faults=["bad_codes@education_offerings"]), monkeypatch)
    assert _dag().test(run_conf={"period_start": "2026-08-24", "period_end": "2026-08-31"}).state == "success"
    batch_id, status, received, loaded, quarantined, duplicates, _ = _last_batch(warehouse_conn)
    assert status == "succeeded" and quarantined > 0
    assert received == loaded + quarantined + duplicates
    reasons = warehouse_conn.execute(
        "select q.natural_key, r->>'column', r->>'value', r->'kwargs'->'value_set'->>'$PARAMETER'"
        " from quarantine.record q, jsonb_array_elements(q.reasons) r"
        " where q.batch_id = %s and r->>'expectation' = 'expect_column_values_to_be_in_set'",
        (batch_id,),
    ).fetchall()
    sun = [(key, value) for key, column, value, parameter in reasons if column == "sun_field_code"]
    assert sun and all(value == "999x" for _, value in sun)
    assert {parameter for _, column, _, parameter in reasons if column == "sun_field_code"} == {"sun_field_codes"}
    # quarantined offerings are neither loaded nor closed: they are still on offer upstream
    keys = [key for key, _ in sun]
    assert (
        warehouse_conn.execute(
            "select count(*) from core.education_offering where offering_id = any(%s)"
            " and (last_batch_id = %s or closed_on is not null)",
            (keys, batch_id),
        ).fetchone()[0]
        == 0
    )


def test_renamed_field_rejects_the_batch_and_loads_nothing(airflow_db, feedsim_factory, warehouse_conn, monkeypatch):
    _point_connections_at(feedsim_factory(faults=["schema_drift@education_offerings"]), monkeypatch)
    before = _core_state(warehouse_conn)
    run = _dag().test(run_conf={"period_start": "2026-08-31", "period_end": "2026-09-07"})
    assert run.state == "failed"
    batch_id, status, *_, error = _last_batch(warehouse_conn)
    assert status == "rejected"
    assert "sun2020" in error and "sun_code" in error
    assert _core_state(warehouse_conn) == before
    assert (
        warehouse_conn.execute("select count(*) from raw.landed_payload where batch_id = %s", (batch_id,)).fetchone()[0]
        >= 1
    )


def test_an_incomplete_listing_fails_the_batch_and_closes_nothing(
    airflow_db, feedsim_factory, warehouse_conn, monkeypatch
):
    _point_connections_at(feedsim_factory(faults=["empty_page@education_offerings"]), monkeypatch)
    before = _core_state(warehouse_conn)
    run = _dag().test(run_conf={"period_start": "2026-09-07", "period_end": "2026-09-14"})
    assert run.state == "failed"
    _, status, *_, error = _last_batch(warehouse_conn)
    assert status == "failed" and "page 1 held 0 of the" in error
    assert _core_state(warehouse_conn) == before


def test_a_scheduled_run_loads_the_catalogue_as_of_the_end_of_its_week(airflow_db, upstreams, warehouse_conn):
    import pendulum

    run = _dag().test(logical_date=pendulum.datetime(2026, 9, 21, 6, tz="Europe/Stockholm"))
    assert run.state == "success"
    batch_id, status, *_ = _last_batch(warehouse_conn)
    assert status == "succeeded"
    interval_end, as_of = warehouse_conn.execute(
        "select b.interval_end at time zone 'Europe/Stockholm', p.request_params->>'as_of'"
        " from audit.load_batch b join raw.landed_payload p using (batch_id)"
        " where b.batch_id = %s and p.part_no = 0",
        (batch_id,),
    ).fetchone()
    assert (str(interval_end), as_of) == ("2026-09-21 05:00:00", "2026-09-21")
