"""Quarantine replay on a real warehouse: records held back by a wrong reference code load after the fix.

The scenario is the one replay exists for: an SSYK code was retired in the reference data by
mistake, so a yrkesbarometer round's rows for it were quarantined ("unknown or retired occupation
code"). Once the code is current again, `vagled quarantine replay BATCH` validates the held-back
records again and loads them, with an audit row; records that still fail stay in quarantine with
their reasons.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from vagled.feeds.occupational_outlook.spec import SPEC as OUTLOOK
from vagled.pipeline.load import land_payload, open_batch, publish_batch, stage_batch
from vagled.pipeline.period import Period

pytestmark = pytest.mark.integration

GOOD = ("2221", "2222", "2223", "2512", "2511", "5120", "5321", "7411", "8332", "9412")
GOOD += ("3111", "3112", "3113", "3114", "3115", "3116", "3117", "3119", "3121", "3122")
RETIRED = "2144"  # Civilingenjörsyrken inom maskinteknik


def _file(omgang: str, *, bad_category_in: str | None = None) -> bytes:
    rows = []
    for code in (*GOOD, RETIRED):
        for lan in ("18", "19"):
            situation = "jättebrist" if code == bad_category_in and lan == "18" else "brist"
            rows.append(
                {"omgang": omgang, "yb_concept_id": f"yb-{code}", "lan": lan, "yb_yrke": f"Yrke {code}",
                 "ssyk": code, "jobbmojligheter": "stora", "rekryteringssituation": situation, "prognos": "öka",
                 "delvis_helt": "helt", "paradox": []}
            )  # fmt: skip
    return json.dumps(rows).encode("utf-8")


def _load(conn, body: bytes, month: int) -> int:
    period = Period(datetime(2024, month, 1, tzinfo=UTC), datetime(2024, month + 1, 1, tzinfo=UTC))
    batch_id = open_batch(conn, OUTLOOK, period, "test-replay")
    land_payload(
        conn, batch_id, "occupational_outlook", 0, source_url="test://", body=body, content_type="application/json"
    )
    stage_batch(conn, OUTLOOK, batch_id)
    publish_batch(conn, OUTLOOK, batch_id)
    return batch_id


@pytest.fixture
def retired_code(warehouse_conn):
    warehouse_conn.execute("update core.occupation set retired_at = date '2024-01-01' where ssyk_code = %s", (RETIRED,))
    yield RETIRED
    warehouse_conn.execute("update core.occupation set retired_at = null where ssyk_code = %s", (RETIRED,))


def _core_rows(conn, code: str, omgang: str) -> int:
    return conn.execute(
        "select count(*) from core.occupational_outlook where ssyk4 = %s and omgang = %s", (code, omgang)
    ).fetchone()[0]


def test_replay_loads_records_that_pass_after_a_reference_fix(warehouse_conn, retired_code):
    from vagled.monitoring.quarantine import list_open, show_batch
    from vagled.pipeline.replay import ReplayError, replay_batch

    batch_id = _load(warehouse_conn, _file("2024-1", bad_category_in="8332"), 2)
    received, loaded, quarantined, status = warehouse_conn.execute(
        "select received, loaded, quarantined, status from audit.load_batch where batch_id = %s", (batch_id,)
    ).fetchone()
    assert status == "succeeded" and received == 42 and loaded == 39
    assert quarantined == 3  # two rows of the retired code + one unknown category
    assert _core_rows(warehouse_conn, RETIRED, "2024-1") == 0

    listed = {b.batch_id: b for b in list_open(warehouse_conn, feed="occupational_outlook")}
    assert listed[batch_id].open_records == 3
    assert "expect_column_values_to_be_in_set(ssyk4): 2" in listed[batch_id].reasons
    records = show_batch(warehouse_conn, batch_id)
    assert {r.natural_key.split("|")[1] for r in records} == {f"yb-{RETIRED}", "yb-8332"}

    # A dry run before the fix: nothing would load, and nothing is kept.
    dry = replay_batch(warehouse_conn, batch_id, replayed_by="test", dry_run=True)
    assert (dry.records_replayed, dry.loaded, dry.still_quarantined, dry.replay_batch_id) == (3, 0, 3, None)
    assert list_open(warehouse_conn, feed="occupational_outlook")[0].open_records == 3

    # The fix: the code is current again in the reference data.
    warehouse_conn.execute("update core.occupation set retired_at = null where ssyk_code = %s", (RETIRED,))
    result = replay_batch(warehouse_conn, batch_id, replayed_by="test", note="2144 was retired by mistake")
    assert (result.records_replayed, result.loaded, result.still_quarantined, result.duplicates) == (3, 2, 1, 0)
    assert result.still_failing == {"expect_column_values_to_be_in_set": 1}
    assert _core_rows(warehouse_conn, RETIRED, "2024-1") == 2
    replay_row = warehouse_conn.execute(
        "select feed, status, received, loaded, quarantined, duplicates, replay_of_batch_id, interval_start"
        " from audit.load_batch where batch_id = %s",
        (result.replay_batch_id,),
    ).fetchone()
    assert replay_row[:7] == ("occupational_outlook", "succeeded", 3, 2, 1, 0, batch_id)
    assert replay_row[7] == datetime(2024, 2, 1, tzinfo=UTC)
    audit = warehouse_conn.execute(
        "select source_batch_id, replayed_by, note, records_replayed, loaded, still_quarantined, length(suite_sha256)"
        " from audit.quarantine_replay where replay_batch_id = %s",
        (result.replay_batch_id,),
    ).fetchone()
    assert audit == (batch_id, "test", "2144 was retired by mistake", 3, 2, 1, 64)
    # The source's records are closed; the one that still fails is open under the replay batch.
    assert warehouse_conn.execute(
        "select count(*) from quarantine.record where batch_id = %s and replayed_batch_id = %s",
        (batch_id, result.replay_batch_id),
    ).fetchone() == (3,)
    [(key, reasons)] = warehouse_conn.execute(
        "select natural_key, reasons from quarantine.record where batch_id = %s", (result.replay_batch_id,)
    ).fetchall()
    assert key == "2024-1|yb-8332|18" and reasons[0]["expectation"] == "expect_column_values_to_be_in_set"
    open_ids = {b.batch_id for b in list_open(warehouse_conn, feed="occupational_outlook")}
    assert batch_id not in open_ids and result.replay_batch_id in open_ids

    # Replaying the same batch again: nothing is left open in it.
    with pytest.raises(ReplayError, match="no quarantined record left"):
        replay_batch(warehouse_conn, batch_id, replayed_by="test")


def test_replay_refuses_what_it_must_not_do(warehouse_conn):
    from vagled.pipeline.replay import ReplayError, replay_batch

    with pytest.raises(ReplayError, match="does not exist"):
        replay_batch(warehouse_conn, 987654321)
    rejected = warehouse_conn.execute(
        "insert into audit.load_batch (feed, status, error) values ('occupational_outlook', 'rejected', 'test')"
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

    batch_id = _load(warehouse_conn, _file("2024-2"), 3)
    assert main(["quarantine", "list", "--feed", "occupational_outlook"]) == 0
    out = capsys.readouterr().out
    line = next(line for line in out.splitlines() if line.strip().startswith(str(batch_id)))
    assert "occupational_outlook" in line and " 2 " in line and "ssyk4" in line

    assert main(["quarantine", "show", str(batch_id)]) == 0
    out = capsys.readouterr().out
    assert out.count("open") == 2 and f"|yb-{RETIRED}|" in out
    assert f"expect_column_values_to_be_in_set(ssyk4) = '{RETIRED}'" in out

    warehouse_conn.execute("update core.occupation set retired_at = null where ssyk_code = %s", (RETIRED,))
    assert main(["quarantine", "replay", str(batch_id), "--by", "anna", "--note", "code restored"]) == 0
    out = capsys.readouterr().out
    assert "loaded:            2" in out and "still quarantined: 0" in out
    assert _core_rows(warehouse_conn, RETIRED, "2024-2") == 2
    assert main(["quarantine", "replay", str(batch_id)]) == 2
    assert "no quarantined record left" in capsys.readouterr().err


def test_a_replayed_record_is_staged_by_the_stager_as_a_load_stages_it(warehouse_conn, monkeypatch):
    """Replay is an ordinary batch through the Stager: a record that still fails lands in quarantine
    with the same reasons and the same copy as the load's stage gave it."""
    from test_stage_in_chunks import _ad

    from vagled.feeds.job_ads.spec import SPEC as JOB_ADS
    from vagled.pipeline import stage
    from vagled.pipeline.replay import replay_batch

    ads = [_ad(n) for n in range(20)]
    ads[6] = _ad(6, occupation_group={"legacy_ams_taxonomy_id": "9999"})  # an unknown code: fails the suite
    body = ("\n".join(json.dumps(ad) for ad in ads) + "\n").encode()
    batch_id = open_batch(warehouse_conn, JOB_ADS, None, "test-replay-stager")
    land_payload(
        warehouse_conn, batch_id, "job_ads", 0, source_url="test://", body=body, content_type="application/x-ndjson"
    )
    stage_batch(warehouse_conn, JOB_ADS, batch_id)
    publish_batch(warehouse_conn, JOB_ADS, batch_id)

    staged_by = []
    stage_records = stage.Stager.stage_records

    def spy(self, records):
        staged_by.append((self.batch_id, len(records)))
        return stage_records(self, records)

    monkeypatch.setattr(stage.Stager, "stage_records", spy)
    result = replay_batch(warehouse_conn, batch_id, replayed_by="test", note="no fix yet")
    assert staged_by == [(result.replay_batch_id, 1)]
    assert (result.records_replayed, result.loaded, result.still_quarantined) == (1, 0, 1)

    def quarantined(batch: int) -> list:
        return warehouse_conn.execute(
            "select record_no, natural_key, reasons, record from quarantine.record where batch_id = %s", (batch,)
        ).fetchall()

    [(no, key, reasons, record)], [source] = quarantined(result.replay_batch_id), quarantined(batch_id)
    assert (no, key, reasons) == source[:3]
    assert {c: v for c, v in record.items() if v != source[3].get(c)} == {}
    assert quarantined(batch_id)[0][2][0]["column"] == "ssyk4"
    summary = warehouse_conn.execute(
        "select summary from audit.validation_result where batch_id = %s", (result.replay_batch_id,)
    ).fetchone()[0]
    assert summary["replay_of_batch_id"] == batch_id
