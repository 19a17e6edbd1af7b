"""The taxonomy feed: its declaration for the load path (vagled.pipeline.feed.FeedSpec)."""

from __future__ import annotations

from vagled.assets import TAXONOMY
from vagled.feeds.taxonomy.parse import CONN_ID, FEED, STAGED_COLUMNS, in_area, land, never, parse_concepts
from vagled.pipeline.feed import FeedSpec, Freshness

SPEC = FeedSpec(
    name=FEED,
    staging_table="taxonomy_concept",
    columns=STAGED_COLUMNS,
    natural_key=("kind", "code"),
    suite="taxonomy",
    publish_sql="core/publish_taxonomy",
    parse=parse_concepts,
    asset_uri=TAXONOMY,
    pool=CONN_ID,
    freshness=Freshness(
        dag_id="reference_taxonomy",
        max_age="9d",
        description="JobTech Taxonomy snapshot, weekly",
    ),
    # a dimension is all or nothing: a few bad concepts are quarantined, more means the
    # source is broken and nothing is published
    max_quarantine_share=0.02,
    in_area=in_area,
    land=land,
    period_required=never,
    # its publish retires every code the batch does not list: a few replayed concepts would retire
    # the rest. Fixed concepts come back with the next run (trigger the DAG).
    replayable=False,
)
