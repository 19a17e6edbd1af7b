"""
### warehouse_marts

Rebuilds the analysts' marts in schema `mart` from core, then writes one regional report per
county of the area.

- **Schedule:** on the feeds' assets: whenever any of job ads, job seekers, occupational outlook,
  education offerings, municipality key figures, reference data, the taxonomy or the education
  transitions is published.
- **Reads:** core (job_ad and its skills and requirements, jobseekers_monthly, occupational_outlook,
  education_offering, education_provider, education_occupation_match, municipality_key_figure,
  education_transition, labour_market_outcome, matched_employment, scb_code and the dimensions).
- **Writes:** mart.job_ads_monthly, mart.jobseekers_monthly, mart.education_supply,
  mart.municipality_profile, mart.competence_gap, mart.skill_demand_monthly, mart.skill_trend,
  mart.jobs_within_reach, mart.education_transitions, mart.matched_employment,
  mart.labour_market_outcomes, mart.shortage_programme_transitions (after mart.competence_gap, which
  it reads) (materialized views, refreshed CONCURRENTLY:
  analysts reading meanwhile see the old rows until the new ones commit, never a mix), emits
  `vagled://warehouse/mart/<mart>`; the reports go to `$VAGLED_HOME/reports/`
  (`kompetensforsorjning_<county>.html`).
- **Rerun:** safe at any time: a refresh only rebuilds from core. There is no period, so no
  backfill: load the feeds' periods, and the next run of this DAG covers them.
"""

from __future__ import annotations

import pendulum
from airflow.sdk import Asset, dag, task

from vagled.assets import CORE_ASSETS, mart_asset_uri
from vagled.config import TIME_ZONE
from vagled.dag_defaults import DEFAULT_ARGS
from vagled.marts import MART_UPSTREAMS, MARTS

REFRESH_DOC = """Rebuilds `mart.{mart}` from core: the first time in full, then CONCURRENTLY, so analysts
reading it keep the old rows until the new ones commit. Reads core; writes `mart.{mart}`; emits
`vagled://warehouse/mart/{mart}`. Rerun: clear the task at any time; it only rebuilds from core."""
REPORTS_DOC = """Writes `kompetensforsorjning_<county>.html` for every county of the area to
`$VAGLED_HOME/reports/` from the marts (the same as `vagled report`). Rerun: clear the task; each
report is written beside the old one and renamed, so a reader never opens half a file."""

schedule = Asset(CORE_ASSETS[0])
for uri in CORE_ASSETS[1:]:
    schedule = schedule | Asset(uri)


@dag(
    dag_id="warehouse_marts",
    schedule=schedule,
    start_date=pendulum.datetime(2026, 1, 1, tz=TIME_ZONE),
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    tags=["family:warehouse", "layer:mart"],
    doc_md=__doc__,
)
def warehouse_marts():
    refreshed = {}
    for mart in MARTS:

        @task(task_id=f"refresh_{mart}", outlets=[Asset(mart_asset_uri(mart))], doc_md=REFRESH_DOC.format(mart=mart))
        def refresh(mart: str = mart) -> dict:
            """Rebuild one mart from core without blocking its readers; returns its rows and seconds."""
            from vagled.marts import refresh_mart
            from vagled.warehouse.db import connect

            with connect(autocommit=True) as conn:
                return refresh_mart(conn, mart).as_dict()

        refreshed[mart] = refresh()
        for upstream in MART_UPSTREAMS.get(mart, ()):
            refreshed[upstream] >> refreshed[mart]  # a mart built on another is rebuilt after it

    @task(doc_md=REPORTS_DOC)
    def write_regional_reports() -> list[str]:
        """Write one self-contained HTML report per county; returns the files written, relative to
        VAGLED_HOME (a worker's absolute path means nothing on another host)."""
        from vagled.config import vagled_home
        from vagled.report.regional import write_reports
        from vagled.warehouse.db import connect

        with connect(autocommit=True) as conn:
            return [str(path.resolve().relative_to(vagled_home())) for path in write_reports(conn)]

    list(refreshed.values()) >> write_regional_reports()


warehouse_marts()
