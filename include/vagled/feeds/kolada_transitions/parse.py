"""From education to work, Kolada's part: transition and long-term-unemployment indicators.

Kolada API v3 (vagled.sources.kolada, connection ``kolada``): before any data is asked for, every
KPI the run loads is looked up at ``GET /v3/kpi/{id}``; an id Kolada does not list fails the batch
("Kolada has no KPI ..."). Then ``/v3/data/kpi/{ids}/municipality/{ids}/year/{years}`` for the
area's municipalities, split into requests of at most 25 ids and years, every page via
``next_url``; values per municipality x sex (T/K/M) x year stage into the key figures' table
(core.municipality_key_figure, indicator codes of their own). KPIs reported by one public source
only are configured ``verified = false`` and not loaded (as for the key figures).

Configuration: include/reference/education_transitions.toml ``[kolada]``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from typing import Any

from vagled.feeds.kolada_key_figures.parse import (
    area_municipality_codes,
    parse_kolada_page,
)
from vagled.pipeline.feed import ParseFailure, SourceStructureError
from vagled.pipeline.period import Period
from vagled.sources.kolada import CONN_ID

FEED = "kolada_transitions"
log = logging.getLogger(__name__)


def config() -> dict[str, Any]:
    from vagled.feeds.education_transitions.parse import config as transitions_config

    return transitions_config()["kolada"]


def loaded_kpis() -> list[dict[str, Any]]:
    """The KPIs a run loads: the verified ones, the others only with load_unverified."""
    cfg = config()
    return [k for k in cfg["kpi"] if k.get("verified", False) or cfg.get("load_unverified", False)]


def verify_kpis(source, ids: list[str]) -> dict[str, str]:
    """Kolada's title of every id, from ``GET /v3/kpi/{id}``.

    Raises:
        SourceStructureError: Kolada does not list one of the ids.
    """
    import orjson

    titles: dict[str, str] = {}
    for kpi_id in ids:
        document = orjson.loads(source.fetch(f"v3/kpi/{kpi_id}").body)
        values = document.get("values") if isinstance(document, dict) else None
        found = [v for v in values or [] if isinstance(v, dict) and v.get("id") == kpi_id]
        if not found:
            raise SourceStructureError(
                f"Kolada has no KPI {kpi_id} (GET /v3/kpi/{kpi_id} lists none): check "
                "include/reference/education_transitions.toml"
            )
        titles[kpi_id] = str(found[0].get("title") or "")
    return titles


def land(conn, batch_id: int, period: Period | None, params: Mapping[str, Any]) -> dict[str, Any]:
    """Verify the KPIs, then land every page of their data for the area and the run's years."""
    from vagled.feeds.scb_transitions.parse import statistics_years
    from vagled.pipeline.load import land_payload
    from vagled.sources import kolada
    from vagled.sources.http import HttpSource

    _check_config()
    cfg = config()
    years = statistics_years(period, params)
    kpis = loaded_kpis()
    skipped = [k["id"] for k in cfg["kpi"] if k not in kpis]
    if skipped:
        log.warning("Kolada KPI ids reported by one source only, not loaded: %s", ", ".join(skipped))
    source = HttpSource(CONN_ID)
    titles = verify_kpis(source, [k["id"] for k in kpis])
    parts = 0
    for path in kolada.data_paths([k["id"] for k in kpis], area_municipality_codes(conn), years):
        for response, request in kolada.pages(source, path, per_page=int(cfg.get("per_page", kolada.MAX_PER_PAGE))):
            land_payload(
                conn,
                batch_id,
                FEED,
                parts,
                source_url=response.url,
                body=response.body,
                content_type=response.content_type,
                request_params=request,
            )
            parts += 1
    return {"parts": parts, "years": years, "kolada_titles": titles, "unverified_not_loaded": skipped}


def parse(body: bytes, content_type: str) -> Iterator[dict[str, Any] | ParseFailure]:
    yield from parse_kolada_page(body, {k["id"]: k for k in loaded_kpis()})


def suite_parameters(conn) -> dict[str, Any]:
    return {
        "municipality_codes": area_municipality_codes(conn),
        "indicator_codes": sorted(k["indicator"] for k in loaded_kpis()),
    }


def _check_config() -> None:
    from vagled.feeds.kolada_key_figures.parse import config as key_figures_config

    theirs = {k["indicator"] for k in key_figures_config()["kolada"]["kpi"]}
    theirs |= {c["indicator"] for t in key_figures_config()["scb"]["table"] for c in t["content"]}
    clash = sorted(theirs & {k["indicator"] for k in config()["kpi"]})
    if clash:
        raise SourceStructureError(f"indicator codes {clash} are the key figures' already: choose others")
