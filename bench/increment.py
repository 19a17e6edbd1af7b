"""An hourly JobStream increment of about 500 changed ads, as the DAG's three tasks run it.

feedsim serves JobStream at the scale that gives about 500 changes in one weekday working hour;
a child process runs what extract_job_ads, stage_job_ads and publish_job_ads call
(vagled.pipeline.tasks: fetch over HTTP, land raw, parse, validate, COPY, merge into core, move
the watermark). Timed: that pipeline work. Not timed: starting Python and importing Airflow, which
a task's process has done before it runs. Two runs:

- warm: Great Expectations imported and the suite built before the clock starts, as in a worker
  that preloads them (see docs/performance.md);
- cold: a fresh process that imports Great Expectations inside the timed stage task.

    python bench/increment.py
"""

from __future__ import annotations

import json
import os
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

from vagled.config import STOCKHOLM

sys.path.insert(0, str(Path(__file__).resolve().parent))

from backfill_memory import run_child

HOUR_START = datetime(2026, 10, 14, 10, 0, tzinfo=STOCKHOLM)  # a Wednesday morning
HOUR_END = HOUR_START + timedelta(hours=1)
CHANGES = 500
SEED = 42


def _changes(scale: float) -> int:
    """Ads JobStream answers for the run's windows at ``scale`` (every county, as it is asked)."""
    from vagled.feeds.job_ads.jobtech import stream_windows
    from vagled.feedsim.common import SimConfig
    from vagled.feedsim.jobtech import Filters, window_events

    sim = SimConfig(seed=SEED, scale=scale)
    total = 0
    for _, params in stream_windows(HOUR_START, HOUR_END):
        after = datetime.fromisoformat(params["updated-after"]).replace(tzinfo=STOCKHOLM)
        before = datetime.fromisoformat(params["updated-before"]).replace(tzinfo=STOCKHOLM)
        total += len(
            window_events(
                sim, int(after.timestamp() * 1000), int(before.timestamp() * 1000), Filters(frozenset(), frozenset())
            )
        )
    return total


def scale_for_changes(changes: int = CHANGES) -> float:
    """The feedsim scale at which the hour holds about ``changes`` changed ads."""
    scale = 1.0
    for _ in range(4):
        found = _changes(scale)
        if found and abs(found - changes) <= changes * 0.05:
            break
        scale *= changes / max(found, 1)
    return scale


def child(warm: bool) -> None:
    """Run the increment's three task functions; print the figures as one JSON line."""
    # What a task's process has before the task starts: Python, Airflow, the Postgres hook.
    import airflow.providers.postgres.hooks.postgres  # noqa: F401

    from vagled.pipeline import tasks, validate

    setup = {"s": 0.0}
    if warm:
        started = time.monotonic()
        validate.validation_definition("job_ads")
        preloaded_s = time.monotonic() - started
    else:
        # Cold, the stage task pays the import of Great Expectations and the suite's set-up: time them.
        preloaded_s = 0.0
        build = validate.validation_definition

        def timed_build(name):
            begun = time.monotonic()
            try:
                return build(name)
            finally:
                setup["s"] += time.monotonic() - begun

        validate.validation_definition = timed_build
    timings = {}
    started = time.monotonic()
    extracted = tasks.extract(
        "job_ads", data_interval_start=HOUR_START, data_interval_end=HOUR_END, params={}, run_id="bench-increment"
    )
    timings["extract_s"] = time.monotonic() - started
    started = time.monotonic()
    staged = tasks.stage("job_ads", extracted["batch_id"])
    timings["stage_s"] = time.monotonic() - started
    started = time.monotonic()
    published = tasks.publish("job_ads", extracted["batch_id"], watermark=extracted["watermark"])
    timings["publish_s"] = time.monotonic() - started
    total = sum(timings.values())
    print(
        json.dumps(
            {
                **timings,
                "pipeline_s": total,
                "validation_s": staged["validation_s"] + setup["s"],
                "validation_share": (staged["validation_s"] + setup["s"]) / total,
                "gx_setup_in_stage_s": setup["s"],
                "preloaded_setup_s": preloaded_s,
                "parts": extracted["parts"],
                "received": staged["received"],
                "out_of_area": staged["out_of_area"],
                "loaded": published["loaded"],
                "quarantined": published["quarantined"],
            }
        ),
        flush=True,
    )


def measure(warehouse, *, log=print) -> dict:
    import psycopg

    from vagled.feedsim.cli import connection_env
    from vagled.feedsim.server import FeedSim

    scale = scale_for_changes()
    runs = {}
    with FeedSim(port=0, seed=SEED, scale=scale) as sim:
        env = {**os.environ, **connection_env("127.0.0.1", sim.port)}
        env["AIRFLOW_CONN_VAGLED_WAREHOUSE"] = warehouse.url()
        for label, warm in (("warm", True), ("cold", False)):
            # Each run starts from the hour itself, not from a watermark an earlier run left.
            with psycopg.connect(warehouse.admin_conninfo(), dbname="vagled", autocommit=True) as conn:
                conn.execute("delete from audit.feed_watermark where feed = 'job_ads'")
            argv = [__file__, "--child"] + (["--warm"] if warm else [])
            figures, peak_rss_mb, _ = run_child(argv, env)
            figures["peak_rss_mb"] = peak_rss_mb
            runs[label] = figures
            log(
                f"  increment ({label}): {figures['received'] + figures['out_of_area']} changes, "
                f"{figures['pipeline_s']:.2f} s, validation {figures['validation_share']:.0%}"
            )
    warm, cold = runs["warm"], runs["cold"]
    return {
        "feedsim_scale": round(scale, 3),
        "hour": f"{HOUR_START.isoformat()} .. {HOUR_END.isoformat()}",
        "changes": warm["received"] + warm["out_of_area"],
        "in_area": warm["received"],
        "increment_s": round(warm["pipeline_s"], 2),
        "increment_validation_share": round(warm["validation_share"], 3),
        "increment_cold_s": round(cold["pipeline_s"], 2),
        "increment_cold_validation_share": round(cold["validation_share"], 3),
        "warm": {k: round(v, 3) if isinstance(v, float) else v for k, v in warm.items()},
        "cold": {k: round(v, 3) if isinstance(v, float) else v for k, v in cold.items()},
    }


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--child"]:
        child(warm="--warm" in argv)
        return 0
    from run import bench_warehouse

    print(json.dumps(measure(bench_warehouse()), indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
