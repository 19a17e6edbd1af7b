"""The municipal_programmes feed: its declaration for the load path (vagled.pipeline.feed.FeedSpec)."""

from __future__ import annotations

from vagled.assets import LABOUR_MARKET_PROGRAMMES
from vagled.feeds.municipal_files.files import CONN_ID
from vagled.feeds.municipal_programmes.parse import FEED, STAGED_COLUMNS, land, parse
from vagled.pipeline.feed import FeedSpec, Freshness

SPEC = FeedSpec(
    name=FEED,
    staging_table="labour_market_programme",
    columns=STAGED_COLUMNS,
    natural_key=("month", "municipality_code", "programme", "target_group"),
    suite="municipal_programmes",
    publish_sql="core/publish_labour_market_programmes",
    parse=parse,
    asset_uri=LABOUR_MARKET_PROGRAMMES,
    pool=CONN_ID,
    freshness=Freshness(
        dag_id="municipality_files",
        max_age="40d",
        per_county=True,
        description="Labour-market programme participants, each municipality's monthly file",
    ),
    max_quarantine_share=0.2,
    land=land,
    partition_parameter="partition_codes",
)
