"""A batch's states and transitions (vagled.pipeline.batch) and publish's passing rows, on a real warehouse."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from jobstream_ads import jobstream_ad

from vagled.feeds.job_ads.spec import SPEC as JOB_ADS
from vagled.feeds.occupational_outlook.spec import SPEC as OUTLOOK
from vagled.pipeline import batch as batches
from vagled.pipeline.batch import BatchRejected, BatchStateError
from vagled.pipeline.load import land_payload, publish_batch, stage_batch
from vagled.pipeline.period import Period

pytestmark = pytest.mark.integration

# a period of its own: opening a batch closes the batches in flight of the same period
PERIOD = Period(datetime(2026, 5, 1, tzinfo=UTC), datetime(2026, 5, 2, tzinfo=UTC))


def _outlook_row(concept: str, **changes) -> dict:
    row = {"omgang": "2026-2", "yb_concept_id": concept, "lan": "18", "yb_yrke": "Sjuksköterska",
           "ssyk": "2221", "jobbmojligheter": "stora", "rekryteringssituation": "brist", "prognos": "öka",
           "delvis_helt": "helt"}  # fmt: skip
    row.update(changes)
    return row


def _ad(ad_id: str, timestamp: int, **changes) -> dict:
    dates = {"publication_date": "2026-05-01T08:00:00", "last_publication_date": "2026-06-01T23:59:59"}
    occupation_group = {"concept_id": "x", "label": "Sjuksköterskor", "legacy_ams_taxonomy_id": "2221"}
    return jobstream_ad(
        ad_id,
        **{"timestamp": timestamp, "number_of_vacancies": 1, "occupation_group": occupation_group, **dates, **changes},
    )


def _landed(conn, spec, records: list[dict], period: Period = PERIOD) -> int:
    batch_id = batches.open_batch(conn, spec, period, "test-batch-states")
    body = json.dumps(records).encode()
    land_payload(conn, batch_id, spec.name, 0, source_url="test://", body=body, content_type="application/json")
    return batch_id


def _status(conn, batch_id: int) -> tuple:
    return conn.execute("select status, error from audit.load_batch where batch_id = %s", (batch_id,)).fetchone()


def test_stage_sets_staged_and_publish_succeeds_with_loaded_and_duplicates(warehouse_conn):
    rows = [_outlook_row("ybA"), _outlook_row("ybB"), _outlook_row("ybA", yb_yrke="Sjuksköterska, rättad"),
            _outlook_row("ybC"), _outlook_row("ybB")]  # fmt: skip
    batch_id = _landed(warehouse_conn, OUTLOOK, rows)
    assert _status(warehouse_conn, batch_id)[0] == "running"
    staged = stage_batch(warehouse_conn, OUTLOOK, batch_id)
    assert (staged.received, staged.quarantined) == (5, 0)
    assert _status(warehouse_conn, batch_id)[0] == "staged"

    result = publish_batch(warehouse_conn, OUTLOOK, batch_id)
    # three keys, two of them given twice: the last record of a key wins
    assert (result.received, result.loaded, result.quarantined, result.duplicates) == (5, 3, 0, 2)
    assert _status(warehouse_conn, batch_id) == ("succeeded", None)
    name = warehouse_conn.execute(
        "select yb_yrke from core.occupational_outlook where omgang = '2026-2' and yb_concept_id = 'ybA'"
    ).fetchone()[0]
    assert name == "Sjuksköterska, rättad"
    # a publish retried after its commit has nothing to do and gives the same counts
    assert publish_batch(warehouse_conn, OUTLOOK, batch_id) == result
    # the temporary relation went with the publish's transaction
    assert warehouse_conn.execute("select to_regclass('pg_temp.passing_batch')").fetchone()[0] is None


def test_a_job_ad_published_and_removed_in_one_batch_is_held_closed(warehouse_conn):
    """A full record and a newer removal of one ad: both pass (passing_split), the ad counts once."""
    removal = {"id": "9700001", "removed": True, "removed_date": "2026-05-01T12:00:00", "timestamp": 1777636800000,
               "workplace_address": {"municipality_code": "1880", "region_code": "18"}}  # fmt: skip
    records = [_ad("9700001", 1777622400000), removal, _ad("9700002", 1777622400000)]
    batch_id = _landed(warehouse_conn, JOB_ADS, records)
    stage_batch(warehouse_conn, JOB_ADS, batch_id)
    result = publish_batch(warehouse_conn, JOB_ADS, batch_id)
    assert (result.received, result.loaded, result.quarantined, result.duplicates) == (3, 2, 0, 1)
    held = warehouse_conn.execute(
        "select headline, removed_at is not null from core.job_ad where ad_id = '9700001'"
    ).fetchone()
    assert held == ("Annons 9700001", True)


def test_publish_of_a_batch_abandoned_after_its_stage_names_its_state(warehouse_conn):
    first = _landed(warehouse_conn, OUTLOOK, [_outlook_row("ybD")], Period(PERIOD.end, PERIOD.end.replace(day=3)))
    stage_batch(warehouse_conn, OUTLOOK, first)
    # a newer run of the same period opens its batch: the staged one is closed as abandoned
    second = _landed(warehouse_conn, OUTLOOK, [_outlook_row("ybD")], Period(PERIOD.end, PERIOD.end.replace(day=3)))
    status, error = _status(warehouse_conn, first)
    assert status == "failed" and f"superseded by batch {second}" in error
    assert (
        warehouse_conn.execute("select count(*) from staging.yrkesbarometer where batch_id = %s", (first,)).fetchone()[
            0
        ]
        == 0
    )

    with pytest.raises(BatchStateError) as raised:
        publish_batch(warehouse_conn, OUTLOOK, first)
    message = str(raised.value)
    assert f"batch {first} is failed, expected staged or succeeded: cannot publish it" in message
    assert "abandoned" in message and "rerun the DAG" in message
    assert (raised.value.batch_id, raised.value.status) == (first, "failed")
    assert isinstance(raised.value, BatchRejected)  # tasks fail it without a retry
    assert _status(warehouse_conn, first)[0] == "failed"


def test_stage_of_a_published_batch_is_refused_and_leaves_it_as_it_is(warehouse_conn):
    batch_id = _landed(
        warehouse_conn, OUTLOOK, [_outlook_row("ybE")], Period(PERIOD.end.replace(day=5), PERIOD.end.replace(day=6))
    )
    stage_batch(warehouse_conn, OUTLOOK, batch_id)
    publish_batch(warehouse_conn, OUTLOOK, batch_id)
    with pytest.raises(
        BatchStateError, match=rf"batch {batch_id} is succeeded, expected running or staged: cannot stage it"
    ):
        stage_batch(warehouse_conn, OUTLOOK, batch_id)
    # fail_batch, which a failing task runs, leaves a finished batch as it is
    assert batches.fail_batch(warehouse_conn, batch_id, "late failure", status="rejected") is False
    assert _status(warehouse_conn, batch_id) == ("succeeded", None)


def test_publish_of_a_running_batch_never_staged_stages_it_first(warehouse_conn):
    batch_id = _landed(
        warehouse_conn,
        OUTLOOK,
        [_outlook_row("ybF"), _outlook_row("ybG")],
        Period(PERIOD.end.replace(day=7), PERIOD.end.replace(day=8)),
    )
    assert _status(warehouse_conn, batch_id)[0] == "running"
    result = publish_batch(warehouse_conn, OUTLOOK, batch_id)
    assert (result.received, result.loaded, result.duplicates) == (2, 2, 0)
    assert _status(warehouse_conn, batch_id)[0] == "succeeded"


def test_a_staged_batch_whose_staging_was_lost_is_staged_again_by_publish(warehouse_conn):
    batch_id = _landed(
        warehouse_conn, OUTLOOK, [_outlook_row("ybH")], Period(PERIOD.end.replace(day=9), PERIOD.end.replace(day=10))
    )
    stage_batch(warehouse_conn, OUTLOOK, batch_id)
    # what an immediate stop does to an unlogged staging table
    warehouse_conn.execute("delete from staging.yrkesbarometer where batch_id = %s", (batch_id,))
    assert _status(warehouse_conn, batch_id)[0] == "staged"
    result = publish_batch(warehouse_conn, OUTLOOK, batch_id)
    assert (result.received, result.loaded) == (1, 1)


def test_each_transition_checks_the_state_it_starts_from(warehouse_conn):
    batch_id = _landed(
        warehouse_conn, OUTLOOK, [_outlook_row("ybI")], Period(PERIOD.end.replace(day=11), PERIOD.end.replace(day=12))
    )
    with (
        pytest.raises(BatchStateError, match=rf"batch {batch_id} is running, expected staged or succeeded"),
        warehouse_conn.transaction(),
    ):
        batches.lock_for_publishing(warehouse_conn, batch_id)
    with (
        pytest.raises(
            BatchStateError, match=rf"batch {batch_id} is running, expected staged: cannot mark it succeeded"
        ),
        warehouse_conn.transaction(),
    ):
        batches.mark_succeeded(warehouse_conn, batch_id, loaded=0, duplicates=0)
    with warehouse_conn.transaction():
        batches.lock_for_staging(warehouse_conn, batch_id)
        batches.mark_staged(warehouse_conn, batch_id, received=0, quarantined=0, out_of_area=0)
    assert _status(warehouse_conn, batch_id)[0] == "staged"
    assert batches.fail_batch(warehouse_conn, batch_id, "extract of 811218-9876 failed") is True
    status, error = _status(warehouse_conn, batch_id)
    assert status == "failed" and "811218-9876" not in error
    with (
        pytest.raises(
            BatchStateError, match=rf"batch {batch_id} is failed, expected running or staged: cannot reject it"
        ),
        warehouse_conn.transaction(),
    ):
        batches.mark_rejected(warehouse_conn, batch_id, "too late")
    with pytest.raises(BatchStateError, match="batch 987654321 does not exist"), warehouse_conn.transaction():
        batches.lock_for_staging(warehouse_conn, 987654321)


def test_the_status_check_allows_staged_and_nothing_unknown(warehouse_conn):
    import psycopg

    with pytest.raises(psycopg.errors.CheckViolation):
        warehouse_conn.execute("insert into audit.load_batch (feed, status) values ('test', 'published')")
    batch_id = warehouse_conn.execute(
        "insert into audit.load_batch (feed, status) values ('test', 'staged') returning batch_id"
    ).fetchone()[0]
    warehouse_conn.execute("delete from audit.load_batch where batch_id = %s", (batch_id,))
