"""SCB's limits and Kolada's paging, against feedsim over HTTP and the real warehouse."""

from __future__ import annotations

import time

import pytest

from vagled.feeds import get_feed
from vagled.feeds.scb_key_figures import parse as scb
from vagled.sources.http import HttpSource, UpstreamError

pytestmark = pytest.mark.integration

REGIONS = ["0380", "0381", "0382", "1880", "1980", "0580"]


def _batch(conn, feed: str) -> int:
    from vagled.pipeline.load import open_batch

    return open_batch(conn, get_feed(feed), None, "test_municipality_sources")


def _scb(sim, limiter) -> HttpSource:
    # retries=0: a 429 or 403 from SCB fails the call at once instead of being retried away.
    return HttpSource("scb_pxweb", base_url=sim.base_url("scb_pxweb"), retries=0, body_attempts=1, rate_limiter=limiter)


def test_scb_calls_stay_within_the_rate_limit_read_from_config(feedsim_factory, warehouse_conn, monkeypatch):
    monkeypatch.setattr(scb, "_LIMITERS", {})
    sim = feedsim_factory(scb_rate_limit=4, scb_rate_window=1.0)  # /config says 4 calls per second
    batch_id = _batch(warehouse_conn, "scb_key_figures")
    started = time.monotonic()
    # 12 cells per answer: many small queries, far more calls than 4 a second.
    landed = scb.land_tables(warehouse_conn, _scb(sim, None), batch_id, [2023, 2024], REGIONS, max_cells=4)
    elapsed = time.monotonic() - started
    calls = landed["parts"] + 2  # plus /config and the table's metadata
    assert landed["parts"] >= 8
    assert elapsed >= (calls - 4) / 4 * 0.9, "the limiter did not hold calls back"
    cells = [
        r[0]
        for r in warehouse_conn.execute(
            "select (request_params->>'cells')::int from raw.landed_payload where batch_id = %s", (batch_id,)
        )
    ]
    assert max(cells) <= 4 and sum(cells) == len(REGIONS) * 2 * 3  # two years, total + men + women


def test_without_the_limiter_scb_answers_429_as_problem_json(feedsim_factory, warehouse_conn):
    """The control: the same calls without the limiter do hit SCB's limit, so the test above can fail."""
    from vagled.sources.pxweb import PxWebError

    sim = feedsim_factory(scb_rate_limit=4, scb_rate_window=10.0)
    batch_id = _batch(warehouse_conn, "scb_key_figures")
    source = _scb(sim, scb.limiter(1000, 1.0))  # a limiter that lets everything through
    with pytest.raises(PxWebError, match="429 Too Many Requests"):
        scb.land_tables(warehouse_conn, source, batch_id, [2024], REGIONS, max_cells=4)


def test_scb_queries_are_split_below_the_cell_limit_from_config(feedsim_factory, warehouse_conn, monkeypatch):
    import vagled.feedsim.scb as simulated_scb
    from vagled.sources.pxweb import PxWebError

    monkeypatch.setattr(simulated_scb, "MAX_CELLS", 10)
    monkeypatch.setitem(simulated_scb.CONFIG, "maxDataCells", 10)
    sim = feedsim_factory()
    batch_id = _batch(warehouse_conn, "scb_key_figures")
    landed = scb.land_tables(warehouse_conn, _scb(sim, None), batch_id, [2024], REGIONS)
    assert landed["max_cells"] == 10 and landed["parts"] > 2
    # a server that refuses below what /config announced: the refusal is said in words
    monkeypatch.setitem(simulated_scb.CONFIG, "maxDataCells", 150_000)
    with pytest.raises(PxWebError, match="403 Forbidden: the query selects"):
        scb.land_tables(warehouse_conn, _scb(sim, None), _batch(warehouse_conn, "scb_key_figures"), [2024], REGIONS)


def test_kolada_paging_follows_next_url_to_the_end(feedsim_factory, warehouse_conn, monkeypatch):
    import orjson

    import vagled.feeds.kolada_key_figures.parse as key_figures
    from vagled.feedsim.cli import connection_uris

    sim = feedsim_factory()
    monkeypatch.setenv("AIRFLOW_CONN_KOLADA", connection_uris("127.0.0.1", sim.port)["kolada"])
    config = {**key_figures.config(), "kolada": {**key_figures.config()["kolada"], "per_page": 7}}
    monkeypatch.setattr(key_figures, "config", lambda: config)
    batch_id = _batch(warehouse_conn, "kolada_key_figures")
    landed = key_figures.land_kolada(warehouse_conn, batch_id, None, {"years": [2023, 2024]})
    kpis = len(key_figures.kolada_kpis())
    expected = kpis * 52 * 2
    # three requests (25 + 25 + 2 municipalities), each paged by 7
    assert landed["parts"] == sum(-(-(kpis * n * 2) // 7) for n in (25, 25, 2))
    bodies = warehouse_conn.execute(
        "select body, request_params from raw.landed_payload where batch_id = %s order by part_no", (batch_id,)
    ).fetchall()
    documents = [orjson.loads(body) for body, _ in bodies]
    values = [v for d in documents for v in d["values"]]
    assert len(values) == expected
    assert len({(v["kpi"], v["municipality"], v["period"]) for v in values}) == expected
    # count is the values of the page, never a total
    assert all(d["count"] == len(d["values"]) <= 7 for d in documents)
    assert sum(1 for d in documents if "next_url" not in d) == 3


def test_a_missing_next_url_page_fails_the_extract(feedsim_factory, warehouse_conn, monkeypatch):
    import vagled.feeds.kolada_key_figures.parse as key_figures
    from vagled.feedsim.cli import connection_uris

    sim = feedsim_factory(faults=["missing_next_page@kolada"])
    monkeypatch.setenv("AIRFLOW_CONN_KOLADA", connection_uris("127.0.0.1", sim.port)["kolada"])
    config = {**key_figures.config(), "kolada": {**key_figures.config()["kolada"], "per_page": 7}}
    monkeypatch.setattr(key_figures, "config", lambda: config)
    with pytest.raises(UpstreamError, match="404"):
        key_figures.land_kolada(warehouse_conn, _batch(warehouse_conn, "kolada_key_figures"), None, {"years": 2024})
