"""
### municipality_files

Each municipality's own monthly files (connection `municipal_files`: one sub-path per
municipality code, over HTTP `GET <code>/` lists its files and `GET <code>/<YYYY-MM>/<name>`
serves one; or a folder `<path>/<code>/<YYYY-MM>/<name>` as a File (path) connection):
adult-education (Komvux) course enrolment (`komvux_kursdeltagare`) and labour-market programme
participants (`arbetsmarknadsinsatser`). CSV (semicolon or comma, UTF-8 or Windows-1252, decimal
comma, title rows) or XLSX; headers are mapped to one schema (`vagled.feeds.municipal_files.files`).

- **Mapping:** one mapped task group per municipality of the area (`load_files`, dynamic task
  mapping), each with its own batches (`audit.load_batch.partition_key` = the municipality code):
  a broken or late file of one municipality fails only that municipality's tasks.
- **Schedule:** monthly on the 10th (files arrive by the 5th); a run loads every month that ends
  inside its period, so the scheduled run of 10 October - 10 November loads October.
- **Writes:** raw.landed_payload, staging.adult_education_enrolment, staging.labour_market_programme,
  quarantine.record, core.adult_education_enrolment, core.labour_market_programme,
  audit.load_batch; emits `vagled://warehouse/core/adult_education_enrolment` and
  `vagled://warehouse/core/labour_market_programme`.
- **Validation:** expectations/municipal_komvux.json and municipal_programmes.json (the file's own
  municipality only, counts 0..50 000, women <= participants, shares 0..100, no identity numbers);
  above 20 % quarantined a municipality's file is rejected. A file that cannot be read, or that has
  a column of personal data (a name, an identity number), is quarantined whole without its values,
  and its municipality's publish task fails with the reason (also in audit.load_batch.error).
- **Rerun / backfill:** reruns change nothing unless a file changed; clear one municipality's
  mapped tasks to reload only it, or trigger with params `period_start`/`period_end` (e.g.
  `2026-09-01`, `2026-10-01` for September) and optionally `municipalities` (`["0380", "1880"]`).
  `airflow backfill create --dag-id municipality_files --from-date 2025-01-10 --to-date 2025-12-10`.
"""

from __future__ import annotations

import pendulum
from airflow.sdk import Param, dag, get_current_context, task
from airflow.timetables.interval import CronDataIntervalTimetable

from vagled.config import TIME_ZONE
from vagled.dag_defaults import DEFAULT_ARGS
from vagled.dag_tasks import load_path_per_partition


@dag(
    dag_id="municipality_files",
    schedule=CronDataIntervalTimetable("0 6 10 * *", timezone=TIME_ZONE),
    start_date=pendulum.datetime(2026, 1, 10, tz=TIME_ZONE),
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    tags=["family:municipality", "layer:core"],
    doc_md=__doc__,
    params={
        "period_start": Param(None, type=["null", "string"], description="ISO start for a manual run"),
        "period_end": Param(None, type=["null", "string"], description="ISO end (exclusive) for a manual run"),
        "municipalities": Param(
            None, type=["null", "array", "string"], description="only these municipality codes (default: all 52)"
        ),
    },
)
def municipality_files():
    @task
    def list_municipalities() -> list[str]:
        """List the municipality codes this run loads: the area's 52, or the `municipalities` param.

        - **Reads:** core.municipality (in the area, not retired), the run's params.
        - **Writes:** nothing; its list is what the `load_files` task group is mapped over.
        - **Rerun:** clear it to map the run again (e.g. after a municipality joined the area).
        """
        from vagled.feeds.municipal_files.files import municipalities_to_load

        return municipalities_to_load(get_current_context()["params"])

    load_path_per_partition(
        ("municipal_komvux", "municipal_programmes"),
        list_municipalities(),
        name="files",
    )


municipality_files()
