"""The performance bench: `make bench` (100 000 and 1 000 000 ads) and `make bench-quick` (100 000).

Measures, in one run and on one embedded PostgreSQL of its own (``$VAGLED_HOME/bench``; the bench
truncates its tables and never touches the warehouse named by AIRFLOW_CONN_VAGLED_WAREHOUSE):

- the job-ads load path against the COPY floor, its rerun, and peak memory (bench/load_path.py);
- a backfill of one national year from feedsim's enriched ZIP archive against a read + decompress +
  split-lines floor measured in the same run, and its peak memory (bench/backfill.py);
- an hourly JobStream increment of about 500 changed ads (bench/increment.py);
- DAG file parse times, per file and for the whole dags/ folder (bench/dag_parse.py);
- the documented analyst queries on ten years of national ads (bench/queries.py).

It prints one table and writes every figure to bench/results/latest.json. Nothing here asserts
a time: the targets are printed beside the figures.

    python bench/run.py                       # sizes 100000 1000000
    python bench/run.py --quick               # size 100000 only
    python bench/run.py --sizes 200000 --repeat 3 --skip queries
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR))

from ads_files import bench_home  # noqa: E402

RESULTS = BENCH_DIR / "results" / "latest.json"
README = BENCH_DIR.parent / "README.md"
# The README's Performance section holds the latest table between these two markers.
README_TABLE = re.compile(r"(<!-- bench-table -->\n).*?(<!-- /bench-table -->)", re.S)
SECTIONS = ("load", "backfill", "increment", "dags", "queries")

TARGETS = {
    "path_ratio": ">= 0.5",
    "rerun_ratio": ">= 0.4",
    "peak_rss_mb": "< 1024",
    "backfill_ratio": ">= 0.5",
    "backfill_peak_rss_mb": "< 1024",
    "increment_s": "< 5",
    "max_dag_parse_s": "< 0.3",
    "query_p95_ms": "< 200",
}


def bench_warehouse():
    """Start (and migrate) the bench's own embedded warehouse; point this process and its children at it."""
    from vagled.warehouse.embedded import EmbeddedWarehouse
    from vagled.warehouse.migrate import migrate

    home = bench_home().resolve()
    os.environ["VAGLED_BENCH_HOME"] = str(home)
    os.environ["VAGLED_HOME"] = str(home)  # GX Data Docs and logs of the bench's loads stay in it too
    warehouse = EmbeddedWarehouse(home)
    warehouse.start()
    os.environ["AIRFLOW_CONN_VAGLED_WAREHOUSE"] = warehouse.url()
    migrate()
    return warehouse


def stop_bench_warehouses() -> None:
    """Stop the bench's PostgreSQL servers; their data stays for the next run."""
    from vagled.warehouse.embedded import EmbeddedWarehouse

    for home in (bench_home(), bench_home() / "queries"):
        warehouse = EmbeddedWarehouse(home)
        if warehouse.status().running:
            warehouse.stop()


def machine() -> dict:
    import psycopg

    with psycopg.connect(os.environ["AIRFLOW_CONN_VAGLED_WAREHOUSE"]) as conn:
        server = conn.execute("show server_version").fetchone()[0]
    return {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "postgresql": server,
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
    }


def _fmt(value, unit: str = "") -> str:
    if value is None:
        return "not measured"
    if isinstance(value, float):
        return f"{value:,.2f}{unit}"
    if isinstance(value, int):
        return f"{value:,}{unit}"
    return f"{value}{unit}"


def table(result: dict) -> str:
    """The run as a Markdown table (printed, and pasted into README's Performance section)."""
    load = result["machine"]["load_average_at_start"]
    lines = [
        f"Measured {result['measured_at']} on {result['machine']['cpus']} CPUs (load average at the start "
        f"{load[0]}, from other work on the machine), PostgreSQL {result['machine']['postgresql']}, Python "
        f"{result['machine']['python']}; median of {result.get('repeat', 1)} timing(s) per size.",
        "",
        "| ads in the file (rows loaded) | floor: COPY rows/s | path rows/s (stage + publish s) | path / floor "
        "| rerun rows/s | rerun / floor | peak RSS MB | landing in raw (extract), ads/s |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for run in result.get("load", []):
        lines.append(
            f"| {run['ads_in_file']:,} ({run['rows_loaded']:,}) | {run['floor_rows_per_s']:,} "
            f"| {run['path_rows_per_s']:,} ({run['path_stage_s']:.1f} + {run['path_publish_s']:.1f}) "
            f"| {run['path_ratio']:.2f} | {run['rerun_rows_per_s']:,} | {run['rerun_ratio']:.2f} "
            f"| {run['peak_rss_mb']:,} | {run['land_raw_ads_per_s']:,} |"
        )
    lines += ["", "| measure | value | target |", "|---|---:|---|"]
    # The ratio targets hold at every size: one row per size, so a miss at the smaller one shows.
    for run in result.get("load", []):
        for key in ("path_ratio", "rerun_ratio"):
            label = f"{key.split('_')[0]} / floor, {run['ads_in_file']:,} ads"
            lines.append(f"| {label} | {run[key]:.2f} | {TARGETS[key]} |")
    backfill = result.get("backfill")
    if backfill:
        lines.append(
            f"| backfill of a national year ({backfill['lines']:,} ads, {backfill['archive_mb']:,} MB zipped, "
            f"{backfill['loaded']:,} area ads loaded): {backfill['backfill_s']:,} s "
            f"(extract {backfill['extract_s']} + stage {backfill['stage_s']} + publish {backfill['publish_s']}) "
            f"| {backfill['backfill_rows_per_s']:,} area ads/s | |"
        )
        lines.append(
            f"| backfill floor: read + decompress + split lines (MB/s) | {backfill['backfill_floor_mb_per_s']} | |"
        )
    for key, label in (
        ("backfill_ratio", "backfill / floor (floor s / backfill s)"),
        ("backfill_peak_rss_mb", "peak RSS of the backfill (MB)"),
        ("peak_rss_mb", "peak RSS of the load, any size (MB)"),
        ("increment_s", "hourly increment, pipeline work (s)"),
        ("increment_validation_share", "  of which validation"),
        ("max_dag_parse_s", "slowest DAG file to parse (s)"),
        ("dagbag_parse_s", "whole dags/ folder, DagBag (s)"),
        ("query_p95_ms", "slowest documented query, p95 (ms)"),
    ):
        value = result.get(key)
        shown = f"{value:.0%}" if key == "increment_validation_share" and value is not None else _fmt(value)
        lines.append(f"| {label} | {shown} | {TARGETS.get(key, '')} |")
    for name, figures in result.get("queries", {}).items():
        lines.append(f"| query `{name}` median / p95 (ms) | {figures['median_ms']} / {figures['p95_ms']} | < 200 |")
    return "\n".join(lines)


def update_readme(text: str, readme: Path = README) -> None:
    """Replace the table between README's bench-table markers with ``text``."""
    content = readme.read_text()
    if not README_TABLE.search(content):
        raise SystemExit(f"{readme}: no <!-- bench-table --> ... <!-- /bench-table --> markers to put the table in")
    readme.write_text(README_TABLE.sub(lambda m: f"{m.group(1)}\n{text}\n\n{m.group(2)}", content, count=1))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--quick", action="store_true", help="the 100 000 size alone")
    parser.add_argument("--repeat", type=int, default=3, help="timings per size; the run of median ratio is kept")
    parser.add_argument("--skip", nargs="*", default=[], choices=SECTIONS)
    parser.add_argument("--json", type=Path, default=RESULTS)
    parser.add_argument("--profile", action="store_true", help="profile each path run (pyinstrument) beside the JSON")
    parser.add_argument("--readme", action="store_true", help="put the table into README.md's Performance section")
    parser.add_argument("--rebuild-queries", action="store_true", help="generate the ten years of data again")
    parser.add_argument("--backfill-scale", type=float, default=1.0, help="feedsim scale of the backfilled year")
    args = parser.parse_args(argv)
    sizes = [100_000] if args.quick else sorted(args.sizes)

    started = time.monotonic()
    warehouse = bench_warehouse()
    result: dict = {
        "measured_at": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": machine(),
        "sizes": sizes,
        "repeat": args.repeat,
    }

    try:
        if "load" not in args.skip:
            import load_path

            print("load path against the COPY floor:", flush=True)
            profile_dir = args.json.parent if args.profile else None
            result["load"] = [
                load_path.measure(size, warehouse, repeat=args.repeat, profile_dir=profile_dir) for size in sizes
            ]
            largest = result["load"][-1]
            result["size"] = largest["ads_in_file"]
            for key in ("floor_rows_per_s", "path_rows_per_s", "path_ratio", "rerun_rows_per_s", "rerun_ratio"):
                result[key] = largest[key]
            result["peak_rss_mb"] = max(run["peak_rss_mb"] for run in result["load"])

        if "backfill" not in args.skip:
            import backfill

            print(f"backfill of a national year (scale {args.backfill_scale}) against its floor:", flush=True)
            result["backfill"] = backfill.measure(args.backfill_scale)
            for key in backfill.KEYS:
                result[key] = result["backfill"][key]

        if "increment" not in args.skip:
            import increment

            print("hourly increment:", flush=True)
            result["increment"] = increment.measure(warehouse)
            for key in ("increment_s", "increment_validation_share", "increment_cold_s"):
                result[key] = result["increment"][key]

        if "dags" not in args.skip:
            import dag_parse

            print("DAG parsing:", flush=True)
            result["dag_parse"] = dag_parse.measure()
            result["max_dag_parse_s"] = result["dag_parse"]["max_dag_parse_s"]
            result["dagbag_parse_s"] = result["dag_parse"]["dagbag_parse_s"]
            print(f"  slowest file {result['dag_parse']['slowest_dag_file']}: {result['max_dag_parse_s']} s")

        if "queries" not in args.skip:
            import queries

            print("analyst queries on ten years of national data:", flush=True)
            measured = queries.measure(rebuild=args.rebuild_queries)
            result["queries"] = measured["queries"]
            result["query_data"] = measured["data"]
            result["query_p95_ms"] = measured["query_p95_ms"]
            result["slowest_query"] = measured["slowest_query"]
    finally:
        stop_bench_warehouses()

    result["bench_seconds"] = round(time.monotonic() - started)
    text = table(result)
    print()
    print(text)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    args.json.with_suffix(".md").write_text(text + "\n")
    print(f"\nwritten to {args.json}")
    if args.readme:
        update_readme(text)
        print(f"and into {README.name}'s Performance section")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
