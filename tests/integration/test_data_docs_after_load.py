"""A batch staged and published on the real warehouse gets its validation result in Data Docs as well as in audit."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from jobstream_ads import jobstream_ad

from vagled.feeds.job_ads.spec import SPEC as JOB_ADS
from vagled.pipeline.data_docs import data_docs_index, gx_root, record_batch_docs
from vagled.pipeline.load import BatchRejected, land_payload, open_batch, publish_batch, stage_batch
from vagled.pipeline.period import Period

pytestmark = pytest.mark.integration

PERIOD = Period(datetime(2026, 5, 1, tzinfo=UTC), datetime(2026, 6, 1, tzinfo=UTC))


def _ad(ad_id: str, **changes) -> dict:
    dates = {"publication_date": "2026-05-02T08:00:00", "last_publication_date": "2026-06-02T23:59:59"}
    occupation_group = {"concept_id": "x", "label": "Sjuksköterskor", "legacy_ams_taxonomy_id": "2221"}
    return jobstream_ad(ad_id, **{"timestamp": 1777708800000, "occupation_group": occupation_group, **dates, **changes})


def test_staged_batch_is_in_data_docs(warehouse_conn):
    ads = [_ad("9300001"), _ad("9300002", number_of_vacancies=-1), _ad("9300003")]
    batch_id = open_batch(warehouse_conn, JOB_ADS, PERIOD, "data_docs_test")
    land_payload(
        warehouse_conn,
        batch_id,
        JOB_ADS.name,
        0,
        source_url="test://",
        body=json.dumps(ads).encode(),
        content_type="application/json",
    )
    stored_before = set((gx_root() / "uncommitted" / "validations").rglob(f"batch-{batch_id}.json"))
    staged = stage_batch(warehouse_conn, JOB_ADS, batch_id)
    assert (staged.received, staged.quarantined) == (3, 1)
    # Stage renders no Data Docs (a fixed cost kept off the batch's path): they come after publish.
    assert set((gx_root() / "uncommitted" / "validations").rglob(f"batch-{batch_id}.json")) == stored_before == set()
    with pytest.raises(BatchRejected):  # 1 of 3 is above the threshold: docs follow a rejection too
        publish_batch(warehouse_conn, JOB_ADS, batch_id)
    assert record_batch_docs(warehouse_conn, feed=JOB_ADS.name, suite_name=JOB_ADS.suite, batch_id=batch_id)

    index = data_docs_index()
    assert index.is_file() and JOB_ADS.suite in index.read_text(encoding="utf-8")
    [stored] = (gx_root() / "uncommitted" / "validations" / JOB_ADS.suite).rglob(f"batch-{batch_id}.json")
    result = json.loads(stored.read_text())
    assert result["success"] is False
    assert result["meta"]["vagled"]["rows_validated"] == 3
    [between] = [
        item for item in result["results"] if item["expectation_config"]["type"] == "expect_column_values_to_be_between"
    ]
    assert (between["success"], between["result"]["unexpected_count"]) == (False, 1)
    assert sum(item["result"].get("unexpected_count", 0) for item in result["results"]) == 1
    audit = warehouse_conn.execute(
        "select success, rows_failed from audit.validation_result where batch_id = %s", (batch_id,)
    ).fetchone()
    assert audit == (False, 1)
