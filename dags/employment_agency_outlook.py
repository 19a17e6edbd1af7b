"""
### employment_agency_outlook

The occupational outlook: Arbetsförmedlingen's *yrkesbarometer*, one static JSON file of the
current round (connection `af_outlook`, `GET prognoser/yrkesbarometer.json`): per barometer
occupation and county (and the nation, `00`), the categorical assessments jobbmöjligheter,
rekryteringssituation (incl. paradox and its reasons) and prognos, and how the barometer
occupation maps to SSYK (`delvis`/`helt`). No numeric index exists or is made.

- **Schedule:** daily at 06:00. The file holds only the current round (new rounds in June and
  December) and past rounds cannot be fetched again, so it is read often enough never to miss
  one. A new `omgang` adds its rows; the same round again changes nothing in core.
- **Writes:** raw.landed_payload (every file as fetched), staging.yrkesbarometer,
  quarantine.record, core.occupational_outlook (key: omgang, yb_concept_id, lan), audit.load_batch;
  emits `vagled://warehouse/core/occupational_outlook`.
- **Validation:** expectations/occupational_outlook.json; above 10 % quarantined the batch is rejected.
- **Rerun / backfill:** a rerun is safe at any time; there is nothing to backfill (the source
  keeps no past rounds: the raw payloads do).
"""

from __future__ import annotations

import pendulum
from airflow.sdk import dag
from airflow.timetables.trigger import CronTriggerTimetable

from vagled.config import TIME_ZONE
from vagled.dag_defaults import DEFAULT_ARGS
from vagled.dag_tasks import load_path


@dag(
    dag_id="employment_agency_outlook",
    schedule=CronTriggerTimetable("0 6 * * *", timezone=TIME_ZONE),
    start_date=pendulum.datetime(2026, 1, 1, tz=TIME_ZONE),
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    tags=["family:employment_agency", "layer:core"],
    doc_md=__doc__,
)
def employment_agency_outlook():
    load_path("occupational_outlook", name="outlook")


employment_agency_outlook()
