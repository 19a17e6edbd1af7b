"""feedsim without a server: determinism, identity numbers, volumes, fault specs, connection URIs."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from vagled.feedsim import jobtech
from vagled.feedsim.common import SimConfig, organisation_number, personnummer, rng
from vagled.feedsim.faults import (
    DATA_FAULTS,
    FAULTS,
    TRANSPORT_FAULTS,
    FaultPlanner,
    parse_fault_list,
    parse_fault_spec,
)

pytestmark = pytest.mark.unit


def _luhn_ok(ten_digits: str) -> bool:
    """An independent Luhn check (not feedsim's), so the test does not grade its own homework."""
    total = 0
    for position, char in enumerate(ten_digits):
        product = int(char) * (2 if position % 2 == 0 else 1)
        total += product - 9 if product > 9 else product
    return total % 10 == 0


def test_identity_numbers_are_luhn_valid_and_shaped_like_real_ones():
    r = rng(42, "test-pnr")
    for _ in range(500):
        number = personnummer(r)
        assert re.fullmatch(r"(19|20)\d{6}-\d{4}", number)
        yymmdd_nnnc = number[2:8] + number[9:]
        assert _luhn_ok(yymmdd_nnnc), number
        date(int(number[:4]), int(number[4:6]), int(number[6:8]))  # a real calendar date


def test_known_identity_number_passes_the_independent_check():
    # Skatteverket's classic example 811218-9876 (check digit 6).
    assert _luhn_ok("8112189876")
    assert not _luhn_ok("8112189875")


def test_organisation_numbers_are_luhn_valid():
    r = rng(1, "org")
    for prefix in ("55", "2120", "2321"):
        number = organisation_number(r, prefix)
        assert len(number) == 10 and number.startswith(prefix) and _luhn_ok(number)


def test_same_seed_same_ads_and_other_seed_other_ads():
    day = date(2025, 3, 4)
    first = jobtech.ads_for(42, 0.05, "19", day)
    jobtech.ads_for.cache_clear()
    assert jobtech.ads_for(42, 0.05, "19", day) == first
    assert jobtech.ads_for(43, 0.05, "19", day) != first
    sim = SimConfig(seed=42, scale=0.05)
    ad = first[0]
    assert jobtech.full_ad(sim, ad, 0) == jobtech.full_ad(sim, ad, 0)
    assert jobtech.full_ad(SimConfig(seed=7, scale=0.05), ad, 0) != jobtech.full_ad(sim, ad, 0)


def test_ad_lifecycle_is_ordered():
    for county in ("03", "18"):
        for ad in jobtech.ads_for(42, 0.2, county, date(2026, 2, 3)):
            assert list(ad.events) == sorted(ad.events)
            assert len(set(ad.events)) == len(ad.events)
            assert 1 <= len(ad.events) - 1 <= 3  # publication + 0-2 updates, then the removal
            assert ad.removed_ms - ad.published_ms <= jobtech.MAX_LIFETIME_DAYS * 86_400_000


def test_volume_scale_one_is_about_150_000_ads_a_year_in_the_area():
    expected_all = jobtech.expected_ads(SimConfig(scale=1.0), 2025)
    area_share = 1 - jobtech.OTHER_COUNTIES_SHARE
    assert 145_000 <= expected_all * area_share <= 155_000


def test_volume_follows_scale_and_season():
    area = ("03", "04", "05", "18", "19")
    days = [date(2025, 1, 1) + timedelta(days=i) for i in range(365)]

    def count(scale: float, month: int | None = None) -> int:
        return sum(len(jobtech.ads_for(5, scale, c, d)) for c in area for d in days if month in (None, d.month))

    small, double = count(0.05), count(0.1)
    assert 7_000 <= small <= 8_000  # 5 % of 150 000
    assert 1.85 <= double / small <= 2.15
    assert count(0.1, 7) < 0.6 * count(0.1, 9)  # July is quiet


def test_fault_spec_parsing():
    assert parse_fault_spec("http_429").name == "http_429"
    spec = parse_fault_spec("http_429:2@kolada")
    assert (spec.name, spec.limit, spec.conn_id, spec.text) == ("http_429", 2, "kolada", "http_429:2@kolada")
    assert [s.name for s in parse_fault_list(["slow,duplicates", "reset"])] == ["slow", "duplicates", "reset"]
    with pytest.raises(ValueError, match="unknown fault"):
        parse_fault_spec("http_418")
    with pytest.raises(ValueError, match="whole number"):
        parse_fault_spec("http_429:x")
    assert set(FAULTS) == TRANSPORT_FAULTS | DATA_FAULTS


def test_first_n_faults_then_recovery_and_scope():
    planner = FaultPlanner(42, parse_fault_list(["http_429:2@kolada"]))
    hits = [planner.plan("kolada", "/kolada/v2/kpi?", []) for _ in range(4)]
    assert hits == [frozenset({"http_429"})] * 2 + [frozenset()] * 2
    assert planner.plan("scb_pxweb", "/scb", []) == frozenset()


def test_fault_rate_is_reproducible():
    def run() -> list[frozenset[str]]:
        planner = FaultPlanner(42, parse_fault_list(["http_500"]), fault_rate=0.3)
        return [planner.plan("kolada", f"/kolada/x?page={i % 5}", []) for i in range(200)]

    first = run()
    assert first == run()
    share = sum(1 for f in first if f) / len(first)
    assert 0.15 < share < 0.45


def test_per_request_first_n_recovers_for_a_retried_url():
    planner = FaultPlanner(1, [])
    specs = parse_fault_list(["http_503:1"])
    assert planner.plan("kolada", "/a", specs) == frozenset({"http_503"})
    assert planner.plan("kolada", "/a", specs) == frozenset()
    assert planner.plan("kolada", "/b", specs) == frozenset({"http_503"})


def test_connection_uris_and_env_lines(capsys):
    from vagled.feedsim.cli import connection_uris, main

    uris = connection_uris("127.0.0.1", 8765)
    assert uris["jobtech_jobstream"] == "http://127.0.0.1:8765/jobtech_jobstream"
    assert len(uris) == 10
    assert main(["connections", "--port", "8765"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert "export AIRFLOW_CONN_KOLADA='http://127.0.0.1:8765/kolada'" in lines
    assert len(lines) == 10


def test_connection_uri_parses_in_airflow_to_host_port_schema():
    pytest.importorskip("airflow")
    from airflow.models.connection import Connection

    from vagled.feedsim.cli import connection_uris

    for conn_id, uri in connection_uris("127.0.0.1", 8765).items():
        conn = Connection(conn_id=conn_id, uri=uri)
        assert (conn.conn_type, conn.host, conn.port, conn.schema) == ("http", "127.0.0.1", 8765, conn_id)
        assert f"http://{conn.host}:{conn.port}/{conn.schema}" == uri
        assert conn.get_uri() == uri
