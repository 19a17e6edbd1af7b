"""Municipality key figures from Kolada (RKA): one value per municipality, year, KPI and gender.

Kolada API v3 (vagled.sources.kolada): ``GET /v3/data/kpi/{ids}/municipality/{ids}/year/{years}``,
split into requests of at most 25 ids and 25 years, every page followed through ``next_url``.
Each value object holds ``{"count", "gender": "T"|"K"|"M", "status", "value", "isdeleted"}``. A
null value is kept as such, with its status; a value Kolada flags ``isdeleted`` is no current
figure: it stages as NULL with status ``deleted`` (so it replaces, never stands as, the old number).

Which KPIs are loaded is configuration: include/reference/municipality_key_figures.toml. A KPI
whose id and title could not be verified against public documentation is marked ``verified =
false`` there and is not loaded unless ``load_unverified = true``. The SCB feed (vagled.feeds.scb_key_figures.parse)
stages into the same table with the same suite and publish SQL.
"""

from __future__ import annotations

import functools
import logging
import tomllib
from collections.abc import Iterator, Mapping
from datetime import timedelta
from typing import Any

from vagled.config import REFERENCE_DIR
from vagled.pipeline.feed import ParseFailure, SourceStructureError
from vagled.pipeline.period import Period, years_param
from vagled.sources.kolada import CONN_ID

CONFIG_PATH = REFERENCE_DIR / "municipality_key_figures.toml"
# The status a value gets when Kolada flags it isdeleted: not Kolada's own literal, ours.
DELETED_STATUS = "deleted"
log = logging.getLogger(__name__)

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


def kolada_kpis() -> list[dict[str, Any]]:
    """The configured KPIs a run loads: the verified ones, and the others only with load_unverified."""
    cfg = config()["kolada"]
    load_unverified = bool(cfg.get("load_unverified", False))
    return [k for k in cfg["kpi"] if k.get("verified", False) or load_unverified]


def indicator_codes() -> list[str]:
    cfg = config()
    return sorted(
        [k["indicator"] for k in kolada_kpis()] + [c["indicator"] for t in cfg["scb"]["table"] for c in t["content"]]
    )


def statistics_years(period: Period | None, params: Mapping[str, Any]) -> list[int]:
    """The years a run loads: param ``years`` when given, else the year before each year the period touches.

    Figures for a year are published during the following year, so a run in 2026 loads 2025.

    Raises:
        ValueError: ``years`` is not a year, a list of years or "YYYY-YYYY".
    """
    named = years_param(params.get("years"))
    if named is not None:
        return named
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
def land_kolada(conn, batch_id: int, period: Period | None, params: Mapping[str, Any]) -> dict[str, Any]:
    """Land every page of the Kolada queries for the loaded KPIs, the area's municipalities and the run's years."""
    from vagled.pipeline.load import land_payload
    from vagled.sources import kolada
    from vagled.sources.http import HttpSource

    cfg = config()["kolada"]
    years = statistics_years(period, params)
    kpis = kolada_kpis()
    skipped = [k["id"] for k in cfg["kpi"] if k not in kpis]
    if skipped:
        log.warning("Kolada KPI ids not verified against Kolada's documentation, not loaded: %s", ", ".join(skipped))
    source = HttpSource(CONN_ID)
    parts = 0
    for path in kolada.data_paths([k["id"] for k in kpis], area_municipality_codes(conn), years):
        for response, request in kolada.pages(source, path, per_page=int(cfg.get("per_page", kolada.MAX_PER_PAGE))):
            land_payload(
                conn,
                batch_id,
                "kolada_key_figures",
                parts,
                source_url=response.url,
                body=response.body,
                content_type=response.content_type,
                request_params=request,
            )
            parts += 1
    return {"parts": parts, "years": years, "unverified_not_loaded": skipped}


def _kpi_index() -> dict[str, dict[str, Any]]:
    return {k["id"]: k for k in kolada_kpis()}


def parse_kolada(body: bytes, content_type: str) -> Iterator[dict[str, Any] | ParseFailure]:
    return parse_kolada_page(body, _kpi_index())


def parse_kolada_page(body: bytes, kpis: Mapping[str, Mapping[str, Any]]) -> Iterator[dict[str, Any] | ParseFailure]:
    """Records of one Kolada v3 data page, the KPI ids mapped through ``kpis`` (id -> configured KPI)."""
    import orjson

    try:
        document = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        yield ParseFailure(f"answer is not valid JSON: {exc}", body[:500].decode("utf-8", "replace"))
        return
    if not isinstance(document, dict) or not isinstance(document.get("values"), list):
        raise SourceStructureError("a Kolada answer must be an object with a 'values' list")
    if "next_page" in document:
        raise SourceStructureError("the answer pages with next_page, as Kolada v2 did: this is not a v3 answer")
    entries = document["values"]
    objects = [e for e in entries if isinstance(e, dict)]
    for key in ("kpi", "municipality", "values"):
        if objects and not any(key in e for e in objects):
            raise SourceStructureError(f"no Kolada value has the field {key!r}: the answer's format changed")
    for entry in entries:
        if not isinstance(entry, dict) or not isinstance(entry.get("values"), list):
            yield ParseFailure("a Kolada value without a 'values' list", str(entry)[:500])
            continue
        kpi = kpis.get(str(entry.get("kpi")))
        period = entry.get("period")
        for item in entry["values"]:
            try:
                deleted = item.get("isdeleted") is True
                value = None if deleted else item.get("value")
                yield {
                    "municipality_code": None if entry.get("municipality") is None else str(entry["municipality"]),
                    "year": None if period is None else int(period),
                    "month": 0,
                    "indicator_code": kpi["indicator"] if kpi else None,
                    "gender": item.get("gender"),
                    "value": None if value is None else float(value),
                    "status": DELETED_STATUS if deleted else (item.get("status") or None),
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
