"""The kolada_transitions feed: its declaration for the load path (vagled.pipeline.feed.FeedSpec)."""

from __future__ import annotations

from vagled.assets import EDUCATION_TRANSITIONS
from vagled.feeds.kolada_key_figures.parse import NATURAL_KEY, STAGED_COLUMNS
from vagled.feeds.kolada_transitions.parse import CONN_ID, FEED, land, parse, suite_parameters
from vagled.pipeline.feed import FeedSpec, Freshness

SPEC = FeedSpec(
    name=FEED,
    staging_table="municipality_key_figure",
    columns=STAGED_COLUMNS,
    natural_key=NATURAL_KEY,
    suite="municipality_key_figures",
    publish_sql="core/publish_municipality_key_figures",
    pre_publish_sql=("core/publish_key_figure_indicators",),
    parse=parse,
    asset_uri=EDUCATION_TRANSITIONS,
    pool=CONN_ID,
    freshness=Freshness(
        dag_id="education_transitions",
        max_age="400d",
        description="Kolada's transition and long-term-unemployment indicators per municipality, yearly",
    ),
    max_quarantine_share=0.1,
    suite_parameters=suite_parameters,
    land=land,
    period_required=lambda params: params.get("years") in (None, "", []),
)
