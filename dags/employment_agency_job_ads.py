"""
### employment_agency_job_ads

Job ads whose workplace is in the area, from Arbetsförmedlingen JobTech.

- **Hourly increment** (the schedule): every ad changed in the run's data interval, from
  JobStream (`GET /v2/stream?updated-after=..&updated-before=..`, connection `jobtech_jobstream`).
  The window starts at the last successful watermark when that is earlier (catch-up after an
  outage) and overlaps the previous one by 5 minutes. New ads insert, updated ads update,
  removals set `removed_at` without blanking the ad.
- **Backfill**: trigger with param `backfill` (a year, `[2019, 2020]`, `"2019-2021"`, or a quarter of
  the running year, `"2026-Q1"`) to load JobTech's enriched archives (connection `jobtech_historical`)
  instead: the files are found on the archive index page (`{year}_beta1_jsonl.zip`, the running year
  as `{year}-Qn_beta1_jsonl.zip`), each ZIP is spooled to disk (a broken transfer resumes), its JSONL
  member is streamed line by line, and the area's lines land in raw with the archive's URL, size,
  sha256 and member name. Ads of other counties (about 85 % of a national year) are skipped from
  their bytes and counted as `out_of_area`. docs/upstreams/jobtech.md has the formats.
- **Removals** close the ad of their id whatever address they carry (JobStream's may carry none);
  a removal of an ad never held is kept in `audit.job_ad_unknown_removal`, never loaded as an ad.
- **Writes:** raw.landed_payload, staging.job_ad, quarantine.record, core.job_ad (with
  core.job_ad_keyword and core.job_ad_requirement), audit.load_batch, audit.job_ad_unknown_removal,
  audit.validation_result, audit.feed_watermark; emits `vagled://warehouse/core/job_ad`.
- **Validation:** expectations/job_ads.json; rows that fail go to quarantine with the failed
  expectations; above 20 % quarantined the batch is rejected and nothing is published.
- **Rerun / backfill:** clearing or rerunning any interval is safe: only newer versions of an ad
  change core. `airflow backfill create --dag-id employment_agency_job_ads --from-date .. --to-date ..`
  reruns intervals; a manual run without an interval needs params `period_start`/`period_end`.
"""

from __future__ import annotations

import pendulum
from airflow.sdk import Param, dag
from airflow.timetables.interval import CronDataIntervalTimetable

from vagled.config import TIME_ZONE
from vagled.dag_defaults import DEFAULT_ARGS
from vagled.dag_tasks import load_path


@dag(
    dag_id="employment_agency_job_ads",
    schedule=CronDataIntervalTimetable("0 * * * *", timezone=TIME_ZONE),
    start_date=pendulum.datetime(2026, 11, 1, tz=TIME_ZONE),
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    tags=["family:employment_agency", "layer:core"],
    doc_md=__doc__,
    params={
        "backfill": Param(
            None,
            type=["null", "integer", "string", "array"],
            description="archive years or a running-year quarter: 2025, '2019-2021', '2026-Q1'",
        ),
        "period_start": Param(None, type=["null", "string"], description="ISO start for a manual run"),
        "period_end": Param(None, type=["null", "string"], description="ISO end for a manual run"),
    },
)
def employment_agency_job_ads():
    load_path("job_ads")


employment_agency_job_ads()
