"""Weekly snapshots of education offerings through the load path on a real warehouse.

Pages are landed directly so that each snapshot says exactly what it lists; the DAG tests fetch
real pages from feedsim over HTTP.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from vagled.feeds.education import SPEC
from vagled.pipeline.load import land_payload, open_batch, publish_batch, stage_batch
from vagled.pipeline.period import Period

pytestmark = pytest.mark.integration

STOCKHOLM = ZoneInfo("Europe/Stockholm")
PREFIX = "ITEST-"


def _offering(suffix: str, **changes) -> dict:
    item = {
        "id": PREFIX + suffix,
        "code": "EE-1880",
        "name": "El- och energiprogrammet",
        "provider": {"name": "Testgymnasiet Örebro", "organisation_number": "5560000001", "type": "gymnasieskola"},
        "sun2020": "522a",
        "education_level": "3",
        "municipality_code": "1880",
        "start_date": "2027-08-16",
        "end_date": "2030-05-13",
        "pace_percent": 100,
        "distance": False,
        "places": 32,
        "description": "El- och energiprogrammet.",
        "updated": "2026-09-01",
    }
    item.update(changes)
    return item


def _week(day: str) -> Period:
    end = datetime.fromisoformat(day).replace(tzinfo=STOCKHOLM)
    return Period(end - timedelta(days=7), end)


def _snapshot(conn, day: str, items: list) -> dict:
    batch_id = open_batch(conn, SPEC, _week(day), "test")
    body = json.dumps({"total": len(items), "page": 1, "size": 500, "offerings": items}).encode()
    land_payload(conn, batch_id, SPEC.name, 0, source_url="test://", body=body, content_type="application/json")
    stage_batch(conn, SPEC, batch_id)
    return publish_batch(conn, SPEC, batch_id).as_dict()


def _state(conn) -> dict[str, tuple]:
    rows = conn.execute(
        "select offering_id, places, first_seen_on::text, last_seen_on::text, closed_on::text"
        " from core.education_offering where offering_id like %s",
        (PREFIX + "%",),
    ).fetchall()
    return {row[0].removeprefix(PREFIX): row[1:] for row in rows}


@pytest.fixture
def clean(warehouse_conn):
    # Every offering goes, not only this test's: a newer week loaded by another test would make
    # this test's snapshots an older week's backfill (which inserts offerings already closed).
    def wipe():
        warehouse_conn.execute("delete from core.education_offering")

    wipe()
    yield warehouse_conn
    wipe()


def test_snapshots_close_reopen_and_backfill_in_any_order(clean):
    conn = clean
    result = _snapshot(conn, "2026-09-14", [_offering("A"), _offering("B"), _offering("A", places=30)])
    assert (result["received"], result["loaded"], result["duplicates"]) == (3, 2, 1)
    assert _state(conn) == {
        "A": (30, "2026-09-14", "2026-09-14", None),
        "B": (32, "2026-09-14", "2026-09-14", None),
    }
    # B is delisted, A changes, C is new
    _snapshot(conn, "2026-09-21", [_offering("A", places=28), _offering("C")])
    assert _state(conn) == {
        "A": (28, "2026-09-14", "2026-09-21", None),
        "B": (32, "2026-09-14", "2026-09-14", "2026-09-21"),
        "C": (32, "2026-09-21", "2026-09-21", None),
    }
    # an older week loaded afterwards: A's first sighting moves back, nothing else changes; D
    # (listed then, gone by the newest week) arrives already closed
    _snapshot(conn, "2026-09-07", [_offering("A", places=99), _offering("B", places=99), _offering("D")])
    assert _state(conn) == {
        "A": (28, "2026-09-07", "2026-09-21", None),
        "B": (32, "2026-09-07", "2026-09-14", "2026-09-21"),
        "C": (32, "2026-09-21", "2026-09-21", None),
        "D": (32, "2026-09-07", "2026-09-07", "2026-09-21"),
    }
    # B listed again in a newer week is reopened
    _snapshot(conn, "2026-09-28", [_offering("A", places=28), _offering("B"), _offering("C")])
    state = _state(conn)
    assert state["B"] == (32, "2026-09-07", "2026-09-28", None)
    assert state["D"][3] == "2026-09-21"


def test_an_unreadable_or_quarantined_record_closes_nothing(clean):
    conn = clean
    others = [_offering(f"H{n}") for n in range(8)]  # keeps the quarantined share under the threshold
    _snapshot(conn, "2026-10-05", [_offering("E"), _offering("F"), _offering("G"), *others])
    # F fails validation (unknown SUN code) but is still listed: it stays open and unchanged
    result = _snapshot(conn, "2026-10-12", [_offering("E"), _offering("F", sun2020="999x"), _offering("G"), *others])
    assert result["quarantined"] == 1
    assert _state(conn)["F"] == (32, "2026-10-05", "2026-10-05", None)
    # a record that cannot be read at all might be F or G: nothing is closed this week
    result = _snapshot(conn, "2026-10-19", [_offering("E"), "garbage", *others])
    assert result["quarantined"] == 1
    assert all(row[3] is None for row in _state(conn).values())
    # the next complete week closes what it no longer lists
    _snapshot(conn, "2026-10-26", [_offering("E"), *others])
    assert {key: row[3] for key, row in _state(conn).items() if row[3]} == {"F": "2026-10-26", "G": "2026-10-26"}
    reasons = conn.execute(
        "select reasons from quarantine.record where feed = %s and natural_key = %s order by batch_id desc limit 1",
        (SPEC.name, PREFIX + "F"),
    ).fetchone()[0]
    assert [(r["expectation"], r["column"]) for r in reasons] == [
        ("expect_column_values_to_be_in_set", "sun_field_code")
    ]


def test_the_matching_table_is_loaded_whole_and_rewrites_nothing_on_reload(warehouse_conn):
    from vagled.warehouse.reference import load_reference_data, read_reference

    conn = warehouse_conn
    file_rows = read_reference("sun2020_ssyk2012_matching")
    # a pairing no longer in the file (a real code pair the file does not hold) goes away on reload
    conn.execute("insert into core.education_occupation_match values ('010', '3', '9629', 'delvis')")
    before = conn.execute(
        "select sum(xmin::text::bigint) from core.education_occupation_match where sun_field_code <> '010'"
    ).fetchone()
    counts = load_reference_data(conn)
    assert counts["education_occupation_match"] == len(file_rows)
    assert conn.execute("select count(*) from core.education_occupation_match").fetchone()[0] == len(file_rows)
    assert (
        conn.execute(
            "select sum(xmin::text::bigint) from core.education_occupation_match where sun_field_code <> '010'"
        ).fetchone()
        == before
    )
    # the marts' join: from an offering's field (any level) and level to the occupations it leads to
    nurses = conn.execute(
        "select m.ssyk_code, m.match_grade from core.education_field_levels l"
        " join core.education_occupation_match m on m.sun_field_code = l.field_level_3"
        " where l.sun_field_code = '723a' and m.sun_level_code = '5' order by 1"
    ).fetchall()
    assert ("2221", "helt") in nurses
