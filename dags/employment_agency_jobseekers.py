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
from airflow.sdk import Param, dag
from airflow.timetables.interval import CronDataIntervalTimetable

from vagled.assets import JOBSEEKERS
from vagled.dag_defaults import DEFAULT_ARGS
from vagled.pipeline.dag_tasks import load_path


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
    load_path("jobseekers", asset_uri=JOBSEEKERS)


employment_agency_jobseekers()
