"""The rule that links a skill term found in an ad to a taxonomy concept (docs/skills.md), in the warehouse.

Each case runs in a transaction that is rolled back, on the real PostgreSQL, because the rule is
written once, in SQL (core.skill_label_key, core.skill_effective, core.skill_label), and the marts use it there.
"""

from __future__ import annotations

import psycopg
import pytest

pytestmark = pytest.mark.integration


@pytest.fixture
def tx(embedded_warehouse):
    with psycopg.connect(embedded_warehouse.url()) as conn:
        yield conn
        conn.rollback()


@pytest.mark.parametrize(
    ("term", "key"),
    [
        ("Python", "python"),
        ("  python\t", "python"),
        ("Svenska i  tal\noch skrift", "svenska i tal och skrift"),
        ("ÅTERVINNING", "återvinning"),
        ("A\u030angström", "ångström"),  # decomposed å (NFD) and composed å are one key
        ("C#", "c#"),
        ("Truckkort A+B", "truckkort a+b"),
    ],
)
def test_the_key_folds_case_space_and_unicode_form_and_nothing_else(tx, term, key):
    assert tx.execute("select core.skill_label_key(%s)", (term,)).fetchone()[0] == key


def test_the_key_never_merges_different_words(tx):
    keys = [tx.execute("select core.skill_label_key(%s)", (t,)).fetchone()[0] for t in ("java", "javascript", "sql ")]
    assert keys == ["java", "javascript", "sql"]


def _skills(tx, *rows: tuple[str, str, str | None, bool]) -> None:
    (batch,) = tx.execute(
        "insert into audit.load_batch (feed, status) values ('fixture', 'running') returning batch_id"
    ).fetchone()
    for concept_id, label, replaced_by, retired in rows:
        tx.execute(
            "insert into core.skill (concept_id, label_sv, replaced_by_concept_id, retired_at, first_batch_id,"
            " last_batch_id) values (%s, %s, %s, case when %s then current_date end, %s, %s)",
            (concept_id, label, replaced_by, retired, batch, batch),
        )


def _link(tx, term: str) -> str | None:
    row = tx.execute(
        "select concept_id from core.skill_label where label_key = core.skill_label_key(%s)", (term,)
    ).fetchone()
    return row[0] if row else None


def test_a_term_links_to_the_one_concept_with_its_label_else_it_stays_a_term(tx):
    tx.execute("delete from core.skill_esco_match")
    tx.execute("delete from core.skill")
    _skills(
        tx,
        ("aaaa_aaa_aa1", "Python", None, False),
        ("aaaa_aaa_aa2", "Planering", None, False),
        ("aaaa_aaa_aa3", "Planering", None, False),  # two current concepts share the label
        ("aaaa_aaa_aa4", "Office-paketet", "aaaa_aaa_aa5", True),  # retired, replaced
        ("aaaa_aaa_aa5", "Microsoft Office", None, False),
        ("aaaa_aaa_aa6", "Maskinskrivning", None, True),  # retired, no replacement
        ("aaaa_aaa_aa7", "Lean", None, True),  # a retired and a current concept share a label
        ("aaaa_aaa_aa8", "Lean", None, False),
    )
    assert _link(tx, "python") == "aaaa_aaa_aa1"
    assert _link(tx, "PYTHON ") == "aaaa_aaa_aa1"
    assert _link(tx, "planering") is None, "ambiguous: stays a term"
    assert _link(tx, "office-paketet") == "aaaa_aaa_aa5", "a retired concept counts as its replacement"
    assert _link(tx, "maskinskrivning") == "aaaa_aaa_aa6", "a retired concept without replacement is itself"
    assert _link(tx, "lean") == "aaaa_aaa_aa8", "a current concept wins over a retired one"
    assert _link(tx, "pyton") is None and _link(tx, "python 3") is None, "no fuzzy matching"
    effective = dict(tx.execute("select concept_id, effective_concept_id from core.skill_effective").fetchall())
    assert effective["aaaa_aaa_aa4"] == "aaaa_aaa_aa5" and effective["aaaa_aaa_aa1"] == "aaaa_aaa_aa1"
