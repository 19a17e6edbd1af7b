"""Municipality key figures from Kolada (RKA): one value per municipality, year, KPI and gender.

Kolada API v2: ``GET /v2/data/kpi/{kpi,..}/municipality/{id,..}/year/{year,..}?per_page=&page=``
answers ``{"count", "values": [{"kpi", "municipality", "period", "values": [{"gender": "T"|"K"|"M",
"status", "value"}]}], "next_page"}``; ``next_page`` is there only while another page follows. A
value may be null with a status (missing, confidential): it is kept as such, with its status.

Which KPIs are loaded is configuration: include/reference/municipality_key_figures.toml. The SCB
feed (vagled.feeds.scb) stages into the same table with the same suite and publish SQL.
"""

from __future__ import annotations

import functools
import tomllib
from collections.abc import Iterator, Mapping
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

from vagled.assets import MUNICIPALITY_KEY_FIGURES
from vagled.config import REFERENCE_DIR
from vagled.pipeline.feed import FeedSpec, ParseFailure, SourceStructureError
from vagled.pipeline.period import Period

CONN_ID = "kolada"
CONFIG_PATH = REFERENCE_DIR / "municipality_key_figures.toml"
# Following next_page stops here: a source that keeps answering with a next page is broken.
MAX_PAGES = 1000

STAGED_COLUMNS = (
    "municipality_code",
    "year",
    "month",
    "indicator_code",
    "gender",
    "value",
    "status",
    "source",
    "source_ref",
    "title",
    "unit",
    "frequency",
)
NATURAL_KEY = ("municipality_code", "year", "month", "indicator_code", "gender")


@functools.cache
def config() -> dict[str, Any]:
    """The key-figure configuration (include/reference/municipality_key_figures.toml).

    Raises:
        ValueError: an indicator code or an SCB content code is used twice, or a unit is unknown.
    """
    with CONFIG_PATH.open("rb") as handle:
        cfg = tomllib.load(handle)
    indicators = [k["indicator"] for k in cfg["kolada"]["kpi"]]
    contents = [c for t in cfg["scb"]["table"] for c in t["content"]]
    indicators += [c["indicator"] for c in contents]
    if len(set(indicators)) != len(indicators):
        raise ValueError(f"{CONFIG_PATH}: an indicator code is used twice")
    if len({c["code"] for c in contents}) != len(contents):
        raise ValueError(f"{CONFIG_PATH}: an SCB content code is used twice")
    for item in [*cfg["kolada"]["kpi"], *contents]:
        if item["unit"] not in ("count", "percent"):
            raise ValueError(f"{CONFIG_PATH}: {item['indicator']} has unit {item['unit']!r} (count or percent)")
    return cfg


def indicator_codes() -> list[str]:
    cfg = config()
    return sorted(
        [k["indicator"] for k in cfg["kolada"]["kpi"]]
        + [c["indicator"] for t in cfg["scb"]["table"] for c in t["content"]]
    )


def statistics_years(period: Period | None, params: Mapping[str, Any]) -> list[int]:
    """The years a run loads: param ``years`` when given, else the year before each year the period touches.

    Figures for a year are published during the following year, so a run in 2026 loads 2025.

    Raises:
        ValueError: ``years`` is not a year, a list of years or "YYYY-YYYY".
    """
    years = params.get("years")
    if years not in (None, "", []):
        if isinstance(years, int):
            return [years]
        if isinstance(years, str):
            first, _, last = years.partition("-")
            return list(range(int(first), int(last or first) + 1))
        if isinstance(years, list | tuple):
            return sorted({int(y) for y in years})
        raise ValueError(f"param years={years!r}: give a year, a list of years or 'YYYY-YYYY'")
    if period is None:
        raise ValueError("a run needs a period or the param years")
    last = (period.end - timedelta(microseconds=1)).year if period.end > period.start else period.start.year
    return list(range(period.start.year - 1, last))


def needs_period(params: Mapping[str, Any]) -> bool:
    return params.get("years") in (None, "", [])


def area_municipality_codes(conn) -> list[str]:
    from vagled.sql import load_sql

    return [r[0] for r in conn.execute(load_sql("core/select_area_municipality_codes"))]


# -- Kolada ---------------------------------------------------------------------------------------
def kolada_requests(kpis: list[str], municipalities: list[str], years: list[int], per_page: int) -> tuple[str, dict]:
    """The first request of a Kolada data query (path, params)."""
    path = f"v2/data/kpi/{','.join(kpis)}/municipality/{','.join(municipalities)}/year/{','.join(map(str, years))}"
    return path, {"per_page": per_page, "page": 1}


def next_page_params(document: Mapping[str, Any], current: Mapping[str, Any]) -> dict[str, Any] | None:
    """The params of the page ``next_page`` points to, or None on the last page.

    Only page and per_page are taken from the link: its host and scheme are Kolada's public ones,
    not necessarily the connection's.

    Raises:
        SourceStructureError: next_page does not move forward.
    """
    link = document.get("next_page")
    if not link:
        return None
    query = parse_qs(urlsplit(str(link)).query)
    try:
        page = int(query["page"][0])
    except (KeyError, ValueError, IndexError) as exc:
        raise SourceStructureError(f"Kolada next_page {link!r} has no page number") from exc
    if page <= int(current["page"]):
        raise SourceStructureError(f"Kolada next_page {link!r} does not move past page {current['page']}")
    return {**current, "page": page, "per_page": int(query.get("per_page", [current["per_page"]])[0])}


def land_kolada(conn, batch_id: int, period: Period | None, params: Mapping[str, Any]) -> dict[str, Any]:
    """Land every page of one Kolada query for the configured KPIs, the area's municipalities and the run's years."""
    import orjson

    from vagled.pipeline.load import land_payload
    from vagled.sources.http import HttpSource

    cfg = config()["kolada"]
    years = statistics_years(period, params)
    path, query = kolada_requests(
        [k["id"] for k in cfg["kpi"]], area_municipality_codes(conn), years, int(cfg.get("per_page", 5000))
    )
    source = HttpSource(CONN_ID)
    parts = 0
    next_query: dict[str, Any] | None = query
    while next_query is not None:
        if parts >= MAX_PAGES:
            raise SourceStructureError(f"Kolada kept answering with a next page after {MAX_PAGES} pages")
        response = source.fetch(path, params=next_query)
        land_payload(
            conn,
            batch_id,
            "kolada_key_figures",
            parts,
            source_url=response.url,
            body=response.body,
            content_type=response.content_type,
            request_params=next_query,
        )
        parts += 1
        next_query = next_page_params(orjson.loads(response.body), next_query)
    return {"parts": parts, "years": years}


def _kpi_index() -> dict[str, dict[str, Any]]:
    return {k["id"]: k for k in config()["kolada"]["kpi"]}


def parse_kolada(body: bytes, content_type: str) -> Iterator[dict[str, Any] | ParseFailure]:
    import orjson

    try:
        document = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        yield ParseFailure(f"answer is not valid JSON: {exc}", body[:500].decode("utf-8", "replace"))
        return
    if not isinstance(document, dict) or not isinstance(document.get("values"), list):
        raise SourceStructureError("a Kolada answer must be an object with a 'values' list")
    entries = document["values"]
    objects = [e for e in entries if isinstance(e, dict)]
    for key in ("kpi", "municipality", "values"):
        if objects and not any(key in e for e in objects):
            raise SourceStructureError(f"no Kolada value has the field {key!r}: the answer's format changed")
    kpis = _kpi_index()
    for entry in entries:
        if not isinstance(entry, dict) or not isinstance(entry.get("values"), list):
            yield ParseFailure("a Kolada value without a 'values' list", str(entry)[:500])
            continue
        kpi = kpis.get(str(entry.get("kpi")))
        period = entry.get("period")
        for item in entry["values"]:
            try:
                value = item.get("value")
                yield {
                    "municipality_code": None if entry.get("municipality") is None else str(entry["municipality"]),
                    "year": None if period is None else int(period),
                    "month": 0,
                    "indicator_code": kpi["indicator"] if kpi else None,
                    "gender": item.get("gender"),
                    "value": None if value is None else float(value),
                    "status": item.get("status") or None,
                    "source": "kolada",
                    "source_ref": str(entry.get("kpi")),
                    "title": kpi["title"] if kpi else None,
                    "unit": kpi["unit"] if kpi else None,
                    "frequency": "year",
                }
            except (TypeError, ValueError, AttributeError) as exc:
                yield ParseFailure(f"malformed Kolada value: {exc}", str(item)[:500])


def suite_parameters(conn) -> dict[str, Any]:
    return {"municipality_codes": area_municipality_codes(conn), "indicator_codes": indicator_codes()}


SPEC = FeedSpec(
    name="kolada_key_figures",
    staging_table="municipality_key_figure",
    columns=STAGED_COLUMNS,
    natural_key=NATURAL_KEY,
    suite="municipality_key_figures",
    publish_sql="core/publish_municipality_key_figures",
    pre_publish_sql=("core/publish_key_figure_indicators",),
    parse=parse_kolada,
    asset_uri=MUNICIPALITY_KEY_FIGURES,
    max_quarantine_share=0.1,
    suite_parameters=suite_parameters,
    land=land_kolada,
    period_required=needs_period,
)
