"""Every feedsim fault against every feed's DAG, run for real (dag.test()) over HTTP.

Each run must end either in success (the client's retries got through) or in a clear failure
(every batch of the run closed as failed or rejected, with its reason), and afterwards the
warehouse invariants must hold (reliability_support.check_invariants): no natural key twice, every
published batch reconciles and lost no record, no batch half loaded, raw payloads kept.

Transport faults are asked for the first requests only and must be survived; data faults stay on
for the whole run and must end in quarantine (with the failed check named), a counted duplicate,
or a rejected batch that loads nothing. The periods are the smallest each DAG loads. The diagonal
(every fault once, every DAG several times) runs in `make test`; the full matrix is marked slow.
"""

from __future__ import annotations

import time

import pytest
from reliability_support import (
    TARGETS,
    Target,
    batches_since,
    check_invariants,
    identity_numbers_stored,
    last_batch_id,
    load_dag,
    point_upstreams_at,
    reasons_of,
)

pytestmark = pytest.mark.e2e


# Asked for the first requests only: the client must retry through them.
TRANSPORT = {
    "http_429": "http_429:2",
    "http_500": "http_500:2",
    "http_503": "http_503:2",
    "reset": "reset:2",
    "truncated": "truncated:2",
    "wrong_content_type": "wrong_content_type:2",
    "slow": "slow:2",
    "timeout": "timeout:1",
}
# On for the whole run: the records they touch must be quarantined, counted or refused.
RECORD_FAULTS = ("bad_codes", "negative_counts", "missing_fields", "pnr_in_text")
# The check a quarantined record of each record fault must name (one of these).
EXPECTED_REASONS = {
    "bad_codes": {"expect_column_values_to_be_in_set", "expect_column_values_to_match_regex"},
    "negative_counts": {"expect_column_values_to_be_between"},
    "missing_fields": {"expect_column_values_to_not_be_null"},
    "pnr_in_text": {"personal_number_found", "no_identity_numbers"},
}
DATA = ("invalid_utf8", "wrong_encoding", "duplicates", *RECORD_FAULTS, "schema_drift", "empty_page")
FAULTS = (*TRANSPORT, *DATA)
HANG_SECONDS = 6  # feedsim's hang; the client's read time-out is 2 s

# The diagonal that runs in `make test`: every fault once, every DAG at least twice.
DIAGONAL = {(fault, TARGETS[i % len(TARGETS)].dag_id) for i, fault in enumerate(FAULTS)}
MATRIX = [
    pytest.param(
        fault,
        target,
        id=f"{fault}-{target.dag_id}",
        marks=() if (fault, target.dag_id) in DIAGONAL else pytest.mark.slow,
    )
    for fault in FAULTS
    for target in TARGETS
]


def _clear(error: str | None) -> bool:
    """A reason an engineer can act on: said in words, not a bare exception or a traceback."""
    text = (error or "").strip()
    return len(text) >= 30 and "Traceback" not in text


def was_applied(sim, fault: str) -> bool:
    """Whether feedsim applied the fault. A hung answer is logged when its hang ends, which can be
    after the client gave up and the run finished: wait for it."""
    deadline = time.monotonic() + (HANG_SECONDS + 5 if fault == "timeout" else 0)
    while not sim.fault_log and time.monotonic() < deadline:
        time.sleep(0.2)
    return bool(sim.fault_log)


def run_with_fault(fault: str, target: Target, sim_factory, monkeypatch, conn):
    spec = TRANSPORT.get(fault, fault)
    timeout = fault == "timeout"
    sim = sim_factory(faults=[spec], **({"timeout_seconds": HANG_SECONDS} if timeout else {}))
    # read_timeout comes from the connection's extras, as in production
    point_upstreams_at(sim, monkeypatch, extra="?read_timeout=2" if timeout else "")
    since = last_batch_id(conn)
    run = load_dag(target.dag_id).test(run_conf=target.conf)
    return sim, run, batches_since(conn, since), since


@pytest.mark.parametrize(("fault", "target"), MATRIX)
def test_fault_ends_in_success_or_a_clear_failure_and_the_invariants_hold(
    fault, target, feedsim_factory, isolated_warehouse, wh, monkeypatch, tally
):
    sim, run, batches, since = run_with_fault(fault, target, feedsim_factory, monkeypatch, wh)
    applied = was_applied(sim, fault)
    label = f"{fault} against {target}"
    problems: list[str] = []
    statuses = {b["status"] for b in batches}
    if not batches:
        problems.append("the run opened no batch")
    if run.state == "success":
        if statuses != {"succeeded"}:
            problems.append(f"the run succeeded but its batches are {statuses}")
    elif run.state == "failed":
        unclear = [b for b in batches if b["status"] != "succeeded" and not _clear(b["error"])]
        if "succeeded" in statuses and statuses <= {"succeeded"}:
            problems.append("the run failed but every batch says succeeded")
        problems += [f"batch {b['batch_id']} ({b['status']}) gives no clear reason: {b['error']!r}" for b in unclear]
    else:
        problems.append(f"the run ended {run.state}")

    if applied and fault in TRANSPORT:
        if run.state != "success":
            problems.append(f"a transient {fault} was not survived: {[b['error'] for b in batches]}")
        elif any(b["quarantined"] for b in batches):
            problems.append("a transient fault quarantined records")
    if applied and fault in RECORD_FAULTS:
        touched = [b for b in batches if b["quarantined"] or b["status"] != "succeeded"]
        if not touched:
            problems.append(f"{fault} was applied but nothing was quarantined or refused")
        named = set().union(*(reasons_of(wh, b["batch_id"]) for b in batches if b["quarantined"]))
        if touched and not named & EXPECTED_REASONS[fault] and all(b["status"] != "failed" for b in batches):
            problems.append(f"{fault}: quarantined for {sorted(named)}, none of {sorted(EXPECTED_REASONS[fault])}")
    if applied and fault == "pnr_in_text":
        problems += [f"an identity number in clear: {hit}" for hit in identity_numbers_stored(wh)]
    if applied and fault == "duplicates" and run.state == "success" and not any(b["duplicates"] for b in batches):
        problems.append("duplicated records were not counted as duplicates")
    if applied and fault in ("schema_drift", "empty_page") and run.state == "failed":
        loaded = [b for b in batches if b["status"] != "succeeded" and b["loaded"]]
        if loaded:
            problems.append(f"a refused batch loaded records: {loaded}")

    findings = check_invariants(wh, since=since)
    tally.lost(findings.lost, label)
    tally.fault(label, applied=applied, survived=not problems and not findings.violations)
    assert not findings.violations, findings.violations
    assert not problems, problems


NEVER_CLEARING = [
    pytest.param("truncated", TARGETS[2], "not valid JSON", id="truncated-employment_agency_outlook"),
    pytest.param("http_500", TARGETS[2], "HTTP 500", id="http_500-employment_agency_outlook", marks=pytest.mark.slow),
    pytest.param("reset", TARGETS[3], "no usable answer", id="reset-reference_taxonomy", marks=pytest.mark.slow),
    pytest.param(
        "wrong_content_type",
        TARGETS[4],
        "text/html",
        id="wrong_content_type-education_offerings",
        marks=pytest.mark.slow,
    ),
]


@pytest.mark.parametrize(("fault", "target", "message"), NEVER_CLEARING)
def test_a_fault_that_never_clears_fails_the_run_clearly(
    fault, target, message, feedsim_factory, isolated_warehouse, wh, monkeypatch, tally
):
    sim = feedsim_factory(faults=[fault])
    point_upstreams_at(sim, monkeypatch)
    since = last_batch_id(wh)
    run = load_dag(target.dag_id).test(run_conf=target.conf)
    batches = batches_since(wh, since)
    assert run.state == "failed"
    assert batches and {b["status"] for b in batches} == {"failed"}
    assert all(message in b["error"] and _clear(b["error"]) and b["loaded"] == 0 for b in batches), batches
    findings = check_invariants(wh, since=since)
    tally.lost(findings.lost, f"{fault} (never clearing) against {target}")
    tally.fault(f"{fault} (never clearing) against {target}", applied=bool(sim.fault_log), survived=True)
    assert not findings.violations, findings.violations


def test_a_windows_1252_page_declared_as_utf8_still_gives_its_links(
    feedsim_factory, isolated_warehouse, wh, monkeypatch
):
    target = TARGETS[1]
    sim, run, batches, _ = run_with_fault("wrong_encoding", target, feedsim_factory, monkeypatch, wh)
    assert sim.fault_log and run.state == "success"
    assert [(b["status"], b["quarantined"]) for b in batches] == [("succeeded", 0)]
    # the workbooks' own text is UTF-8 XML: "18-24 år" is read right whatever the page's encoding
    youth = wh.execute(
        "select count(*) from core.jobseekers_monthly where month = '2026-09-01' and group_code = 'age:18-24 år'"
    ).fetchone()[0]
    assert youth > 0


# The faults of the real upstream shapes: (fault spec, target, the batch it hits, the status it
# must end in, words its error must hold; None = the run survives it)
KEY_FIGURES, EDUCATION = TARGETS[5], TARGETS[4]
UPSTREAM_SHAPE_FAULTS = [
    pytest.param("v2_path@kolada", KEY_FIGURES, "kolada_key_figures", "failed", "v2", id="kolada-v2-answer"),
    pytest.param(
        "missing_next_page@kolada", KEY_FIGURES, "kolada_key_figures", "failed", "404", id="kolada-next-url-gone"
    ),
    pytest.param(
        "cell_limit@scb_pxweb", KEY_FIGURES, "scb_key_figures", "failed", "403 Forbidden", id="scb-cell-limit"
    ),
    pytest.param(
        "schema_drift@scb_pxweb", KEY_FIGURES, "scb_key_figures", "rejected", "'Region'", id="scb-dimension-renamed"
    ),
    pytest.param("header_moved@myh_results", EDUCATION, "myh_programmes", "succeeded", None, id="myh-header-moved"),
]


@pytest.mark.parametrize(("spec", "target", "feed", "status", "words"), UPSTREAM_SHAPE_FAULTS)
def test_a_real_upstream_fault_fails_its_batch_clearly_or_is_survived(
    spec, target, feed, status, words, feedsim_factory, isolated_warehouse, wh, monkeypatch, tally
):
    sim = feedsim_factory(faults=[spec], scale=0.01)
    point_upstreams_at(sim, monkeypatch)
    if feed == "kolada_key_figures":  # small pages, so that an answer has a next_url to follow
        import vagled.feeds.kolada_key_figures.parse as key_figures

        config = {**key_figures.config(), "kolada": {**key_figures.config()["kolada"], "per_page": 30}}
        monkeypatch.setattr(key_figures, "config", lambda: config)
    since = last_batch_id(wh)
    run = load_dag(target.dag_id).test(run_conf=target.conf)
    batches = batches_since(wh, since)
    hit = [b for b in batches if b["feed"] == feed]
    assert sim.fault_log and hit, batches
    assert {b["status"] for b in hit} == {status}, hit
    others = [b for b in batches if b["feed"] != feed]
    assert all(b["status"] == "succeeded" for b in others), others  # one source's fault stays its own
    if words is None:
        assert run.state == "success"
    else:
        assert run.state == "failed"
        assert all(words in b["error"] and _clear(b["error"]) and b["loaded"] == 0 for b in hit), hit
    findings = check_invariants(wh, since=since)
    tally.lost(findings.lost, spec)
    tally.fault(spec, applied=bool(sim.fault_log), survived=True)
    assert not findings.violations, findings.violations
