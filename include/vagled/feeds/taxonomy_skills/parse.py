"""JobTech Taxonomy skills: the skill concepts with their headline and their ESCO mappings.

A run lands one answer of the taxonomy's GraphQL endpoint (``v1/taxonomy/graphql``, the query in
``taxonomy_skills.graphql``): every concept of type ``skill``, deprecated ones included, with its
``skill-headline``, its replacement when deprecated, and the ESCO skills it maps to by the four
SKOS mapping relations (exact-, close-, broad-, narrow-match). Publishing upserts core.skill and
core.skill_esco_match; a skill the taxonomy deprecates or no longer lists keeps its row with
``retired_at``, never deleted, so what ads said about it stays countable.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from vagled.pipeline.feed import ParseFailure, SourceStructureError
from vagled.pipeline.period import Period

CONN_ID = "jobtech_taxonomy"
FEED = "taxonomy_skills"
GRAPHQL_PATH = "v1/taxonomy/graphql"
QUERY_FILE = Path(__file__).with_name("taxonomy_skills.graphql")
STAGED_COLUMNS = (
    "concept_id",
    "label",
    "headline_concept_id",
    "headline_label",
    "deprecated",
    "replaced_by_concept_id",
    "esco_matches",
)
# GraphQL field -> the relation's name in the taxonomy (and in core.skill_esco_match)
MATCH_FIELDS = {
    "exact_match": "exact-match",
    "close_match": "close-match",
    "broad_match": "broad-match",
    "narrow_match": "narrow-match",
}


def skills_query() -> str:
    """The GraphQL document the feed sends (comments stripped: they are not part of the query)."""
    lines = (line for line in QUERY_FILE.read_text(encoding="utf-8").splitlines() if not line.lstrip().startswith("#"))
    return " ".join(" ".join(lines).split())


def _first(value: Any) -> dict[str, Any] | None:
    if isinstance(value, list) and value and isinstance(value[0], dict):
        return value[0]
    return None


def parse_skills(body: bytes, content_type: str) -> Iterator[dict[str, Any] | ParseFailure]:
    """Parse the GraphQL answer into one staged record per skill concept.

    Raises:
        SourceStructureError: the answer carries GraphQL errors (a field the API no longer has),
            has no ``data.concepts`` list, is empty (loading it would retire every skill), or no
            concept carries a label.
    """
    import orjson

    try:
        answer = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise SourceStructureError(f"taxonomy GraphQL answer is not JSON: {exc}") from exc
    if not isinstance(answer, dict):
        raise SourceStructureError(f"taxonomy GraphQL answer is a {type(answer).__name__}, expected an object")
    if answer.get("errors"):
        messages = "; ".join(str(e.get("message", e)) if isinstance(e, dict) else str(e) for e in answer["errors"])
        raise SourceStructureError(f"taxonomy GraphQL query refused: {messages[:500]}")
    concepts = (answer.get("data") or {}).get("concepts") if isinstance(answer.get("data"), dict) else None
    if not isinstance(concepts, list):
        raise SourceStructureError("taxonomy GraphQL answer has no data.concepts list")
    if not concepts:
        raise SourceStructureError("taxonomy GraphQL answer holds no skills; refusing to treat every skill as retired")
    labelled = 0
    for concept in concepts:
        if not isinstance(concept, dict):
            yield ParseFailure(f"expected a concept object, got {type(concept).__name__}", str(concept)[:200])
            continue
        if concept.get("type") != "skill":
            yield ParseFailure(
                f"expected a concept of type skill, got {concept.get('type')!r}",
                str(concept)[:200],
                check="known_concept_type",
            )
            continue
        labelled += "preferred_label" in concept
        headline = _first(concept.get("broader"))
        replacement = _first(concept.get("replaced_by"))
        matches = [
            {
                "relation": relation,
                "esco_uri": target.get("esco_uri"),
                "esco_concept_id": target.get("id"),
                "esco_label": target.get("preferred_label"),
            }
            for field_name, relation in MATCH_FIELDS.items()
            for target in concept.get(field_name) or []
            if isinstance(target, dict)
        ]
        yield {
            "concept_id": concept.get("id"),
            "label": concept.get("preferred_label"),
            "headline_concept_id": headline.get("id") if headline else None,
            "headline_label": headline.get("preferred_label") if headline else None,
            "deprecated": bool(concept.get("deprecated", False)),
            "replaced_by_concept_id": replacement.get("id") if replacement else None,
            # one column for a list: published into core.skill_esco_match, one row per mapping
            "esco_matches": orjson.dumps(matches).decode(),
        }
    if labelled == 0:
        raise SourceStructureError(
            "no skill in the answer carries preferred_label: the taxonomy's structure changed, nothing is loaded"
        )


def land(conn, batch_id: int, period: Period | None, params: Mapping[str, Any]) -> dict[str, Any]:
    """Land the skills answer of the GraphQL endpoint (GET with the query as parameter)."""
    from vagled.pipeline.extract import land_responses
    from vagled.sources.http import HttpSource

    requests = ((GRAPHQL_PATH, {"query": skills_query()}),)
    return {"parts": land_responses(conn, HttpSource(CONN_ID), batch_id, FEED, requests)}


def never(params: Mapping[str, Any]) -> bool:
    """A run loads the current skills, not a period."""
    return False
