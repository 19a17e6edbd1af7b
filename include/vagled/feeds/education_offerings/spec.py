"""The education_offerings feed: its declaration for the load path (vagled.pipeline.feed.FeedSpec)."""

from __future__ import annotations

from vagled.assets import EDUCATION_OFFERINGS
from vagled.feeds.education_offerings.parse import CONN_ID, FEED, STAGED_COLUMNS, land, parse_events, suite_parameters
from vagled.pipeline.feed import FeedSpec, Freshness

SPEC = FeedSpec(
    name=FEED,
    staging_table="education_offering",
    columns=STAGED_COLUMNS,
    natural_key=("offering_id",),
    suite="education_offerings",
    publish_sql="core/publish_education_offerings",
    parse=parse_events,
    asset_uri=EDUCATION_OFFERINGS,
    pool=CONN_ID,
    freshness=Freshness(
        dag_id="education_offerings",
        max_age="9d",
        description="Education events of the area from Skolverket's Planned Educations API, weekly",
    ),
    max_quarantine_share=0.2,
    suite_parameters=suite_parameters,
    land=land,
    pre_publish_sql=("core/lock_education_offerings", "core/publish_education_providers"),
    post_publish_sql=(
        "core/update_education_offering_first_seen",
        "core/close_education_offerings",
        "core/update_education_offering_same_as",
    ),
    # a replay holds a few offerings, not the catalogue: it must never close the others
    replay_post_publish_sql=("core/update_education_offering_first_seen", "core/update_education_offering_same_as"),
)
