"""feedsim's JobTech Taxonomy GraphQL endpoint over HTTP, and the skills the ads name against it."""

from __future__ import annotations

import pytest
import requests

pytestmark = pytest.mark.integration


def _graphql(feedsim, query: str | None) -> requests.Response:
    params = {} if query is None else {"query": query}
    return requests.get(f"{feedsim.base_url('jobtech_taxonomy')}/v1/taxonomy/graphql", params=params, timeout=30)


def test_the_feeds_query_is_answered_with_skills_and_their_esco_mappings(feedsim):
    from vagled.feeds.taxonomy_skills.parse import skills_query

    response = _graphql(feedsim, skills_query())
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("application/json")
    concepts = response.json()["data"]["concepts"]
    assert concepts and {c["type"] for c in concepts} == {"skill"}
    mapped = [c for c in concepts if c["exact_match"]]
    assert mapped and all(
        m["esco_uri"].startswith("http://data.europa.eu/esco/skill/") for c in mapped for m in c["exact_match"]
    )
    assert any(c["deprecated"] and c["replaced_by"] for c in concepts)


def test_a_field_the_schema_lacks_is_a_graphql_error_and_a_missing_query_a_400(feedsim):
    answer = _graphql(feedsim, '{ concepts(type: "skill") { id esco } }').json()
    assert answer["errors"] and "esco" in answer["errors"][0]["message"]
    assert _graphql(feedsim, None).status_code == 400


def test_the_ads_skill_requirements_name_taxonomy_concepts_but_one(feedsim):
    """The ads' must_have/nice_to_have skills carry the taxonomy's concept ids, except the one
    skill the taxonomy does not name (a term that must be counted, not lost)."""
    from vagled.feedsim import jobtech
    from vagled.feedsim.taxonomy import SKILLS, skill_concept_id

    taxonomy_labels = {label for label, *_ in SKILLS}
    assert set(jobtech._SKILLS) - taxonomy_labels == {"Elbehörighet"}
    skill_ids = {
        c["id"]
        for c in _graphql(feedsim, '{ concepts(type: "skill", include_deprecated: true) { id } }').json()["data"][
            "concepts"
        ]
    }
    assert {skill_concept_id(label) for label in set(jobtech._SKILLS) & taxonomy_labels} <= skill_ids
