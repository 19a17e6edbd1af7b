"""The taxonomy_skills feed: its declaration for the load path (vagled.pipeline.feed.FeedSpec)."""

from __future__ import annotations

from vagled.assets import TAXONOMY
from vagled.feeds.taxonomy_skills.parse import CONN_ID, FEED, STAGED_COLUMNS, land, never, parse_skills
from vagled.pipeline.feed import FeedSpec, Freshness

SPEC = FeedSpec(
    name=FEED,
    staging_table="taxonomy_skill",
    columns=STAGED_COLUMNS,
    natural_key=("concept_id",),
    suite="taxonomy_skills",
    publish_sql="core/publish_taxonomy_skills",
    post_publish_sql=("core/publish_taxonomy_skill_matches",),
    parse=parse_skills,
    asset_uri=TAXONOMY,
    pool=CONN_ID,
    freshness=Freshness(
        dag_id="reference_taxonomy",
        max_age="9d",
        description="JobTech Taxonomy skills with their ESCO mappings, weekly",
    ),
    # like the other dimensions: a few bad concepts are quarantined, more means a broken source
    max_quarantine_share=0.02,
    land=land,
    period_required=never,
    # publishing retires every skill the batch does not list: rerun the DAG instead of a replay
    replayable=False,
)
