"""The kolada_key_figures feed: its declaration for the load path (vagled.pipeline.feed.FeedSpec)."""

from __future__ import annotations

from vagled.assets import MUNICIPALITY_KEY_FIGURES
from vagled.feeds.kolada_key_figures.parse import (
    CONN_ID,
    NATURAL_KEY,
    STAGED_COLUMNS,
    land_kolada,
    needs_period,
    parse_kolada,
    suite_parameters,
)
from vagled.pipeline.feed import FeedSpec, Freshness

SPEC = FeedSpec(
    name="kolada_key_figures",
    staging_table="municipality_key_figure",
    columns=STAGED_COLUMNS,
    natural_key=NATURAL_KEY,
    suite="municipality_key_figures",
    publish_sql="core/publish_municipality_key_figures",
    pre_publish_sql=("core/publish_key_figure_indicators",),
    parse=parse_kolada,
    asset_uri=MUNICIPALITY_KEY_FIGURES,
    pool=CONN_ID,
    freshness=Freshness(
        dag_id="municipality_key_figures",
        max_age="35d",
        description="Kolada key figures per municipality, monthly",
    ),
    max_quarantine_share=0.1,
    suite_parameters=suite_parameters,
    land=land_kolada,
    period_required=needs_period,
)
