"""
### employment_agency_jobseekers

Registered job seekers per municipality, month and group from Arbetsförmedlingen's monthly
statistics files (connection `af_statistics`, `GET statistik/arbetssokande/YYYY-MM.csv`):
total, young people 18-24, born abroad, with a disability that reduces work capacity, and
long-term unemployed (over 12 months).

- **Schedule:** monthly; the data interval is the calendar month loaded, and its run starts when
  the month has ended. If the agency has not published the file yet, the run fails clearly
  (HTTP 404) and is simply cleared once the file is out.
- **Writes:** raw.landed_payload, staging.jobseekers_monthly, quarantine.record,
  core.jobseekers_monthly, audit.load_batch; emits `vagled://warehouse/core/jobseekers_monthly`.
- **Validation:** expectations/jobseekers.json (codes in the reference dimensions, known groups,
  counts 0..200 000); above 10 % quarantined the batch is rejected.
- **Rerun / backfill:** rerunning a month changes nothing unless the file changed.
  `airflow backfill create --dag-id employment_agency_jobseekers --from-date 2025-01-01 --to-date 2025-12-31`;
  a manual run needs params `period_start`/`period_end` (e.g. `2025-03-01`, `2025-04-01`).
"""

from __future__ import annotations

import pendulum
from airflow.sdk import Asset, Param, dag, get_current_context, task
from airflow.timetables.interval import CronDataIntervalTimetable

from vagled.assets import JOBSEEKERS
from vagled.dag_defaults import DEFAULT_ARGS

FEED = "jobseekers"


@dag(
    dag_id="employment_agency_jobseekers",
    schedule=CronDataIntervalTimetable("0 0 1 * *", timezone="Europe/Stockholm"),
    start_date=pendulum.datetime(2026, 1, 1, tz="Europe/Stockholm"),
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    tags=["family:employment_agency", "layer:core"],
    doc_md=__doc__,
    params={
        "period_start": Param(None, type=["null", "string"], description="first month (ISO date) for a manual run"),
        "period_end": Param(None, type=["null", "string"], description="end (exclusive, ISO date) for a manual run"),
    },
)
def employment_agency_jobseekers():
    @task
    def extract_jobseekers() -> dict:
        """Open a batch and land the monthly file of every month in the period."""
        from vagled.feeds.jobseekers import CONN_ID, monthly_paths
        from vagled.pipeline import tasks
        from vagled.pipeline.extract import land_responses
        from vagled.sources.http import HttpSource

        context = get_current_context()

        def land(conn, batch_id, period):
            paths = monthly_paths(period.start.date(), period.end.date())
            return {"parts": land_responses(conn, HttpSource(CONN_ID), batch_id, FEED, paths, expect="text")}

        return tasks.extract(
            FEED,
            data_interval_start=context.get("data_interval_start"),
            data_interval_end=context.get("data_interval_end"),
            params=context["params"],
            run_id=context["run_id"],
            land=land,
        )

    @task
    def stage_jobseekers(extracted: dict) -> dict:
        """Parse the CSV files, COPY to staging and validate; failing rows go to quarantine."""
        from vagled.pipeline import tasks

        return tasks.stage(FEED, extracted["batch_id"])

    @task(outlets=[Asset(JOBSEEKERS)])
    def publish_jobseekers(extracted: dict, staged: dict) -> dict:
        """Merge the batch into core.jobseekers_monthly in one transaction."""
        from vagled.pipeline import tasks

        return tasks.publish(FEED, extracted["batch_id"])

    extracted = extract_jobseekers()
    publish_jobseekers(extracted, stage_jobseekers(extracted))


employment_agency_jobseekers()
