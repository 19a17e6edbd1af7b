"""
### reference_taxonomy

Keeps the county, municipality and occupation (SSYK 2012, levels 1-4) dimensions in step with
JobTech Taxonomy (connection `jobtech_taxonomy`: `v1/taxonomy/specific/concepts/region`,
`…/municipality` and `…/ssyk` for each level, deprecated concepts included), and the skills
dimension (feed `taxonomy_skills`: one GraphQL query, `v1/taxonomy/graphql`, of every skill with
its headline, its replacement when deprecated and its ESCO mappings; see docs/skills.md).

- **Schedule:** weekly (the taxonomy changes a few times a year); each run loads the whole
  current snapshot, so there is no period.
- **Writes:** raw.landed_payload, staging.taxonomy_concept, staging.taxonomy_skill,
  quarantine.record, core.county, core.municipality, core.occupation, core.skill,
  core.skill_esco_match, audit.load_batch; emits `vagled://warehouse/core/taxonomy`.
- **Retired codes:** a code the taxonomy deprecates or no longer lists is never deleted: its row
  stays (facts refer to it) with `retired_at` set; a code that is listed again is reopened.
  New codes are added. The job-ad and job-seeker suites accept only current codes.
- **Validation:** expectations/taxonomy.json (known kinds, code formats per dimension and SSYK
  level, names, concept ids) and expectations/taxonomy_skills.json (ids, labels, ESCO mappings).
  An empty answer or a renamed code/name field rejects the batch
  (it would otherwise retire every code); above 2 % quarantined the batch is rejected.
- **Rerun / backfill:** trigger it at any time; a rerun of an unchanged taxonomy changes nothing.
  There is nothing to backfill: the taxonomy has no history to replay.
"""

from __future__ import annotations

import pendulum
from airflow.sdk import dag

from vagled.config import TIME_ZONE
from vagled.dag_defaults import DEFAULT_ARGS
from vagled.dag_tasks import load_path


@dag(
    dag_id="reference_taxonomy",
    schedule="0 5 * * 1",
    start_date=pendulum.datetime(2026, 1, 1, tz=TIME_ZONE),
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    tags=["family:reference", "layer:core"],
    doc_md=__doc__,
)
def reference_taxonomy():
    load_path("taxonomy")
    # the skills are a separate answer and batch: a broken skills answer never holds back the dimensions
    load_path("taxonomy_skills")


reference_taxonomy()
