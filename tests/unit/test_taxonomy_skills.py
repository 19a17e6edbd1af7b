"""The skills feed's parser and suite, and feedsim's GraphQL answer to the feed's own query."""

from __future__ import annotations

import json

import orjson
import pytest

from vagled.feeds.taxonomy_skills.parse import parse_skills, skills_query
from vagled.feeds.taxonomy_skills.spec import SPEC
from vagled.pipeline.feed import ParseFailure, SourceStructureError

pytestmark = pytest.mark.unit

ESCO = "http://data.europa.eu/esco/skill/1605025e-a179-421f-8f35-5b07d182a6b2"


def _answer(*concepts: dict, **extra) -> bytes:
    return orjson.dumps({"data": {"concepts": list(concepts)}, **extra})


def _skill(**changes) -> dict:
    concept = {
        "id": "aB3d_eF5_gH7",
        "type": "skill",
        "preferred_label": "Python",
        "deprecated": False,
        "broader": [{"id": "hEad_lin_e01", "preferred_label": "Programmering"}],
        "replaced_by": [],
        "exact_match": [{"id": "esCo_sKi_ll1", "preferred_label": "Python (datorprogrammering)", "esco_uri": ESCO}],
        "close_match": [],
        "broad_match": [],
        "narrow_match": [],
    }
    concept.update(changes)
    return concept


def test_a_skill_becomes_one_record_with_headline_and_esco_mappings():
    [record] = list(parse_skills(_answer(_skill()), "application/json"))
    assert set(record) == set(SPEC.columns)
    assert (record["concept_id"], record["label"], record["headline_label"]) == (
        "aB3d_eF5_gH7",
        "Python",
        "Programmering",
    )
    assert json.loads(record["esco_matches"]) == [
        {
            "relation": "exact-match",
            "esco_uri": ESCO,
            "esco_concept_id": "esCo_sKi_ll1",
            "esco_label": "Python (datorprogrammering)",
        }
    ]


def test_a_deprecated_skill_names_its_replacement_and_an_unmapped_skill_has_no_mappings():
    [record] = list(
        parse_skills(
            _answer(_skill(deprecated=True, replaced_by=[{"id": "neWs_kil_l01"}], exact_match=[])),
            "application/json",
        )
    )
    assert (record["deprecated"], record["replaced_by_concept_id"], record["esco_matches"]) == (
        True,
        "neWs_kil_l01",
        "[]",
    )


def test_a_concept_of_another_type_is_quarantined_not_loaded():
    records = list(parse_skills(_answer(_skill(), _skill(id="xxxx_yyy_zzz", type="occupation-name")), "x"))
    assert isinstance(records[1], ParseFailure) and records[1].check == "known_concept_type"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (orjson.dumps({"errors": [{"message": "Cannot query field 'deprecated' on type 'Concept'."}]}), "refused"),
        (_answer(), "holds no skills"),
        (orjson.dumps({"data": {}}), "no data.concepts"),
        (b"<html>", "not JSON"),
        (_answer({k: v for k, v in _skill().items() if k != "preferred_label"}), "preferred_label"),
    ],
    ids=["graphql-errors", "empty", "no-concepts", "not-json", "no-labels"],
)
def test_a_broken_answer_rejects_the_batch_with_a_clear_reason(body, message):
    with pytest.raises(SourceStructureError, match=message):
        list(parse_skills(body, "application/json"))


BAD = {
    "concept_id": [None, "not an id"],
    "label": [None],
    "headline_concept_id": ["headline"],
    "replaced_by_concept_id": ["nope"],
    "esco_matches": ['[{"relation":"related","esco_uri":"x"}]', "{}"],
}


def test_every_expectation_of_the_suite_fails_when_it_should():
    import pandas as pd

    from vagled.pipeline.validate import validate_frame

    [good] = list(parse_skills(_answer(_skill()), "application/json"))
    rows, expected = [], {}
    for column, values in BAD.items():
        for value in values:
            rows.append({"record_no": len(rows) + 1, **good, column: value})
            expected[len(rows)] = column
    rows.append({"record_no": len(rows) + 1, **good})
    outcome = validate_frame(pd.DataFrame.from_records(rows, columns=["record_no", *SPEC.columns]), SPEC.suite)
    assert outcome.batch_failures == []
    assert set(outcome.failures) == set(expected), "exactly the bad rows fail"
    for record_no, column in expected.items():
        assert {reason["column"] for reason in outcome.failures[record_no].reasons} == {column}


def test_feedsim_answers_the_feeds_query_in_the_real_shape():
    from graphql import graphql_sync

    from vagled.feedsim.taxonomy import DEPRECATED_SKILL, SKILLS, graphql_schema

    result = graphql_sync(graphql_schema(), skills_query())
    assert result.errors is None
    records = list(parse_skills(orjson.dumps({"data": result.data}), "application/json"))
    assert len(records) == len(SKILLS) and not any(isinstance(r, ParseFailure) for r in records)
    by_label = {r["label"]: r for r in records}
    assert by_label[DEPRECATED_SKILL[0]]["deprecated"] and by_label[DEPRECATED_SKILL[0]]["replaced_by_concept_id"]
    unmapped = [label for label, _h, relation, _e in SKILLS if relation is None]
    assert all(by_label[label]["esco_matches"] == "[]" for label in unmapped)
    # without include_deprecated the retired skill is not listed, as the real API does
    current = graphql_sync(graphql_schema(), '{ concepts(type: "skill") { id preferred_label } }')
    assert DEPRECATED_SKILL[0] not in {c["preferred_label"] for c in current.data["concepts"]}
    # a field the schema lacks is a GraphQL error, never a silent null
    assert graphql_sync(graphql_schema(), '{ concepts(type: "skill") { esco } }').errors
