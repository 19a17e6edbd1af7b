"""
### employment_agency_outlook

The occupational outlook (Arbetsförmedlingen *yrkesbarometer*): per SSYK 2012 occupation and
county, a shortage index (1-5), the assessment on the agency's five-step scale and the 1- and
5-year outlooks (connection `af_outlook`, `GET yrkesbarometer?ar=YYYY&halvar=1|2`).

- **Schedule:** twice a year (1 January and 1 July); the run loads both halves of every year its
  interval touches, so a late correction of the previous half is picked up too.
- **Writes:** raw.landed_payload, staging.occupational_outlook, quarantine.record,
  core.occupational_outlook, audit.load_batch; emits `vagled://warehouse/core/occupational_outlook`.
- **Validation:** expectations/occupational_outlook.json; above 10 % quarantined the batch is rejected.
- **Rerun / backfill:** safe at any time (unchanged records are not rewritten); a manual run needs
  params `period_start`/`period_end`, e.g. `2024-01-01` and `2026-01-01` to load 2024 and 2025.
"""

from __future__ import annotations

import pendulum
from airflow.sdk import Asset, Param, dag, get_current_context, task
from airflow.timetables.interval import CronDataIntervalTimetable

from vagled.assets import OCCUPATIONAL_OUTLOOK
from vagled.dag_defaults import DEFAULT_ARGS

FEED = "occupational_outlook"


@dag(
    dag_id="employment_agency_outlook",
    schedule=CronDataIntervalTimetable("0 0 1 1,7 *", timezone="Europe/Stockholm"),
    start_date=pendulum.datetime(2026, 1, 1, tz="Europe/Stockholm"),
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    tags=["family:employment_agency", "layer:core"],
    doc_md=__doc__,
    params={
        "period_start": Param(None, type=["null", "string"], description="ISO start for a manual run"),
        "period_end": Param(None, type=["null", "string"], description="ISO end (exclusive) for a manual run"),
    },
)
def employment_agency_outlook():
    @task
    def extract_outlook() -> dict:
        """Open a batch and land the outlook of every half-year in the period's years."""
        from datetime import timedelta

        from vagled.feeds.outlook import CONN_ID, half_years
        from vagled.pipeline import tasks
        from vagled.pipeline.extract import land_responses
        from vagled.sources.http import HttpSource

        context = get_current_context()

        def land(conn, batch_id, period):
            last_year = (period.end - timedelta(seconds=1)).year
            requests = half_years(period.start.year, last_year)
            return {"parts": land_responses(conn, HttpSource(CONN_ID), batch_id, FEED, requests)}

        return tasks.extract(
            FEED,
            data_interval_start=context.get("data_interval_start"),
            data_interval_end=context.get("data_interval_end"),
            params=context["params"],
            run_id=context["run_id"],
            land=land,
        )

    @task
    def stage_outlook(extracted: dict) -> dict:
        """Parse, COPY to staging and validate; failing rows go to quarantine."""
        from vagled.pipeline import tasks

        return tasks.stage(FEED, extracted["batch_id"])

    @task(outlets=[Asset(OCCUPATIONAL_OUTLOOK)])
    def publish_outlook(extracted: dict, staged: dict) -> dict:
        """Merge the batch into core.occupational_outlook in one transaction."""
        from vagled.pipeline import tasks

        return tasks.publish(FEED, extracted["batch_id"])

    extracted = extract_outlook()
    publish_outlook(extracted, stage_outlook(extracted))


employment_agency_outlook()
