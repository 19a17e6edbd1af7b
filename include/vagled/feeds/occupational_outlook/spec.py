"""The occupational_outlook feed: its declaration for the load path (vagled.pipeline.feed.FeedSpec)."""

from __future__ import annotations

from vagled.assets import OCCUPATIONAL_OUTLOOK
from vagled.feeds.occupational_outlook.parse import (
    CONN_ID,
    STAGED_COLUMNS,
    in_area,
    land,
    parse_outlook,
    suite_parameters,
)
from vagled.pipeline.feed import FeedSpec, Freshness

SPEC = FeedSpec(
    name="occupational_outlook",
    staging_table="yrkesbarometer",
    columns=STAGED_COLUMNS,
    natural_key=("omgang", "yb_concept_id", "lan"),
    suite="occupational_outlook",
    publish_sql="core/publish_occupational_outlook",
    parse=parse_outlook,
    asset_uri=OCCUPATIONAL_OUTLOOK,
    pool=CONN_ID,
    freshness=Freshness(
        dag_id="employment_agency_outlook",
        max_age="190d",
        description="Occupational outlook per occupation and county, twice a year",
    ),
    max_quarantine_share=0.1,
    in_area=in_area,
    suite_parameters=suite_parameters,
    land=land,
    period_required=lambda params: False,
)
