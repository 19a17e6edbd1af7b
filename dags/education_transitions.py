"""
### education_transitions

From education to work: Skolverket's establishment statistics after upper secondary (official
statistics UF0139), per cohort, programme, county and municipality, owner type and 1, 3 and 5
years after the diploma (connection `skolverket_statistics`, `https://siris.skolverket.se/siris`);
SCB's outcomes by education level and background (TAB6383 municipality, TAB6384 county) and
matched employment by education group (TAB6929) through `scb_pxweb` (PxWebApi 2.0, limits from
`/config`, every table, variable and code checked against the table's metadata first; task group
`scb`); Kolada's transition and long-term-unemployment indicators through `kolada` (each id checked
at `/v3/kpi/{id}` first; task group `kolada`). SCB and Kolada details: docs/upstreams/scb.md,
docs/upstreams/kolada.md.

- **Discovery:** the years and files come from Skolverket's listing service
  (`reports/sossok_api/lasar/` and `.../dokument/`), never from file ids in code; a year asked for
  that the listing does not hold fails the run ("not published yet"); a listed file that is
  missing fails it too, naming the file.
- **Fetched and kept (raw):** the year's listing, its national workbooks, and the county and
  municipality exports (`reports/export_api/runexport/`; ids and token are configuration,
  include/reference/education_transitions.toml, reported by one public client only).
- **Schedule:** yearly on 15 October (Skolverket publishes statistics year Y on 1 October of Y+2):
  the run of October 2026 loads 2024.
- **Writes:** raw.landed_payload, staging.education_transition, staging.scb_transition,
  staging.municipality_key_figure, quarantine.record, core.education_transition,
  core.labour_market_outcome, core.matched_employment, core.scb_code, core.municipality_key_figure,
  audit.load_batch (one batch per source); emits `vagled://warehouse/core/education_transition`
  (warehouse_marts then rebuilds mart.education_transitions and the regional reports).
- **Validation:** expectations/education_transitions.json (area counties and municipalities,
  known programmes and owner types, shares 0..100, a missing share only with its reason `missing`
  or `suppressed`); above 10 % quarantined the batch is rejected; a changed export layout (a
  renamed column, a header row that moved) rejects it whole.
- **Rerun / backfill:** reruns change nothing unless Skolverket revised a figure. Backfill with
  param `years` (`2024`, `[2021, 2022]` or `"2016-2024"`), e.g.
  `vagled airflow dags trigger education_transitions -c '{"years": "2016-2024"}'`.
"""

from __future__ import annotations

import pendulum
from airflow.sdk import Param, dag
from airflow.timetables.interval import CronDataIntervalTimetable

from vagled.config import TIME_ZONE
from vagled.dag_defaults import DEFAULT_ARGS
from vagled.dag_tasks import load_path


@dag(
    dag_id="education_transitions",
    # published on 1 October: two weeks' slack for a late publication
    schedule=CronDataIntervalTimetable("0 6 15 10 *", timezone=TIME_ZONE),
    start_date=pendulum.datetime(2025, 10, 15, tz=TIME_ZONE),
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    tags=["family:education", "layer:core"],
    doc_md=__doc__,
    params={
        "years": Param(None, type=["null", "integer", "string", "array"], description="statistics years to load"),
        "period_start": Param(None, type=["null", "string"], description="ISO start for a manual run"),
        "period_end": Param(None, type=["null", "string"], description="ISO end (exclusive) for a manual run"),
        "scb_max_cells": Param(
            None, type=["null", "integer"], description="lower SCB's cells per call for this run (never above /config)"
        ),
    },
)
def education_transitions():
    load_path("education_transitions", name="transitions")
    load_path("scb_transitions", name="scb")
    load_path("kolada_transitions", name="kolada")


education_transitions()
