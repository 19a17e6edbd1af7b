"""A backfill of an archive year at --scale 1 (a national year, the area's real volume) streams in bounded memory.

Runs bench/backfill_memory.py's measurement: the load in a child process against feedsim at
scale 0.1 and 1.0, peak resident memory read from the kernel. Marked slow (feedsim builds a
national archive once, then minutes of load): `make test-all` runs it, `make test` does not.
"""

from __future__ import annotations

import importlib.util

import pytest

from vagled.config import REPO_ROOT

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

# slices are cut at the last line end once 8 MB are buffered; reads come in blocks of 1 MB
SLICE_LIMIT = 8 * 1024 * 1024 + 1024 * 1024


def _bench():
    spec = importlib.util.spec_from_file_location("backfill_memory", REPO_ROOT / "bench" / "backfill_memory.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_year_at_full_scale_streams_in_bounded_memory(embedded_warehouse, warehouse_conn):
    bench = _bench()
    small = bench.measure(0.1, 2024)
    full = bench.measure(1.0, 2024)

    assert full["ads_received"] > 100_000, "scale 1 is the area's real volume, in a national archive"
    assert full["ads_received"] == full["loaded"] + full["quarantined"] + full["duplicates"]
    assert full["slices"] > 10, "the year's file was landed in slices, never whole"
    largest_part = warehouse_conn.execute(
        "select max(byte_size) from raw.landed_payload where feed = 'job_ads'"
    ).fetchone()[0]
    assert largest_part <= SLICE_LIMIT, "a slice is cut at a line end, 8 MB and one read block at most"

    input_ratio = full["mb_landed"] / small["mb_landed"]
    memory_ratio = full["peak_rss_mb"] / small["peak_rss_mb"]
    assert input_ratio > 8
    # streamed: ten times the input must not come near ten times the memory
    assert memory_ratio < input_ratio / 4, (small, full)
