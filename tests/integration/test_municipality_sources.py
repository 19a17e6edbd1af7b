"""SCB's limits and Kolada's paging, against feedsim over HTTP and the real warehouse."""

from __future__ import annotations

import time

import pytest

from vagled.feeds import get_feed, scb
from vagled.sources.http import HttpSource, UpstreamError

pytestmark = pytest.mark.integration

REGIONS = ["0380", "0381", "0382", "1880", "1980", "0580"]


def _batch(conn, feed: str) -> int:
    from vagled.pipeline.load import open_batch

    return open_batch(conn, get_feed(feed), None, "test_municipality_sources")


def _scb(sim, limiter) -> HttpSource:
    # retries=0: a 429 or 403 from SCB fails the call at once instead of being retried away.
    return HttpSource("scb_pxweb", base_url=sim.base_url("scb_pxweb"), retries=0, body_attempts=1, rate_limiter=limiter)


def test_scb_calls_stay_within_the_rate_limit(feedsim_factory, warehouse_conn):
    sim = feedsim_factory(scb_rate_limit=4, scb_rate_window=1.0)
    batch_id = _batch(warehouse_conn, "scb_key_figures")
    started = time.monotonic()
    # 50 cells per answer: many small queries, far more calls than 4 a second.
    landed = scb.land_tables(warehouse_conn, _scb(sim, scb.limiter(4, 1.0)), batch_id, [2024], REGIONS, max_cells=50)
    elapsed = time.monotonic() - started
    calls = landed["parts"] + 2  # plus one metadata GET per table
    assert landed["parts"] > 8
    assert elapsed >= (calls - 4) / 4 * 0.9, "the limiter did not hold calls back"
    cells = [
        r[0]
        for r in warehouse_conn.execute(
            "select (request_params->>'cells')::int from raw.landed_payload where batch_id = %s", (batch_id,)
        )
    ]
    assert max(cells) <= 50


def test_without_the_limiter_scb_answers_429(feedsim_factory, warehouse_conn):
    """The control: the same calls without the limiter do hit SCB's limit, so the test above can fail."""
    sim = feedsim_factory(scb_rate_limit=4, scb_rate_window=10.0)
    batch_id = _batch(warehouse_conn, "scb_key_figures")
    with pytest.raises(UpstreamError, match="429"):
        scb.land_tables(warehouse_conn, _scb(sim, None), batch_id, [2024], REGIONS, max_cells=50)


def test_scb_queries_are_split_below_the_cell_limit(feedsim_factory, warehouse_conn, monkeypatch):
    import vagled.feedsim.scb as simulated_scb

    monkeypatch.setattr(simulated_scb, "MAX_CELLS", 200)
    sim = feedsim_factory()
    batch_id = _batch(warehouse_conn, "scb_key_figures")
    landed = scb.land_tables(warehouse_conn, _scb(sim, None), batch_id, [2024], REGIONS, max_cells=200)
    assert landed["parts"] > 2
    with pytest.raises(UpstreamError, match="403"):
        scb.land_tables(warehouse_conn, _scb(sim, None), _batch(warehouse_conn, "scb_key_figures"), [2024], REGIONS)


def test_kolada_paging_follows_next_page_to_the_end(feedsim_factory, warehouse_conn, monkeypatch):
    import orjson

    import vagled.feeds.key_figures as key_figures
    from vagled.feedsim.cli import connection_uris

    sim = feedsim_factory()
    monkeypatch.setenv("AIRFLOW_CONN_KOLADA", connection_uris("127.0.0.1", sim.port)["kolada"])
    config = {**key_figures.config(), "kolada": {**key_figures.config()["kolada"], "per_page": 7}}
    monkeypatch.setattr(key_figures, "config", lambda: config)
    batch_id = _batch(warehouse_conn, "kolada_key_figures")
    landed = key_figures.land_kolada(warehouse_conn, batch_id, None, {"years": [2023, 2024]})
    expected = 5 * 52 * 2
    assert landed["parts"] == -(-expected // 7)
    bodies = warehouse_conn.execute(
        "select body, request_params from raw.landed_payload where batch_id = %s order by part_no", (batch_id,)
    ).fetchall()
    values = [v for body, _ in bodies for v in orjson.loads(body)["values"]]
    assert len(values) == expected
    assert len({(v["kpi"], v["municipality"], v["period"]) for v in values}) == expected
    assert [params["page"] for _, params in bodies] == list(range(1, landed["parts"] + 1))
    assert "next_page" not in orjson.loads(bodies[-1][0])
