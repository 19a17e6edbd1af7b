"""The myh_programmes feed: its declaration for the load path (vagled.pipeline.feed.FeedSpec)."""

from __future__ import annotations

from vagled.assets import EDUCATION_OFFERINGS
from vagled.feeds.education_offerings.parse import STAGED_COLUMNS, suite_parameters
from vagled.feeds.myh_programmes.parse import CONN_ID, FEED, in_scope, land, parse_workbook
from vagled.pipeline.feed import FeedSpec, Freshness

SPEC = FeedSpec(
    name=FEED,
    staging_table="education_offering",
    columns=STAGED_COLUMNS,
    natural_key=("offering_id",),
    suite="education_offerings",
    publish_sql="core/publish_education_offerings",
    parse=parse_workbook,
    asset_uri=EDUCATION_OFFERINGS,
    pool=CONN_ID,
    freshness=Freshness(
        dag_id="education_offerings",
        max_age="9d",
        description="YH programmes with SUN field and granted places from MYH's round results, weekly",
    ),
    max_quarantine_share=0.2,
    in_area=in_scope,
    suite_parameters=suite_parameters,
    land=land,
    pre_publish_sql=("core/lock_education_offerings", "core/publish_education_providers"),
    post_publish_sql=(
        "core/update_education_offering_first_seen",
        "core/close_education_offerings",
        "core/replace_education_offering_municipalities",
        "core/update_education_offering_same_as",
    ),
    replay_post_publish_sql=(
        "core/update_education_offering_first_seen",
        "core/replace_education_offering_municipalities",
        "core/update_education_offering_same_as",
    ),
)
