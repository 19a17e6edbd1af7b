"""
### education_offerings

The education offerings of the area's providers (connection `education_offerings`,
`GET v1/offerings?lan=03,04,05,18,19&as_of=YYYY-MM-DD&page=N&size=500`): upper-secondary
programmes, Komvux courses, yrkeshögskola programmes, folkhögskola courses and university
programmes, each with provider (type, municipality), programme or course code and name, SUN 2020
field and level, start and end, pace, distance or on-site, municipality and places.

- **Schedule:** weekly, Mondays 05:00 Europe/Stockholm; a run loads the complete catalogue as of
  the end of its interval (a short or empty page fails the run, so a batch is always a full
  snapshot). Offerings that reappear with changes are updated; those no longer listed are closed
  (`closed_on`), never deleted.
- **Writes:** raw.landed_payload, staging.education_offering, quarantine.record,
  core.education_provider, core.education_offering, audit.load_batch; emits
  `vagled://warehouse/core/education_offering`.
- **Validation:** expectations/education_offerings.json (SUN 2020 field and level and municipality
  in the reference dimensions, known provider types, pace 1-100, places 0-5000, no identity
  numbers); above 20 % quarantined the batch is rejected. A renamed field rejects the batch whole.
- **Rerun / backfill:** rerunning a week changes nothing unless the catalogue changed. A manual run
  needs params `period_start`/`period_end` (the catalogue as of `period_end` is loaded), e.g.
  `2026-08-17` and `2026-08-24`. `airflow backfill create --dag-id education_offerings --from-date
  2026-06-01 --to-date 2026-09-01` loads every week; weeks may run in any order: an older snapshot
  never undoes a newer one.
"""

from __future__ import annotations

import pendulum
from airflow.sdk import Param, dag
from airflow.timetables.interval import CronDataIntervalTimetable

from vagled.assets import EDUCATION_OFFERINGS
from vagled.dag_defaults import DEFAULT_ARGS
from vagled.pipeline.dag_tasks import load_path


@dag(
    dag_id="education_offerings",
    schedule=CronDataIntervalTimetable("0 5 * * 1", timezone="Europe/Stockholm"),
    start_date=pendulum.datetime(2026, 1, 5, tz="Europe/Stockholm"),
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    tags=["family:education", "layer:core"],
    doc_md=__doc__,
    params={
        "period_start": Param(None, type=["null", "string"], description="ISO start for a manual run"),
        "period_end": Param(None, type=["null", "string"], description="ISO end: the catalogue as of this day"),
    },
)
def education_offerings():
    load_path("education_offerings", asset_uri=EDUCATION_OFFERINGS, name="offerings")


education_offerings()
