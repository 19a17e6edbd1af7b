"""The fault matrix of the education_transitions DAG (Skolverket's statistics), run for real over HTTP.

The same rules as test_fault_matrix.py: a transient fault on the first requests must be survived,
a data fault must end in quarantine (with its check named), a counted duplicate or a refused batch
that loads nothing, a missing listed file in a clear failure; afterwards the warehouse invariants
hold (reliability_support.check_invariants). Kept apart from the shared matrix so that adding this
DAG does not move the other DAGs' diagonal.
"""

from __future__ import annotations

import pytest
from reliability_support import batches_since, check_invariants, last_batch_id, load_dag, point_upstreams_at, reasons_of

pytestmark = pytest.mark.e2e

DAG_ID = "education_transitions"
ONE_YEAR = {"years": 2024}

# fault spec -> (run conf, what must happen: "success", "quarantine", "duplicates", "rejected", "failed")
CASES = {
    "bare_429:2@skolverket_statistics": (ONE_YEAR, "success"),
    "truncated:2@skolverket_statistics": (ONE_YEAR, "success"),
    "wrong_content_type:2@skolverket_statistics": (ONE_YEAR, "success"),
    "http_503:2@skolverket_statistics": (ONE_YEAR, "success"),
    "bad_codes@skolverket_statistics": (ONE_YEAR, "quarantine"),
    "missing_fields@skolverket_statistics": (ONE_YEAR, "quarantine"),
    "duplicates@skolverket_statistics": (ONE_YEAR, "duplicates"),
    "schema_drift@skolverket_statistics": (ONE_YEAR, "rejected"),
    "empty_page@skolverket_statistics": (ONE_YEAR, "rejected"),
    "renamed_column@skolverket_statistics": (ONE_YEAR, "rejected"),
    # the listing lists 2025 before its files are up
    "listed_file_missing@skolverket_statistics": ({"years": 2025}, "failed"),
}
# The diagonal of `make test` is one case per outcome kind that is this upstream's own (the burst
# limit, a bad code, a listed file missing, a renamed export column); every case loads a whole
# statistics year, so the rest is marked slow (`make test-all`).
FAST = {
    "bare_429:2@skolverket_statistics",
    "bad_codes@skolverket_statistics",
    "listed_file_missing@skolverket_statistics",
    "renamed_column@skolverket_statistics",
}
SLOW = set(CASES) - FAST
EXPECTED_CHECKS = {
    "bad_codes@skolverket_statistics": {"expect_column_values_to_be_in_set"},
    "missing_fields@skolverket_statistics": {
        "expect_column_values_to_not_be_null",
        "expect_column_values_to_be_in_set",
    },
}


@pytest.mark.parametrize(
    "fault", [pytest.param(f, id=f.split("@")[0], marks=(pytest.mark.slow,) if f in SLOW else ()) for f in CASES]
)
def test_transitions_fault_ends_as_it_must_and_the_invariants_hold(
    fault, feedsim_factory, isolated_warehouse, wh, monkeypatch, tally
):
    conf, outcome = CASES[fault]
    sim = feedsim_factory(faults=[fault])
    point_upstreams_at(sim, monkeypatch)
    since = last_batch_id(wh)
    run = load_dag(DAG_ID).test(run_conf=conf)
    # the DAG's SCB and Kolada batches run beside Skolverket's: the fault is Skolverket's
    (batch,) = [b for b in batches_since(wh, since) if b["feed"] == "education_transitions"]
    applied = bool(sim.fault_log)
    assert applied, f"{fault} was never applied"
    if outcome in ("success", "quarantine", "duplicates"):
        assert run.state == "success" and batch["status"] == "succeeded", batch
        if outcome == "success":
            assert batch["quarantined"] == 0 and batch["loaded"] > 0
        if outcome == "quarantine":
            assert batch["quarantined"] > 0
            assert reasons_of(wh, batch["batch_id"]) & EXPECTED_CHECKS[fault]
        if outcome == "duplicates":
            assert batch["duplicates"] > 0
    else:
        assert run.state == "failed" and batch["status"] == outcome, batch
        assert len(batch["error"] or "") >= 30 and "Traceback" not in batch["error"]
        assert not batch["loaded"]
    findings = check_invariants(wh, since=since)
    tally.lost(findings.lost, f"{fault} against {DAG_ID}")
    tally.fault(f"{fault} against {DAG_ID}", applied=applied, survived=not findings.violations)
    assert not findings.violations, findings.violations
