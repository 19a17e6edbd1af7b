"""Alerts for real: DAGs run with dag.test() against feedsim; alerts reach a local SMTP server and webhook.

The connections vagled_alert_email and vagled_alert_webhook point at receivers on 127.0.0.1, so the
messages go through the SMTP provider's SmtpNotifier and the HTTP provider's HttpNotifier as in
production. Each test checks what an engineer needs to read in the message: the feed, the data
interval, the batch, its counts and the link to the task log.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from alert_receivers import alert_channels, smtp_sink, webhook_receiver  # noqa: F401 - fixtures

pytestmark = pytest.mark.e2e


def _run(dag_id: str, conf: dict, sim, monkeypatch, *, retries: int = 0):
    from airflow.dag_processing.dagbag import DagBag

    from vagled.config import DAGS_DIR
    from vagled.feedsim.cli import connection_uris

    for conn_id, uri in connection_uris("127.0.0.1", sim.port).items():
        monkeypatch.setenv(f"AIRFLOW_CONN_{conn_id.upper()}", uri)
    dag = DagBag(dag_folder=str(DAGS_DIR / f"{dag_id}.py")).dags[dag_id]
    for task in dag.tasks:
        task.retries = retries
        task.retry_delay = timedelta(0)
        task.retry_exponential_backoff = False
    return dag.test(run_conf=conf)


def _batch(conn, batch_id: int) -> dict:
    cur = conn.execute(
        "select batch_id, feed, status, received, loaded, quarantined, duplicates, run_id"
        " from audit.load_batch where batch_id = %s",
        (batch_id,),
    )
    return dict(zip([c.name for c in cur.description], cur.fetchone(), strict=True))


def test_a_rejected_batch_alerts_by_email_and_webhook(
    airflow_db, feedsim_factory, warehouse_conn, monkeypatch, alert_channels  # noqa: F811
):
    smtp, webhook = alert_channels
    sim = feedsim_factory(faults=["schema_drift"])
    conf = {"period_start": "2026-07-01", "period_end": "2026-08-01"}
    assert _run("employment_agency_jobseekers", conf, sim, monkeypatch).state == "failed"

    [payload] = [p for p in webhook.payloads if p["task_id"] == "stage_jobseekers"]
    assert payload["kind"] == "data_quality" and payload["feeds"] == ["jobseekers"]
    assert payload["dag_id"] == "employment_agency_jobseekers"
    assert payload["data_interval"]["start"].startswith("2026-07-01")
    assert payload["data_interval"]["end"].startswith("2026-08-01")
    [batch] = payload["batches"]
    stored = _batch(warehouse_conn, batch["batch_id"])
    assert stored["status"] == batch["status"] == "rejected" and stored["run_id"] == payload["run_id"]
    assert "lacks the fields" in batch["error"] and "format changed" in batch["error"]
    assert "/dags/employment_agency_jobseekers/runs/" in payload["log_url"]
    assert payload["log_url"].endswith("/tasks/stage_jobseekers?try_number=1")
    assert "Data health page" in payload["links"]
    request = next(r for r in webhook.requests if r["json"] is payload)
    assert request["path"] == "/hooks/vagled" and request["headers"]["X-Alert-Token"] == "test-token"

    [message] = [m for m in smtp.messages if "stage_jobseekers" in m["Subject"]]
    assert "Data quality" in message["Subject"] and "[jobseekers]" in message["Subject"]
    assert message["X-Envelope-To"] == "dataeng@example.org, jour@example.org"
    assert message["From"] == "vagled-alerts@example.org"
    body = message.get_body(("html",)).get_content()
    assert f"<td>{batch['batch_id']}</td>" in body and "rejected" in body
    assert "2026-07-01" in body and payload["log_url"].replace("&", "&amp;") in body


def test_a_batch_published_with_quarantined_rows_alerts_with_its_counts(
    airflow_db, feedsim_factory, warehouse_conn, monkeypatch, alert_channels  # noqa: F811
):
    smtp, webhook = alert_channels
    sim = feedsim_factory(faults=["bad_codes"])
    conf = {"period_start": "2026-05-01", "period_end": "2026-06-01"}
    run = _run("employment_agency_jobseekers", conf, sim, monkeypatch)

    [payload] = [p for p in webhook.payloads if p["feeds"] == ["jobseekers"]]
    assert payload["kind"] == "data_quality"
    [batch] = payload["batches"]
    stored = _batch(warehouse_conn, batch["batch_id"])
    assert batch["quarantined"] == stored["quarantined"] > 0
    assert (batch["received"], batch["loaded"]) == (stored["received"], stored["loaded"])
    if run.state == "success":
        assert payload["task_id"] == "publish_jobseekers" and stored["status"] == "succeeded"
        assert f"{stored['quarantined']} of {stored['received']} records quarantined" in payload["headline"]
    else:  # above the feed's threshold the batch is rejected instead, which alerts as well
        assert stored["status"] == "rejected"
    assert payload["links"]["Quarantine rows"].endswith(f"/vagled/quarantine?batch_id={batch['batch_id']}")
    assert any(f"<td>{stored['quarantined']}</td>" in m.get_body(("html",)).get_content() for m in smtp.messages)


def test_a_task_that_fails_on_its_last_try_alerts_retries_exhausted(
    airflow_db, feedsim_factory, warehouse_conn, monkeypatch, alert_channels  # noqa: F811
):
    smtp, webhook = alert_channels
    sim = feedsim_factory(faults=["truncated"])
    conf = {"period_start": "2025-01-01", "period_end": "2026-01-01"}
    assert _run("employment_agency_outlook", conf, sim, monkeypatch, retries=1).state == "failed"

    [payload] = webhook.payloads
    assert payload["kind"] == "retries_exhausted" and payload["task_id"] == "extract_outlook"
    assert (payload["try_number"], payload["max_tries"]) == (2, 1)
    assert payload["feeds"] == ["occupational_outlook"]
    # each try opened a batch; the alert lists them with their errors, newest first
    assert len(payload["batches"]) == 2 and all(b["status"] == "failed" for b in payload["batches"])
    assert "no usable answer" in payload["error"]
    assert payload["log_url"].endswith("/tasks/extract_outlook?try_number=2")
    [message] = smtp.messages
    assert "Retries exhausted" in message["Subject"]
    assert "employment_agency_outlook.extract_outlook" in message["Subject"]


def test_alerts_still_go_out_when_one_channel_is_down(
    airflow_db, feedsim_factory, warehouse_conn, monkeypatch, alert_channels  # noqa: F811
):
    smtp, webhook = alert_channels
    webhook.fail_with = 503
    sim = feedsim_factory(faults=["schema_drift"])
    conf = {"period_start": "2026-07-01", "period_end": "2026-08-01"}
    assert _run("employment_agency_jobseekers", conf, sim, monkeypatch).state == "failed"
    assert webhook.requests, "the webhook was tried"
    assert [m for m in smtp.messages if "stage_jobseekers" in m["Subject"]], "e-mail delivered all the same"


def test_no_channel_configured_means_no_delivery_and_no_failure(
    airflow_db, feedsim_factory, warehouse_conn, monkeypatch, smtp_sink, webhook_receiver  # noqa: F811
):
    monkeypatch.delenv("AIRFLOW_CONN_VAGLED_ALERT_EMAIL", raising=False)
    monkeypatch.delenv("AIRFLOW_CONN_VAGLED_ALERT_WEBHOOK", raising=False)
    sim = feedsim_factory(faults=["schema_drift"])
    conf = {"period_start": "2026-07-01", "period_end": "2026-08-01"}
    assert _run("employment_agency_jobseekers", conf, sim, monkeypatch).state == "failed"
    assert smtp_sink.messages == [] and webhook_receiver.requests == []
