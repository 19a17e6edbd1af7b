"""Freshness on a real warehouse: mart.feed_freshness_at, the view, and the freshness DAG's alerts.

Batches are written with finish times in 2019, and freshness is asked as of moments in 2019, so
batches other tests load (finished now) never count: the function only sees batches finished by
the moment it is asked about.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from alert_receivers import alert_channels, smtp_sink, webhook_receiver  # noqa: F401 - fixtures

pytestmark = pytest.mark.e2e

T0 = datetime(2019, 3, 1, 12, tzinfo=UTC)


def _batch(conn, feed: str, finished: datetime, *, status: str = "succeeded", part: str | None = None,
           loaded: int = 10, quarantined: int = 0) -> int:
    return conn.execute(
        "insert into audit.load_batch (feed, status, received, loaded, quarantined, partition_key,"
        " started_at, finished_at) values (%s, %s, %s, %s, %s, %s, %s, %s) returning batch_id",
        (feed, status, loaded + quarantined if status == "succeeded" else 0, loaded if status == "succeeded" else 0,
         quarantined if status == "succeeded" else 0, part, finished, finished),
    ).fetchone()[0]


def _rows(conn, as_of: datetime) -> dict:
    from vagled.monitoring.freshness import feed_freshness

    return {(r.feed, r.county_code): r for r in feed_freshness(conn, as_of)}


def test_freshness_per_feed_and_per_county(warehouse_conn):
    from datetime import timedelta

    ads = _batch(warehouse_conn, "job_ads", T0)
    rows = _rows(warehouse_conn, T0 + timedelta(hours=1))
    assert rows[("job_ads", None)].status == "fresh" and rows[("job_ads", None)].last_batch_id == ads
    assert _rows(warehouse_conn, T0 + timedelta(hours=4))[("job_ads", None)].status == "stale"
    assert rows[("taxonomy", None)].status == "never_loaded"

    # A failed run after the success: still fresh (the data is), but the last batch shows the failure.
    failed = _batch(warehouse_conn, "job_ads", T0 + timedelta(minutes=30), status="failed")
    row = _rows(warehouse_conn, T0 + timedelta(hours=1))[("job_ads", None)]
    assert (row.status, row.last_batch_id, row.last_batch_status) == ("fresh", failed, "failed")

    # Municipal files per county: a county is as fresh as its stalest municipality.
    _batch(warehouse_conn, "municipal_programmes", T0, part="1880", loaded=5, quarantined=1)
    _batch(warehouse_conn, "municipal_programmes", T0 - timedelta(days=60), part="1881", loaded=3)
    _batch(warehouse_conn, "municipal_programmes", T0, part="0380", loaded=7)
    rows = _rows(warehouse_conn, T0 + timedelta(days=1))
    orebro, uppsala = rows[("municipal_programmes", "18")], rows[("municipal_programmes", "03")]
    assert (orebro.status, orebro.parts, orebro.stale_parts) == ("stale", 2, 1)
    assert (orebro.rows_last_batch, orebro.quarantined_last) == (8, 1)
    assert (uppsala.status, uppsala.parts) == ("fresh", 1)
    whole = rows[("municipal_programmes", None)]
    assert (whole.status, whole.parts, whole.stale_parts, whole.rows_last_batch) == ("stale", 3, 1, 15)
    assert ("jobseekers", "18") not in rows, "county rows only for feeds loaded per municipality"


def test_the_view_is_readable_by_analysts_who_cannot_read_audit(admin_conn, embedded_warehouse):
    import psycopg

    admin_conn.execute("drop role if exists test_freshness_analyst")
    admin_conn.execute("create role test_freshness_analyst login password 'freshness-pw' in role analyst_18")
    url = f"postgresql://test_freshness_analyst:freshness-pw@127.0.0.1:{embedded_warehouse.port}/vagled"
    try:
        with psycopg.connect(url, autocommit=True) as conn:
            rows = conn.execute("select feed, status from mart.feed_freshness").fetchall()
            assert {feed for feed, _ in rows} >= {"job_ads", "jobseekers", "taxonomy"}
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute("select * from audit.load_batch")
    finally:
        admin_conn.execute("drop owned by test_freshness_analyst")
        admin_conn.execute("drop role if exists test_freshness_analyst")


def test_the_freshness_dag_alerts_once_on_a_stale_feed(airflow_db, warehouse_conn, alert_channels):  # noqa: F811
    from airflow.dag_processing.dagbag import DagBag

    from vagled.config import DAGS_DIR

    smtp, webhook = alert_channels
    _batch(warehouse_conn, "jobseekers", datetime(2019, 1, 1, tzinfo=UTC))
    _batch(warehouse_conn, "occupational_outlook", datetime(2019, 5, 1, tzinfo=UTC))
    dag = DagBag(dag_folder=str(DAGS_DIR / "monitoring_feed_freshness.py")).dags["monitoring_feed_freshness"]
    for task in dag.tasks:
        task.retries = 0
    assert dag.test(run_conf={"as_of": "2019-06-01T08:00:00+02:00"}).state == "success"

    stale_alerts = [p for p in webhook.payloads if p["kind"] == "stale"]
    assert len(stale_alerts) == 1
    [alert] = stale_alerts
    stale = {s["feed"]: s for s in alert["stale_feeds"]}
    assert "jobseekers" in stale and "occupational_outlook" not in stale  # 40 days vs 190 days
    assert stale["jobseekers"]["last_success_at"].startswith("2019-01-01")
    assert "jobseekers" in alert["headline"] and alert["links"]["Data health page"].endswith("/vagled/data-health")
    [message] = [m for m in smtp.messages if "Stale feed" in m["Subject"]]
    assert "jobseekers" in message.get_body(("html",)).get_content()
    recorded = warehouse_conn.execute(
        "select feed, channels from audit.freshness_alert where checked_as_of = '2019-06-01T06:00:00Z'"
    ).fetchall()
    assert ("jobseekers", ["email", "webhook"]) in recorded

    # An hour later the feed is still stale: it was alerted on already, no new message.
    assert dag.test(run_conf={"as_of": "2019-06-01T09:00:00+02:00"}).state == "success"
    assert len([p for p in webhook.payloads if p["kind"] == "stale"]) == 1
