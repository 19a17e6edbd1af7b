"""Municipality key figures from SCB's PxWebApi 2.0: population per municipality, year and sex (TAB638).

The client is vagled.sources.pxweb. A run reads SCB's limits from ``/config`` (cells per call, calls
per window), reads each configured table's json-stat2 metadata (its years and content codes), and
POSTs selections of at most the cell limit: ``Region`` by the municipality codelist, the configured
``ContentsCode`` values, the run's years, and ``Kon`` (1 men, 2 women) besides the total (``Kon``
eliminated). A year the table does not have yet is reported, never skipped in silence: in the batch
(audit.load_batch.notes) and in the task log, e.g. "2025 not published in TAB638".

The tables and content codes are configuration (include/reference/municipality_key_figures.toml);
values stage into the same table as Kolada's, with the same suite and publish SQL.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from typing import Any

from vagled.feeds.kolada_key_figures.parse import (
    area_municipality_codes,
    config,
    statistics_years,
)
from vagled.pipeline.feed import ParseFailure, SourceStructureError
from vagled.pipeline.period import Period
from vagled.sources.pxweb import CONN_ID

GENDER_OF_KON = {"1": "M", "2": "K"}
REQUIRED_DIMENSIONS = ("Region", "ContentsCode", "Tid")
log = logging.getLogger(__name__)

# SCB counts a call when it arrives, the limiter when it leaves: a window a tenth longer keeps a
# call that left just in time from arriving just too early.
WINDOW_MARGIN = 1.1


def limiter(calls: int, per_seconds: float):
    """A RateLimiter that keeps below ``calls`` per ``per_seconds`` as SCB counts them."""
    from vagled.sources.http import RateLimiter

    return RateLimiter(calls, per_seconds * WINDOW_MARGIN)


_LIMITERS: dict[tuple[int, float], Any] = {}


def rate_limiter(calls: int, per_seconds: float):
    """One limiter per process and limit: every SCB call of this worker counts against the same window.

    SCB's budget is per client, so it is shared between the tasks its pool lets run at once
    (vagled.pools): slots x per-task calls stays within ``calls``, however many workers run.
    """
    from vagled.pools import per_task_calls

    key = (per_task_calls(CONN_ID, calls), float(per_seconds))
    if key not in _LIMITERS:
        _LIMITERS[key] = limiter(*key)
    return _LIMITERS[key]


def unpublished_years(table_id: str, available: list[str], years: list[int]) -> list[str]:
    """One sentence per wanted year the table does not have, e.g. "2025 not published in TAB638"."""
    return [f"{year} not published in {table_id}" for year in years if str(year) not in available]


def land_tables(
    conn, source, batch_id: int, years: list[int], regions: list[str], *, max_cells: int | None = None
) -> dict[str, Any]:
    """Query every configured table for ``regions`` and ``years`` and land each answer as one part.

    ``max_cells`` lowers the cell limit /config gives (tests); the limit is never raised above it.
    """
    from vagled.pipeline.load import land_payload
    from vagled.sources import pxweb

    cfg = config()["scb"]
    limits = pxweb.read_limits(source)
    if source.rate_limiter is None:
        source.rate_limiter = rate_limiter(limits.calls, limits.window_seconds)
        source.rate_limiter.wait()  # counts the /config call, made before the limits were known
    cells_limit = min(limits.max_cells, max_cells or limits.max_cells)
    parts, notes = 0, []
    for table in cfg["table"]:
        table_id = table["id"]
        meta = pxweb.metadata(source, table_id)
        for dimension in REQUIRED_DIMENSIONS:
            pxweb.dimension_codes(meta, dimension)  # raises, naming the dimensions found, when one is missing
        available = pxweb.dimension_codes(meta, "Tid")
        contents = [c["code"] for c in table["content"]]
        unknown = sorted(set(contents) - set(pxweb.dimension_codes(meta, "ContentsCode")))
        if unknown:
            raise SourceStructureError(f"SCB table {table_id} has no content code(s) {unknown}: check its metadata")
        missing = unpublished_years(table_id, available, years)
        for note in missing:
            log.warning("SCB: %s", note)
        notes += missing
        times = [str(y) for y in years if str(y) in available]
        if not times:
            continue
        for sexes in ([], ["1", "2"]) if table.get("by_sex") else ([],):
            fixed = [
                {"variableCode": "ContentsCode", "valueCodes": contents},
                {"variableCode": "Tid", "valueCodes": times},
            ]
            if sexes:
                fixed.append({"variableCode": "Kon", "valueCodes": sexes})
            per_region = len(contents) * len(times) * max(1, len(sexes))
            selections = pxweb.plan_selections(
                fixed, "Region", regions, per_region, cells_limit, codelist=cfg.get("region_codelist")
            )
            for selection in selections:
                response = pxweb.post_data(source, table_id, selection)
                land_payload(
                    conn,
                    batch_id,
                    "scb_key_figures",
                    parts,
                    source_url=response.url,
                    body=response.body,
                    content_type=response.content_type,
                    request_params={
                        "table": table_id,
                        "cells": pxweb.selection_cells(selection),
                        "selection": selection,
                    },
                )
                parts += 1
    if notes:
        from vagled.pipeline.load import note_batch

        note_batch(conn, batch_id, "; ".join(notes))
    return {"parts": parts, "years": years, "not_published": notes, "max_cells": cells_limit}


def land(conn, batch_id: int, period: Period | None, params: Mapping[str, Any]) -> dict[str, Any]:
    from vagled.sources.http import HttpSource

    source = HttpSource(CONN_ID)
    return land_tables(conn, source, batch_id, statistics_years(period, params), area_municipality_codes(conn))


def _contents_index() -> dict[str, tuple[dict[str, Any], dict[str, Any]]]:
    return {c["code"]: (t, c) for t in config()["scb"]["table"] for c in t["content"]}


def parse_scb(body: bytes, content_type: str) -> Iterator[dict[str, Any] | ParseFailure]:
    """Records of one json-stat2 answer: one per cell (region, content, year, sex)."""
    import orjson

    from vagled.sources import pxweb

    try:
        document = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        yield ParseFailure(f"answer is not valid JSON: {exc}", body[:500].decode("utf-8", "replace"))
        return
    if not isinstance(document, dict) or document.get("class") not in (None, "dataset"):
        raise SourceStructureError("a PxWebApi data answer must be a json-stat2 dataset")
    for dimension in REQUIRED_DIMENSIONS:
        pxweb.dimension_codes(document, dimension)
    known = _contents_index()
    for key, raw, status in pxweb.cells(document):
        table, content = known.get(key["ContentsCode"], (None, None))
        year = key["Tid"]
        if not year.isdigit():
            yield ParseFailure(f"unknown period {year!r}", str(key)[:500])
            continue
        if raw is not None and (isinstance(raw, bool) or not isinstance(raw, int | float)):
            yield ParseFailure(f"value {raw!r} of {key} is not a number", str(key)[:500])
            continue
        yield {
            "municipality_code": key["Region"],
            "year": int(year),
            "month": 0,
            "indicator_code": content["indicator"] if content else None,
            "gender": GENDER_OF_KON.get(key["Kon"]) if "Kon" in key else "T",
            "value": None if raw is None else float(raw),
            # SCB's status marks (.., ., :) say why a value is missing; a null without one is quarantined.
            "status": status,
            "source": "scb",
            "source_ref": f"{table['id']}/{key['ContentsCode']}" if table else key["ContentsCode"],
            "title": content["title"] if content else None,
            "unit": content["unit"] if content else None,
            "frequency": table["frequency"] if table else None,
        }
