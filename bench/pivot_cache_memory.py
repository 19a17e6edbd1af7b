"""Peak memory of reading a national whole-series pivot cache (job-seeker statistics workbooks).

feedsim writes the occupational-area workbook (the largest: every municipality x sex x area x
month) for a short series (13 months) and the whole series (from 2006-01, as the real files); a
child process then parses it with the feed's parser (lxml iterparse, record by record) and the
child reports its own peak resident memory (VmHWM, from the kernel). Streaming means the peak
stays far below the records part's uncompressed size and barely grows with it.

    python bench/pivot_cache_memory.py [--months 13 60 all] [--json bench/results/pivot_cache_memory.json]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results" / "pivot_cache_memory.json"
PREFIX = "web-arbetslosa-yrkesomrade"


def child(path: str) -> None:
    """Parse the workbook at ``path`` with the feed's parser; print counts and time as JSON."""
    import csv

    from vagled.feeds.jobseekers.parse import Geography, parse_workbook
    from vagled.pipeline.feed import ParseFailure

    reference = Path(__file__).resolve().parents[1] / "include" / "reference"
    with (reference / "counties.csv").open(encoding="utf-8") as f:
        counties = [(r["county_code"], r["county_name"]) for r in csv.DictReader(f)]
    with (reference / "municipalities.csv").open(encoding="utf-8") as f:
        munis = [(r["municipality_code"], r["municipality_name"], r["county_code"]) for r in csv.DictReader(f)]
    geo = Geography.from_rows(counties, munis)
    body = Path(path).read_bytes()
    started = time.monotonic()
    cells = failures = 0
    for item in parse_workbook(body, "", geo):
        if isinstance(item, ParseFailure):
            failures += 1
        else:
            cells += 1
    # VmHWM is this process's own peak: ru_maxrss from wait4 would also count the pages the child
    # shared with the parent (which built the workbook) before exec.
    status = Path("/proc/self/status").read_text()
    hwm_kb = int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM:")))
    print(
        json.dumps(
            {"cells": cells, "failures": failures, "parse_s": time.monotonic() - started, "hwm_mb": hwm_kb / 1024}
        ),
        flush=True,
    )


def workbook(months: int | None, folder: str) -> tuple[str, int, int]:
    """Write the workbook of the last ``months`` months (None: the whole series from 2006-01); return
    its path, compressed size and the records part's uncompressed size."""
    from vagled.feedsim import af_statistics as sim
    from vagled.feedsim.common import Request, SimConfig

    if months:
        sim.SHORT_SERIES_MONTHS = months
    config = SimConfig(scale=0.05 if months else 1.0)
    ym = sim.newest_month(PREFIX, config.today)
    req = Request("GET", "af_statistics", sim.link(PREFIX, ym), {}, {}, b"", frozenset(), config)
    body = sim.build(req, PREFIX, ym)
    path = os.path.join(folder, f"{PREFIX}-{months or 'all'}.xlsx")
    Path(path).write_bytes(body)
    with zipfile.ZipFile(path) as z:
        records = z.getinfo("xl/pivotCache/pivotCacheRecords1.xml").file_size
    return path, len(body), records


def measure(path: str) -> tuple[dict, float]:
    proc = subprocess.Popen(
        [sys.executable, __file__, "--child", path], stdout=subprocess.PIPE, text=True, env=os.environ.copy()
    )
    out = proc.stdout.read() if proc.stdout else ""
    _, status, _usage = os.wait4(proc.pid, 0)
    if status:
        raise SystemExit(f"the child failed: {out}")
    figures = json.loads(out.strip().splitlines()[-1])
    return figures, figures["hwm_mb"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--child")
    parser.add_argument("--json", default=str(RESULTS))
    parser.add_argument("--months", nargs="+", default=["13", "60", "all"], help="series lengths; 'all' = from 2006-01")
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        for months in args.months:
            label = "whole series from 2006-01" if months == "all" else f"{months} months"
            path, compressed, records = workbook(None if months == "all" else int(months), folder)
            figures, peak = measure(path)
            rows.append(
                {
                    "series": label,
                    "workbook_mb": round(compressed / 1e6, 1),
                    "records_part_mb": round(records / 1e6, 1),
                    "cells": figures["cells"],
                    "parse_s": round(figures["parse_s"], 1),
                    "cells_per_s": round(figures["cells"] / figures["parse_s"]),
                    "peak_rss_mb": round(peak, 1),
                }
            )
            print(rows[-1], flush=True)
    Path(args.json).write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")
    print(
        f"peak grows {rows[-1]['peak_rss_mb'] / rows[0]['peak_rss_mb']:.2f}x for a records part "
        f"{rows[-1]['records_part_mb'] / rows[0]['records_part_mb']:.0f}x larger"
    )


if __name__ == "__main__":
    main()
