"""The municipal_komvux feed: its declaration for the load path (vagled.pipeline.feed.FeedSpec)."""

from __future__ import annotations

from vagled.assets import ADULT_EDUCATION_ENROLMENT
from vagled.feeds.municipal_komvux.parse import FEED, STAGED_COLUMNS, land, parse
from vagled.pipeline.feed import FeedSpec

SPEC = FeedSpec(
    name=FEED,
    staging_table="adult_education_enrolment",
    columns=STAGED_COLUMNS,
    natural_key=("month", "municipality_code", "course_code"),
    suite="municipal_komvux",
    publish_sql="core/publish_adult_education_enrolment",
    parse=parse,
    asset_uri=ADULT_EDUCATION_ENROLMENT,
    max_quarantine_share=0.2,
    land=land,
    partition_parameter="partition_codes",
)
