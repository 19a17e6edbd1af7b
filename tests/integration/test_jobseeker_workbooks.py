"""Job seekers from feedsim's real-shaped statistics page and pivot-cache workbooks, over HTTP."""

from __future__ import annotations

import io
import zipfile

import pytest

pytestmark = pytest.mark.integration


@pytest.fixture
def sim_at(feedsim_factory, monkeypatch):
    """A feedsim at a given 'now' (and faults), with af_statistics pointed at it."""
    from vagled.feedsim.cli import connection_uris

    def make(now: str = "2026-11-01T00:00:00", faults: tuple[str, ...] = ()):
        sim = feedsim_factory(now=now, faults=list(faults))
        for conn_id, uri in connection_uris("127.0.0.1", sim.port).items():
            monkeypatch.setenv(f"AIRFLOW_CONN_{conn_id.upper()}", uri)
        return sim

    return make


def _geo(warehouse_conn):
    from vagled.feeds.jobseekers.parse import Geography

    counties = warehouse_conn.execute("select county_code, county_name from core.county").fetchall()
    munis = warehouse_conn.execute(
        "select municipality_code, municipality_name, county_code from core.municipality"
    ).fetchall()
    return Geography.from_rows(counties, munis)


def _workbook(prefix: str, now: str = "2026-11-01T00:00:00", faults: tuple[str, ...] = ()) -> bytes:
    from vagled.feedsim import af_statistics as sim
    from vagled.feedsim.common import Request, SimConfig, parse_time

    config = SimConfig(now=parse_time(now))
    ym = sim.newest_month(prefix, config.today)
    req = Request("GET", "af_statistics", sim.link(prefix, ym), {}, {}, b"", frozenset(faults), config)
    return sim.build(req, prefix, ym)


def test_the_page_gives_the_newest_link_per_prefix_and_a_month_behind_waits(sim_at):
    from vagled.feeds.jobseekers.parse import check_publication

    sim_at("2026-10-24T12:00:00")
    waiting = check_publication()
    assert waiting.status == "waiting"
    assert waiting.seen["web-sok-lan-kom"] == "2026-09" and waiting.seen["web-arbetslosa-yrkesomrade"] == "2026-08"
    assert "waiting" in waiting.describe() and "web-arbetslosa-yrkesomrade 2026-08" in waiting.describe()

    sim_at("2026-10-28T12:00:00")
    ready = check_publication()
    assert ready.status == "ready" and ready.month == "2026-09" and ready.first_load
    # the links are the page's opaque ones, not a template
    assert all(href.startswith("/download/18.") and href.endswith("-2026-09.xlsx") for href in ready.links.values())


def test_before_the_23rd_nothing_new_is_seen(sim_at):
    from vagled.feeds.jobseekers.parse import decide, newest_links
    from vagled.sources.http import HttpSource

    sim_at("2026-10-20T12:00:00")
    body = (
        HttpSource("af_statistics").fetch("statistik/sok-statistik/tidigare-statistik-tidsserier", expect="html").body
    )
    decision = decide(newest_links(body), "2026-08")
    assert decision.status == "loaded" and decision.month == "2026-08"


def test_a_page_without_a_prefix_fails_with_the_prefix_named(sim_at):
    from vagled.feeds.jobseekers.parse import check_publication
    from vagled.pipeline.feed import SourceStructureError

    sim_at(faults=("empty_page@af_statistics",))
    with pytest.raises(SourceStructureError, match="web-arbetslosa-yrkesomrade"):
        check_publication()


def test_pivot_caches_stream_with_names_mapped_and_below_five_as_a_range(warehouse_conn):
    from vagled.feeds.jobseekers.parse import parse_workbook
    from vagled.pipeline.feed import ParseFailure

    body = _workbook("web-sok-lan-kom")
    parts = zipfile.ZipFile(io.BytesIO(body)).namelist()
    assert "xl/pivotCache/pivotCacheDefinition3.xml" in parts and "xl/pivotCache/pivotCacheRecords1.xml" in parts
    records = list(parse_workbook(body, "", _geo(warehouse_conn)))
    assert not [r for r in records if isinstance(r, ParseFailure)]
    dims = {r["dimension"] for r in records}
    assert dims == {"age", "birth", "education"}
    assert {r["group_label"] for r in records if r["dimension"] == "age"} >= {"18-24 år"}
    small = [r for r in records if r["below_five_cells"] and r["county_code"] != "00"]
    assert small and all((r["count_min"], r["count_max"]) == (1, 4) for r in small)
    # residual rows: a county, never a municipality
    residual = [r for r in records if r["area_name"] == "Uppgift saknas"]
    assert residual and all(r["municipality_code"] is None and r["county_code"] != "00" for r in residual)
    # the whole series: every month of the workbook
    months = {r["month"] for r in records}
    assert len(months) == 13 and max(months).isoformat() == "2026-09-01"
    # the nation sums every raw row, other counties and residual rows included
    uppsala = [
        r for r in records if r["municipality_code"] == "0380" and r["month"] == max(months) and r["field"] == "ALDGR"
    ]
    nation = [r for r in records if r["county_code"] == "00" and r["month"] == max(months) and r["field"] == "ALDGR"]
    assert sum(r["count_min"] for r in nation) > 20 * sum(r["count_min"] for r in uppsala) > 0


def test_names_with_code_prefixes_trailing_spaces_and_lan_map_to_codes(warehouse_conn):
    geo = _geo(warehouse_conn)
    assert geo.county("Uppsala län") == geo.county("Uppsala") == geo.county("03 Uppsala län") == "03"
    assert geo.county("Uppgift saknas") == "00"
    assert geo.municipality("03", "0380 Uppsala") == geo.municipality("03", "Uppsala  ") == "0380"
    assert geo.municipality("19", "Västerås") == "1980"
    assert geo.municipality("03", "Kommunen Okänd") is None


def test_an_unmappable_name_is_quarantined_with_the_name(warehouse_conn):
    from vagled.feeds.jobseekers.parse import parse_workbook
    from vagled.pipeline.feed import ParseFailure

    body = _workbook("web-inskrivna-arbetslosa-svag-konkurrensformaga", faults=("bad_codes",))
    failures = [r for r in parse_workbook(body, "", _geo(warehouse_conn)) if isinstance(r, ParseFailure)]
    assert failures and all("Kommunen Okänd" in f.reason and f.check == "known_area_name" for f in failures)


def test_a_visible_sheet_is_read_when_a_workbook_has_no_cache(warehouse_conn):
    from vagled.feeds.jobseekers.parse import parse_workbook

    records = list(
        parse_workbook(_workbook("web-inskrivna-arbetslosa-tid-utan-arbete-lan-kom"), "", _geo(warehouse_conn))
    )
    dims = {r["dimension"] for r in records}
    assert dims == {"without_work_6m", "without_work_12m", "without_work_24m"}
    assert all(
        r["count_max"] >= r["count_min"] > 0 and r["municipality_code"] for r in records if r["county_code"] != "00"
    )


def test_a_renamed_cache_field_and_a_file_that_is_not_a_zip_are_refused(warehouse_conn):
    from vagled.feeds.jobseekers.parse import parse_workbook
    from vagled.pipeline.feed import SourceStructureError

    with pytest.raises(SourceStructureError, match="INSAL"):
        list(parse_workbook(_workbook("web-sok-lan-kom", faults=("schema_drift",)), "", _geo(warehouse_conn)))
    with pytest.raises(SourceStructureError, match="not a ZIP"):
        list(parse_workbook(b"<!DOCTYPE html><html>Sidan finns inte</html>", "text/html", _geo(warehouse_conn)))


def test_a_cache_is_read_in_bounded_memory():
    """The records part is streamed: memory stays far below the part's uncompressed size."""
    import tracemalloc

    from vagled.feeds.jobseekers.parse import Geography, cache_fields, cache_records, pivot_caches

    body = _workbook("web-arbetslosa-yrkesomrade")
    z = zipfile.ZipFile(io.BytesIO(body))
    [(definition, records)] = pivot_caches(z)
    size = z.getinfo(records).file_size
    fields = cache_fields(z, definition)
    tracemalloc.start()
    n = sum(1 for _ in cache_records(z, records, fields))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert n > 100_000
    assert peak < size / 4, f"peak {peak} bytes for a {size}-byte records part"
    assert Geography  # imported for the module's public API
