"""
### employment_agency_jobseekers

Registered unemployed job seekers per municipality, county and month from Arbetsförmedlingen's
statistics workbooks (connection `af_statistics` = the agency's site; the page
`statistik/sok-statistik/tidigare-statistik-tidsserier` links the workbooks behind opaque
addresses). Groups: total, sex, age (incl. 18-24), born in Sweden / abroad, education level,
without work > 6 / 12 / 24 months, weak competitive position, unemployed per occupational area,
and the labour-force base for rates. docs/upstreams/arbetsformedlingen.md has the format.

- **Schedule:** daily at 07:00 from the 23rd to the 10th of the next month. `check_publication`
  reads only the page: when every workbook shows the same month, newer than core, the month is
  loaded; otherwise it logs `waiting: ...` with the month each workbook shows (or `nothing new`)
  and the run ends there, downloading nothing. No sensor holds a worker slot.
- **Period:** the first load takes the whole published series; a later one its new month only
  (the batch's period says which; every workbook still holds the whole series).
- **Writes:** raw.landed_payload (the workbooks), staging.jobseeker_cell, quarantine.record
  (e.g. a municipality name that maps to nothing, with the name), core.jobseekers_monthly,
  audit.load_batch; emits `vagled://warehouse/core/jobseekers_monthly`.
- **Validation:** expectations/jobseekers.json per cell; expectations/jobseekers_crosscheck.json
  compares the unemployed total reached from different workbooks: a mismatch rejects the month
  with the figures in the batch's error. A workbook that is not a ZIP, a renamed cache field or a
  page without a workbook's link fails the run with the reason.
- **Rerun:** rerunning changes nothing once the month is in core (`nothing new`); to reload the
  month, delete it from core.jobseekers_monthly or trigger with params `period_start`/`period_end`
  (the links are read from the page again).
"""

from __future__ import annotations

import pendulum
from airflow.sdk import Param, dag, task
from airflow.timetables.trigger import CronTriggerTimetable

from vagled.config import TIME_ZONE
from vagled.dag_defaults import DEFAULT_ARGS
from vagled.dag_tasks import load_path


@dag(
    dag_id="employment_agency_jobseekers",
    schedule=CronTriggerTimetable("0 7 1-10,23-31 * *", timezone=TIME_ZONE),
    start_date=pendulum.datetime(2026, 1, 1, tz=TIME_ZONE),
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    tags=["family:employment_agency", "layer:core"],
    doc_md=__doc__,
    params={
        "period_start": Param(None, type=["null", "string"], description="reload from this month (ISO date)"),
        "period_end": Param(None, type=["null", "string"], description="end (exclusive, ISO date) of a reload"),
    },
)
def employment_agency_jobseekers():
    @task.short_circuit(task_id="check_publication")
    def check_publication() -> dict:
        """Read the statistics page; go on only when every workbook shows the same new month.

        - **Reads:** the statistics page (nothing else), the newest month in core.
        - **Returns:** the period and the workbook links to load, or nothing (`waiting` /
          `nothing new`, logged with what the page showed): the downstream tasks are skipped.
        - **Rerun:** safe at any time: it only reads the page; with params `period_start` and
          `period_end` it reloads the page's month even when core already has it.
        """
        from airflow.sdk import get_current_context

        from vagled.feeds.jobseekers.parse import publication_params

        return publication_params(get_current_context()["params"])

    load_path("jobseekers", run_params=check_publication())


employment_agency_jobseekers()
