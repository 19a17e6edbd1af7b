"""The education_offerings DAG runs for real (dag.test()) against feedsim over HTTP and the warehouse.

What core should hold is read from feedsim's own HTTP answers, never from the feed's code.
"""

from __future__ import annotations

import json
import re
import urllib.request

import pytest

pytestmark = pytest.mark.e2e

DAG_ID = "education_offerings"
FIRST_WEEK = {"period_start": "2026-10-26", "period_end": "2026-11-02"}
NEXT_WEEK = {"period_start": "2027-02-22", "period_end": "2027-03-01"}
MEDIA = "application/vnd.skolverket.plannededucations.api.v3.hal+json"


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


def _area_codes(conn) -> list[str]:
    return [
        r[0]
        for r in conn.execute(
            "select municipality_code from core.municipality m join core.county c"
            " using (county_code) where c.in_area order by 1"
        )
    ]


def _listing(sim, codes: list[str]) -> dict[str, dict]:
    """Every event Skolverket's feedsim lists for the municipalities, by id, paged over HTTP."""
    found: dict[str, dict] = {}
    for code in codes:
        for endpoint in ("adult-education-events", "education-events"):
            page = 0
            while True:
                url = (
                    f"http://127.0.0.1:{sim.port}/education_offerings/planned-educations/v3/{endpoint}"
                    f"?geographicalAreaCode={code}&page={page}&size=50"
                )
                with urllib.request.urlopen(urllib.request.Request(url, headers={"Accept": MEDIA})) as answer:
                    body = json.load(answer)["body"]
                for items in body.get("_embedded", {}).values():
                    found.update({item["educationEventId"]: item for item in items})
                if body["page"]["number"] + 1 >= body["page"]["totalPages"]:
                    break
                page += 1
    return found


def _last_batch(conn, feed: str = "education_offerings") -> tuple:
    return conn.execute(
        "select batch_id, status, received, loaded, quarantined, duplicates, error"
        " from audit.load_batch where feed = %s order by batch_id desc limit 1",
        (feed,),
    ).fetchone()


def _core_state(conn) -> tuple:
    return conn.execute(
        "select coalesce(sum(xmin::text::bigint), 0), count(*),"
        " (select coalesce(sum(xmin::text::bigint), 0) from core.education_offering_municipality),"
        " (select coalesce(sum(xmin::text::bigint), 0) from core.education_provider)"
        " from core.education_offering"
    ).fetchone()


def _strip(title: str) -> str:
    match = re.fullmatch(r"<!\[CDATA\[(.*)\]\]>", title)
    return match.group(1) if match else title


def test_both_sources_load_link_and_rerun_as_no_ops(airflow_db, upstreams, warehouse_conn):
    dag = _dag()
    assert dag.test(run_conf=FIRST_WEEK).state == "success"
    expected = _listing(upstreams, _area_codes(warehouse_conn))
    _, status, received, loaded, quarantined, duplicates, _ = _last_batch(warehouse_conn)
    assert status == "succeeded" and quarantined == 0 and duplicates == 0
    assert received == loaded == len(expected)
    rows = {
        r[0]: r[1:]
        for r in warehouse_conn.execute(
            "select offering_id, offering_name, sun_field_code, places, start_date::text, start_semester,"
            " pace_percent, application_deadline::text, municipality_code"
            " from core.education_offering where source = 'skolverket' and closed_on is null"
        )
    }
    assert set(rows) == set(expected)
    # Skolverket gives no SUN code and no places: none is guessed
    assert {(r[1], r[2]) for r in rows.values()} == {(None, None)}
    # the quirks, each read back against the source
    cdata = [i for i, e in expected.items() if e["titleSv"].startswith("<![CDATA[")]
    assert cdata and all(rows[i][0] == _strip(expected[i]["titleSv"]) for i in cdata)
    null_pace = [i for i, e in expected.items() if e["paceOfStudy"] == "null"]
    assert null_pace and all(rows[i][5] is None for i in null_pace)
    assert all(rows[i][5] == round(float(e["paceOfStudy"])) for i, e in expected.items() if e["paceOfStudy"] != "null")
    no_deadline = [i for i, e in expected.items() if e["lastApplicationDate"].startswith("2099-12-31")]
    assert no_deadline and all(rows[i][6] is None for i in no_deadline)
    with_offset = [i for i, e in expected.items() if e["lastApplicationDate"].endswith("+02:00")]
    assert with_offset and all(rows[i][6] == expected[i]["lastApplicationDate"][:10] for i in with_offset)
    continuous = [i for i, e in expected.items() if e["startDate"] is None and e["semesterStart"] is None]
    assert continuous and all(rows[i][3:5] == (None, None) for i in continuous)
    semester = [i for i, e in expected.items() if e["semesterStart"]]
    assert semester and all(rows[i][3:5] == (None, expected[i]["semesterStart"]) for i in semester)
    assert all(rows[i][7] == e["geographicalAreaCode"] for i, e in expected.items())

    # MYH: granted programmes in the area, with SUN field and places once per programme
    myh_batch = _last_batch(warehouse_conn, "myh_programmes")
    assert myh_batch[1] == "succeeded" and myh_batch[4] == 0
    myh = warehouse_conn.execute(
        "select offering_id, sun_field_code, places, (select count(*) from core.education_offering_municipality m"
        " where m.offering_id = o.offering_id) from core.education_offering o where source = 'myh'"
    ).fetchall()
    assert myh and all(re.fullmatch(r"[0-9]{3}[a-z]", sun) and places > 0 for _, sun, places, _ in myh)
    several = [r for r in myh if r[3] > 1]
    assert len(several) == 2  # one programme in several municipalities per round, places not multiplied
    out_of_area = warehouse_conn.execute(
        "select out_of_area from audit.load_batch where batch_id = %s", (myh_batch[0],)
    ).fetchone()[0]
    assert out_of_area > 0  # rejected applications and programmes elsewhere are left out
    # the same YH education in both sources is linked, by the documented rule
    links = warehouse_conn.execute(
        "select e.offering_name, pe.provider_name, e.municipality_code, m.offering_name, pm.provider_name,"
        " exists (select from core.education_offering_municipality om where om.offering_id = m.offering_id"
        "   and om.municipality_code = e.municipality_code)"
        " from core.education_offering e join core.education_offering m on m.offering_id = e.same_as_offering_id"
        " join core.education_provider pe on pe.provider_id = e.provider_id"
        " join core.education_provider pm on pm.provider_id = m.provider_id"
    ).fetchall()
    yh_events = [i for i, e in expected.items() if e["typeOfSchool"] == "yh"]
    assert yh_events and len(links) == len(yh_events)
    assert all(a == d and b == e and same for a, b, _, d, e, same in links)
    # the supply mart counts each education once and says how many have SUN and places
    warehouse_conn.execute("refresh materialized view mart.education_supply")
    supply = warehouse_conn.execute(
        "select sum(offerings), sum(offerings_with_sun), sum(offerings_with_places), sum(places)"
        " from mart.education_supply"
    ).fetchone()
    in_area_places = warehouse_conn.execute(
        "select coalesce(sum(places), 0) from core.education_offering where source = 'myh' and offering_id not in"
        " (select offering_id from core.education_offering_municipality group by 1 having count(*) > 1)"
    ).fetchone()[0]
    assert supply[1] == supply[2] > 0 and supply[0] > supply[1]
    assert supply[3] >= in_area_places

    # the same week again writes nothing
    before = _core_state(warehouse_conn)
    assert dag.test(run_conf=FIRST_WEEK).state == "success"
    assert _core_state(warehouse_conn) == before
    assert _last_batch(warehouse_conn)[1] == "succeeded"


def test_a_later_snapshot_closes_what_skolverket_no_longer_lists(
    airflow_db, feedsim_factory, warehouse_conn, monkeypatch
):
    first = feedsim_factory()
    _point_connections_at(first, monkeypatch)
    assert _dag().test(run_conf=FIRST_WEEK).state == "success"
    listed = _listing(first, _area_codes(warehouse_conn))
    later = feedsim_factory(now="2027-03-01T00:00:00")
    _point_connections_at(later, monkeypatch)
    assert _dag().test(run_conf=NEXT_WEEK).state == "success"
    relisted = _listing(later, _area_codes(warehouse_conn))
    gone = set(listed) - set(relisted)
    assert gone
    closed = dict(
        warehouse_conn.execute(
            "select offering_id, closed_on::text from core.education_offering"
            " where closed_on is not null and source = 'skolverket'"
        ).fetchall()
    )
    assert closed == dict.fromkeys(gone, "2027-03-01")
    assert warehouse_conn.execute(
        "select count(*) from core.education_offering where source = 'skolverket'"
    ).fetchone()[0] == len(set(listed) | set(relisted))
    # replaying the older week afterwards (a backfill out of order) undoes nothing
    _point_connections_at(first, monkeypatch)
    before = _core_state(warehouse_conn)
    assert _dag().test(run_conf=FIRST_WEEK).state == "success"
    assert _core_state(warehouse_conn) == before


def test_an_unmapped_municipality_name_is_quarantined_with_the_name(
    airflow_db, feedsim_factory, warehouse_conn, monkeypatch
):
    _point_connections_at(feedsim_factory(faults=["bad_codes@myh_results"]), monkeypatch)
    assert _dag().test(run_conf=FIRST_WEEK).state == "success"
    batch_id, status, received, loaded, quarantined, duplicates, _ = _last_batch(warehouse_conn, "myh_programmes")
    assert status == "succeeded" and quarantined > 0 and received == loaded + quarantined + duplicates
    held = warehouse_conn.execute(
        "select q.record->>'unmapped_municipalities', array(select r->>'column' from jsonb_array_elements(q.reasons) r"
        " where r->>'expectation' = 'expect_column_values_to_be_null') from quarantine.record q where q.batch_id = %s",
        (batch_id,),
    ).fetchall()
    # every held record names the municipality that could not be mapped, and says why
    assert held and all(
        name == "Norrhult-Klavreström" and checks == ["unmapped_municipalities"] for name, checks in held
    )


def test_a_workbook_whose_header_row_moved_loads_the_same(airflow_db, feedsim_factory, warehouse_conn, monkeypatch):
    _point_connections_at(feedsim_factory(), monkeypatch)
    assert _dag().test(run_conf=FIRST_WEEK).state == "success"
    plain = _last_batch(warehouse_conn, "myh_programmes")
    _point_connections_at(feedsim_factory(faults=["header_moved@myh_results"]), monkeypatch)
    before = _core_state(warehouse_conn)
    assert _dag().test(run_conf=FIRST_WEEK).state == "success"
    moved = _last_batch(warehouse_conn, "myh_programmes")
    assert moved[1] == "succeeded" and moved[2:6] == plain[2:6]
    assert _core_state(warehouse_conn) == before


def test_renamed_field_rejects_the_batch_and_loads_nothing(airflow_db, feedsim_factory, warehouse_conn, monkeypatch):
    _point_connections_at(feedsim_factory(faults=["schema_drift@education_offerings"]), monkeypatch)
    before = _core_state(warehouse_conn)
    run = _dag().test(run_conf=FIRST_WEEK)
    assert run.state == "failed"
    _, status, *_, error = _last_batch(warehouse_conn)
    assert status == "rejected"
    assert "geographicalAreaCode" in error and "areaCode" in error
    assert _core_state(warehouse_conn)[:2] == before[:2]


def test_an_incomplete_listing_fails_the_batch_and_closes_nothing(
    airflow_db, feedsim_factory, warehouse_conn, monkeypatch
):
    _point_connections_at(feedsim_factory(faults=["empty_page@education_offerings"]), monkeypatch)
    before = _core_state(warehouse_conn)
    run = _dag().test(run_conf=FIRST_WEEK)
    assert run.state == "failed"
    _, status, *_, error = _last_batch(warehouse_conn)
    assert status == "failed" and "page 0 held 0 of the" in error
    assert _core_state(warehouse_conn)[:2] == before[:2]
