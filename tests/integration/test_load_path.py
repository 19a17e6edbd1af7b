"""The one load path (land -> stage -> validate -> quarantine -> publish -> audit) on a real warehouse.

Payloads are landed directly, so these tests pin the path itself; the DAG tests fetch the same
payloads from feedsim over HTTP.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from jobstream_ads import jobstream_ad

from vagled.feeds.job_ads.spec import SPEC as JOB_ADS
from vagled.feeds.occupational_outlook.spec import SPEC as OUTLOOK
from vagled.pipeline.load import BatchRejected, land_payload, open_batch, publish_batch, stage_batch
from vagled.pipeline.period import Period

pytestmark = pytest.mark.integration

PERIOD = Period(datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 4, 1, tzinfo=UTC))


def _ad(ad_id: str, **changes) -> dict:
    return jobstream_ad(ad_id, **changes)


def _load(conn, spec, payloads: list[bytes], content_type: str = "application/json"):
    batch_id = open_batch(conn, spec, PERIOD, "test")
    for part_no, body in enumerate(payloads):
        land_payload(conn, batch_id, spec.name, part_no, source_url="test://", body=body, content_type=content_type)
    staged = stage_batch(conn, spec, batch_id)
    return batch_id, staged


def test_job_ads_batch_loads_quarantines_and_reconciles(warehouse_conn):
    ads = [
        _ad("9000001"),
        _ad("9000002", workplace_address={"municipality_code": None, "region_code": "19"}),  # county only
        _ad("9000003", occupation_group={"legacy_ams_taxonomy_id": "9999"}),  # unknown SSYK
        _ad("9000004", number_of_vacancies=-3),  # negative count
        _ad("9000005", description={"text": "Kontakta 811218-9876"}),  # identity number in free text
        _ad("9000006", workplace_address={"municipality_code": "0180", "region_code": "01"}),  # Stockholm
        _ad("9000001", timestamp=1772438500000, headline="Annons 9000001, uppdaterad"),  # later version
        *(_ad(f"90001{n:02d}") for n in range(10)),  # enough good ads to stay under the 20 % threshold
    ]
    body = json.dumps(ads).encode()
    batch_id, staged = _load(warehouse_conn, JOB_ADS, [body])
    assert (staged.received, staged.quarantined, staged.out_of_area) == (16, 3, 1)
    result = publish_batch(warehouse_conn, JOB_ADS, batch_id)
    assert (result.loaded, result.duplicates) == (12, 1)
    assert result.received == result.loaded + result.quarantined + result.duplicates
    headline = warehouse_conn.execute("select headline from core.job_ad where ad_id = '9000001'").fetchone()[0]
    assert headline == "Annons 9000001, uppdaterad"
    reasons = dict(
        warehouse_conn.execute(
            "select natural_key, reasons from quarantine.record where batch_id = %s", (batch_id,)
        ).fetchall()
    )
    assert {r["expectation"] for r in reasons["9000003"]} >= {"expect_column_values_to_be_in_set"}
    assert {r["expectation"] for r in reasons["9000004"]} == {"expect_column_values_to_be_between"}
    assert "9000005" in reasons
    stored = warehouse_conn.execute("select record::text from quarantine.record where batch_id = %s", (batch_id,))
    assert all("811218-9876" not in row[0] for row in stored)
    status = warehouse_conn.execute("select status from audit.load_batch where batch_id = %s", (batch_id,)).fetchone()
    assert status == ("succeeded",)
    assert warehouse_conn.execute(
        "select count(*) from staging.job_ad where batch_id = %s", (batch_id,)
    ).fetchone() == (0,)

    # the same payload again: a new batch, and not one row of core rewritten
    snapshot = warehouse_conn.execute("select sum(xmin::text::bigint), count(*) from core.job_ad").fetchone()
    again, _ = _load(warehouse_conn, JOB_ADS, [body])
    publish_batch(warehouse_conn, JOB_ADS, again)
    assert warehouse_conn.execute("select sum(xmin::text::bigint), count(*) from core.job_ad").fetchone() == snapshot

    # a sparse removal closes the ad and keeps its content
    removal = {
        "id": "9000002",
        "removed": True,
        "removed_date": "2026-03-20T10:00:00",
        "timestamp": 1773997200000,
        "workplace_address": {"municipality_code": None, "region_code": "19"},
    }
    closing, _ = _load(warehouse_conn, JOB_ADS, [json.dumps([removal]).encode()])
    publish_batch(warehouse_conn, JOB_ADS, closing)
    closed = warehouse_conn.execute(
        "select headline, employer_name, removed_at is not null from core.job_ad where ad_id = '9000002'"
    ).fetchone()
    assert closed == ("Annons 9000002", "Region Örebro län", True)


def test_landed_payload_is_immutable(warehouse_conn):
    import psycopg

    batch_id, _ = _load(warehouse_conn, JOB_ADS, [json.dumps([_ad("9100001")]).encode()])
    with pytest.raises(psycopg.errors.InsufficientPrivilege, match="immutable"):
        warehouse_conn.execute("delete from raw.landed_payload where batch_id = %s", (batch_id,))


def test_a_batch_over_the_threshold_is_rejected_whole(warehouse_conn):
    rows = [
        {"omgang": "2026-1", "yb_concept_id": f"yb{n}", "lan": "18", "yb_yrke": "X", "ssyk": "0000",
         "jobbmojligheter": "stora", "rekryteringssituation": "brist", "prognos": "öka", "delvis_helt": "helt"}
        for n in range(30)
    ]  # fmt: skip
    before = warehouse_conn.execute("select count(*) from core.occupational_outlook").fetchone()[0]
    batch_id, staged = _load(warehouse_conn, OUTLOOK, [json.dumps(rows).encode()])
    assert staged.quarantined == staged.received == 30
    with pytest.raises(BatchRejected, match="above the feed's threshold"):
        publish_batch(warehouse_conn, OUTLOOK, batch_id)
    status, error = warehouse_conn.execute(
        "select status, error from audit.load_batch where batch_id = %s", (batch_id,)
    ).fetchone()
    assert status == "rejected" and "quarantine.record" in error
    assert warehouse_conn.execute("select count(*) from core.occupational_outlook").fetchone()[0] == before


def test_staging_twice_does_not_double(warehouse_conn):
    body = json.dumps([_ad("9200001"), _ad("9200002", number_of_vacancies=-1)]).encode()
    batch_id, first = _load(warehouse_conn, JOB_ADS, [body])
    second = stage_batch(warehouse_conn, JOB_ADS, batch_id)  # a task retry
    assert (first.received, first.quarantined) == (second.received, second.quarantined) == (2, 1)
    staged = warehouse_conn.execute("select count(*) from staging.job_ad where batch_id = %s", (batch_id,)).fetchone()
    assert staged == (2,)
