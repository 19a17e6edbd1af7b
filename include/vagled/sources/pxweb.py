"""A client of SCB's PxWebApi 2.0 (https://statistikdatabasen.scb.se/api/v2), reusable by any feed.

- ``GET /config``: the API's limits, ``maxDataCells`` (cells per call), ``maxCallsPerTimeWindow`` and
  ``timeWindow`` (seconds). Read at run time (read_limits), never configured.
- ``GET /tables/{id}/metadata?lang=sv&outputFormat=json-stat2``: the table's dimensions and codes.
- ``POST /tables/{id}/data?lang=sv&outputFormat=json-stat2`` with ``{"selection": [{"variableCode",
  "valueCodes", "codelist"?}]}``; a variable left out is eliminated (its total), when the table allows.
- Answers are json-stat2 (``id``, ``size``, ``dimension.<id>.category.index``, ``value`` row-major with
  the last dimension fastest, ``status`` keyed by value index); errors are problem JSON
  (``{"type", "title", "status", "detail"?}``), surfaced by PxWebError with their title.

docs/upstreams/scb.md has the evidence.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from vagled.pipeline.feed import SourceStructureError
from vagled.sources.http import UpstreamError

# The Airflow connection of SCB's PxWebApi 2.0, read by both SCB feeds.
CONN_ID = "scb_pxweb"

log = logging.getLogger(__name__)

# Paths below the connection's host (statistikdatabasen.scb.se).
API_ROOT = "api/v2"
LANG = "sv"
OUTPUT_FORMAT = "json-stat2"
# When /config gives no usable call limit (0 or absent; 0 is not "no limit"), this is assumed.
FALLBACK_CALLS = (10, 10.0)


class PxWebError(UpstreamError):
    """PxWebApi refused a call; the message carries its problem JSON's title and detail."""


@dataclass(frozen=True)
class Limits:
    max_cells: int
    calls: int
    window_seconds: float


def read_limits(source) -> Limits:
    """The API's limits from ``GET /config``.

    Raises:
        SourceStructureError: /config gives no cell limit.
    """
    import orjson

    document = orjson.loads(call(source, f"{API_ROOT}/config").body)
    try:
        max_cells = int(document["maxDataCells"])
    except (KeyError, TypeError, ValueError) as exc:
        raise SourceStructureError(f"PxWebApi /config gives no maxDataCells: {str(document)[:200]}") from exc
    if max_cells <= 0:
        raise SourceStructureError(f"PxWebApi /config gives maxDataCells {max_cells}")
    calls, window = document.get("maxCallsPerTimeWindow"), document.get("timeWindow")
    if not isinstance(calls, int) or not isinstance(window, int | float) or calls <= 0 or window <= 0:
        log.warning(
            "PxWebApi /config gives no usable call limit (%r per %r s): assuming %s", calls, window, FALLBACK_CALLS
        )
        calls, window = FALLBACK_CALLS
    return Limits(max_cells, int(calls), float(window))


def problem_message(body: bytes) -> str | None:
    """The title (and detail) of a problem JSON body, or None when it is none."""
    import orjson

    try:
        problem = orjson.loads(body)
    except orjson.JSONDecodeError:
        return None
    if not isinstance(problem, dict) or "title" not in problem:
        return None
    text = f"{problem.get('status', '')} {problem['title']}".strip()
    if problem.get("detail"):
        text += f": {problem['detail']}"
    return text


def call(source, path: str, *, json_body: Any = None, params: Mapping[str, Any] | None = None):
    """One PxWebApi call (POST when there is a body), its problem JSON raised as PxWebError.

    Raises:
        PxWebError: the API refused the call (e.g. too many cells, an unknown table or code).
        UpstreamError: no usable answer (transport).
    """
    try:
        return source.fetch(
            path, params=dict(params or {}), method="POST" if json_body is not None else "GET", json_body=json_body
        )
    except UpstreamError as exc:
        message = problem_message(getattr(exc, "body", b"") or b"")
        if message is None:
            raise
        raise PxWebError(f"SCB PxWebApi refused {path}: {message}", status=exc.status, body=exc.body) from exc


def metadata(source, table_id: str) -> dict[str, Any]:
    """A table's json-stat2 metadata."""
    import orjson

    return orjson.loads(
        call(
            source, f"{API_ROOT}/tables/{table_id}/metadata", params={"lang": LANG, "outputFormat": OUTPUT_FORMAT}
        ).body
    )


def dimension_codes(document: Mapping[str, Any], dimension: str) -> list[str]:
    """A dimension's codes in their json-stat2 order (category.index: an object code -> position, or a list).

    Raises:
        SourceStructureError: the document has no such dimension (e.g. it was renamed).
    """
    dims = document.get("dimension")
    if not isinstance(dims, dict) or dimension not in dims:
        found = sorted(dims) if isinstance(dims, dict) else []
        raise SourceStructureError(f"the json-stat2 document has no dimension {dimension!r} (dimensions: {found})")
    index = (dims[dimension].get("category") or {}).get("index")
    if isinstance(index, list):
        return [str(code) for code in index]
    if isinstance(index, dict):
        return [str(code) for code, _ in sorted(index.items(), key=lambda item: item[1])]
    raise SourceStructureError(f"dimension {dimension!r} has no category index")


def cells(document: Mapping[str, Any]) -> Iterator[tuple[dict[str, str], Any, str | None]]:
    """Every cell of a json-stat2 dataset: ({dimension: code}, value or None, status or None).

    Values are row-major, the last dimension varying fastest; ``status`` is an object keyed by the
    value's index (as text), a list, or one string for every value.

    Raises:
        SourceStructureError: ``id``, ``size`` and ``value`` do not fit together.
    """
    ids, sizes = document.get("id"), document.get("size")
    if not isinstance(ids, list) or not isinstance(sizes, list) or len(ids) != len(sizes):
        raise SourceStructureError("a json-stat2 dataset needs 'id' and 'size' of equal length")
    codes = [dimension_codes(document, d) for d in ids]
    if [len(c) for c in codes] != [int(s) for s in sizes]:
        raise SourceStructureError(f"json-stat2 size {sizes} does not match the category indexes")
    total = 1
    for size in sizes:
        total *= int(size)
    values = document.get("value")
    if isinstance(values, dict):  # the sparse form: index -> value
        values = [values.get(str(i)) for i in range(total)]
    if not isinstance(values, list) or len(values) != total:
        raise SourceStructureError(f"json-stat2 value holds {len(values or [])} values, size implies {total}")
    status = document.get("status")
    strides = [1] * len(sizes)
    for i in range(len(sizes) - 2, -1, -1):
        strides[i] = strides[i + 1] * int(sizes[i + 1])
    for n, value in enumerate(values):
        key = {d: codes[i][(n // strides[i]) % int(sizes[i])] for i, d in enumerate(ids)}
        if isinstance(status, dict):
            mark = status.get(str(n))
        elif isinstance(status, list):
            mark = status[n] if n < len(status) else None
        else:
            mark = status if isinstance(status, str) else None
        yield key, value, mark


def plan_selections(
    fixed: Sequence[Mapping[str, Any]],
    split_variable: str,
    split_codes: Sequence[str],
    other_counts: int,
    max_cells: int,
    *,
    codelist: str | None = None,
) -> list[list[dict[str, Any]]]:
    """Selections of at most ``max_cells`` cells: ``split_codes`` in runs, each with the ``fixed`` selections.

    ``other_counts`` is the product of the number of codes selected in ``fixed`` (the cells per split code).

    Raises:
        ValueError: not even one split code fits under the limit.
    """
    if other_counts > max_cells:
        raise ValueError(f"{other_counts} cells for one {split_variable} code: above the limit of {max_cells}")
    run = max(1, max_cells // max(1, other_counts))
    out = []
    for i in range(0, len(split_codes), run):
        item: dict[str, Any] = {"variableCode": split_variable, "valueCodes": list(split_codes[i : i + run])}
        if codelist:
            item["codelist"] = codelist
        out.append([item, *(dict(f) for f in fixed)])
    return out


def selection_cells(selection: Sequence[Mapping[str, Any]]) -> int:
    cells_count = 1
    for item in selection:
        cells_count *= len(item["valueCodes"])
    return cells_count


def post_data(source, table_id: str, selection: list[dict[str, Any]]):
    """POST one selection to a table; the answer is json-stat2."""
    return call(
        source,
        f"{API_ROOT}/tables/{table_id}/data",
        params={"lang": LANG, "outputFormat": OUTPUT_FORMAT},
        json_body={"selection": selection},
    )
