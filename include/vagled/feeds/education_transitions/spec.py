"""The education_transitions feed: its declaration for the load path (vagled.pipeline.feed.FeedSpec)."""

from __future__ import annotations

from vagled.assets import EDUCATION_TRANSITIONS
from vagled.feeds.education_transitions.parse import (
    CONN_ID,
    FEED,
    NATURAL_KEY,
    STAGED_COLUMNS,
    in_area,
    land,
    needs_period,
    parse,
    suite_parameters,
)
from vagled.pipeline.feed import FeedSpec, Freshness

SPEC = FeedSpec(
    name=FEED,
    staging_table="education_transition",
    columns=STAGED_COLUMNS,
    natural_key=NATURAL_KEY,
    suite="education_transitions",
    publish_sql="core/publish_education_transitions",
    parse=parse,
    asset_uri=EDUCATION_TRANSITIONS,
    pool=CONN_ID,
    freshness=Freshness(
        dag_id="education_transitions",
        max_age="400d",
        description="Skolverket's establishment statistics after upper secondary, yearly (October)",
    ),
    max_quarantine_share=0.1,
    in_area=in_area,
    suite_parameters=suite_parameters,
    land=land,
    period_required=needs_period,
)
