"""Personal data: national identity and co-ordination numbers are found in any text field and never stored in clear.

- vagled.privacy finds a number by its date and Luhn check digit, in every written form, and
  leaves order, phone and organisation numbers alone (unit tests, and a property test over
  generated numbers);
- every staged text column of every feed is checked before staging (vagled.pipeline.record_checks):
  the number is masked and the record quarantined, naming the column;
- end to end: every string field of every feed's answers carries a number (through a proxy in
  front of feedsim, the DAGs run for real), and afterwards no number is stored in clear anywhere
  in staging, quarantine, core, mart or audit (raw keeps payloads as received, for engineers only);
- a record held for a number is never replayed from its masked copy.
"""

from __future__ import annotations

import itertools
import random
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from reliability_support import TARGETS

from vagled.privacy import MASK, find_identity_numbers, luhn_ok, mask_identity_numbers


def _check_digit(nine: str) -> str:
    total = sum(int(c) * (2 - i % 2) // 10 + int(c) * (2 - i % 2) % 10 for i, c in enumerate(nine))
    return str((10 - total % 10) % 10)


def identity_number(born: date, serial: int, *, coordination: bool = False, form: str = "short") -> str:
    """A valid personnummer (or samordningsnummer: day + 60) in one of its written forms."""
    day = born.day + (60 if coordination else 0)
    nine = f"{born:%y%m}{day:02d}{serial:03d}"
    ten = nine + _check_digit(nine)
    century = f"{born.year // 100}"
    return {
        "short": f"{ten[:6]}-{ten[6:]}",
        "plus": f"{ten[:6]}+{ten[6:]}",  # 100 years or older
        "long": f"{century}{ten[:6]}-{ten[6:]}",
        "digits": f"{century}{ten}",
        "ten": ten,
    }[form]


FORMS = ("short", "plus", "long", "digits", "ten")


# -- unit: the detector ----------------------------------------------------------------------------------
@pytest.mark.unit
def test_luhn():
    assert luhn_ok("8112189876")  # Skatteverket's example number
    assert not luhn_ok("8112189875")


@pytest.mark.unit
@pytest.mark.parametrize(
    "text",
    [
        "Kontakta 811218-9876 för frågor",
        "pnr 198112189876.",
        "19811218-9876",
        "samordningsnummer 811278-9873",
        "född 811218+9876, över hundra",
        "x811218-9876y",
    ],
)
def test_identity_numbers_are_found_and_masked(text):
    assert find_identity_numbers(text)
    masked, found = mask_identity_numbers(text)
    assert found and MASK in masked
    assert not find_identity_numbers(masked)


@pytest.mark.unit
@pytest.mark.parametrize(
    "text",
    [
        "Ring 070-123 45 67",
        "Ordernummer 811218-9875",
        "Datum 2026-11-23",
        "Lön 35000-42000 kr",
        "Org.nr 556036-0793",  # a company's number: its third digit is at least 2
        "2120001967",
        "",
        None,
    ],
)
def test_other_numbers_are_left_alone(text):
    assert find_identity_numbers(text) == []
    assert mask_identity_numbers(text) == (text, False)


born_dates = st.dates(min_value=date(1900, 1, 1), max_value=date(2025, 12, 31))
around = st.text(alphabet=st.characters(blacklist_categories=("Nd", "Cs")), max_size=30)


@pytest.mark.unit
@settings(derandomize=True, database=None, max_examples=300)
@given(
    born=born_dates,
    serial=st.integers(0, 999),
    coordination=st.booleans(),
    form=st.sampled_from(FORMS),
    before=around,
    after=around,
)
def test_every_valid_number_in_any_text_is_found_and_masked(born, serial, coordination, form, before, after):
    number = identity_number(born, serial, coordination=coordination, form=form)
    text = f"{before}{number}{after}"
    assert find_identity_numbers(text), text
    masked, found = mask_identity_numbers(text)
    assert found and number not in masked and not find_identity_numbers(masked)


@pytest.mark.unit
@settings(derandomize=True, database=None, max_examples=300)
@given(born=born_dates, serial=st.integers(0, 999), wrong=st.integers(1, 9))
def test_a_wrong_check_digit_is_not_an_identity_number(born, serial, wrong):
    ten = identity_number(born, serial, form="ten")
    broken = ten[:9] + str((int(ten[9]) + wrong) % 10)
    assert find_identity_numbers(f"nr {broken[:6]}-{broken[6:]}") == []


@pytest.mark.unit
def test_feedsim_organisation_numbers_are_not_identity_numbers():
    from vagled.feedsim.common import organisation_number, rng

    r = rng(7, "org")
    numbers = [organisation_number(r, prefix) for prefix in ("55", "2120", "2321", "8020", "2021") for _ in range(400)]
    assert [n for n in numbers if find_identity_numbers(n)] == []


@pytest.mark.unit
def test_every_staged_text_column_is_checked_and_the_record_held_naming_it():
    from vagled.pipeline.record_checks import IDENTITY_NUMBER_CHECK, check_record

    number = identity_number(date(1981, 12, 18), 987, coordination=True)
    record = {"employer_name": f"Firma {number}", "headline": "Kock", "municipality_code": "0380", "n": 3}
    checked, reasons = check_record(record, ("employer_name", "headline", "municipality_code", "n"))
    assert [(r["expectation"], r["column"]) for r in reasons] == [(IDENTITY_NUMBER_CHECK, "employer_name")]
    assert checked["employer_name"] == f"Firma {MASK}" and checked["headline"] == "Kock"
    assert number not in str(reasons)
    # a column that is not stored is not the load path's business (the raw payload keeps it)
    assert check_record({"description": number}, ("headline",))[1] == []


# -- end to end: a number in every field of every feed ------------------------------------------------
@pytest.mark.e2e
@pytest.mark.parametrize("target", TARGETS, ids=str)
def test_a_number_in_every_string_field_is_never_stored_in_clear(
    target, feedsim, isolated_warehouse, wh, monkeypatch, tally
):
    from reliability_support import (
        MutatingProxy,
        batches_since,
        check_invariants,
        identity_numbers_stored,
        inject_into_every_field,
        is_data_answer,
        last_batch_id,
        load_dag,
        outcome_problems,
        point_upstreams_at,
    )

    from vagled.marts import refresh_marts

    seeded = random.Random(target.dag_id)
    counter = itertools.count()

    def with_number(field: str, old: str) -> str:
        n = next(counter)
        born = date(1930, 1, 1) + timedelta(days=seeded.randrange(30_000))
        number = identity_number(born, seeded.randrange(1000), coordination=n % 3 == 2, form=FORMS[n % len(FORMS)])
        return f"{old} {number}" if n % 2 else f"{number} {old}"

    def mutate(method: str, path: str, content_type: str, body: bytes) -> bytes:
        return inject_into_every_field(content_type, body, with_number) if is_data_answer(method, path) else body

    since = last_batch_id(wh)
    with MutatingProxy(feedsim.port, mutate) as proxy:
        point_upstreams_at(proxy, monkeypatch)
        run = load_dag(target.dag_id).test(run_conf=target.conf)
    with isolated_warehouse.connect() as conn:
        refresh_marts(conn)
    injected = next(counter)
    tally.bad_inputs(injected)
    assert injected > 0, "the proxy injected numbers"

    leaks = identity_numbers_stored(wh)
    tally.access(f"identity numbers stored in clear by {target}", allowed=bool(leaks))
    assert leaks == [], leaks[:5]
    batches = batches_since(wh, since)
    # Every string field carries a number: the records held for it decide each batch as publish does.
    assert batches and outcome_problems(batches, run.state) == [], batches
    held = wh.execute(
        "select count(*) from quarantine.record q, jsonb_array_elements(q.reasons) r"
        " where q.batch_id = any(%s) and (r->>'expectation' = 'no_identity_numbers'"
        "   or r->>'column' = 'personal_number_found' or r->>'detail' like %s)",
        ([b["batch_id"] for b in batches], "%personnummer borttaget%"),
    ).fetchone()[0]
    assert held > 0, "the numbers were found and their records held"
    findings = check_invariants(wh, since=since)
    assert not findings.violations, findings.violations


@pytest.mark.integration
def test_a_record_held_for_an_identity_number_is_never_replayed(isolated_warehouse, wh):
    import json

    from vagled.feeds.occupational_outlook.spec import SPEC
    from vagled.pipeline.load import land_payload, open_batch, publish_batch, stage_batch
    from vagled.pipeline.period import Period
    from vagled.pipeline.replay import ReplayError, replay_batch

    number = identity_number(date(1975, 5, 4), 123)
    codes = ("2221", "2222", "2223", "2512", "2511", "5120", "5321", "7411", "8332", "9412", "3111", "3112")
    rows = [
        {"omgang": "2024-1", "yb_concept_id": f"yb-{code}", "lan": "03", "yb_yrke": f"Yrke {code}", "ssyk": code,
         "jobbmojligheter": "stora", "rekryteringssituation": "brist", "prognos": "öka", "delvis_helt": "helt"}
        for code in codes
    ]  # fmt: skip
    rows[-1]["yb_yrke"] = f"Kontakta {number}"
    body = json.dumps(rows).encode()
    period = Period(datetime(2024, 3, 1, tzinfo=UTC), datetime(2024, 4, 1, tzinfo=UTC))
    batch_id = open_batch(wh, SPEC, period, "personal-data")
    land_payload(
        wh, batch_id, "occupational_outlook", 0, source_url="test://", body=body, content_type="application/json"
    )
    stage_batch(wh, SPEC, batch_id)
    published = publish_batch(wh, SPEC, batch_id)
    assert (published.received, published.loaded, published.quarantined) == (12, 11, 1)
    reasons, record = wh.execute(
        "select reasons, record from quarantine.record where batch_id = %s", (batch_id,)
    ).fetchone()
    assert reasons[0]["expectation"] == "no_identity_numbers" and reasons[0]["column"] == "yb_yrke"
    assert number not in str(record) and MASK in record["yb_yrke"]
    with pytest.raises(ReplayError, match="no quarantined record left to replay"):
        replay_batch(wh, batch_id, replayed_by="test", note="must not publish a masked copy")
