"""The job-ad files the load-path bench loads: the area's lines of feedsim's archive year, kept on disk.

A file of about N ads holds the area's ads of feedsim's archive year at the scale that gives N
area ads that year (1.0 is the real volume: about 150 000 area ads of a national million), as the
archive backfill lands them in raw after skipping the other counties' lines. They are generated
in-process by feedsim's archive generator, limited to the area's counties (the other 85 % would
only be skipped). The same seed and scale give the same bytes, so a file is made once and reused.

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
    """The feedsim scale whose archive ``year`` holds about ``ads`` ads in the area."""
    from vagled.feedsim.common import SimConfig
    from vagled.feedsim.jobtech import OTHER_COUNTIES_SHARE, expected_ads

    return ads / (expected_ads(SimConfig(seed=seed, scale=1.0), year) * (1 - OTHER_COUNTIES_SHARE))


def ads_file(ads: int, *, year: int = YEAR, seed: int = SEED, folder: Path | None = None) -> tuple[Path, dict]:
    """Return the JSONL file of about ``ads`` area ads and what it holds, making it with feedsim if needed.

    Returns:
        (path, {"ads": lines, "bytes": size, "scale": scale, "year": year, "seed": seed})
    """
    from vagled.config import area_county_codes
    from vagled.feedsim.common import SimConfig, dumps
    from vagled.feedsim.jobtech import archive_records

    folder = folder or bench_home() / "data"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"job_ads-{year}-{ads}-seed{seed}.jsonl"
    facts_path = path.with_suffix(".json")
    version = feedsim_version()
    if path.exists() and facts_path.exists():
        facts = json.loads(facts_path.read_text())
        if facts.get("feedsim") == version:
            return path, facts
    # A file from another feedsim (or none yet): make it, and drop what was derived from the old one.
    for derived in folder.glob(f"{path.stem}.*"):
        derived.unlink()
    scale = scale_for(ads, year, seed)
    started = time.monotonic()
    lines = size = 0
    partial = path.with_suffix(".part")
    sim = SimConfig(seed=seed, scale=scale)
    with partial.open("wb") as out:
        for record in archive_records(sim, year, None, counties=area_county_codes()):
            line = dumps(record) + b"\n"
            out.write(line)
            size += len(line)
            lines += 1
    partial.replace(path)
    facts = {"ads": lines, "bytes": size, "scale": round(scale, 4), "year": year, "seed": seed, "feedsim": version}
    facts_path.write_text(json.dumps(facts) + "\n")
    print(f"made {path.name}: {lines} ads, {size / 1e6:.0f} MB in {time.monotonic() - started:.0f} s", flush=True)
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
