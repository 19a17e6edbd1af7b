"""Peak memory and speed of a job-ads backfill of one archive year, at several feedsim scales.

The load (extract: index page, spool the ZIP, stream its member, skip other counties' lines, land
the area's in raw -> parse -> validate -> COPY -> merge) runs in a child
process, exactly the code the DAG's tasks run; the parent serves feedsim and reads the child's
peak resident memory from the kernel (wait4). Streaming means the peak does not grow with the
size of the year's file, so the table ends with the ratio of the largest to the smallest peak.

    python bench/backfill_memory.py                      # scales 0.1 and 1.0 (1.0 = a national year)
    python bench/backfill_memory.py --scales 0.05 0.5 --year 2024 --json bench/results/backfill_memory.json

The warehouse is the one named by AIRFLOW_CONN_VAGLED_WAREHOUSE, else the embedded one in
$VAGLED_HOME (started and migrated if needed).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results" / "backfill_memory.json"


def child(year: int) -> None:
    """Run the three load-path steps of a backfill of ``year`` and print their figures as JSON."""
    from vagled.pipeline import tasks

    timings: dict[str, float] = {}
    started = time.monotonic()
    extracted = tasks.extract(
        "job_ads", data_interval_start=None, data_interval_end=None, params={"backfill": [year]}, run_id="bench"
    )
    timings["extract_s"] = time.monotonic() - started
    started = time.monotonic()
    staged = tasks.stage("job_ads", extracted["batch_id"])
    timings["stage_s"] = time.monotonic() - started
    started = time.monotonic()
    published = tasks.publish("job_ads", extracted["batch_id"])
    timings["publish_s"] = time.monotonic() - started
    print(json.dumps({"extracted": extracted, "staged": staged, "published": published, **timings}), flush=True)


def _ensure_warehouse() -> None:
    if os.environ.get("AIRFLOW_CONN_VAGLED_WAREHOUSE"):
        return
    from vagled.config import vagled_home
    from vagled.warehouse.embedded import EmbeddedWarehouse
    from vagled.warehouse.migrate import migrate

    warehouse = EmbeddedWarehouse(vagled_home())
    warehouse.start()
    os.environ["AIRFLOW_CONN_VAGLED_WAREHOUSE"] = warehouse.url()
    migrate()


def run_child(argv: list[str], env: dict[str, str] | None = None) -> tuple[dict, float, float]:
    """Run ``python <argv>`` as a child process; return its last output line (JSON), peak RSS and seconds.

    The peak resident memory is the kernel's account of the child (wait4), in MB; the child's own
    children (a process pool) are included once the child has waited for them.

    Raises:
        RuntimeError: the child failed.
    """
    started = time.monotonic()
    process = subprocess.Popen([sys.executable, *argv], env=env, stdout=subprocess.PIPE, text=True)
    output = process.stdout.read() if process.stdout else ""
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.monotonic() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"{' '.join(argv)} failed (exit {os.waitstatus_to_exitcode(status)})")
    lines = output.strip().splitlines()
    return json.loads(lines[-1]) if lines else {}, usage.ru_maxrss / 1024, elapsed  # Linux: kilobytes


def measure(scale: float, year: int, seed: int = 42) -> dict:
    """Serve feedsim at ``scale``, run the backfill in a child process, return its figures."""
    from vagled.feedsim.cli import connection_uris
    from vagled.feedsim.server import FeedSim

    with FeedSim(port=0, seed=seed, scale=scale) as sim:
        env = os.environ.copy()
        for conn_id, uri in connection_uris("127.0.0.1", sim.port).items():
            env[f"AIRFLOW_CONN_{conn_id.upper()}"] = uri
        try:
            figures, peak_rss_mb, elapsed = run_child([__file__, "--child", "--year", str(year)], env)
        except RuntimeError as exc:
            raise RuntimeError(f"the backfill at scale {scale} failed: {exc}") from exc
    received = figures["staged"]["received"]
    return {
        "scale": scale,
        "year": year,
        "ads_received": received,
        "mb_landed": round(figures["extracted"]["bytes"] / 1e6, 1),
        "slices": figures["extracted"]["parts"],
        "loaded": figures["published"]["loaded"],
        "quarantined": figures["published"]["quarantined"],
        "duplicates": figures["published"]["duplicates"],
        "peak_rss_mb": round(peak_rss_mb, 1),
        "seconds": round(elapsed, 1),
        "rows_per_s": round(received / elapsed) if elapsed else None,
        **{k: round(v, 2) for k, v in figures.items() if k.endswith("_s")},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scales", type=float, nargs="+", default=[0.1, 1.0])
    parser.add_argument("--year", type=int, default=2025)
    parser.add_argument("--json", type=Path, default=RESULTS, help=f"where to write the results (default {RESULTS})")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args.year)
        return 0
    _ensure_warehouse()
    runs = []
    for scale in args.scales:
        print(f"backfill of {args.year} at scale {scale} ...", flush=True)
        runs.append(measure(scale, args.year))
    smallest, largest = min(runs, key=lambda r: r["scale"]), max(runs, key=lambda r: r["scale"])
    result = {
        "runs": runs,
        "input_ratio": round(largest["mb_landed"] / smallest["mb_landed"], 2) if smallest["mb_landed"] else None,
        "peak_rss_ratio": round(largest["peak_rss_mb"] / smallest["peak_rss_mb"], 2),
    }
    header = ("scale", "ads", "MB landed", "slices", "peak RSS MB", "seconds", "rows/s")
    print("{:>6} {:>9} {:>10} {:>7} {:>12} {:>8} {:>8}".format(*header))
    for r in runs:
        print(
            f"{r['scale']:>6} {r['ads_received']:>9} {r['mb_landed']:>10} {r['slices']:>7} "
            f"{r['peak_rss_mb']:>12} {r['seconds']:>8} {r['rows_per_s']:>8}"
        )
    print(f"input grew x{result['input_ratio']}, peak memory x{result['peak_rss_ratio']}")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(result, indent=2) + "\n")
    print(f"written to {args.json}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
