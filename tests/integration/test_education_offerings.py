"""Weekly snapshots of education offerings through the load path on a real warehouse.

Pages are landed directly so that each snapshot says exactly what it lists; the DAG tests fetch
real pages and workbooks from feedsim over HTTP.
"""

from __future__ import annotations

import io
import json
from datetime import datetime, timedelta

import pytest

from vagled.config import STOCKHOLM
from vagled.feeds.education_offerings.spec import SPEC
from vagled.feeds.myh_programmes.spec import SPEC as MYH
from vagled.pipeline.load import land_payload, open_batch, publish_batch, stage_batch
from vagled.pipeline.period import Period

pytestmark = pytest.mark.integration

PREFIX = "e.ITEST."


def _event(suffix: str, **changes) -> dict:
    item = {
        "educationEventId": PREFIX + suffix,
        "titleSv": "El- och energiprogrammet",
        "provider": "Testgymnasiet Örebro",
        "typeOfSchool": "gy",
        "geographicalAreaCode": "1880",
        "startDate": "2027-08-16",
        "semesterStart": None,
        "paceOfStudy": "100.0",
        "distance": False,
        "lastApplicationDate": "2099-12-31T00:00:00",
    }
    item.update(changes)
    return item


def _week(day: str) -> Period:
    end = datetime.fromisoformat(day).replace(tzinfo=STOCKHOLM)
    return Period(end - timedelta(days=7), end)


def _load(conn, spec, day: str, body: bytes) -> dict:
    batch_id = open_batch(conn, spec, _week(day), "test")
    land_payload(conn, batch_id, spec.name, 0, source_url="test://", body=body, content_type="application/json")
    stage_batch(conn, spec, batch_id)
    return publish_batch(conn, spec, batch_id).as_dict()


def _snapshot(conn, day: str, items: list) -> dict:
    page = {"size": 100, "totalElements": len(items), "totalPages": 1, "number": 0}
    body = {"status": "OK", "body": {"_embedded": {"listedEducationEvents": items}, "page": page}}
    return _load(conn, SPEC, day, json.dumps(body).encode())


def _state(conn) -> dict[str, tuple]:
    rows = conn.execute(
        "select offering_id, pace_percent, first_seen_on::text, last_seen_on::text, closed_on::text"
        " from core.education_offering where offering_id like %s",
        (PREFIX + "%",),
    ).fetchall()
    return {row[0].removeprefix(PREFIX): row[1:] for row in rows}


@pytest.fixture
def clean(warehouse_conn):
    # Every offering goes, not only this test's: a newer week loaded by another test would make
    # this test's snapshots an older week's backfill (which inserts offerings already closed).
    def wipe():
        warehouse_conn.execute("delete from core.education_offering_municipality")
        warehouse_conn.execute("update core.education_offering set same_as_offering_id = null")
        warehouse_conn.execute("delete from core.education_offering")

    wipe()
    yield warehouse_conn
    wipe()


def test_snapshots_close_reopen_and_backfill_in_any_order(clean):
    conn = clean
    result = _snapshot(conn, "2026-09-14", [_event("A"), _event("B"), _event("A", paceOfStudy="50.0")])
    assert (result["received"], result["loaded"], result["duplicates"]) == (3, 2, 1)
    assert _state(conn) == {
        "A": (50, "2026-09-14", "2026-09-14", None),
        "B": (100, "2026-09-14", "2026-09-14", None),
    }
    # B is delisted, A changes, C is new
    _snapshot(conn, "2026-09-21", [_event("A", paceOfStudy="25.0"), _event("C")])
    assert _state(conn) == {
        "A": (25, "2026-09-14", "2026-09-21", None),
        "B": (100, "2026-09-14", "2026-09-14", "2026-09-21"),
        "C": (100, "2026-09-21", "2026-09-21", None),
    }
    # an older week loaded afterwards: A's first sighting moves back, nothing else changes; D
    # (listed then, gone by the newest week) arrives already closed
    _snapshot(conn, "2026-09-07", [_event("A", paceOfStudy="75.0"), _event("B", paceOfStudy="75.0"), _event("D")])
    assert _state(conn) == {
        "A": (25, "2026-09-07", "2026-09-21", None),
        "B": (100, "2026-09-07", "2026-09-14", "2026-09-21"),
        "C": (100, "2026-09-21", "2026-09-21", None),
        "D": (100, "2026-09-07", "2026-09-07", "2026-09-21"),
    }
    # B listed again in a newer week is reopened
    _snapshot(conn, "2026-09-28", [_event("A", paceOfStudy="25.0"), _event("B"), _event("C")])
    state = _state(conn)
    assert state["B"] == (100, "2026-09-07", "2026-09-28", None)
    assert state["D"][3] == "2026-09-21"


def test_an_unreadable_or_quarantined_record_closes_nothing(clean):
    conn = clean
    others = [_event(f"H{n}") for n in range(8)]  # keeps the quarantined share under the threshold
    _snapshot(conn, "2026-10-05", [_event("E"), _event("F"), _event("G"), *others])
    # F fails validation (a municipality outside the area) but is still listed: it stays open and unchanged
    result = _snapshot(
        conn, "2026-10-12", [_event("E"), _event("F", geographicalAreaCode="0180"), _event("G"), *others]
    )
    assert result["quarantined"] == 1
    assert _state(conn)["F"] == (100, "2026-10-05", "2026-10-05", None)
    # a record that cannot be read at all might be F or G: nothing is closed this week
    result = _snapshot(conn, "2026-10-19", [_event("E"), "garbage", *others])
    assert result["quarantined"] == 1
    assert all(row[3] is None for row in _state(conn).values())
    # the next complete week closes what it no longer lists
    _snapshot(conn, "2026-10-26", [_event("E"), *others])
    assert {key: row[3] for key, row in _state(conn).items() if row[3]} == {"F": "2026-10-26", "G": "2026-10-26"}
    reasons = conn.execute(
        "select reasons from quarantine.record where feed = %s and natural_key = %s order by batch_id desc limit 1",
        (SPEC.name, PREFIX + "F"),
    ).fetchone()[0]
    assert [(r["expectation"], r["column"]) for r in reasons] == [
        ("expect_column_values_to_be_in_set", "municipality_code")
    ]


def _myh_workbook(rows: list[list]) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "Tabell 3"
    sheet.append(["Tabell 3. Ansökningar per utbildning, ansökningsomgång 2025"])
    for _ in range(4):
        sheet.append([])
    sheet.append(
        [
            "Diarienummer",
            "Utbildningsnamn",
            "Utbildningsanordnare",
            "SUN5 inriktning",
            "Län",
            "Kommun",
            "Beslut",
            "Beviljade platser totalt",
        ]
    )
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_an_yh_event_is_linked_to_the_same_myh_programme_and_sources_close_only_their_own(clean):
    conn = clean
    yh = dict(typeOfSchool="yh", provider="Nova  Yrkeshögskola", startDate="2026-08-17")
    _snapshot(
        conn,
        "2026-10-05",
        [
            _event("YH1", titleSv="<![CDATA[Data Engineer]]>", **yh),
            _event("YH2", titleSv="Data engineer", geographicalAreaCode="0380", **yh),  # another municipality
            _event("GY"),
        ],
    )
    rows = [
        ["MYH 2025/1", "Data engineer", "Nova Yrkeshögskola", "481ab", "Örebro", "Örebro", "Beviljad", 70],
        ["MYH 2025/2", "Lager", "Nova Yrkeshögskola", "840xa", "Örebro", "Örebro", "Beviljad", 30],
    ]
    result = _load(conn, MYH, "2026-10-05", _myh_workbook(rows))
    assert (result["loaded"], result["quarantined"]) == (2, 0)
    links = dict(
        conn.execute(
            "select offering_id, same_as_offering_id from core.education_offering where source = 'skolverket'"
        ).fetchall()
    )
    # same provider and title (case and spaces ignored) in one of the programme's municipalities
    assert links == {PREFIX + "YH1": "myh:MYH-2025-1", PREFIX + "YH2": None, PREFIX + "GY": None}
    # a Skolverket snapshot never closes MYH's programmes; MYH's results never close Skolverket's events
    _snapshot(conn, "2026-10-12", [_event("GY")])
    closed = dict(conn.execute("select offering_id, closed_on::text from core.education_offering").fetchall())
    assert closed["myh:MYH-2025-1"] is None and closed["myh:MYH-2025-2"] is None
    assert closed[PREFIX + "YH1"] == "2026-10-12"
    _load(conn, MYH, "2026-10-19", _myh_workbook(rows[:1]))
    closed = dict(conn.execute("select offering_id, closed_on::text from core.education_offering").fetchall())
    assert closed["myh:MYH-2025-2"] == "2026-10-19" and closed[PREFIX + "GY"] is None
    places = conn.execute(
        "select places, sun_field_code from core.education_offering where offering_id = 'myh:MYH-2025-1'"
    ).fetchone()
    assert places == (70, "481a")


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
