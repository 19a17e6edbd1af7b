"""
### monitoring_feed_freshness

Checks every hour that each feed's data is no older than it may be, and alerts the data engineers
when a feed (or, for the municipalities' files, a county) has gone stale.

- **Declaration:** each feed's spec (`FeedSpec.freshness`, `include/vagled/feeds/<feed>/spec.py`):
  the DAG that loads it and its `max_age` (the cadence plus the upstream's usual delay: 3 h for
  hourly job ads, 40 days for the monthly files, 190 days for the twice-yearly outlook);
  `per_county` for feeds loaded per municipality. Each run first syncs it into `audit.feed_freshness_policy`.
- **Reads:** audit.load_batch, audit.validation_result through `mart.feed_freshness_at(as_of)`
  (the same function behind the view `mart.feed_freshness` and the Data health page). A feed is
  `stale` when its last successful batch is older than `max_age`; a county is as fresh as its
  stalest municipality. Replays of quarantined rows do not count as loads.
- **Alerts:** one message listing every feed newly stale, through the alert connections
  (`vagled_alert_email`, `vagled_alert_webhook`); a feed that stays stale is named again after
  `realert_after` (24 h). A feed never loaded is shown on the page but not alerted on.
- **Writes:** audit.feed_freshness_policy, audit.freshness_alert. Sensor-free: the task reads the
  warehouse once and ends; it never waits on a feed.
- **Moment checked:** the end of the run's data interval, never the wall clock, so rerunning an
  hour gives that hour's answer (and does not alert twice: the alert is recorded). A manual run
  checks param `as_of` (ISO 8601 with a time zone) when given.
- **Rerun / backfill:** clear a run to check that hour again;
  `vagled airflow backfill create --dag-id monitoring_feed_freshness --from-date … --to-date …`
  checks past hours (useful after restoring the warehouse). Nothing is loaded, so reruns are safe.
"""

from __future__ import annotations

import pendulum
from airflow.sdk import Param, dag, get_current_context, task
from airflow.timetables.interval import CronDataIntervalTimetable

from vagled.config import TIME_ZONE
from vagled.dag_defaults import DEFAULT_ARGS


@dag(
    dag_id="monitoring_feed_freshness",
    schedule=CronDataIntervalTimetable("5 * * * *", timezone=TIME_ZONE),
    start_date=pendulum.datetime(2026, 11, 1, tz=TIME_ZONE),
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    tags=["family:platform", "layer:monitoring"],
    doc_md=__doc__,
    params={
        "as_of": Param(None, type=["null", "string"], description="ISO moment to check, for a manual run"),
    },
)
def monitoring_feed_freshness():
    @task
    def check_feed_freshness() -> dict:
        """Compute every feed's freshness as of the run's moment and alert on feeds newly stale.

        - **Reads:** each feed's FeedSpec.freshness, include/reference/feed_freshness.toml,
          audit.load_batch, audit.validation_result.
        - **Writes:** audit.feed_freshness_policy, audit.freshness_alert; sends the alert.
        - **Returns:** the moment checked, the stale feeds and the feeds alerted on.
        - **Rerun:** clear it; an alert already sent for that moment is not sent again.
        """
        from vagled.monitoring.freshness import check_freshness, check_moment
        from vagled.warehouse.db import connect

        context = get_current_context()
        dag_run = context.get("dag_run")
        as_of = check_moment(
            context.get("data_interval_end"), context["params"], getattr(dag_run, "run_after", None)
        )
        with connect(autocommit=True) as conn:
            return check_freshness(conn, as_of)

    check_feed_freshness()


monitoring_feed_freshness()
