"""The performance bench: `make bench` (100 000 and 1 000 000 ads) and `make bench-quick` (100 000).

Measures, in one run and on one embedded PostgreSQL of its own (``$VAGLED_HOME/bench``; the bench
truncates its tables and never touches the warehouse named by AIRFLOW_CONN_VAGLED_WAREHOUSE):

- the job-ads load path against the COPY floor, its rerun, and peak memory (bench/load_path.py):
  ads per second, each ad with the keyword and requirement rows publish writes beside it, which
  the floor COPYs too (the COPY of core.job_ad alone is kept as a secondary figure);
- beside it, on the same server and the rows the path wrote, the loaders a user would pick
  instead: dlt with a merge on the ad key (the child rows as nested lists), first load and rerun,
  and pandas to_sql into the three tables (bench/peers.py; the extra `bench`, which `make bench`
  installs);
- a backfill of one national year from feedsim's enriched ZIP archive against a read + decompress +
  split-lines floor measured in the same run, and its peak memory (bench/backfill.py);
- an hourly JobStream increment of about 500 changed ads: the pipeline work (bench/increment.py)
  and one run of the DAG in the local scheduler, queued to publish success (bench/increment_scheduler.py);
- DAG file parse times, per file and for the whole dags/ folder (bench/dag_parse.py);
- the documented analyst queries on ten years of national ads (bench/queries.py).

It prints one table, every figure beside its target (a missed one as MISSED, with what limits
it), and writes every figure to bench/results/latest.json (with --docs the table also into
docs/performance.md). Nothing here asserts a time.

    python bench/run.py                       # sizes 100000 1000000
    python bench/run.py --quick               # size 100000 only
    python bench/run.py --sizes 200000 --repeat 3 --skip queries
    python bench/run.py --sizes 20000 --repeat 1 --skip backfill queries   # a small run
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
PERFORMANCE_PAGE = BENCH_DIR.parent / "docs" / "performance.md"
# docs/performance.md holds the latest table between these two markers.
PAGE_TABLE = re.compile(r"(<!-- bench-table -->\n).*?(<!-- /bench-table -->)", re.S)
SECTIONS = ("load", "peers", "backfill", "increment", "scheduler", "dags", "queries")
TARGET_SIZES = (100_000, 1_000_000)  # the ratio target holds at both

# A target: (label, comparison, threshold, what limits the figure). The comparison is ">=" or "<".
TARGETS = {
    "path_ratio": (
        "path / floor",
        ">=",
        0.5,
        "publish: spreading each ad's enrichment JSON into its keyword and requirement rows by INSERT … "
        "SELECT, dearer per row the larger the tables (about 10 µs a keyword row at a million ads, 6 at "
        "100 000), where the floor COPYs the same rows ready-made (server CPU per ad in cpu_us_per_row); "
        "staging is Python CPU in the workers (~12 µs an ad); each batch's fixed costs (worker start, a "
        "validation per chunk) weigh most at small sizes",
    ),
    "rerun_ratio": (
        "rerun / floor",
        ">=",
        0.4,
        "every ad is parsed and validated again; the merge compares and writes nothing",
    ),
    "path_vs_dlt": (
        "path / dlt first load (ads/s)",
        ">=",
        3.0,
        "the path's own ads/s (see path / floor); dlt's: INSERT VALUES load files of the ads and their "
        "child tables and a delete-insert merge through a staging dataset",
    ),
    "rerun_vs_dlt": (
        "rerun / dlt rerun (ads/s)",
        ">=",
        5.0,
        "the rerun's parse and validation of every ad; dlt deletes and inserts every ad and its child rows again",
    ),
    "increment_scheduler_s": (
        "hourly increment in the real scheduler, queued -> publish success (s)",
        "<",
        15.0,
        "the scheduler between tasks (noticing an end, queueing the next) and each task process's start "
        "and api-server calls, not the pipeline work (next row)",
    ),
    "increment_s": (
        "hourly increment, pipeline work only (s)",
        "<",
        5.0,
        "fetching from feedsim and the per-batch fixed costs; validation about a tenth",
    ),
    "peak_rss_mb": (
        "peak RSS of the load, any size (MB)",
        "<",
        1024,
        "one chunk (at most 40 000 lines) in the task's process and one in each worker",
    ),
    "backfill_ratio": (
        "backfill of a national year / its floor (floor s / backfill s)",
        ">=",
        0.5,
        "the floor only inflates and splits lines; the backfill inflates the same member in its extract "
        "task and, in its publish task, writes the area's ads with their child rows, whose COPY alone (the "
        "load's floor rate) takes about as long again: the three tasks run one after the other, so the ratio "
        "stays under 0.5 however fast parsing gets",
    ),
    "backfill_peak_rss_mb": (
        "peak RSS of the backfill (MB)",
        "<",
        1024,
        "the spooled download is streamed; one chunk of lines at a time, as the load",
    ),
    "max_dag_parse_s": ("slowest DAG file to parse (s)", "<", 0.3, "importing airflow.sdk and the light modules"),
    "query_p95_ms": (
        "slowest documented query, p95 (ms)",
        "<",
        200,
        "the mart index each query reads (index-only scans)",
    ),
}


def verdict(key: str, value) -> str:
    """'met', 'MISSED' or 'not measured' for the figure ``value`` of target ``key``."""
    if value is None:
        return "not measured"
    _, comparison, threshold, _ = TARGETS[key]
    met = value >= threshold if comparison == ">=" else value < threshold
    return "met" if met else "MISSED"


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


def _target_row(key: str, value, label: str | None = None, digits: int = 2) -> str:
    name, comparison, threshold, limits = TARGETS[key]
    shown = "not measured" if value is None else (f"{value:,.{digits}f}" if isinstance(value, float) else f"{value:,}")
    state = verdict(key, value)
    if state == "MISSED":
        state = f"**MISSED**: {limits}"
    return f"| {label or name} | {shown} | {comparison} {threshold:g} | {state} |"


def table(result: dict) -> str:
    """The run as Markdown: the load beside its peers, then every figure beside its target."""
    load = result["machine"]["load_average_at_start"]
    lines = [
        f"Measured {result['measured_at']} on {result['machine']['cpus']} CPUs (load average at the start "
        f"{load[0]}, from other work on the machine), PostgreSQL {result['machine']['postgresql']}, Python "
        f"{result['machine']['python']}; median of {result.get('repeat', 1)} timing(s) per size; peers once "
        "per size, after the path, on the rows it wrote. Every rate is ads per second, each ad with its "
        "keyword and requirement rows (core.job_ad_keyword, core.job_ad_requirement), which the path, the "
        "floor and the peers all write; the floor of core.job_ad alone is shown beside it.",
        "",
        "| ads in the file (ads loaded; keyword + requirement rows) | floor: COPY ads/s | floor, core.job_ad "
        "alone: ads/s | path ads/s (stage + publish s) | path / floor | rerun ads/s | rerun / floor "
        "| dlt merge ads/s | dlt rerun ads/s | pandas to_sql ads/s | peak RSS MB |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for run in result.get("load", []):
        peers = run.get("peers") or {}
        children = (
            f"; {run['keyword_rows']:,} + {run['requirement_rows']:,}" if run.get("keyword_rows") is not None else ""
        )
        lines.append(
            f"| {run['ads_in_file']:,} ({run['rows_loaded']:,}{children}) | {run['floor_rows_per_s']:,} "
            f"| {_fmt(run.get('floor_ad_table_rows_per_s'))} "
            f"| {run['path_rows_per_s']:,} ({run['path_stage_s']:.1f} + {run['path_publish_s']:.1f}) "
            f"| {run['path_ratio']:.2f} | {run['rerun_rows_per_s']:,} | {run['rerun_ratio']:.2f} "
            f"| {_fmt(peers.get('peer_dlt_rows_per_s'))} | {_fmt(peers.get('peer_dlt_rerun_rows_per_s'))} "
            f"| {_fmt(peers.get('peer_pandas_rows_per_s'))} | {run['peak_rss_mb']:,} |"
        )
    lines += ["", "| figure | value | target | |", "|---|---:|---|---|"]
    runs = {run["size"]: run for run in result.get("load", [])}
    # The ratio targets hold at 100 000 and 1 000 000 ads: a size not run shows as not measured.
    for size in sorted(set(runs) | set(TARGET_SIZES)):
        run = runs.get(size, {})
        ads = f"{run['ads_in_file']:,}" if run else f"{size:,}"
        for key in ("path_ratio", "rerun_ratio", "path_vs_dlt", "rerun_vs_dlt"):
            lines.append(_target_row(key, run.get(key), f"{TARGETS[key][0]}, {ads} ads"))
    lines.append(_target_row("increment_scheduler_s", result.get("increment_scheduler_s"), digits=1))
    lines.append(_target_row("increment_s", result.get("increment_s")))
    lines.append(_target_row("peak_rss_mb", result.get("peak_rss_mb")))
    lines.append(_target_row("backfill_ratio", result.get("backfill_ratio")))
    lines.append(_target_row("backfill_peak_rss_mb", result.get("backfill_peak_rss_mb"), digits=0))
    lines.append(_target_row("max_dag_parse_s", result.get("max_dag_parse_s")))
    lines.append(_target_row("query_p95_ms", result.get("query_p95_ms"), digits=1))

    details = []
    backfill = result.get("backfill")
    if backfill:
        details.append(
            f"| backfill of a national year ({backfill['lines']:,} ads, {backfill['archive_mb']:,} MB zipped, "
            f"{backfill['loaded']:,} area ads loaded, scale {backfill['scale']}) "
            f"| {backfill['backfill_s']:,} s (extract {backfill['extract_s']} + stage {backfill['stage_s']} "
            f"+ publish {backfill['publish_s']}), {backfill['backfill_rows_per_s']:,} area ads/s; floor "
            f"{backfill['backfill_floor_mb_per_s']} MB/s |"
        )
    scheduler = result.get("scheduler")
    if scheduler:
        for number, run in enumerate(scheduler["runs"], start=1):
            parts = ", ".join(
                f"{part['task'].rsplit('.', 1)[-1]}: wait {part['scheduling_s']} + queued "
                f"{part['queued_to_running_s']} + run {part['running_to_end_s']}"
                for part in run["tasks"]
            )
            which = "first run of a fresh scheduler" if number == 1 else "kept"
            details.append(
                f"| increment in the scheduler, run {number} ({which}; {run.get('received', '?')} area ads "
                f"of about 500 changes) | {run['wall_s']} s = {parts} (s) |"
            )
    peers = next((run["peers"] for run in reversed(result.get("load") or []) if run.get("peers")), None)
    if peers:
        details.append(
            f"| peers | dlt {peers['dlt_version']} (merge of each ad with its keywords and requirements as nested "
            f"lists into job_ad, job_ad__keywords, job_ad__requirements; source read {peers['dlt_source_read_s']} s "
            f"of it, peak {peers['dlt_peak_rss_mb']} MB); pandas {peers['pandas_version']} to_sql of the three "
            f"tables, method {peers['pandas_method']}, chunksize {peers['pandas_chunksize']} |"
        )
    if result.get("increment_cold_s") is not None:
        details.append(
            f"| hourly increment, pipeline work with Great Expectations imported in the task "
            f"| {result['increment_cold_s']} s |"
        )
    if result.get("dagbag_parse_s") is not None:
        details.append(f"| whole dags/ folder, DagBag | {result['dagbag_parse_s']} s |")
    for name, figures in result.get("queries", {}).items():
        details.append(f"| query `{name}` median / p95 | {figures['median_ms']} / {figures['p95_ms']} ms |")
    if details:
        lines += ["", "| what | figures |", "|---|---|", *details]
    return "\n".join(lines)


def update_page(text: str, page: Path = PERFORMANCE_PAGE) -> None:
    """Replace the table between docs/performance.md's bench-table markers with ``text``."""
    content = page.read_text()
    if not PAGE_TABLE.search(content):
        raise SystemExit(f"{page}: no <!-- bench-table --> ... <!-- /bench-table --> markers to put the table in")
    page.write_text(PAGE_TABLE.sub(lambda m: f"{m.group(1)}\n{text}\n\n{m.group(2)}", content, count=1))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--quick", action="store_true", help="the 100 000 size alone")
    parser.add_argument("--repeat", type=int, default=3, help="timings per size; the run of median ratio is kept")
    parser.add_argument("--skip", nargs="*", default=[], choices=SECTIONS)
    parser.add_argument(
        "--peers-up-to",
        type=int,
        default=None,
        help="the peers only at sizes up to this many ads (dlt, first load and rerun, takes about 8x the path)",
    )
    parser.add_argument("--json", type=Path, default=RESULTS)
    parser.add_argument("--profile", action="store_true", help="profile each path run (pyinstrument) beside the JSON")
    parser.add_argument("--docs", action="store_true", help="put the table into docs/performance.md")
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
            result["load"] = []
            for size in sizes:
                run = load_path.measure(size, warehouse, repeat=args.repeat, profile_dir=profile_dir)
                if "peers" not in args.skip and (args.peers_up_to is None or size <= args.peers_up_to):
                    import peers

                    # right after the path, on the same server and the rows it wrote (core.job_ad and
                    # its child tables)
                    run["peers"] = peers.measure(warehouse)
                    run["path_vs_dlt"] = round(run["path_rows_per_s"] / run["peers"]["peer_dlt_rows_per_s"], 2)
                    run["rerun_vs_dlt"] = round(run["rerun_rows_per_s"] / run["peers"]["peer_dlt_rerun_rows_per_s"], 2)
                result["load"].append(run)
            largest = result["load"][-1]
            result["size"] = largest["ads_in_file"]
            for key in (
                "floor_rows_per_s",
                "floor_ad_table_rows_per_s",
                "keyword_rows",
                "requirement_rows",
                "path_rows_per_s",
                "path_ratio",
                "rerun_rows_per_s",
                "rerun_ratio",
            ):
                result[key] = largest[key]
            with_peers = [run for run in result["load"] if "peers" in run]
            if with_peers:
                # the largest size the peers were measured at
                compared = with_peers[-1]
                result["peers_size"] = compared["ads_in_file"]
                for key in ("peer_dlt_rows_per_s", "peer_dlt_rerun_rows_per_s", "peer_pandas_rows_per_s"):
                    result[key] = compared["peers"][key]
                result["path_vs_dlt"] = compared["path_vs_dlt"]
                result["rerun_vs_dlt"] = compared["rerun_vs_dlt"]
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

        if "scheduler" not in args.skip:
            import increment_scheduler

            print("hourly increment in the local scheduler (LocalExecutor):", flush=True)
            result["scheduler"] = increment_scheduler.measure(warehouse)
            result["increment_scheduler_s"] = result["scheduler"]["increment_scheduler_s"]

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
    args.json.write_text(json.dumps(result, indent=2, ensure_ascii=False, default=str) + "\n")
    args.json.with_suffix(".md").write_text(text + "\n")
    print(f"\nwritten to {args.json}")
    if args.docs:
        update_page(text)
        print(f"and into {PERFORMANCE_PAGE.relative_to(BENCH_DIR.parent)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
