"""
### reference_data

Loads the reference data shipped with the code (include/reference: the counties and
municipalities with the area flag, SSYK 2012 at four levels, SUN 2020 education fields and
levels) into the core dimensions.

- **Source:** files in the repository (each file's source is cited in include/reference/README.md).
- **Writes:** core.county, core.municipality, core.occupation, core.education_field,
  core.education_level; emits the asset `vagled://warehouse/core/reference`.
- **Schedule:** weekly (a new release of the code may bring new reference data); the load is
  an upsert that changes only rows that differ, so every run is safe.
- **Rerun / backfill:** trigger it at any time; there is no period, so backfills are not needed.
"""

from __future__ import annotations

import pendulum
from airflow.sdk import Asset, dag, task

from vagled.assets import REFERENCE_DATA
from vagled.config import TIME_ZONE
from vagled.dag_defaults import DEFAULT_ARGS


@dag(
    dag_id="reference_data",
    schedule="@weekly",
    start_date=pendulum.datetime(2026, 1, 1, tz=TIME_ZONE),
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    tags=["family:reference", "layer:core"],
    doc_md=__doc__,
)
def reference_data():
    @task(outlets=[Asset(REFERENCE_DATA)])
    def load_reference_data() -> dict[str, int]:
        """Upsert every include/reference file into its core dimension; returns rows per table.

        - **Reads:** include/reference/*.csv (counties, municipalities, SSYK 2012, SUN 2020, the
          education-to-occupation matching table).
        - **Writes:** core.county, core.municipality, core.occupation, core.education_field,
          core.education_level, core.education_occupation_match (only rows that differ).
        - **Rerun:** at any time; an unchanged file changes no row.
        """
        from vagled.warehouse.db import connect
        from vagled.warehouse.reference import load_reference_data as load

        with connect() as conn:
            return load(conn)

    load_reference_data()


reference_data()
