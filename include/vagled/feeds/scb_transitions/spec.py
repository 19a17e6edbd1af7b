"""The scb_transitions feed: its declaration for the load path (vagled.pipeline.feed.FeedSpec)."""

from __future__ import annotations

from vagled.assets import EDUCATION_TRANSITIONS
from vagled.feeds.scb_transitions.parse import (
    CONN_ID,
    FEED,
    NATURAL_KEY,
    STAGED_COLUMNS,
    in_area,
    land,
    parse,
    suite_parameters,
)
from vagled.pipeline.feed import FeedSpec, Freshness

SPEC = FeedSpec(
    name=FEED,
    staging_table="scb_transition",
    columns=STAGED_COLUMNS,
    natural_key=NATURAL_KEY,
    suite="scb_transitions",
    publish_sql="core/publish_labour_market_outcomes",
    pre_publish_sql=("core/publish_scb_codes", "core/publish_matched_employment"),
    parse=parse,
    asset_uri=EDUCATION_TRANSITIONS,
    pool=CONN_ID,
    freshness=Freshness(
        dag_id="education_transitions",
        max_age="400d",
        description=(
            "SCB's outcomes by education and background (TAB6383/TAB6384) and matched employment (TAB6929), yearly"
        ),
    ),
    max_quarantine_share=0.1,
    in_area=in_area,
    suite_parameters=suite_parameters,
    land=land,
    period_required=lambda params: params.get("years") in (None, "", []),
)
