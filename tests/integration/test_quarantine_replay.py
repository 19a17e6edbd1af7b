"""Quarantine replay on a real warehouse: records held back by a wrong reference code load after the fix.

The scenario is the one replay exists for: a municipality code was retired in the reference data by
mistake, so a month's rows for it were quarantined ("unknown or retired municipality code"). Once
the code is current again, `vagled quarantine replay BATCH` validates the held-back records again
and loads them, with an audit row; records that still fail stay in quarantine with their reasons.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from vagled.feeds.jobseekers import SPEC as JOBSEEKERS
from vagled.pipeline.load import land_payload, open_batch, publish_batch, stage_batch
from vagled.pipeline.period import Period

pytestmark = pytest.mark.integration

HEADER = "År;Månad;Länskod;Län;Kommunkod;Kommun;Grupp;Antal"
GROUPS = (
    "Totalt",
    "Ungdomar 18-24 år",
    "Utrikes födda",
    "Funktionsnedsättning som medför nedsatt arbetsförmåga",
    "Långtidsarbetslösa (>12 mån)",
)
# Municipalities of Örebro and Västmanland counties, and the code retired by mistake.
GOOD = ("1814", "1861", "1862", "1863", "1864", "1880", "1881", "1882", "1883", "1884", "1885")
GOOD += ("1904", "1907", "1960", "1961", "1962", "1980", "1981", "1982", "1983", "1984")
RETIRED = "1860"  # Laxå


def _csv(year: int, month: int, *, negative_in: str | None = None) -> bytes:
    lines = [HEADER]
    for code in (*GOOD, RETIRED):
        for n, group in enumerate(GROUPS):
            count = 100 + n
            if code == negative_in and n == 0:
                count = -5
            lines.append(f"{year};{month};{code[:2]};Län {code[:2]};{code};Kommun {code};{group};{count}")
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")


def _load(conn, body: bytes, month: int) -> int:
    period = Period(datetime(2024, month, 1, tzinfo=UTC), datetime(2024, month + 1, 1, tzinfo=UTC))
    batch_id = open_batch(conn, JOBSEEKERS, period, "test-replay")
    land_payload(conn, batch_id, "jobseekers", 0, source_url="test://", body=body, content_type="text/csv")
    stage_batch(conn, JOBSEEKERS, batch_id)
    publish_batch(conn, JOBSEEKERS, batch_id)
    return batch_id


@pytest.fixture
def retired_code(warehouse_conn):
    warehouse_conn.execute(
        "update core.municipality set retired_at = date '2024-01-01' where municipality_code = %s", (RETIRED,)
    )
    yield RETIRED
    warehouse_conn.execute("update core.municipality set retired_at = null where municipality_code = %s", (RETIRED,))


def _core_rows(conn, code: str, month: str) -> int:
    return conn.execute(
        "select count(*) from core.jobseekers_monthly where municipality_code = %s and month = %s", (code, month)
    ).fetchone()[0]


def test_replay_loads_records_that_pass_after_a_reference_fix(warehouse_conn, retired_code):
    from vagled.monitoring.quarantine import ReplayError, list_open, replay_batch, show_batch

    batch_id = _load(warehouse_conn, _csv(2024, 2, negative_in="1884"), 2)
    received, loaded, quarantined, status = warehouse_conn.execute(
        "select received, loaded, quarantined, status from audit.load_batch where batch_id = %s", (batch_id,)
    ).fetchone()
    assert status == "succeeded" and received == 110 and loaded == 104
    assert quarantined == 6  # five rows of the retired code + one negative count
    assert _core_rows(warehouse_conn, RETIRED, "2024-02-01") == 0

    listed = {b.batch_id: b for b in list_open(warehouse_conn, feed="jobseekers")}
    assert listed[batch_id].open_records == 6
    assert "expect_column_values_to_be_in_set(municipality_code): 5" in listed[batch_id].reasons
    records = show_batch(warehouse_conn, batch_id)
    assert {r.natural_key.split("|")[1] for r in records} == {RETIRED, "1884"}

    # A dry run before the fix: nothing would load, and nothing is kept.
    dry = replay_batch(warehouse_conn, batch_id, replayed_by="test", dry_run=True)
    assert (dry.records_replayed, dry.loaded, dry.still_quarantined, dry.replay_batch_id) == (6, 0, 6, None)
    assert list_open(warehouse_conn, feed="jobseekers")[0].open_records == 6

    # The fix: the code is current again in the reference data.
    warehouse_conn.execute("update core.municipality set retired_at = null where municipality_code = %s", (RETIRED,))
    result = replay_batch(warehouse_conn, batch_id, replayed_by="test", note="Laxå was retired by mistake")
    assert (result.records_replayed, result.loaded, result.still_quarantined, result.duplicates) == (6, 5, 1, 0)
    assert result.still_failing == {"expect_column_values_to_be_between": 1}
    assert _core_rows(warehouse_conn, RETIRED, "2024-02-01") == 5
    replay_row = warehouse_conn.execute(
        "select feed, status, received, loaded, quarantined, duplicates, replay_of_batch_id, interval_start"
        " from audit.load_batch where batch_id = %s",
        (result.replay_batch_id,),
    ).fetchone()
    assert replay_row[:7] == ("jobseekers", "succeeded", 6, 5, 1, 0, batch_id)
    assert replay_row[7] == datetime(2024, 2, 1, tzinfo=UTC)
    audit = warehouse_conn.execute(
        "select source_batch_id, replayed_by, note, records_replayed, loaded, still_quarantined, length(suite_sha256)"
        " from audit.quarantine_replay where replay_batch_id = %s",
        (result.replay_batch_id,),
    ).fetchone()
    assert audit == (batch_id, "test", "Laxå was retired by mistake", 6, 5, 1, 64)
    # The source's records are closed; the one that still fails is open under the replay batch.
    assert warehouse_conn.execute(
        "select count(*) from quarantine.record where batch_id = %s and replayed_batch_id = %s",
        (batch_id, result.replay_batch_id),
    ).fetchone() == (6,)
    [(key, reasons)] = warehouse_conn.execute(
        "select natural_key, reasons from quarantine.record where batch_id = %s", (result.replay_batch_id,)
    ).fetchall()
    assert key.startswith("2024-02-01|1884|") and reasons[0]["expectation"] == "expect_column_values_to_be_between"
    open_ids = {b.batch_id for b in list_open(warehouse_conn, feed="jobseekers")}
    assert batch_id not in open_ids and result.replay_batch_id in open_ids

    # Replaying the same batch again: nothing is left open in it.
    with pytest.raises(ReplayError, match="no quarantined record left"):
        replay_batch(warehouse_conn, batch_id, replayed_by="test")


def test_replay_refuses_what_it_must_not_do(warehouse_conn):
    from vagled.monitoring.quarantine import ReplayError, replay_batch

    with pytest.raises(ReplayError, match="does not exist"):
        replay_batch(warehouse_conn, 987654321)
    rejected = warehouse_conn.execute(
        "insert into audit.load_batch (feed, status, error) values ('jobseekers', 'rejected', 'test')"
        " returning batch_id"
    ).fetchone()[0]
    with pytest.raises(ReplayError, match="rejected, not published"):
        replay_batch(warehouse_conn, rejected)
    taxonomy = warehouse_conn.execute(
        "insert into audit.load_batch (feed, status) values ('taxonomy', 'succeeded') returning batch_id"
    ).fetchone()[0]
    with pytest.raises(ReplayError, match="taxonomy is not replayable"):
        replay_batch(warehouse_conn, taxonomy)


def test_cli_lists_shows_and_replays(warehouse_conn, retired_code, capsys):
    from vagled.cli import main

    batch_id = _load(warehouse_conn, _csv(2024, 3), 3)
    assert main(["quarantine", "list", "--feed", "jobseekers"]) == 0
    out = capsys.readouterr().out
    line = next(line for line in out.splitlines() if line.strip().startswith(str(batch_id)))
    assert "jobseekers" in line and " 5 " in line and "municipality_code" in line

    assert main(["quarantine", "show", str(batch_id)]) == 0
    out = capsys.readouterr().out
    assert out.count("open") == 5 and f"|{RETIRED}|" in out
    assert "expect_column_values_to_be_in_set(municipality_code) = '1860'" in out

    warehouse_conn.execute("update core.municipality set retired_at = null where municipality_code = %s", (RETIRED,))
    assert main(["quarantine", "replay", str(batch_id), "--by", "anna", "--note", "code restored"]) == 0
    out = capsys.readouterr().out
    assert "loaded:            5" in out and "still quarantined: 0" in out
    assert _core_rows(warehouse_conn, RETIRED, "2024-03-01") == 5
    assert main(["quarantine", "replay", str(batch_id)]) == 2
    assert "no quarantined record left" in capsys.readouterr().err
