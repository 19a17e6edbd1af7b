"""A client of Kolada's API v3 (https://api.kolada.se/v3), reusable by every feed that reads it.

``GET /v3/data/kpi/{ids}/municipality/{ids}/year/{years}?per_page=`` answers ``{"count": <values on
this page>, "values": [...], "next_url": ..., "previous_url": ...}``. ``count`` counts this page only
(it is no total); the next page is wherever ``next_url`` points, and the last page has none. At most
25 ids (KPIs, municipalities) and 25 years go in one request, so a query is split into requests of
at most 25 of each. The paths and shapes are in docs/upstreams/kolada.md.

Only the path and query of ``next_url`` are followed, below the connection's base URL: the link names
Kolada's public host, which need not be the connection's (a proxy, feedsim).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from vagled.pipeline.feed import SourceStructureError

# The Airflow connection of Kolada's API, read by both Kolada feeds.
CONN_ID = "kolada"

API_VERSION = "v3"
MAX_IDS = 25
MAX_PER_PAGE = 5000
# A source that keeps answering with a next page is broken: following stops here.
MAX_PAGES = 1000


def chunked(items: Sequence[Any], size: int = MAX_IDS) -> list[list[Any]]:
    """``items`` in runs of at most ``size``, in order."""
    if size < 1:
        raise ValueError("size must be at least 1")
    return [list(items[i : i + size]) for i in range(0, len(items), size)]


def data_paths(kpis: Sequence[str], municipalities: Sequence[str], years: Sequence[int]) -> list[str]:
    """The data paths that together ask for every (KPI, municipality, year), at most 25 of each per path.

    Raises:
        ValueError: a list is empty (Kolada would answer for every year or every KPI instead).
    """
    if not kpis or not municipalities or not years:
        raise ValueError("a Kolada data query needs at least one KPI, one municipality and one year")
    return [
        f"{API_VERSION}/data/kpi/{','.join(k)}/municipality/{','.join(m)}/year/{','.join(map(str, y))}"
        for k in chunked(list(kpis))
        for m in chunked(list(municipalities))
        for y in chunked(sorted(years))
    ]


def next_request(document: Any, current_path: str, current_params: dict[str, Any]) -> tuple[str, dict] | None:
    """The (path, params) ``next_url`` points to, or None on the last page.

    Raises:
        SourceStructureError: the answer is not a Kolada page, or next_url leads back to the current request.
    """
    if not isinstance(document, dict):
        raise SourceStructureError("a Kolada answer must be a JSON object")
    if "next_page" in document and "next_url" not in document:
        raise SourceStructureError("the answer pages with next_page, as Kolada v2 did: this is not a v3 answer")
    link = document.get("next_url")
    if not link:
        return None
    split = urlsplit(str(link))
    at = split.path.find(f"/{API_VERSION}/")
    if at < 0:
        raise SourceStructureError(f"Kolada next_url {link!r} is not a {API_VERSION} path")
    path = split.path[at + 1 :]
    params = dict(parse_qsl(split.query, keep_blank_values=True))
    if path == current_path and params == {k: str(v) for k, v in current_params.items()}:
        raise SourceStructureError(f"Kolada next_url {link!r} points back at the page it is on")
    return path, params


def pages(source, path: str, *, per_page: int = MAX_PER_PAGE) -> Iterator[tuple[Any, dict[str, Any]]]:
    """Every page of one data query, following ``next_url`` to the last: (response, request params).

    Raises:
        SourceStructureError: more than MAX_PAGES pages, or a broken next_url.
        UpstreamError: a page could not be fetched (e.g. the page next_url names is gone): the
            caller fails the batch, so a query is never published with pages missing.
    """
    import orjson

    params: dict[str, Any] = {"per_page": min(per_page, MAX_PER_PAGE)}
    request: tuple[str, dict[str, Any]] | None = (path, params)
    fetched = 0
    while request is not None:
        if fetched >= MAX_PAGES:
            raise SourceStructureError(f"Kolada kept answering with a next page after {MAX_PAGES} pages of {path}")
        page_path, page_params = request
        response = source.fetch(page_path, params=page_params)
        fetched += 1
        yield response, {"path": page_path, **page_params}
        request = next_request(orjson.loads(response.body), page_path, page_params)
