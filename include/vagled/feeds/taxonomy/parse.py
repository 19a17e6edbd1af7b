"""JobTech Taxonomy: the counties, municipalities and SSYK 2012 occupations the dimensions follow.

A run lands a full snapshot (deprecated concepts included) of the region, municipality and
ssyk-level-1..4 concepts from the ``specific/concepts`` endpoints, which carry the official codes
(``national-nuts-level-3-code-2019``, ``lau-2-code-2015``, ``ssyk-code-2012``). Publishing upserts
the dimensions and marks what the taxonomy deprecated or no longer lists as retired, never
deleting a row, so facts that refer to a retired code keep their dimension.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from vagled.pipeline.feed import ParseFailure, SourceStructureError
from vagled.pipeline.period import Period

CONN_ID = "jobtech_taxonomy"
FEED = "taxonomy"
STAGED_COLUMNS = ("kind", "code", "level", "label", "concept_id", "deprecated")
# taxonomy type -> (our kind, the key holding the official code, SSYK level)
CONCEPT_TYPES: dict[str, tuple[str, str, int | None]] = {
    "region": ("county", "taxonomy/national-nuts-level-3-code-2019", None),
    "municipality": ("municipality", "taxonomy/lau-2-code-2015", None),
    "ssyk-level-1": ("occupation", "taxonomy/ssyk-code-2012", 1),
    "ssyk-level-2": ("occupation", "taxonomy/ssyk-code-2012", 2),
    "ssyk-level-3": ("occupation", "taxonomy/ssyk-code-2012", 3),
    "ssyk-level-4": ("occupation", "taxonomy/ssyk-code-2012", 4),
}
REQUESTS: tuple[tuple[str, dict[str, Any]], ...] = (
    ("v1/taxonomy/specific/concepts/region", {"include-deprecated": "true"}),
    ("v1/taxonomy/specific/concepts/municipality", {"include-deprecated": "true"}),
    *(
        ("v1/taxonomy/specific/concepts/ssyk", {"type": f"ssyk-level-{level}", "include-deprecated": "true"})
        for level in (1, 2, 3, 4)
    ),
)


def parse_concepts(body: bytes, content_type: str) -> Iterator[dict[str, Any] | ParseFailure]:
    """Parse one taxonomy answer (a JSON list of concepts) into staged records.

    Raises:
        SourceStructureError: the answer is not a list, is empty (a dimension never has no
            members: loading it would retire every code), or its concepts lack the code field.
    """
    import orjson

    try:
        # orjson, not json: it refuses nesting deeper than 1024 with an error instead of RecursionError
        concepts = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise SourceStructureError(f"taxonomy answer is not JSON: {exc}") from exc
    if not isinstance(concepts, list):
        raise SourceStructureError(f"taxonomy answer is a {type(concepts).__name__}, expected a list of concepts")
    if not concepts:
        raise SourceStructureError("taxonomy answer holds no concepts; refusing to treat every code as retired")
    coded = labelled = 0
    for concept in concepts:
        if not isinstance(concept, dict):
            yield ParseFailure(f"expected a concept object, got {type(concept).__name__}", str(concept)[:200])
            continue
        concept_type = concept.get("taxonomy/type")
        if not isinstance(concept_type, str) or concept_type not in CONCEPT_TYPES:
            yield ParseFailure(
                f"unknown taxonomy/type {concept_type!r}", str(concept)[:200], check="known_concept_type"
            )
            continue
        kind, code_key, level = CONCEPT_TYPES[concept_type]
        code = concept.get(code_key)
        coded += code_key in concept
        labelled += "taxonomy/preferred-label" in concept
        yield {
            "kind": kind,
            "code": code,
            "level": level,
            "label": concept.get("taxonomy/preferred-label"),
            "concept_id": concept.get("taxonomy/id"),
            "deprecated": bool(concept.get("taxonomy/deprecated", False)),
        }
    for field_name, count in (("its code field", coded), ("taxonomy/preferred-label", labelled)):
        if count == 0:
            raise SourceStructureError(
                f"no concept in the answer carries {field_name}: the taxonomy's structure changed, nothing is loaded"
            )


def land(conn, batch_id: int, period: Period | None, params: Mapping[str, Any]) -> dict[str, Any]:
    """Land the full snapshot: regions, municipalities and the four SSYK levels."""
    from vagled.pipeline.extract import land_responses
    from vagled.sources.http import HttpSource

    return {"parts": land_responses(conn, HttpSource(CONN_ID), batch_id, FEED, REQUESTS)}


def in_area(record: dict[str, Any]) -> bool:
    """Regions abroad (a region without a county code) are not loaded; they count as out of area."""
    return not (record.get("kind") == "county" and record.get("code") is None)


def never(params: Mapping[str, Any]) -> bool:
    """A taxonomy run loads the current snapshot, not a period."""
    return False
