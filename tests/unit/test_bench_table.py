"""The bench's table of figures and targets (bench/run.py), and its peers kept out of the runtime."""

from __future__ import annotations

import json
import re
import sys

import pytest

from vagled.config import REPO_ROOT

pytestmark = pytest.mark.unit


@pytest.fixture(scope="module")
def run():
    sys.path.insert(0, str(REPO_ROOT / "bench"))
    try:
        import run as module

        yield module
    finally:
        sys.path.remove(str(REPO_ROOT / "bench"))


def _result(**figures) -> dict:
    load = {
        "size": 100_000,
        "ads_in_file": 99_657,
        "rows_loaded": 93_704,
        "keyword_rows": 1_311_856,
        "requirement_rows": 374_816,
        "floor_rows_per_s": 30_000,
        "floor_ad_table_rows_per_s": 41_000,
        "path_rows_per_s": 12_000,
        "path_stage_s": 4.0,
        "path_publish_s": 3.8,
        "path_ratio": 0.4,
        "rerun_rows_per_s": 20_000,
        "rerun_ratio": 0.67,
        "peak_rss_mb": 500,
        "path_vs_dlt": 2.7,
        "rerun_vs_dlt": 4.2,
        "peers": {
            "peer_dlt_rows_per_s": 4_444,
            "peer_dlt_rerun_rows_per_s": 4_762,
            "peer_pandas_rows_per_s": 2_100,
            "dlt_version": "1.31.0",
            "dlt_source_read_s": 0.8,
            "dlt_peak_rss_mb": 300,
            "pandas_version": "3.1.1",
            "pandas_method": "None (executemany)",
            "pandas_chunksize": 5000,
        },
    }
    return {
        "measured_at": "2026-12-02 23:00 UTC",
        "machine": {"cpus": 2, "python": "3.11.7", "postgresql": "18.4", "load_average_at_start": [1.0, 1.0, 1.0]},
        "load": [load],
        "peak_rss_mb": 500,
        **figures,
    }


def _row(text: str, label: str) -> str:
    rows = [line for line in text.splitlines() if line.startswith(f"| {label}")]
    assert len(rows) == 1, (label, rows)
    return rows[0]


def test_verdict_compares_each_figure_with_its_target(run):
    assert run.verdict("path_ratio", 0.5) == "met"
    assert run.verdict("path_ratio", 0.49) == "MISSED"
    assert run.verdict("increment_scheduler_s", 14.9) == "met"
    assert run.verdict("increment_scheduler_s", 15.0) == "MISSED"
    assert run.verdict("peak_rss_mb", None) == "not measured"


def test_the_table_puts_peers_beside_the_path_and_marks_a_missed_target_with_what_limits_it(run):
    text = run.table(_result(increment_scheduler_s=21.5, increment_s=0.9))
    # every rate in ads per second; the floor of the three tables, then of core.job_ad alone
    size_row = _row(text, "99,657 (93,704; 1,311,856 + 374,816)")
    assert size_row.startswith("| 99,657 (93,704; 1,311,856 + 374,816) | 30,000 | 41,000 | 12,000 (4.0 + 3.8) |")
    assert "| 4,444 | 4,762 | 2,100 |" in size_row
    assert "job_ad__keywords" in _row(text, "peers")
    assert "| floor: COPY ads/s | floor, core.job_ad alone: ads/s |" in text
    assert "dlt 1.31.0 (merge" in _row(text, "peers")
    missed = _row(text, "path / dlt first load (ads/s), 99,657 ads")
    assert "| 2.70 | >= 3 | **MISSED**: " in missed and "INSERT VALUES" in missed
    assert "**MISSED**" in _row(text, "rerun / dlt rerun (ads/s), 99,657 ads")
    assert _row(text, "rerun / floor, 99,657 ads").endswith("| 0.67 | >= 0.4 | met |")
    assert "**MISSED**: the scheduler between tasks" in _row(text, "hourly increment in the real scheduler")
    assert _row(text, "hourly increment, pipeline work only (s)").endswith("| 0.90 | < 5 | met |")
    # the 1 000 000 size was not run: its targets show, as not measured
    assert _row(text, "path / floor, 1,000,000 ads").endswith("| not measured | >= 0.5 | not measured |")


def test_the_page_table_is_replaced_between_its_markers(run, tmp_path):
    page = tmp_path / "performance.md"
    page.write_text("# Performance\n\n<!-- bench-table -->\nold\n<!-- /bench-table -->\n\nafter\n")
    run.update_page("| new |", page)
    assert page.read_text() == "# Performance\n\n<!-- bench-table -->\n\n| new |\n\n<!-- /bench-table -->\n\nafter\n"
    assert "<!-- bench-table -->" in (REPO_ROOT / "docs" / "performance.md").read_text()


def _pins(path) -> dict[str, str]:
    pins = (re.match(r"^([A-Za-z0-9_.\-\[\]]+)==(\S+)", line) for line in path.read_text().splitlines())
    return {m.group(1).lower(): m.group(2) for m in pins if m}


def test_the_peers_are_a_bench_extra_with_the_runtime_pins_unchanged():
    runtime, bench = _pins(REPO_ROOT / "requirements.lock"), _pins(REPO_ROOT / "bench" / "requirements-bench.lock")
    assert "dlt" not in runtime  # make install and CI never install it
    assert "dlt" in bench
    assert {name: pin for name, pin in bench.items() if name in runtime} == {
        name: runtime[name] for name in bench if name in runtime
    }


def test_the_floor_files_are_read_only_when_they_match_the_tables_and_code(run, tmp_path, monkeypatch):
    import load_path

    source = tmp_path / "job_ads-2025-20000-seed42.jsonl"
    # files of the earlier one-table format are removed, never read
    for suffix in (".floor.copy", ".floor.rows"):
        source.with_suffix(suffix).write_text("old\n")
    assert load_path.read_floor_manifest(source, None) is None
    assert not source.with_suffix(".floor.copy").exists() and not source.with_suffix(".floor.rows").exists()

    manifest_path, files = load_path.floor_files(source)
    assert list(files) == ["job_ad", "job_ad_keyword", "job_ad_requirement"]  # the COPY order: ads first
    fingerprint = {"format": load_path.FLOOR_FORMAT, "columns": {"job_ad": [["ad_id", "text"]]}, "code": "abc"}
    monkeypatch.setattr(load_path, "floor_fingerprint", lambda conn: fingerprint)
    manifest_path.write_text(json.dumps({**fingerprint, "rows": {"job_ad": 3}}))
    assert load_path.read_floor_manifest(source, None) is None  # no table files yet
    for path in files.values():
        path.write_bytes(b"PGCOPY")
    assert load_path.read_floor_manifest(source, None)["rows"] == {"job_ad": 3}
    # a changed column or changed code: the files are made again
    changed = {**fingerprint, "columns": {"job_ad": [["ad_id", "text"], ["title", "text"]]}}
    monkeypatch.setattr(load_path, "floor_fingerprint", lambda conn: changed)
    assert load_path.read_floor_manifest(source, None) is None
    monkeypatch.setattr(load_path, "floor_fingerprint", lambda conn: {**fingerprint, "code": "def"})
    assert load_path.read_floor_manifest(source, None) is None
