"""
### municipality_key_figures

Key figures for every municipality of the area, per year (and month), indicator and gender:

- from Kolada API v3 (connection `kolada`, `GET v3/data/kpi/<ids>/municipality/<codes>/year/<years>`
  in requests of at most 25 ids and 25 years, every page via `next_url`): inhabitants, employment
  rate 20-64, share with post-secondary education, upper-secondary completion within 4 years (the
  verified KPIs); a value Kolada withholds is kept as null with its status, one it flags `isdeleted`
  as null with status `deleted`;
- from SCB PxWebApi 2.0 (connection `scb_pxweb`, limits from `/config`, json-stat2 queries to
  TAB638 by the municipality codelist): population, total and by sex. A year the table does not have
  yet is written in the batch's notes and the log ("2025 not published in TAB638").

Which KPIs, tables and content codes are loaded is configuration:
`include/reference/municipality_key_figures.toml` (docs/upstreams/kolada.md, docs/upstreams/scb.md).

- **Schedule:** monthly (1st); a run loads the statistics year before each year its period
  touches (figures for a year are published during the next), so the 2026 runs keep 2025 up to
  date as Kolada and SCB publish it.
- **Writes:** raw.landed_payload, staging.municipality_key_figure, quarantine.record,
  core.key_figure_indicator, core.municipality_key_figure, audit.load_batch (one batch per source);
  emits `vagled://warehouse/core/municipality_key_figure`.
- **Validation:** expectations/municipality_key_figures.json (area municipalities, configured
  indicators, T/K/M, values >= 0, percentages <= 100, a null value only with a status); above 10 %
  quarantined a source's batch is rejected.
- **Rerun / backfill:** reruns change nothing unless a figure changed. Backfill years with param
  `years` (`2023`, `[2021, 2022]` or `"2015-2024"`), e.g.
  `vagled airflow dags trigger municipality_key_figures -c '{"years": "2015-2024"}'`; or params
  `period_start`/`period_end`.
"""

from __future__ import annotations

import pendulum
from airflow.sdk import Param, dag
from airflow.timetables.interval import CronDataIntervalTimetable

from vagled.config import TIME_ZONE
from vagled.dag_defaults import DEFAULT_ARGS
from vagled.dag_tasks import load_path


@dag(
    dag_id="municipality_key_figures",
    schedule=CronDataIntervalTimetable("0 6 1 * *", timezone=TIME_ZONE),
    start_date=pendulum.datetime(2026, 1, 1, tz=TIME_ZONE),
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    tags=["family:municipality", "layer:core"],
    doc_md=__doc__,
    params={
        "years": Param(None, type=["null", "integer", "string", "array"], description="statistics years to load"),
        "period_start": Param(None, type=["null", "string"], description="ISO start for a manual run"),
        "period_end": Param(None, type=["null", "string"], description="ISO end (exclusive) for a manual run"),
    },
)
def municipality_key_figures():
    load_path("kolada_key_figures", name="kolada")
    load_path("scb_key_figures", name="scb")


municipality_key_figures()
