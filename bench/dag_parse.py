"""How long Airflow takes to parse the DAG files: each file alone, and the whole dags/ folder.

- per file: a fresh Python process imports Airflow (not timed), then loads the one file into a
  DagBag, as the DAG processor does for a file in a child process; the time is the DagBag's own
  FileLoadStat duration, plus the wall time of the load around it;
- the whole folder: ``airflow dags report`` (the scheduler's DagBag over dags/, with its per-file
  durations), run with the project's Airflow configuration against the bench's metadata database.

    python bench/dag_parse.py
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from backfill_memory import run_child


def child(path: str) -> None:
    """Load one DAG file into a DagBag; print its parse time as one JSON line."""
    from airflow.dag_processing.dagbag import DagBag  # imported before the clock starts

    started = time.monotonic()
    bag = DagBag(dag_folder=path)
    wall = time.monotonic() - started
    stats = bag.dagbag_stats
    print(
        json.dumps(
            {
                "file": Path(path).name,
                "parse_s": sum(stat.duration.total_seconds() for stat in stats) if stats else wall,
                "wall_s": wall,
                "dags": len(bag.dags),
                "import_errors": len(bag.import_errors),
            }
        ),
        flush=True,
    )


def per_file(dags_dir: Path) -> list[dict]:
    results = []
    for path in sorted(dags_dir.glob("*.py")):
        figures, _, _ = run_child([__file__, "--child", str(path)], os.environ.copy())
        results.append(figures)
    return results


def whole_folder(env: dict[str, str]) -> dict:
    """``airflow dags report`` over dags/: per-file durations as the scheduler's DagBag measures them."""
    vagled = Path(sys.executable).parent / "vagled"
    migrate = subprocess.run([str(vagled), "airflow", "db", "migrate"], env=env, capture_output=True, text=True)
    if migrate.returncode != 0:
        raise RuntimeError(f"airflow db migrate failed: {migrate.stderr[-2000:]}")
    started = time.monotonic()
    report = subprocess.run(
        [str(vagled), "airflow", "dags", "report", "-o", "json"], env=env, capture_output=True, text=True
    )
    wall = time.monotonic() - started
    if report.returncode != 0:
        raise RuntimeError(f"airflow dags report failed: {report.stderr[-2000:]}")
    rows = json.loads(report.stdout[report.stdout.index("[{") :].splitlines()[0])
    files = [{"file": Path(row["file"]).name, "parse_s": _seconds(row["duration"])} for row in rows]
    return {"files": files, "parse_s": sum(f["parse_s"] for f in files), "command_wall_s": wall}


def _seconds(value) -> float:
    """A duration as `dags report` prints it: seconds, or H:MM:SS.ffffff."""
    if isinstance(value, int | float):
        return float(value)
    hours, minutes, seconds = str(value).split(":")
    return int(hours) * 3600 + int(minutes) * 60 + float(seconds)


def measure(env: dict[str, str] | None = None) -> dict:
    from vagled.config import DAGS_DIR

    env = env or os.environ.copy()
    files = per_file(DAGS_DIR)
    folder = whole_folder(env)
    slowest = max(files, key=lambda f: f["parse_s"])
    return {
        "files": files,
        "max_dag_parse_s": round(slowest["parse_s"], 3),
        "slowest_dag_file": slowest["file"],
        "dagbag_parse_s": round(folder["parse_s"], 3),
        "dags_report": folder,
    }


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--child"]:
        child(argv[1])
        return 0
    from run import bench_warehouse

    bench_warehouse()
    print(json.dumps(measure(), indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
