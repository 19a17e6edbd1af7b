"""The municipal_komvux feed: its declaration for the load path (vagled.pipeline.feed.FeedSpec)."""

from __future__ import annotations

from vagled.assets import ADULT_EDUCATION_ENROLMENT
from vagled.feeds.municipal_files.files import CONN_ID
from vagled.feeds.municipal_komvux.parse import FEED, STAGED_COLUMNS, land, parse
from vagled.pipeline.feed import FeedSpec, Freshness

SPEC = FeedSpec(
    name=FEED,
    staging_table="adult_education_enrolment",
    columns=STAGED_COLUMNS,
    natural_key=("month", "municipality_code", "course_code"),
    suite="municipal_komvux",
    publish_sql="core/publish_adult_education_enrolment",
    parse=parse,
    asset_uri=ADULT_EDUCATION_ENROLMENT,
    pool=CONN_ID,
    freshness=Freshness(
        dag_id="municipality_files",
        max_age="40d",
        per_county=True,
        description="Komvux course enrolment, each municipality's monthly file",
    ),
    max_quarantine_share=0.2,
    land=land,
    partition_parameter="partition_codes",
)
