"""The historical job-ad files the bench loads: fetched once from feedsim over HTTP, kept on disk.

A file of about N ads is feedsim's historical year at the scale that gives N ads that year
(``--scale``: 1.0 is the area's real volume, about 160 000 ads in 2025). The same seed and
scale give the same bytes, so a file is fetched once and reused by every later run.

    python bench/ads_files.py 100000 1000000      # fetch (or find) the files, print their paths
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

YEAR = 2025
SEED = 42


def bench_home() -> Path:
    """Where the bench keeps its warehouse, files and logs: $VAGLED_HOME/bench (or $VAGLED_BENCH_HOME)."""
    from vagled.config import vagled_home

    return Path(os.environ.get("VAGLED_BENCH_HOME") or vagled_home() / "bench")


def feedsim_version() -> str:
    """A digest of feedsim's code: a kept file is fetched again when what generates it changed."""
    import hashlib

    from vagled.feedsim import server

    digest = hashlib.sha256()
    for source in sorted(Path(server.__file__).parent.glob("*.py")):
        digest.update(source.read_bytes())
    return digest.hexdigest()[:16]


def scale_for(ads: int, year: int = YEAR, seed: int = SEED) -> float:
    """The feedsim scale whose historical ``year`` holds about ``ads`` ads."""
    from vagled.feedsim.common import SimConfig
    from vagled.feedsim.jobtech import expected_ads

    return ads / expected_ads(SimConfig(seed=seed, scale=1.0), year)


def ads_file(ads: int, *, year: int = YEAR, seed: int = SEED, folder: Path | None = None) -> tuple[Path, dict]:
    """Return the JSONL file of about ``ads`` ads and what it holds, fetching it from feedsim if needed.

    Returns:
        (path, {"ads": lines, "bytes": size, "scale": scale, "year": year, "seed": seed})
    """
    import requests

    from vagled.feedsim.server import FeedSim
    from vagled.sources.jobtech import historical_path

    folder = folder or bench_home() / "data"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"job_ads-{year}-{ads}-seed{seed}.jsonl"
    facts_path = path.with_suffix(".json")
    version = feedsim_version()
    if path.exists() and facts_path.exists():
        facts = json.loads(facts_path.read_text())
        if facts.get("feedsim") == version:
            return path, facts
    # A file from another feedsim (or none yet): fetch it, and drop what was derived from the old one.
    for derived in folder.glob(f"{path.stem}.*"):
        derived.unlink()
    scale = scale_for(ads, year, seed)
    started = time.monotonic()
    lines = size = 0
    partial = path.with_suffix(".part")
    with FeedSim(port=0, seed=seed, scale=scale) as sim:
        url = f"{sim.base_url('jobtech_historical')}/{historical_path(year)}"
        with requests.get(url, stream=True, timeout=(5, 300)) as response, partial.open("wb") as out:
            response.raise_for_status()
            for block in response.iter_content(chunk_size=1 << 20):
                out.write(block)
                size += len(block)
                lines += block.count(b"\n")
    partial.replace(path)
    facts = {"ads": lines, "bytes": size, "scale": round(scale, 4), "year": year, "seed": seed, "feedsim": version}
    facts_path.write_text(json.dumps(facts) + "\n")
    print(f"fetched {path.name}: {lines} ads, {size / 1e6:.0f} MB in {time.monotonic() - started:.0f} s", flush=True)
    return path, facts


def slices(path: Path, slice_bytes: int | None = None):
    """Yield the file as the load path gets a landed file: (part_no, content type, slice cut at a
    line end), cut as the extract task cuts what it streams (vagled.pipeline.extract.line_slices)."""
    from vagled.pipeline.extract import SLICE_BYTES, line_slices

    with path.open("rb") as handle:
        blocks = iter(lambda: handle.read(1024 * 1024), b"")
        for part_no, body in enumerate(line_slices(blocks, slice_bytes or SLICE_BYTES)):
            yield part_no, "application/x-ndjson", body


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("sizes", type=int, nargs="+")
    args = parser.parse_args(argv)
    for size in args.sizes:
        path, facts = ads_file(size)
        print(path, json.dumps(facts))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
