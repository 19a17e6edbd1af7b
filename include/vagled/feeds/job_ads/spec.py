"""The job_ads feed: its declaration for the load path (vagled.pipeline.feed.FeedSpec)."""

from __future__ import annotations

from vagled.assets import JOB_ADS
from vagled.feeds.job_ads.jobtech import STREAM_CONN_ID
from vagled.feeds.job_ads.land import is_increment, land_job_ads
from vagled.feeds.job_ads.parse import (
    FEED,
    JOB_AD_POST_PUBLISH,
    STAGED_COLUMNS,
    in_area,
    parse_ad_rows,
    parse_ads,
    suite_parameters,
)
from vagled.pipeline.feed import FeedSpec, Freshness

SPEC = FeedSpec(
    name=FEED,
    staging_table="job_ad",
    columns=STAGED_COLUMNS,
    natural_key=("ad_id",),
    suite="job_ads",
    publish_sql="core/publish_job_ads",
    post_publish_sql=JOB_AD_POST_PUBLISH,
    replay_post_publish_sql=JOB_AD_POST_PUBLISH,
    parse=parse_ads,
    parse_rows=parse_ad_rows,
    asset_uri=JOB_ADS,
    pool=STREAM_CONN_ID,
    freshness=Freshness(
        dag_id="employment_agency_job_ads",
        max_age="3h",
        description="Job ads from JobStream, hourly",
    ),
    max_quarantine_share=0.2,
    in_area=in_area,
    suite_parameters=suite_parameters,
    order_by=("changed_at", "record_no"),
    passing_split=("is_removal",),
    land=land_job_ads,
    period_required=is_increment,
)
