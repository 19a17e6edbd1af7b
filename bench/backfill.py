"""A backfill of one national year in the real packaging, against a floor measured in the same run.

The archive is feedsim's yearly ZIP (``{year}_beta1_jsonl.zip``, one member ``{year}.enriched.jsonl``;
``--scale 1.0`` is a national year of about a million ads, some 15 % in the area), built once and
kept in the bench's feedsim cache, served over HTTP on 127.0.0.1.

- floor: read the ZIP from disk, decompress its member and split it into lines (no parsing), as
  fast as zipfile and bytes.split go: the least any backfill of these bytes costs;
- backfill: the DAG's three tasks (extract: index page, spool download, byte filter, land raw;
  stage: parse, check, COPY, validate; publish: merge into core with keywords and requirements),
  in a child process whose peak resident memory the kernel reports.

Figures: area ads loaded per second of the backfill, the floor in MB of member per second, their
ratio (floor seconds / backfill seconds on the same archive) and the backfill's peak memory.

    python bench/backfill.py --scale 0.1        # a tenth of a national year
    python bench/backfill.py --scale 1.0        # a national year (the bench's default)
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
import zipfile
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR))

from ads_files import SEED, YEAR, bench_home  # noqa: E402

ARCHIVES = "/annonser/historiska/berikade/kompletta/"


def _cache() -> Path:
    folder = bench_home() / "feedsim-cache"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def archive(scale: float, year: int = YEAR, seed: int = SEED) -> tuple[Path, float]:
    """The year's archive as feedsim serves it, fetched once over HTTP into the bench's data folder.

    Returns:
        (the ZIP on disk, seconds it took to get it; 0 when it was already there)
    """
    import requests

    from vagled.feedsim.server import FeedSim

    os.environ["VAGLED_FEEDSIM_CACHE"] = str(_cache())
    folder = bench_home() / "data"
    folder.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    with FeedSim(port=0, seed=seed, scale=scale) as sim:
        url = f"{sim.base_url('jobtech_historical')}{ARCHIVES}{year}_beta1_jsonl.zip"
        # feedsim builds the archive once into its cache (keyed by its code): this GET is quick after that
        path = folder / f"archive-{year}-scale{scale}-seed{seed}.zip"
        with requests.get(url, stream=True, timeout=(5, 7200)) as response, path.open("wb") as out:
            response.raise_for_status()
            shutil.copyfileobj(response.raw, out, 1 << 20)
    return path, time.monotonic() - started


def floor(path: Path) -> dict:
    """Read, decompress and split the member into lines: nothing parsed, nothing kept."""
    from vagled.feeds.job_ads.archive import jsonl_member, member_blocks
    from vagled.pipeline.extract import line_slices

    started = time.monotonic()
    member = jsonl_member(path)
    lines = size = 0
    for body in line_slices(member_blocks(path, member), 32 * 1024 * 1024):
        lines += len(body.split(b"\n")) - 1
        size += len(body)
    seconds = time.monotonic() - started
    return {"floor_s": round(seconds, 2), "member_mb": round(size / 1e6, 1), "lines": lines, "seconds": seconds}


def _empty_core() -> None:
    import psycopg

    with psycopg.connect(os.environ["AIRFLOW_CONN_VAGLED_WAREHOUSE"], autocommit=True) as conn:
        # the child tables by name: they need not have a foreign key for cascade to reach them
        conn.execute("truncate core.job_ad, core.job_ad_keyword, core.job_ad_requirement cascade")
        conn.execute("delete from audit.feed_watermark where feed = 'job_ads'")


def measure(scale: float, year: int = YEAR, seed: int = SEED) -> dict:
    """Build (or find) the archive, measure the floor, then the backfill in a child process."""
    import backfill_memory

    from vagled.feedsim.cli import connection_uris
    from vagled.feedsim.server import FeedSim

    path, fetch_s = archive(scale, year, seed)
    print(f"  archive {path.name}: {path.stat().st_size / 1e6:.0f} MB ({fetch_s:.0f} s to build or fetch)", flush=True)
    base = floor(path)
    print(f"  floor: {base['lines']:,} lines, {base['member_mb']:,} MB of member in {base['floor_s']} s", flush=True)
    _empty_core()
    with FeedSim(port=0, seed=seed, scale=scale) as sim:
        env = os.environ.copy()
        for conn_id, uri in connection_uris("127.0.0.1", sim.port).items():
            env[f"AIRFLOW_CONN_{conn_id.upper()}"] = uri
        figures, peak_rss_mb, elapsed = backfill_memory.run_child(
            [str(BENCH_DIR / "backfill_memory.py"), "--child", "--year", str(year)], env
        )
    # the load's own time: the three tasks, without the child's interpreter start and imports
    seconds = figures["extract_s"] + figures["stage_s"] + figures["publish_s"]
    published, staged = figures["published"], figures["staged"]
    result = {
        "scale": scale,
        "year": year,
        "archive_mb": round(path.stat().st_size / 1e6, 1),
        "member_mb": base["member_mb"],
        "lines": base["lines"],
        "area_ads_received": staged["received"],
        "out_of_area": staged["out_of_area"],
        "loaded": published["loaded"],
        "quarantined": published["quarantined"],
        "backfill_s": round(seconds, 1),
        "extract_s": round(figures["extract_s"], 1),
        "stage_s": round(figures["stage_s"], 1),
        "publish_s": round(figures["publish_s"], 1),
        "floor_s": base["floor_s"],
        "backfill_rows_per_s": round(published["loaded"] / seconds) if seconds else None,
        "backfill_floor_mb_per_s": round(base["member_mb"] / base["seconds"], 1),
        "backfill_ratio": round(base["seconds"] / seconds, 3) if seconds else None,
        "backfill_peak_rss_mb": round(peak_rss_mb, 1),
        "child_s": round(elapsed, 1),
    }
    with zipfile.ZipFile(path) as zf:
        result["member"] = zf.namelist()[0]
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--year", type=int, default=YEAR)
    parser.add_argument("--json", type=Path, default=BENCH_DIR / "results" / "backfill.json")
    parser.add_argument("--latest", action=argparse.BooleanOptionalAction, default=True, help="merge into latest.json")
    args = parser.parse_args(argv)
    from run import bench_warehouse, stop_bench_warehouses

    bench_warehouse()
    try:
        result = measure(args.scale, args.year)
    finally:
        stop_bench_warehouses()
    print(json.dumps(result, indent=2))
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(result, indent=2) + "\n")
    if args.latest:
        merge_into_latest(result)
    return 0


KEYS = ("backfill_rows_per_s", "backfill_floor_mb_per_s", "backfill_ratio", "backfill_peak_rss_mb")


def merge_into_latest(result: dict, latest: Path = BENCH_DIR / "results" / "latest.json") -> None:
    """Put the backfill's figures into bench/results/latest.json beside the other sections' figures."""
    from datetime import UTC, datetime

    figures = json.loads(latest.read_text()) if latest.exists() else {}
    figures["backfill"] = {**result, "measured_at": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")}
    figures.update({key: result[key] for key in KEYS})
    latest.write_text(json.dumps(figures, indent=2, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    raise SystemExit(main())
