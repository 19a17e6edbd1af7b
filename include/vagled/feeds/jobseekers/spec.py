"""The jobseekers feed: its declaration for the load path (vagled.pipeline.feed.FeedSpec)."""

from __future__ import annotations

from vagled.assets import JOBSEEKERS
from vagled.feeds.jobseekers.parse import (
    CONN_ID,
    STAGED_COLUMNS,
    crosscheck_failures,
    in_area,
    land,
    parse_jobseekers,
    suite_parameters,
)
from vagled.pipeline.feed import FeedSpec, Freshness

SPEC = FeedSpec(
    name="jobseekers",
    staging_table="jobseeker_cell",
    columns=STAGED_COLUMNS,
    natural_key=("workbook", "field", "month", "county_code", "municipality_code", "area_name", "sex", "group_label"),
    suite="jobseekers",
    publish_sql="core/publish_jobseekers",
    pre_publish_sql=("core/upsert_jobseeker_groups",),
    parse=parse_jobseekers,
    asset_uri=JOBSEEKERS,
    pool=CONN_ID,
    freshness=Freshness(
        dag_id="employment_agency_jobseekers",
        max_age="40d",
        description="Registered job seekers per municipality and group, monthly",
    ),
    max_quarantine_share=0.1,
    in_area=in_area,
    suite_parameters=suite_parameters,
    land=land,
    batch_checks=crosscheck_failures,
    # core holds sums of cells: publishing a few replayed cells alone would replace whole sums
    replayable=False,
)
