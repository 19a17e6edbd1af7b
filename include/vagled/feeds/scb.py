"""Municipality key figures from SCB PxWebApi v1: population (yearly) and employment (monthly).

``POST /OV0104/v1/doris/sv/ssd/<table>`` with a JSON query (``Region`` filtered with
``vs:RegionKommun07``, ``ContentsCode``, ``Tid``, optionally ``Kon``; variables left out are
eliminated, i.e. totals) answers ``{"columns", "data": [{"key": [...], "values": ["245857"]}]}``;
values are strings and ".." marks a missing figure. ``GET`` on the table lists its variables, which
tells which periods exist.

SCB's limits are honoured here: at most ``calls`` calls per ``per_seconds`` (RateLimiter, per
process) and at most ``max_cells`` cells per answer (queries are split). The tables and content
codes are configuration (include/reference/municipality_key_figures.toml); values stage into the
same table as Kolada's, with the same suite and publish SQL.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator, Mapping
from typing import Any

from vagled.assets import MUNICIPALITY_KEY_FIGURES
from vagled.feeds.key_figures import (
    NATURAL_KEY,
    STAGED_COLUMNS,
    area_municipality_codes,
    config,
    needs_period,
    statistics_years,
    suite_parameters,
)
from vagled.pipeline.feed import FeedSpec, ParseFailure, SourceStructureError
from vagled.pipeline.period import Period

CONN_ID = "scb_pxweb"
API_ROOT = "OV0104/v1/doris/sv/ssd"
GENDER_OF_KON = {"1": "M", "2": "K"}
_TIME = re.compile(r"^(\d{4})(?:M(\d{2}))?$")


# SCB counts a call when it arrives, the limiter when it leaves: a window a tenth longer keeps a
# call that left just in time from arriving just too early.
WINDOW_MARGIN = 1.1


def limiter(calls: int, per_seconds: float):
    """A RateLimiter that keeps below ``calls`` per ``per_seconds`` as SCB counts them."""
    from vagled.sources.http import RateLimiter

    return RateLimiter(calls, per_seconds * WINDOW_MARGIN)


@functools.cache
def rate_limiter():
    """One limiter per process: every SCB call of this worker counts against the same window.

    SCB's budget is per client, so it is shared between the tasks its pool lets run at once
    (vagled.pools): slots x per-task calls stays within ``calls``, however many workers run.
    """
    from vagled.pools import per_task_calls

    cfg = config()["scb"]
    return limiter(per_task_calls(CONN_ID, int(cfg["calls"])), float(cfg["per_seconds"]))


def wanted_times(available: list[str], years: list[int], frequency: str) -> list[str]:
    """The table's time values that belong to ``years`` (``2025`` or ``2025M01``..``2025M12``)."""
    wanted = []
    for value in available:
        match = _TIME.match(value)
        if match and int(match.group(1)) in years and (match.group(2) is not None) == (frequency == "month"):
            wanted.append(value)
    return wanted


def plan_queries(
    regions: list[str], contents: list[str], times: list[str], *, by_sex: bool, max_cells: int
) -> list[dict[str, Any]]:
    """Split one table query into PxWebApi queries of at most ``max_cells`` cells each.

    The totals (Kon eliminated) and, with ``by_sex``, men and women are separate queries.

    Raises:
        ValueError: not even one region, one period and every content fit in ``max_cells``.
    """
    queries = []
    for sexes in ([], ["1", "2"]) if by_sex else ([],):
        per_time = len(contents) * max(1, len(sexes))
        if per_time > max_cells:
            raise ValueError(f"{per_time} cells for one region and period: above the limit of {max_cells}")
        per_region = per_time * len(times)
        if per_region <= max_cells:
            region_chunk, time_chunk = max(1, max_cells // per_region), len(times)
        else:
            region_chunk, time_chunk = 1, max_cells // per_time
        for r in range(0, len(regions), region_chunk):
            for t in range(0, len(times), time_chunk):
                query = [
                    {
                        "code": "Region",
                        "selection": {"filter": "vs:RegionKommun07", "values": regions[r : r + region_chunk]},
                    },
                    {"code": "ContentsCode", "selection": {"filter": "item", "values": contents}},
                    {"code": "Tid", "selection": {"filter": "item", "values": times[t : t + time_chunk]}},
                ]
                if sexes:
                    query.insert(1, {"code": "Kon", "selection": {"filter": "item", "values": sexes}})
                queries.append({"query": query, "response": {"format": "json"}})
    return queries


def query_cells(query: Mapping[str, Any]) -> int:
    cells = 1
    for item in query["query"]:
        cells *= len(item["selection"]["values"])
    return cells


def land_tables(
    conn, source, batch_id: int, years: list[int], regions: list[str], *, max_cells: int | None = None
) -> dict[str, Any]:
    """Query every configured table for ``regions`` and ``years`` and land each answer as one part."""
    import orjson

    from vagled.pipeline.load import land_payload

    cfg = config()["scb"]
    max_cells = int(max_cells or cfg["max_cells"])
    parts = 0
    for table in cfg["table"]:
        path = f"{API_ROOT}/{table['path']}"
        meta = orjson.loads(source.fetch(path).body)
        time_variable = next((v for v in meta.get("variables", []) if v.get("code") == "Tid"), None)
        if time_variable is None:
            raise SourceStructureError(f"SCB table {table['path']} has no variable Tid")
        times = wanted_times([str(v) for v in time_variable.get("values", [])], years, table["frequency"])
        if not times:
            continue  # not published yet for these years: nothing to land, nothing to fail
        contents = [c["code"] for c in table["content"]]
        for query in plan_queries(regions, contents, times, by_sex=bool(table.get("by_sex")), max_cells=max_cells):
            response = source.fetch(path, method="POST", json_body=query)
            land_payload(
                conn,
                batch_id,
                "scb_key_figures",
                parts,
                source_url=response.url,
                body=response.body,
                content_type=response.content_type,
                request_params={"table": table["path"], "cells": query_cells(query), **query},
            )
            parts += 1
    return {"parts": parts, "years": years}


def land(conn, batch_id: int, period: Period | None, params: Mapping[str, Any]) -> dict[str, Any]:
    from vagled.sources.http import HttpSource

    source = HttpSource(CONN_ID, rate_limiter=rate_limiter())
    return land_tables(conn, source, batch_id, statistics_years(period, params), area_municipality_codes(conn))


def _contents_index() -> dict[str, tuple[dict[str, Any], dict[str, Any]]]:
    return {c["code"]: (t, c) for t in config()["scb"]["table"] for c in t["content"]}


def parse_scb(body: bytes, content_type: str) -> Iterator[dict[str, Any] | ParseFailure]:
    import orjson

    try:
        document = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        yield ParseFailure(f"answer is not valid JSON: {exc}", body[:500].decode("utf-8", "replace"))
        return
    if not isinstance(document, dict) or not isinstance(document.get("columns"), list):
        raise SourceStructureError("a PxWebApi answer must be an object with 'columns' and 'data'")
    columns = document["columns"]
    if not all(isinstance(c, dict) for c in columns) or not isinstance(document.get("data", []), list):
        raise SourceStructureError("a PxWebApi answer's columns must be objects and its data a list")
    keys = [c for c in columns if c.get("type") != "c"]
    values = [c for c in columns if c.get("type") == "c"]
    codes = [c.get("code") for c in keys]
    for needed in ("Region", "Tid"):
        if needed not in codes:
            raise SourceStructureError(f"the PxWebApi answer has no column {needed!r} (columns: {codes})")
    positions = {
        "region": codes.index("Region"),
        "time": codes.index("Tid"),
        "sex": codes.index("Kon") if "Kon" in codes else None,
    }
    for row in document.get("data") or []:
        try:
            # materialised per row: a row that breaks part-way yields nothing but its failure
            records = list(_row_records(row, keys, values, positions))
        except (TypeError, ValueError, AttributeError, KeyError, IndexError) as exc:
            yield ParseFailure(f"malformed PxWebApi row: {type(exc).__name__}: {exc}", str(row)[:500])
            continue
        yield from records


def _row_records(
    row: Any, keys: list[dict], values: list[dict], positions: dict[str, int | None]
) -> Iterator[dict[str, Any] | ParseFailure]:
    key = row.get("key") if isinstance(row, dict) else None
    if not isinstance(key, list) or len(key) != len(keys):
        yield ParseFailure("a PxWebApi row whose key does not match the columns", str(row)[:500])
        return
    time_at, region_at, sex_at = positions["time"], positions["region"], positions["sex"]
    match = _TIME.match(str(key[time_at]))
    if match is None:
        yield ParseFailure(f"unknown period {key[time_at]!r}", str(row)[:500])
        return
    cells = row.get("values") or []
    if not isinstance(cells, list):
        yield ParseFailure("a PxWebApi row whose values are not a list", str(row)[:500])
        return
    known = _contents_index()
    for position, column in enumerate(values):
        code = column.get("code")
        table, content = known.get(code, (None, None)) if isinstance(code, str) else (None, None)
        raw = cells[position] if position < len(cells) else None
        try:
            value = None if raw is None or raw == ".." else float(str(raw))
        except ValueError:
            yield ParseFailure(f"value {raw!r} of {code} is not a number", str(row)[:500])
            continue
        yield {
            "municipality_code": str(key[region_at]),
            "year": int(match.group(1)),
            "month": int(match.group(2) or 0),
            "indicator_code": content["indicator"] if content else None,
            "gender": "T" if sex_at is None else GENDER_OF_KON.get(str(key[sex_at])),
            "value": value,
            # ".." is SCB's "no figure"; a value absent from the answer has no status and is quarantined.
            "status": ".." if raw == ".." else None,
            "source": "scb",
            "source_ref": f"{table['path']}/{code}" if table else str(code),
            "title": content["title"] if content else None,
            "unit": content["unit"] if content else None,
            "frequency": table["frequency"] if table else None,
        }


SPEC = FeedSpec(
    name="scb_key_figures",
    staging_table="municipality_key_figure",
    columns=STAGED_COLUMNS,
    natural_key=NATURAL_KEY,
    suite="municipality_key_figures",
    publish_sql="core/publish_municipality_key_figures",
    pre_publish_sql=("core/publish_key_figure_indicators",),
    parse=parse_scb,
    asset_uri=MUNICIPALITY_KEY_FIGURES,
    max_quarantine_share=0.1,
    suite_parameters=suite_parameters,
    land=land,
    period_required=needs_period,
)
