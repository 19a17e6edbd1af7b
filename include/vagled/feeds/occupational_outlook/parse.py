"""Occupational outlook: Arbetsförmedlingen's yrkesbarometer, one static JSON file of the current round.

``GET prognoser/yrkesbarometer.json`` (connection ``af_outlook`` = data.arbetsformedlingen.se):
a JSON array, one row per barometer occupation and area (``lan`` 00 = the nation). It holds the
current round only, so every round is kept when fetched: the key is (omgang, yb_concept_id, lan),
never SSYK (several barometer occupations share one SSYK code). Assessments stay categorical;
nothing numeric is derived. docs/upstreams/arbetsformedlingen.md has the evidence.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from vagled.config import area_county_codes
from vagled.pipeline.feed import ParseFailure, SourceStructureError
from vagled.pipeline.period import Period

CONN_ID = "af_outlook"
PATH = "prognoser/yrkesbarometer.json"
NATION = "00"
# staged column -> the file's field
FIELDS = {
    "omgang": "omgang",
    "yb_concept_id": "yb_concept_id",
    "lan": "lan",
    "yb_yrke": "yb_yrke",
    "yrkesomrade": "yrkesomrade",
    "ssyk4": "ssyk",
    "ssyk_text": "ssyk_text",
    "delvis_helt": "delvis_helt",
    "jobbmojligheter": "jobbmojligheter",
    "rekryteringssituation": "rekryteringssituation",
    "paradox": "paradox",
    "prognos": "prognos",
    "hogsta_bedomningsniva": "hogsta_bedomningsniva",
    "text_jobbmojligheter": "text_jobbmojligheter",
    "text_rekryteringssituation": "text_rekryteringssituation",
    "taxonomi_version": "taxonomi_version",
}
# A field absent from every row means the file's format changed: the batch is refused.
REQUIRED = ("omgang", "yb_concept_id", "lan", "ssyk4", "jobbmojligheter", "rekryteringssituation", "prognos")
STAGED_COLUMNS = tuple(FIELDS)


def _text(value: Any) -> str | None:
    if value is None:
        return None
    return str(value).strip() or None


def parse_outlook(body: bytes, content_type: str) -> Iterator[dict[str, Any] | ParseFailure]:
    """Parse the yrkesbarometer file.

    Raises:
        SourceStructureError: not an array, empty, or a field missing from every row.
    """
    import orjson

    try:
        document = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        yield ParseFailure(f"answer is not valid JSON: {exc}", body[:500].decode("utf-8", "replace"))
        return
    if not isinstance(document, list):
        raise SourceStructureError(f"expected one JSON array of the round's rows, got {type(document).__name__}")
    if not document:
        raise SourceStructureError("the yrkesbarometer file holds no rows; a round is never published empty")
    objects = [item for item in document if isinstance(item, dict)]
    absent = [FIELDS[name] for name in REQUIRED if objects and not any(FIELDS[name] in item for item in objects)]
    if absent:
        raise SourceStructureError(f"yrkesbarometer rows lack the fields {absent}: the file's format changed")
    for item in document:
        if not isinstance(item, dict):
            yield ParseFailure(f"expected an object, got {type(item).__name__}", str(item)[:500])
            continue
        missing = [FIELDS[name] for name in REQUIRED if FIELDS[name] not in item]
        if missing:
            yield ParseFailure(f"row lacks {missing}", str(item)[:500], check="required_fields")
            continue
        paradox = item.get("paradox")
        if paradox is not None and not isinstance(paradox, list):
            yield ParseFailure(f"paradox is {type(paradox).__name__}, not a list of reasons", str(item)[:500])
            continue
        record = {column: _text(item.get(field)) for column, field in FIELDS.items() if column != "paradox"}
        record["paradox"] = orjson.dumps(paradox or []).decode()
        ssyk = record["ssyk4"]
        record["ssyk4"] = ssyk.zfill(4) if ssyk and ssyk.isdigit() and len(ssyk) < 4 else ssyk
        lan = record["lan"]
        record["lan"] = lan.zfill(2) if lan and lan.isdigit() else lan
        yield record


def land(conn, batch_id: int, period: Period | None, params: Mapping[str, Any]) -> dict[str, Any]:
    """Land the file of the current round (the only one the source holds)."""
    from vagled.pipeline.extract import land_responses
    from vagled.sources.http import HttpSource

    return {"parts": land_responses(conn, HttpSource(CONN_ID), batch_id, "occupational_outlook", [(PATH, {})])}


def suite_parameters(conn) -> dict[str, Any]:
    from vagled.sql import load_sql

    return {
        "ssyk4_codes": [r[0] for r in conn.execute(load_sql("core/select_ssyk4_codes"))],
        "areas": [*area_county_codes(), NATION],
    }


def in_area(record: dict[str, Any]) -> bool:
    return record.get("lan") in (*area_county_codes(), NATION)
