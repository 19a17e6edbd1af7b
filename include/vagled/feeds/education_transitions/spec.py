"""The education_transitions feed: its declaration for the load path (vagled.pipeline.feed.FeedSpec)."""

from __future__ import annotations

from vagled.assets import EDUCATION_TRANSITIONS
from vagled.feeds.education_transitions.parse import (
    FEED,
    NATURAL_KEY,
    STAGED_COLUMNS,
    in_area,
    land,
    needs_period,
    parse,
    suite_parameters,
)
from vagled.pipeline.feed import FeedSpec

SPEC = FeedSpec(
    name=FEED,
    staging_table="education_transition",
    columns=STAGED_COLUMNS,
    natural_key=NATURAL_KEY,
    suite="education_transitions",
    publish_sql="core/publish_education_transitions",
    parse=parse,
    asset_uri=EDUCATION_TRANSITIONS,
    max_quarantine_share=0.1,
    in_area=in_area,
    suite_parameters=suite_parameters,
    land=land,
    period_required=needs_period,
)
