"""From education to work, SCB's part: TAB6383/TAB6384 (outcomes) and TAB6929 (matched employment).

Client vagled.sources.pxweb, connection ``scb_pxweb``. A run reads the limits from ``/config``, then
for each table its json-stat2 metadata: every configured variable, codelist and code must be there,
else the batch fails naming what the table has (a table id gone or a content code changed is never
loaded as empty). Selections are split below the cell limit by region:

- TAB6383 (municipalities) / TAB6384 (counties): the configured education levels (``UtbNiv``),
  backgrounds (``BakgrVar``) and contents for the run's years, once with ``Kon`` eliminated (total)
  and once for men and women;
- TAB6929: the area's counties (codelist ``vs_CKM02Län``) and municipalities (``vs_CKM03Kommun``) x
  every education group of ``vs_UtbildningsgruppE2-3N1-2`` (``*``) x the configured contents, with
  the fixed selections (all industries, ``totalt``). TAB6929's other education codelist (levels)
  is an alternative grouping of the same people: it is never asked for, crossed or summed.

Codes are matched, never labels; labels are kept for display only (core.scb_code). Values are shares;
a missing one keeps SCB's status mark. A year a table does not have yet is noted in the batch.
Configuration: include/reference/education_transitions.toml ``[scb]``.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Iterator, Mapping
from typing import Any

from vagled.pipeline.feed import ParseFailure, SourceStructureError
from vagled.pipeline.period import Period
from vagled.sources.pxweb import CONN_ID

FEED = "scb_transitions"
GENDER_OF_KON = {"1": "M", "2": "K"}
log = logging.getLogger(__name__)

STAGED_COLUMNS = (
    "table_id",
    "region_level",
    "region_code",
    "county_code",
    "municipality_code",
    "year",
    "content_code",
    "measure",
    "education_variable",
    "education_code",
    "education_label",
    "education_meaning",
    "background_code",
    "background_label",
    "background_meaning",
    "sex",
    "value",
    "status",
)
NATURAL_KEY = ("table_id", "year", "region_code", "education_code", "background_code", "sex", "content_code")


def config() -> dict[str, Any]:
    from vagled.feeds.education_transitions.parse import config as transitions_config

    return transitions_config()["scb"]


def statistics_years(period: Period | None, params: Mapping[str, Any]) -> list[int]:
    """Param ``years``, else the years SCB publishes inside the period (``published_month`` of year + lag).

    Raises:
        ValueError: ``years`` is malformed, or neither ``years`` nor a period is given.
    """
    from datetime import datetime

    from vagled.config import STOCKHOLM
    from vagled.feeds.education_transitions.parse import statistics_years as skolverket_years

    if params.get("years") not in (None, "", []):
        return skolverket_years(period, params)
    if period is None:
        raise ValueError("a run needs a period or the param years")
    cfg = config()
    month, lag = int(cfg["published_month"]), int(cfg["publication_lag_years"])
    start, end = period.start.astimezone(STOCKHOLM), period.end.astimezone(STOCKHOLM)
    return [
        year
        for year in range(start.year - lag - 1, end.year - lag + 1)
        if start <= datetime(year + lag, month, 1, tzinfo=STOCKHOLM) < end
    ]


@functools.cache
def municipality_county() -> dict[str, str]:
    from vagled.warehouse.reference import read_reference

    return {row["municipality_code"]: row["county_code"] for row in read_reference("municipalities")}


def _check_codes(meta: Mapping[str, Any], table_id: str, variable: str, wanted: list[str]) -> None:
    """Every wanted code is one of the variable's codes in the table's metadata.

    Raises:
        SourceStructureError: the variable is gone, or codes are missing (listing the table's codes and labels).
    """
    from vagled.sources import pxweb

    have = pxweb.dimension_codes(meta, variable)
    missing = [code for code in wanted if code not in have]
    if missing:
        labels = (meta["dimension"][variable].get("category") or {}).get("label") or {}
        offered = ", ".join(f"{c} ({labels.get(c, '')})" for c in have[:40])
        raise SourceStructureError(
            f"SCB table {table_id} has no {variable} code(s) {missing}: check the configuration against its "
            f"metadata, which offers {offered}"
        )


def _codelists(meta: Mapping[str, Any], variable: str) -> list[str] | None:
    lists = ((meta.get("extension") or {}).get("codelists") or {}).get(variable)
    return None if lists is None else [str(c) for c in lists]


def land(conn, batch_id: int, period: Period | None, params: Mapping[str, Any]) -> dict[str, Any]:
    """Land every answer the run's years need from TAB6383, TAB6384 and TAB6929, each as one part."""
    from vagled.config import area_county_codes
    from vagled.feeds.kolada_key_figures.parse import area_municipality_codes
    from vagled.feeds.scb_key_figures.parse import rate_limiter, unpublished_years
    from vagled.pipeline.load import land_payload, note_batch
    from vagled.sources import pxweb
    from vagled.sources.http import HttpSource, UpstreamError

    cfg = config()
    years = statistics_years(period, params)
    if not years:
        raise UpstreamError(f"no SCB statistics year is published in {period}: nothing to load")
    source = HttpSource(CONN_ID)
    limits = pxweb.read_limits(source)
    source.rate_limiter = rate_limiter(limits.calls, limits.window_seconds)
    source.rate_limiter.wait()  # counts the /config call, made before the limits were known
    max_cells = min(limits.max_cells, int(params.get("scb_max_cells") or limits.max_cells))
    counties, municipalities = list(area_county_codes()), area_municipality_codes(conn)
    parts, notes = 0, []

    def post(table_id: str, selection: list[dict[str, Any]]) -> None:
        nonlocal parts
        response = pxweb.post_data(source, table_id, selection)
        land_payload(
            conn,
            batch_id,
            FEED,
            parts,
            source_url=response.url,
            body=response.body,
            content_type=response.content_type,
            request_params={"table": table_id, "cells": pxweb.selection_cells(selection), "selection": selection},
        )
        parts += 1

    def years_of(meta: Mapping[str, Any], table_id: str) -> list[str]:
        available = pxweb.dimension_codes(meta, "Tid")
        missing = unpublished_years(table_id, available, years)
        for note in missing:
            log.warning("SCB: %s", note)
        notes.extend(missing)
        return [str(y) for y in years if str(y) in available]

    dims = cfg["outcome_dimensions"]
    levels = [e["code"] for e in cfg["education_level"]]
    backgrounds = [b["code"] for b in cfg["background"]]
    for table in cfg["outcomes"]:
        table_id = table["table"]
        contents = [outcome_content_code(c, table_id) for c in cfg["outcome_content"]]
        meta = pxweb.metadata(source, table_id)
        _check_codes(meta, table_id, "Region", [])
        _check_codes(meta, table_id, dims["education"], levels)
        _check_codes(meta, table_id, dims["background"], backgrounds)
        _check_codes(meta, table_id, "ContentsCode", contents)
        _check_codes(meta, table_id, dims["sex"], ["1", "2"])
        times = years_of(meta, table_id)
        if not times:
            continue
        regions = municipalities if table["region_level"] == "municipality" else counties
        _check_codes(meta, table_id, "Region", regions)
        for sexes in ([], ["1", "2"]):
            fixed = [
                {"variableCode": dims["education"], "valueCodes": levels},
                {"variableCode": dims["background"], "valueCodes": backgrounds},
                {"variableCode": "ContentsCode", "valueCodes": contents},
                {"variableCode": "Tid", "valueCodes": times},
            ]
            if sexes:
                fixed.append({"variableCode": dims["sex"], "valueCodes": sexes})
            per_region = len(levels) * len(backgrounds) * len(contents) * len(times) * max(1, len(sexes))
            for selection in pxweb.plan_selections(fixed, "Region", regions, per_region, max_cells):
                post(table_id, selection)

    matching = cfg["matching"]
    table_id = matching["table"]
    meta = pxweb.metadata(source, table_id)
    contents = [c["code"] for c in cfg["matching_content"]]
    _check_codes(meta, table_id, "ContentsCode", contents)
    for item in matching["fixed"]:
        _check_codes(meta, table_id, item["variableCode"], [])
    education = matching["education_variable"]
    _check_codes(meta, table_id, education, [])
    for variable, codelist in (
        ("Region", matching["county_codelist"]),
        ("Region", matching["municipality_codelist"]),
        (education, matching["education_codelist"]),
    ):
        offered = _codelists(meta, variable)
        if offered is not None and codelist not in offered:
            raise SourceStructureError(
                f"SCB table {table_id} offers no codelist {codelist!r} for {variable} (it offers {offered})"
            )
    times = years_of(meta, table_id)
    if times:
        # one education group is at most every code of the codelist: size the runs by a generous bound
        groups_bound = max(100, len(pxweb.dimension_codes(meta, education)))
        for codelist, regions in (
            (matching["county_codelist"], counties),
            (matching["municipality_codelist"], municipalities),
        ):
            fixed = [
                {"variableCode": education, "valueCodes": ["*"], "codelist": matching["education_codelist"]},
                {"variableCode": "ContentsCode", "valueCodes": contents},
                {"variableCode": "Tid", "valueCodes": times},
                *[dict(item) for item in matching["fixed"]],
            ]
            per_region = groups_bound * len(contents) * len(times)
            for selection in pxweb.plan_selections(fixed, "Region", regions, per_region, max_cells, codelist=codelist):
                post(table_id, selection)
    if not parts:
        # not one asked-for year in any table: a real absence, reported as the run's failure
        raise UpstreamError(f"nothing to load from SCB: {'; '.join(notes)}")
    if notes:
        note_batch(conn, batch_id, "; ".join(notes))
    return {"parts": parts, "years": years, "not_published": notes, "max_cells": max_cells}


# -- parsing --------------------------------------------------------------------------------------
def _meanings() -> dict[tuple[str, str], str]:
    cfg = config()
    dims = cfg["outcome_dimensions"]
    out = {(dims["education"], e["code"]): e["meaning"] for e in cfg["education_level"]}
    out.update({(dims["background"], b["code"]): b["meaning"] for b in cfg["background"]})
    return out


def outcome_content_code(content: Mapping[str, Any], table_id: str) -> str:
    """A content's code in one table: one string for every table, or a code per table."""
    code = content["code"]
    if isinstance(code, str):
        return code
    if table_id not in code:
        raise SourceStructureError(f"the configuration gives {content['measure']} no code for {table_id}")
    return code[table_id]


def _measures() -> dict[str, str]:
    cfg = config()
    out = {c["code"]: c["measure"] for c in cfg["matching_content"]}
    for content in cfg["outcome_content"]:
        codes = [content["code"]] if isinstance(content["code"], str) else list(content["code"].values())
        out.update(dict.fromkeys(codes, content["measure"]))
    return out


def _labels(document: Mapping[str, Any], variable: str) -> dict[str, str]:
    return ((document["dimension"][variable].get("category") or {}).get("label")) or {}


def parse(body: bytes, content_type: str) -> Iterator[dict[str, Any] | ParseFailure]:
    """One record per cell of a json-stat2 answer of TAB6383, TAB6384 or TAB6929.

    Raises:
        SourceStructureError: not a json-stat2 dataset, or a required dimension is missing.
    """
    import orjson

    from vagled.sources import pxweb

    try:
        document = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        yield ParseFailure(f"answer is not valid JSON: {exc}", body[:500].decode("utf-8", "replace"))
        return
    if not isinstance(document, dict) or document.get("class") not in (None, "dataset"):
        raise SourceStructureError("a PxWebApi data answer must be a json-stat2 dataset")
    table_id = str(((document.get("extension") or {}).get("px") or {}).get("tableid") or "")
    cfg = config()
    dims = cfg["outcome_dimensions"]
    outcome_tables = {t["table"]: t["region_level"] for t in cfg["outcomes"]}
    if table_id in outcome_tables:
        education, background = dims["education"], dims["background"]
    elif table_id == cfg["matching"]["table"]:
        education, background = cfg["matching"]["education_variable"], None
    else:
        raise SourceStructureError(f"a json-stat2 answer of table {table_id!r}, which this feed does not ask for")
    for dimension in ("Region", "ContentsCode", "Tid", education, *([background] if background else [])):
        pxweb.dimension_codes(document, dimension)  # raises, naming the dimensions found
    education_labels = _labels(document, education)
    background_labels = _labels(document, background) if background else {}
    meanings, measures = _meanings(), _measures()
    codelist = cfg["matching"]["education_codelist"]
    for key, raw, status in pxweb.cells(document):
        region, year = key["Region"], key["Tid"]
        if not year.isdigit():
            yield ParseFailure(f"unknown period {year!r}", str(key)[:500])
            continue
        if raw is not None and (isinstance(raw, bool) or not isinstance(raw, int | float)):
            yield ParseFailure(f"value {raw!r} of {key} is not a number", str(key)[:500])
            continue
        level = "county" if len(region) == 2 else "municipality"
        municipality = region if level == "municipality" else None
        # an unknown municipality keeps no county: the suite quarantines it, it never vanishes
        county = region if level == "county" else municipality_county().get(region)
        education_code = key[education]
        background_code = key.get(background) if background else None
        yield {
            "table_id": table_id,
            "region_level": level,
            "region_code": region,
            "county_code": county,
            "municipality_code": municipality,
            "year": int(year),
            "content_code": key["ContentsCode"],
            "measure": measures.get(key["ContentsCode"]),
            "education_variable": education if background else codelist,
            "education_code": education_code,
            "education_label": education_labels.get(education_code, education_code),
            "education_meaning": meanings.get((education, education_code)) if background else None,
            "background_code": background_code,
            "background_label": background_labels.get(background_code, background_code) if background else None,
            "background_meaning": meanings.get((background, background_code)) if background else None,
            "sex": GENDER_OF_KON.get(key["Kon"]) if "Kon" in key else "T",
            "value": None if raw is None else float(raw),
            # SCB's marks (.., ., :) say why a value is missing; a null without one is quarantined.
            "status": status,
        }


def in_area(record: Mapping[str, Any]) -> bool:
    from vagled.feeds.education_transitions.parse import in_area as transitions_in_area

    return transitions_in_area(record)


def suite_parameters(conn) -> dict[str, Any]:
    from vagled.config import area_county_codes
    from vagled.feeds.kolada_key_figures.parse import area_municipality_codes

    cfg = config()
    return {
        "region_codes": [*area_county_codes(), *area_municipality_codes(conn)],
        "measures": sorted(set(_measures().values())),
        "table_ids": [*(t["table"] for t in cfg["outcomes"]), cfg["matching"]["table"]],
    }
