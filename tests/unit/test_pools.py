"""The upstream pools: one per connection, sized from its limit, tied to the feeds that call it."""

from __future__ import annotations

import importlib

import pytest

from vagled.config import UPSTREAM_CONN_IDS
from vagled.feeds import FEEDS
from vagled.pools import UPSTREAM_POOLS, feed_upstream, per_task_calls, pool_for_feed, upstream_pool

pytestmark = pytest.mark.unit


def test_one_pool_per_upstream_a_task_calls():
    names = [pool.name for pool in UPSTREAM_POOLS]
    assert len(names) == len(set(names))
    assert {pool.conn_id for pool in UPSTREAM_POOLS} <= set(UPSTREAM_CONN_IDS)
    # every connection has a pool except the historical files, fetched inside the job-ads task
    assert set(UPSTREAM_CONN_IDS) - {pool.conn_id for pool in UPSTREAM_POOLS} == {"jobtech_historical"}
    assert all(pool.default_slots >= 1 and pool.limit for pool in UPSTREAM_POOLS)


def test_every_feed_is_tied_to_the_connection_its_module_calls():
    from vagled.feeds.job_ads import jobtech
    from vagled.feeds.municipal_files import files as municipal_files

    # where a feed module takes its connection from another module
    elsewhere = {
        "job_ads": jobtech.STREAM_CONN_ID,
        "municipal_komvux": municipal_files.CONN_ID,
        "municipal_programmes": municipal_files.CONN_ID,
    }
    for feed in FEEDS:
        conn_id = feed_upstream(feed)
        declared = elsewhere.get(feed) or importlib.import_module(f"vagled.feeds.{feed}.parse").CONN_ID
        assert conn_id == declared, feed
        assert pool_for_feed(feed) == f"upstream_{conn_id}"


def test_a_task_of_feeds_on_two_upstreams_is_refused():
    assert pool_for_feed("municipal_komvux", "municipal_programmes") == "upstream_municipal_files"
    with pytest.raises(ValueError, match="several upstreams"):
        pool_for_feed("kolada_key_figures", "scb_key_figures")
    with pytest.raises(KeyError, match="no_such_feed"):
        pool_for_feed("no_such_feed")
    with pytest.raises(KeyError, match="no pool for connection"):
        upstream_pool("jobtech_historical")


def test_slots_come_from_the_environment_or_the_default():
    pool = upstream_pool("municipal_files")
    assert pool.slots({}) == pool.default_slots
    assert pool.slots({"VAGLED_POOL_SLOTS_MUNICIPAL_FILES": "8"}) == 8
    assert pool.slots({"VAGLED_POOL_SLOTS_MUNICIPAL_FILES": " "}) == pool.default_slots
    for bad in ("0", "-2", "two", "1.5"):
        with pytest.raises(ValueError, match="VAGLED_POOL_SLOTS_MUNICIPAL_FILES"):
            pool.slots({"VAGLED_POOL_SLOTS_MUNICIPAL_FILES": bad})


@pytest.mark.parametrize("slots", [1, 2, 3, 4, 7, 30, 45])
def test_scb_budget_holds_however_many_tasks_the_pool_lets_run(slots):
    from vagled.feedsim.scb import CONFIG

    calls = int(CONFIG["maxCallsPerTimeWindow"])  # SCB's /config: read at run time by the feed
    env = {"VAGLED_POOL_SLOTS_SCB_PXWEB": str(slots)}
    if slots > calls:
        # more tasks at once than calls in a window: no share can keep the limit, so it is refused
        with pytest.raises(ValueError, match="VAGLED_POOL_SLOTS_SCB_PXWEB"):
            per_task_calls("scb_pxweb", calls, env)
        return
    per_task = per_task_calls("scb_pxweb", calls, env)
    assert per_task >= 1 and per_task * slots <= calls
    assert per_task_calls("scb_pxweb", calls, {}) == calls  # one slot by default: the whole budget
