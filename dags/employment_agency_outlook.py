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
from airflow.sdk import Param, dag
from airflow.timetables.interval import CronDataIntervalTimetable

from vagled.assets import OCCUPATIONAL_OUTLOOK
from vagled.dag_defaults import DEFAULT_ARGS
from vagled.pipeline.dag_tasks import load_path


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
    load_path("occupational_outlook", asset_uri=OCCUPATIONAL_OUTLOOK, name="outlook")


employment_agency_outlook()
