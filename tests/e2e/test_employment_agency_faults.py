"""Every feedsim fault, against the employment-agency DAGs run for real: survived, quarantined or refused.

Transient faults (429, 5xx, resets, cut or HTML bodies, a hang) are asked for the first N
requests only and must be survived by retrying; data faults touch a few records, which must be
quarantined with their reason while the rest loads; structural faults must reject the batch
with a clear error and load nothing. In every case received = loaded + quarantined + duplicates.
"""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.e2e

JOBSEEKERS = ("employment_agency_jobseekers", "jobseekers", {"period_start": "2026-06-01", "period_end": "2026-07-01"})
OUTLOOK = (
    "employment_agency_outlook",
    "occupational_outlook",
    {"period_start": "2026-01-01", "period_end": "2026-07-01"},
)
JOB_ADS = (
    "employment_agency_job_ads",
    "job_ads",
    {"period_start": "2026-09-01T00:00:00+02:00", "period_end": "2026-09-03T00:00:00+02:00"},
)


def _run(dag_id: str, conf: dict, sim, monkeypatch, *, extra: str = ""):
    from airflow.dag_processing.dagbag import DagBag

    from vagled.config import DAGS_DIR
    from vagled.feedsim.cli import connection_uris

    for conn_id, uri in connection_uris("127.0.0.1", sim.port).items():
        monkeypatch.setenv(f"AIRFLOW_CONN_{conn_id.upper()}", uri + extra)
    dag = DagBag(dag_folder=str(DAGS_DIR / f"{dag_id}.py")).dags[dag_id]
    for task in dag.tasks:
        task.retries = 0  # the client's own retries must do it, not Airflow's
    return dag.test(run_conf=conf)


def _last_batch(conn, feed: str) -> dict:
    row = conn.execute(
        "select batch_id, status, received, loaded, quarantined, duplicates, error"
        " from audit.load_batch where feed = %s order by batch_id desc limit 1",
        (feed,),
    ).fetchone()
    return dict(
        zip(("batch_id", "status", "received", "loaded", "quarantined", "duplicates", "error"), row, strict=True)
    )


def _reasons(conn, batch_id: int) -> set[str]:
    rows = conn.execute(
        "select distinct unnest(array[r->>'expectation', r->>'column'])"
        " from quarantine.record, jsonb_array_elements(reasons) r where batch_id = %s",
        (batch_id,),
    ).fetchall()
    return {r[0] for r in rows if r[0]}


@pytest.mark.parametrize(
    ("target", "fault"),
    [
        (JOBSEEKERS, "http_429:2"),
        (JOBSEEKERS, "http_500:2"),
        (OUTLOOK, "http_503:2"),
        (JOBSEEKERS, "reset:2"),
        (JOBSEEKERS, "truncated:2"),
        (OUTLOOK, "truncated:2"),
        (OUTLOOK, "wrong_content_type:2"),
        (JOBSEEKERS, "wrong_content_type:2"),
        (JOB_ADS, "reset:1"),
        (JOBSEEKERS, "slow"),
        (JOBSEEKERS, "wrong_encoding"),
    ],
    ids=lambda v: v if isinstance(v, str) else v[0],
)
def test_transient_faults_are_survived(target, fault, airflow_db, feedsim_factory, warehouse_conn, monkeypatch):
    dag_id, feed, conf = target
    sim = feedsim_factory(faults=[fault])
    assert _run(dag_id, conf, sim, monkeypatch).state == "success"
    batch = _last_batch(warehouse_conn, feed)
    assert batch["status"] == "succeeded" and batch["quarantined"] == 0 and batch["loaded"] > 0
    assert sim.fault_log, "the fault was applied"
    if fault == "wrong_encoding":
        labels = warehouse_conn.execute(
            "select count(*) from core.jobseekers_monthly where month = '2026-06-01' and group_code = 'youth_18_24'"
        ).fetchone()[0]
        assert labels > 0, "a Windows-1252 file declared as UTF-8 is still read right (å in 'år')"


def test_a_hanging_upstream_times_out_and_is_retried(airflow_db, feedsim_factory, warehouse_conn, monkeypatch):
    dag_id, feed, conf = JOBSEEKERS
    sim = feedsim_factory(faults=["timeout:1"], timeout_seconds=6)
    # read_timeout comes from the connection's extras, as in production
    assert _run(dag_id, conf, sim, monkeypatch, extra="?read_timeout=2").state == "success"
    assert _last_batch(warehouse_conn, feed)["status"] == "succeeded"


def test_a_fault_that_never_clears_fails_the_run_clearly(airflow_db, feedsim_factory, warehouse_conn, monkeypatch):
    dag_id, feed, conf = OUTLOOK
    sim = feedsim_factory(faults=["truncated"])
    assert _run(dag_id, conf, sim, monkeypatch).state == "failed"
    batch = _last_batch(warehouse_conn, feed)
    assert batch["status"] == "failed" and "no usable answer" in batch["error"] and "not valid JSON" in batch["error"]
    assert batch["loaded"] == 0


@pytest.mark.parametrize(
    ("target", "fault", "reason"),
    [
        (JOBSEEKERS, "bad_codes", "expect_column_values_to_be_in_set"),
        (JOBSEEKERS, "negative_counts", "expect_column_values_to_be_between"),
        (JOBSEEKERS, "missing_fields", "expect_column_values_to_not_be_null"),
        (JOBSEEKERS, "invalid_utf8", "valid_text_encoding"),
        (OUTLOOK, "bad_codes", "expect_column_values_to_be_in_set"),
        (OUTLOOK, "missing_fields", "expect_column_values_to_not_be_null"),
        (JOB_ADS, "bad_codes", "expect_column_values_to_be_in_set"),
        (JOB_ADS, "negative_counts", "expect_column_values_to_be_between"),
        (JOB_ADS, "missing_fields", "expect_column_values_to_not_be_null"),
        (JOB_ADS, "pnr_in_text", "personal_number_found"),
    ],
    ids=lambda v: v if isinstance(v, str) else v[0],
)
def test_bad_records_are_quarantined_with_their_reason(
    target, fault, reason, airflow_db, feedsim_factory, warehouse_conn, monkeypatch
):
    dag_id, feed, conf = target
    sim = feedsim_factory(faults=[fault])
    run = _run(dag_id, conf, sim, monkeypatch)
    batch = _last_batch(warehouse_conn, feed)
    assert batch["quarantined"] > 0
    assert reason in _reasons(warehouse_conn, batch["batch_id"])
    if batch["status"] == "succeeded":
        assert run.state == "success"
        assert batch["received"] == batch["loaded"] + batch["quarantined"] + batch["duplicates"]
    else:  # above the feed's threshold: nothing published, a clear failure
        assert run.state == "failed" and batch["status"] == "rejected" and "threshold" in batch["error"]
    if fault == "pnr_in_text":
        leaked = warehouse_conn.execute(
            "select count(*) from quarantine.record where batch_id = %s and record::text ~ '[0-9]{8}-[0-9]{4}'",
            (batch["batch_id"],),
        ).fetchone()[0]
        assert leaked == 0, "the identity number is masked in quarantine"


@pytest.mark.parametrize("target", [JOBSEEKERS, OUTLOOK, JOB_ADS], ids=lambda v: v[0])
def test_duplicated_records_are_counted_once(target, airflow_db, feedsim_factory, warehouse_conn, monkeypatch):
    dag_id, feed, conf = target
    sim = feedsim_factory(faults=["duplicates"])
    assert _run(dag_id, conf, sim, monkeypatch).state == "success"
    batch = _last_batch(warehouse_conn, feed)
    assert batch["status"] == "succeeded" and batch["duplicates"] > 0
    assert batch["received"] == batch["loaded"] + batch["quarantined"] + batch["duplicates"]


@pytest.mark.parametrize(
    ("target", "fault", "message"),
    [
        (JOBSEEKERS, "schema_drift", "Antal"),
        (JOBSEEKERS, "empty_page", "no rows"),
        (OUTLOOK, "schema_drift", "bristindex"),
        (OUTLOOK, "empty_page", "no records"),
        (JOB_ADS, "schema_drift", "headline"),
    ],
    ids=lambda v: v if isinstance(v, str) else v[0],
)
def test_a_changed_structure_rejects_the_batch_and_loads_nothing(
    target, fault, message, airflow_db, feedsim_factory, warehouse_conn, monkeypatch
):
    dag_id, feed, conf = target
    sim = feedsim_factory(faults=[fault])
    assert _run(dag_id, conf, sim, monkeypatch).state == "failed"
    batch = _last_batch(warehouse_conn, feed)
    assert batch["status"] == "rejected" and message in batch["error"], batch["error"]
    assert batch["loaded"] == 0
    landed = warehouse_conn.execute(
        "select count(*) from raw.landed_payload where batch_id = %s", (batch["batch_id"],)
    ).fetchone()[0]
    assert landed > 0, "the raw payload is kept for a rerun after the fix"
