"""
### education_offerings

The education on offer in the area, from two real sources:

- Skolverket's Planned Educations API v3 (connection `education_offerings`,
  `GET planned-educations/v3/adult-education-events` and `/education-events` per area municipality,
  HAL+JSON, 0-based pages to the last): komvux, sfi, YH, university, folkhögskola and upper
  secondary events, with start, semester, pace, distance and application deadline. It gives no SUN
  code and no places: those stay NULL (docs/upstreams/skolverket.md).
- MYH's "Resultat ansökningsomgång" workbook per application round (connection `myh_results`,
  rounds in `include/reference/myh_rounds.toml`): granted YH programmes with their SUN 2020 field,
  granted places (once per programme) and municipalities (docs/upstreams/myh.md). A Skolverket YH
  event that is the same education points to its MYH programme (`same_as_offering_id`).

- **Schedule:** weekly, Mondays 05:00 Europe/Stockholm; a run loads Skolverket's complete listing
  as it stands (a short page fails the run, so a batch is always a full snapshot) and the configured
  MYH rounds. Offerings that reappear with changes are updated; those no longer listed are closed
  (`closed_on`), never deleted, each source closing only its own.
- **Writes:** raw.landed_payload, staging.education_offering, quarantine.record,
  core.education_provider, core.education_offering, core.education_offering_municipality,
  audit.load_batch (one batch per source); emits `vagled://warehouse/core/education_offering`.
- **Validation:** expectations/education_offerings.json (municipality, SUN field and level in the
  reference dimensions where given, known provider types, pace 1-100, places 0-5000, no identity
  numbers, every MYH municipality name mapped); above 20 % quarantined a batch is rejected. A renamed
  field or a missing column rejects the batch whole.
- **Rerun / backfill:** rerunning changes nothing unless a source changed. Neither source serves a
  past catalogue: a run loads what they list today; `period_start`/`period_end` only date the
  snapshot (e.g. `2026-08-17` and `2026-08-24`).
"""

from __future__ import annotations

import pendulum
from airflow.sdk import Param, dag
from airflow.timetables.interval import CronDataIntervalTimetable

from vagled.config import TIME_ZONE
from vagled.dag_defaults import DEFAULT_ARGS
from vagled.dag_tasks import load_path


@dag(
    dag_id="education_offerings",
    schedule=CronDataIntervalTimetable("0 5 * * 1", timezone=TIME_ZONE),
    start_date=pendulum.datetime(2026, 1, 5, tz=TIME_ZONE),
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
    load_path("education_offerings", name="offerings")
    load_path("myh_programmes", name="myh")


education_offerings()
