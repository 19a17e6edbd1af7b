"""The job-ads load path against PostgreSQL's own COPY, side by side on the same warehouse.

For one file of N ads (bench/ads_files.py), timings into the same tables, core.job_ad and each
ad's child rows in core.job_ad_keyword and core.job_ad_requirement (publish writes all three):

- floor: exactly the rows the path wrote to the three tables, already flattened, COPYed in binary
  by psycopg in one transaction, core.job_ad first (the client only streams files; PostgreSQL
  does all the work: heap, indexes, foreign-key checks); ads per second, each ad with its keyword
  and requirement rows, so that path / floor compares the same work;
- floor, ad table alone: the same COPY of core.job_ad only, the figure before the child tables
  existed (kept beside the other, secondary);
- path: the project's code on the JSONL file on disk: parse -> validate (the real GX suite) ->
  COPY to staging -> merge into core (vagled.pipeline.load.stage_batch and publish_batch, as
  the DAG's stage and publish tasks run them, with the file's slices in place of raw's);
- rerun: the same path on the same file once core holds it (the idempotent merge writes nothing).

Path and rerun run in a child process: its peak resident memory comes from the kernel (wait4),
and the one-off Great Expectations import and suite set-up is timed apart from the load.

    python bench/load_path.py 100000             # one size, printed as JSON
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from ads_files import ads_file, slices
from backfill_memory import run_child

# The tables publish writes for a batch of job ads, in the order the floor COPYs them (an ad
# before its child rows: the children's foreign keys, where they have them, hold at each statement).
TABLES = ("job_ad", "job_ad_keyword", "job_ad_requirement")
# The floor's kept input: one binary COPY file per table, and a manifest written last that names
# the columns and code they were made with (made again when either changed, never read stale).
FLOOR_MANIFEST_SUFFIX = ".floor-tables.json"
FLOOR_FORMAT = 2
# Floor files of an earlier format (core.job_ad alone), removed when found.
OLD_FLOOR_SUFFIXES = (".floor.copy", ".floor.rows")
# What decides the rows the path writes: publish's SQL and the feed's and pipeline's code.
PATH_CODE = (
    "include/sql/core/*.sql",
    "include/sql/pipeline/*.sql",
    "include/vagled/feeds/job_ads/*.py",
    "include/vagled/pipeline/*.py",
)


def backend_cpu_s(conn) -> float:
    """CPU seconds (user + system) the server process of ``conn`` has used so far (Linux /proc)."""
    pid = conn.execute("select pg_backend_pid()").fetchone()[0]
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def child(path: Path, label: str, profile: Path | None = None) -> None:
    """Stage and publish ``path`` like the DAG's tasks do; print the figures as one JSON line."""
    started = time.monotonic()
    from vagled.feeds.job_ads.spec import SPEC
    from vagled.pipeline import validate
    from vagled.pipeline.load import open_batch, publish_batch, stage_batch
    from vagled.warehouse.db import connect

    # Importing GX and building the suite is paid once per process, whatever the batch's size.
    validate.validation_definition(SPEC.suite)
    setup_s = time.monotonic() - started
    profiler = None
    if profile is not None:
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.001)
    with connect(autocommit=True) as conn:
        batch_id = open_batch(conn, SPEC, None, f"bench-{label}")
        server_before, client_before = backend_cpu_s(conn), time.process_time()
        begun = time.monotonic()
        if profiler is not None:
            profiler.start()
        staged = stage_batch(conn, SPEC, batch_id, parts=slices(path))
        stage_s = time.monotonic() - begun
        server_staged, client_staged = backend_cpu_s(conn), time.process_time()
        begun = time.monotonic()
        published = publish_batch(conn, SPEC, batch_id)
        publish_s = time.monotonic() - begun
        if profiler is not None:
            profiler.stop()
            profile.write_text(profiler.output_text(unicode=False, color=False))
        server_after = backend_cpu_s(conn)
    figures = {
        **published.as_dict(),
        "stage_s": stage_s,
        "publish_s": publish_s,
        "seconds": stage_s + publish_s,
        "setup_s": setup_s,
        # CPU seconds, which other work on a shared machine does not inflate as it does wall time.
        "stage_client_cpu_s": client_staged - client_before,
        "stage_server_cpu_s": server_staged - server_before,
        "publish_server_cpu_s": server_after - server_staged,
        "validate_s": staged.validation_s,
    }
    print(json.dumps({**figures, "staged_received": staged.received}), flush=True)


def run_path(path: Path, label: str, env: dict[str, str], profile: Path | None = None) -> dict:
    """Run the path on ``path`` in a child process; return its figures with its peak RSS."""
    argv = [__file__, "--child", str(path), "--label", label]
    if profile is not None:
        argv += ["--profile", str(profile)]
    figures, peak_rss_mb, _ = run_child(argv, env)
    figures["peak_rss_mb"] = peak_rss_mb
    figures["rows_per_s"] = figures["loaded"] / figures["seconds"]
    return figures


def reset(admin_conninfo: str) -> None:
    """Empty core.job_ad, its child tables, and what staging and quarantine hold of job ads; checkpoint."""
    import psycopg

    with psycopg.connect(admin_conninfo, dbname="vagled", autocommit=True) as conn:
        # The child tables by name: they need not have a foreign key for cascade to reach them.
        conn.execute(f"truncate {', '.join(f'core.{table}' for table in TABLES)} cascade")
        conn.execute("truncate staging.job_ad")
        conn.execute("delete from quarantine.record where feed = 'job_ads'")
        conn.execute("checkpoint")


def settle(admin_conninfo: str) -> None:
    """Vacuum and analyse what a load left, and checkpoint, so the next timing starts even."""
    import psycopg

    with psycopg.connect(admin_conninfo, dbname="vagled", autocommit=True) as conn:
        for table in TABLES:
            conn.execute(f"vacuum analyze core.{table}")
        conn.execute("vacuum analyze staging.job_ad")
        conn.execute("checkpoint")


def table_rows(conn, tables: tuple[str, ...] = TABLES) -> dict[str, int]:
    """Rows each of ``tables`` (in core) holds."""
    return {table: conn.execute(f"select count(*) from core.{table}").fetchone()[0] for table in tables}


def floor_fingerprint(conn) -> dict:
    """What the floor's files depend on: the three tables' columns (binary COPY is positional and
    typed) and a digest of the code that decides the rows the path writes."""
    import hashlib

    from vagled.config import REPO_ROOT

    columns = {
        table: [
            list(row)
            for row in conn.execute(
                "select column_name, data_type from information_schema.columns"
                " where table_schema = 'core' and table_name = %s order by ordinal_position",
                (table,),
            )
        ]
        for table in TABLES
    }
    digest = hashlib.sha256()
    for pattern in PATH_CODE:
        for source in sorted(REPO_ROOT.glob(pattern)):
            digest.update(source.name.encode() + b"\0" + source.read_bytes())
    return {"format": FLOOR_FORMAT, "columns": columns, "code": digest.hexdigest()[:16]}


def floor_files(source: Path) -> tuple[Path, dict[str, Path]]:
    """The manifest and the per-table COPY files of the floor of the ads file ``source``."""
    return source.with_suffix(FLOOR_MANIFEST_SUFFIX), {
        table: source.with_suffix(f".floor-tables.{table}.copy") for table in TABLES
    }


def read_floor_manifest(source: Path, conn) -> dict | None:
    """The kept floor's manifest if its files match today's tables and code, else None."""
    for suffix in OLD_FLOOR_SUFFIXES:
        source.with_suffix(suffix).unlink(missing_ok=True)
    manifest_path, files = floor_files(source)
    if not manifest_path.exists() or not all(path.exists() for path in files.values()):
        return None
    manifest = json.loads(manifest_path.read_text())
    if {key: manifest.get(key) for key in ("format", "columns", "code")} != floor_fingerprint(conn):
        return None
    return manifest


def export_floor_files(conn, source: Path) -> dict:
    """Write what core's three tables hold as binary COPY files (the floor's input); return the
    manifest (rows per table), written last so that a manifest means whole files."""
    manifest_path, files = floor_files(source)
    manifest_path.unlink(missing_ok=True)
    with conn.transaction():  # one snapshot of the three tables
        rows = table_rows(conn)
        for table, target in files.items():
            partial = target.with_suffix(".part")
            export = f"copy core.{table} to stdout (format binary)"
            with conn.cursor() as cur, cur.copy(export) as copy, partial.open("wb") as out:
                for block in copy:
                    out.write(block)
            partial.replace(target)
    manifest = {**floor_fingerprint(conn), "rows": rows}
    manifest_path.write_text(json.dumps(manifest) + "\n")
    return manifest


def floor(conn, source: Path, manifest: dict, tables: tuple[str, ...] = TABLES) -> dict:
    """COPY the floor's files of ``tables`` into core (empty), binary, in one transaction; return
    ads (rows of core.job_ad), rows per table and seconds."""
    _, files = floor_files(source)
    expected = {table: manifest["rows"][table] for table in tables}
    server_before = backend_cpu_s(conn)
    started = time.monotonic()
    with conn.transaction(), conn.cursor() as cur:
        for table in tables:
            load = f"copy core.{table} from stdin (format binary)"
            with cur.copy(load) as copy, files[table].open("rb") as handle:
                while block := handle.read(1 << 20):
                    copy.write(block)
    seconds = time.monotonic() - started
    server_cpu_s = backend_cpu_s(conn) - server_before
    loaded = table_rows(conn, tables)
    if loaded != expected:
        raise RuntimeError(f"the floor COPY loaded {loaded} rows, not {expected}")
    ads = expected["job_ad"]
    return {
        "rows": ads,
        "tables": loaded,
        "seconds": seconds,
        "rows_per_s": ads / seconds,
        "server_cpu_s": server_cpu_s,
    }


def land_raw(warehouse, path: Path) -> dict:
    """Land the file into raw.landed_payload in the extract task's slices; return MB and seconds.

    The extract task does this before the path starts (the issue's path starts from the file on
    disk); it is timed here once, apart, and the bench's raw is emptied again (TRUNCATE: the
    immutability trigger guards rows, not the bench's own table).
    """
    import psycopg

    from vagled.feeds.job_ads.spec import SPEC
    from vagled.pipeline.load import fail_batch, land_payload, open_batch

    landed = 0
    with psycopg.connect(warehouse.url(), autocommit=True) as conn:
        batch_id = open_batch(conn, SPEC, None, "bench-land")
        started = time.monotonic()
        for part_no, content_type, body in slices(path):
            land_payload(
                conn, batch_id, SPEC.name, part_no, source_url=path.as_uri(), body=body, content_type=content_type
            )
            landed += len(body)
        seconds = time.monotonic() - started
        stored = conn.execute(
            "select sum(pg_column_size(body)) from raw.landed_payload where batch_id = %s", (batch_id,)
        ).fetchone()[0]
        fail_batch(conn, batch_id, "bench: landing only")
    with psycopg.connect(warehouse.admin_conninfo(), dbname="vagled", autocommit=True) as conn:
        conn.execute("truncate raw.landed_payload")
    return {"mb": landed / 1e6, "stored_mb": stored / 1e6, "seconds": seconds}


def measure(size: int, warehouse, *, repeat: int = 1, profile_dir: Path | None = None, log=print) -> dict:
    """Floor, path and rerun for ``size`` ads, ``repeat`` times; the median run by path ratio and its figures."""
    import psycopg

    path, facts = ads_file(size)
    env = {**os.environ, "AIRFLOW_CONN_VAGLED_WAREHOUSE": warehouse.url()}
    admin = warehouse.admin_conninfo()
    with psycopg.connect(warehouse.url(), autocommit=True) as conn:
        manifest = read_floor_manifest(path, conn)
    if manifest is None:
        # The floor's rows are exactly what the path writes: run it once, untimed, and keep them.
        log(f"  {size}: a first load to write the floor's rows")
        reset(admin)
        run_path(path, "prepare", env)
        with psycopg.connect(warehouse.url(), autocommit=True) as conn:
            manifest = export_floor_files(conn, path)
    reset(admin)
    landed = land_raw(warehouse, path)
    log(f"  {size}: landing in raw {landed['mb'] / landed['seconds']:,.0f} MB/s")

    def floors(attempt: int) -> tuple[dict, dict]:
        # the ad table alone first, so that core holds all three tables' rows afterwards
        reset(admin)
        with psycopg.connect(warehouse.url(), autocommit=True) as conn:
            ad_table = floor(conn, path, manifest, ("job_ad",))
        reset(admin)
        with psycopg.connect(warehouse.url(), autocommit=True) as conn:
            floored = floor(conn, path, manifest)
        log(
            f"  {size} #{attempt}: floor {floored['rows_per_s']:,.0f} ads/s with their "
            f"{floored['tables']['job_ad_keyword']:,} keyword and {floored['tables']['job_ad_requirement']:,} "
            f"requirement rows; core.job_ad alone {ad_table['rows_per_s']:,.0f} ads/s"
        )
        return floored, ad_table

    runs = []
    for attempt in range(1, repeat + 1):
        floored, ad_table = floors(attempt)
        reset(admin)
        profile = profile_dir / f"profile-path-{size}.txt" if profile_dir else None
        first = run_path(path, "path", env, profile)
        log(f"  {size} #{attempt}: path {first['rows_per_s']:,.0f} ads/s, peak {first['peak_rss_mb']:.0f} MB")
        with psycopg.connect(warehouse.url(), autocommit=True) as conn:
            written = table_rows(conn)
            stale = written != manifest["rows"]
            if stale:
                # The path wrote other rows than the kept floor's (code the fingerprint does not
                # cover): keep what it wrote now, and time the floor again on it after the rerun.
                log(f"  {size}: the path wrote {written}, the floor's files hold {manifest['rows']}: made again")
                manifest = export_floor_files(conn, path)
        settle(admin)
        again = run_path(path, "rerun", env)
        log(f"  {size} #{attempt}: rerun {again['rows_per_s']:,.0f} ads/s")
        if stale:
            floored, ad_table = floors(attempt)  # leaves core holding the path's rows again, for the peers
        runs.append({"floor": floored, "floor_ad_table": ad_table, "path": first, "rerun": again})
    runs.sort(key=lambda run: run["path"]["rows_per_s"] / run["floor"]["rows_per_s"])
    chosen = runs[len(runs) // 2]
    peak = max(max(run["path"]["peak_rss_mb"], run["rerun"]["peak_rss_mb"]) for run in runs)
    return {
        "size": size,
        "ads_in_file": facts["ads"],
        "file_mb": round(facts["bytes"] / 1e6),
        "feedsim_scale": facts["scale"],
        "rows_loaded": chosen["path"]["loaded"],
        "out_of_area": chosen["path"]["out_of_area"],
        "quarantined": chosen["path"]["quarantined"],
        # the child rows the path wrote for those ads, which the floor copies too
        "keyword_rows": manifest["rows"]["job_ad_keyword"],
        "requirement_rows": manifest["rows"]["job_ad_requirement"],
        # ads per second, each ad with its keyword and requirement rows
        "floor_rows_per_s": round(chosen["floor"]["rows_per_s"]),
        "floor_s": round(chosen["floor"]["seconds"], 2),
        # the COPY of core.job_ad alone (the floor's figure before the child tables), secondary
        "floor_ad_table_rows_per_s": round(chosen["floor_ad_table"]["rows_per_s"]),
        "floor_ad_table_s": round(chosen["floor_ad_table"]["seconds"], 2),
        "path_rows_per_s": round(chosen["path"]["rows_per_s"]),
        "path_ratio": round(chosen["path"]["rows_per_s"] / chosen["floor"]["rows_per_s"], 3),
        "rerun_rows_per_s": round(chosen["rerun"]["rows_per_s"]),
        "rerun_ratio": round(chosen["rerun"]["rows_per_s"] / chosen["floor"]["rows_per_s"], 3),
        "peak_rss_mb": round(peak),
        "path_stage_s": round(chosen["path"]["stage_s"], 2),
        "path_publish_s": round(chosen["path"]["publish_s"], 2),
        "path_validate_s": round(chosen["path"]["validate_s"], 2),
        "rerun_stage_s": round(chosen["rerun"]["stage_s"], 2),
        "rerun_publish_s": round(chosen["rerun"]["publish_s"], 2),
        "gx_setup_s": round(chosen["path"]["setup_s"], 2),
        # The extract task's share, outside the path: the file into raw, compressed by PostgreSQL.
        "land_raw_s": round(landed["seconds"], 2),
        "land_raw_mb_per_s": round(landed["mb"] / landed["seconds"]),
        "land_raw_ads_per_s": round(facts["ads"] / landed["seconds"]),
        "land_raw_stored_mb": round(landed["stored_mb"]),
        # CPU microseconds per loaded ad (with its child rows): the server's in the floor, the
        # client's and the server's in the path; unlike wall time, other load barely moves them.
        "cpu_us_per_row": {
            "floor_server": round(chosen["floor"]["server_cpu_s"] / chosen["floor"]["rows"] * 1e6, 1),
            "floor_ad_table_server": round(
                chosen["floor_ad_table"]["server_cpu_s"] / chosen["floor_ad_table"]["rows"] * 1e6, 1
            ),
            "path_stage_client": round(chosen["path"]["stage_client_cpu_s"] / chosen["path"]["loaded"] * 1e6, 1),
            "path_stage_server": round(chosen["path"]["stage_server_cpu_s"] / chosen["path"]["loaded"] * 1e6, 1),
            "path_publish_server": round(chosen["path"]["publish_server_cpu_s"] / chosen["path"]["loaded"] * 1e6, 1),
            "rerun_stage_client": round(chosen["rerun"]["stage_client_cpu_s"] / chosen["rerun"]["loaded"] * 1e6, 1),
            "rerun_publish_server": round(chosen["rerun"]["publish_server_cpu_s"] / chosen["rerun"]["loaded"] * 1e6, 1),
        },
        "repeats": [
            {
                "floor_rows_per_s": round(run["floor"]["rows_per_s"]),
                "floor_ad_table_rows_per_s": round(run["floor_ad_table"]["rows_per_s"]),
                "path_rows_per_s": round(run["path"]["rows_per_s"]),
                "rerun_rows_per_s": round(run["rerun"]["rows_per_s"]),
            }
            for run in runs
        ],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("sizes", type=int, nargs="*", default=[100_000])
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--label", default="path", help=argparse.SUPPRESS)
    parser.add_argument("--profile", type=Path, help="write a pyinstrument profile of the path's load here")
    args = parser.parse_args(argv)
    if args.child:
        child(args.child, args.label, args.profile)
        return 0
    from run import bench_warehouse

    warehouse = bench_warehouse()
    for size in args.sizes:
        profile_dir = args.profile.parent if args.profile else None
        print(json.dumps(measure(size, warehouse, repeat=args.repeat, profile_dir=profile_dir), indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
