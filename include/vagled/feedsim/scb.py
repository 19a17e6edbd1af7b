"""SCB PxWebApi 2.0 (``scb_pxweb``): /config, /tables, json-stat2 metadata and data, problem JSON.

Paths below the host (https://statistikdatabasen.scb.se): ``GET /api/v2/config`` (maxDataCells
150 000, maxCallsPerTimeWindow 30, timeWindow 10), ``GET /api/v2/tables?query=``, ``GET
/api/v2/tables/{id}`` (with firstPeriod/lastPeriod), ``GET /api/v2/tables/{id}/metadata`` and ``POST
/api/v2/tables/{id}/data?lang=sv&outputFormat=json-stat2`` with ``{"selection": [{"variableCode",
"valueCodes", "codelist"?}]}``. A variable left out is eliminated when the table allows it. Answers
are json-stat2 (``id``, ``size``, ``dimension.<id>.category.index/label``, ``value`` row-major with the
last dimension fastest, ``status`` keyed by value index); errors are problem JSON (``{"type",
"title", "status", "detail"}``, ``application/problem+json``). Table TAB638 is BefolkningNy
(population by region, marital status, age, sex, year; contents BE0101N1 Folkmängd, BE0101N2
Folkökning); a year's figures are out from March of the next year. More than the call limit from one
client IP in a window -> 429; more cells than maxDataCells -> 403 problem JSON. Every path of the old
v1 API (``/OV0104/v1/doris/...``) answers 404 here.

Faults: ``cell_limit`` refuses data calls of more than 50 cells though /config announces 150 000
(403 problem JSON);
``schema_drift`` renames the dimension ``Region`` to ``Kommun`` in data answers.
"""

from __future__ import annotations

import collections
import functools
import itertools
import threading
import time
from dataclasses import dataclass
from typing import Any

from vagled.feedsim.common import HttpError, Picker, Request, Response, dumps, population, reference, unit

API_ROOT = "/api/v2"
MAX_CELLS = 150_000
CELL_LIMIT_FAULT = 50
REGION_CODELIST = "vs_RegionKommun07"
PROBLEM = "application/problem+json; charset=utf-8"


@dataclass(frozen=True)
class Variable:
    code: str
    label: str
    values: tuple[str, ...]
    labels: tuple[str, ...]
    elimination: bool = False
    time: bool = False
    # codelist id -> the codes it selects (a selection names at most one codelist per variable)
    codelists: tuple[tuple[str, tuple[str, ...]], ...] = ()

    def codelist(self, name: str) -> tuple[str, ...] | None:
        return next((codes for list_id, codes in self.codelists if list_id == name), None)


@dataclass(frozen=True)
class Table:
    id: str
    label: str
    variables: tuple[Variable, ...]
    # which value function answers the table's cells (population, outcomes or matching)
    kind: str = "population"
    updated: str = "2026-02-20T07:00:00Z"

    def variable(self, code: str) -> Variable | None:
        return next((v for v in self.variables if v.code == code), None)


def _regions() -> tuple[tuple[str, ...], tuple[str, ...]]:
    ref = reference()
    codes = ["00", *sorted(ref.counties), *(m.code for m in ref.municipalities)]
    texts = ["Riket", *(ref.counties[c] for c in sorted(ref.counties)), *(m.name for m in ref.municipalities)]
    return tuple(codes), tuple(texts)


_AGES = tuple([str(a) for a in range(100)] + ["100+"])
_CIVIL = (("OG", "ogifta"), ("G", "gifta"), ("ÄNKL", "änkor/änklingar"), ("SK", "skilda"))


def last_published_year(today) -> int:
    """Population on 31 December of a year is published in February of the next: from March on here."""
    return today.year - 1 if today.month >= 3 else today.year - 2


@functools.cache
def tables(last_year: int) -> dict[str, Table]:
    regions, region_texts = _regions()
    years = tuple(str(y) for y in range(1968, last_year + 1))
    population_table = Table(
        "TAB638",
        "Folkmängden efter region, civilstånd, ålder och kön. År 1968-" + str(last_year),
        (
            Variable(
                "Region",
                "region",
                regions,
                region_texts,
                codelists=((REGION_CODELIST, tuple(c for c in regions if len(c) == 4)),),
            ),
            Variable("Civilstand", "civilstånd", tuple(c for c, _ in _CIVIL), tuple(t for _, t in _CIVIL), True),
            Variable("Alder", "ålder", _AGES, tuple(f"{a} år" for a in _AGES), True),
            Variable("Kon", "kön", ("1", "2"), ("män", "kvinnor"), True),
            Variable("ContentsCode", "tabellinnehåll", ("BE0101N1", "BE0101N2"), ("Folkmängd", "Folkökning")),
            Variable("Tid", "år", years, years, time=True),
        ),
    )
    from vagled.feedsim.scb_transitions import transition_tables

    return {t.id: t for t in (population_table, *transition_tables(Variable, Table))}


# -- values ----------------------------------------------------------------------------------------
@functools.cache
def _age_shares() -> tuple[float, ...]:
    weights = [1.0 if a < 65 else 0.955 ** (a - 64) for a in range(101)]
    total = sum(weights)
    return tuple(w / total for w in weights)


def _civil_share(civil: str, age: int) -> float:
    table = (
        (18, (1.0, 0.0, 0.0, 0.0)),
        (30, (0.9, 0.09, 0.0, 0.01)),
        (50, (0.45, 0.45, 0.01, 0.09)),
        (70, (0.25, 0.52, 0.06, 0.17)),
        (200, (0.10, 0.45, 0.30, 0.15)),
    )
    shares = next(s for limit, s in table if age < limit)
    return shares[[c for c, _ in _CIVIL].index(civil)]


def _region_population(code: str, year: int) -> int | None:
    ref = reference()
    if code == "00":
        return sum(population(m.code, year) for m in ref.municipalities)
    if len(code) == 2:
        return sum(population(m.code, year) for m in ref.municipalities_in(code))
    if code == "0330" and year < 2003:
        return None  # Knivsta was part of Uppsala until 2003
    return population(code, year)


def _population_value(seed: int, cell: dict[str, str], content: str) -> str:
    year = int(cell["Tid"])
    total = _region_population(cell["Region"], year)
    if total is None:
        return ".."
    if content == "BE0101N2":
        before = _region_population(cell["Region"], year - 1)
        if before is None:
            return ".."
        total = total - before + round((unit(seed, "scb-growth", cell["Region"], year) - 0.5) * total * 0.004)
    share = 1.0
    ages = [int(cell["Alder"].rstrip("+"))] if "Alder" in cell else None
    if ages:
        share *= _age_shares()[ages[0]]
    if "Kon" in cell:
        male = 0.505 if not ages or ages[0] < 60 else max(0.35, 0.505 - (ages[0] - 60) * 0.005)
        share *= male if cell["Kon"] == "1" else 1 - male
    if "Civilstand" in cell:
        if ages:
            share *= _civil_share(cell["Civilstand"], ages[0])
        else:  # marginal over ages
            share *= sum(_age_shares()[a] * _civil_share(cell["Civilstand"], a) for a in range(101))
    return str(round(total * share))


# -- rate limit ------------------------------------------------------------------------------------
class RateLimiter:
    """Sliding window of calls per client IP (monotonic clock: the limit is about real time)."""

    def __init__(self, limit: int, window: float) -> None:
        self.limit, self.window = limit, window
        self._calls: dict[str, collections.deque[float]] = collections.defaultdict(collections.deque)
        self._lock = threading.Lock()

    def allow(self, client: str) -> bool:
        now = time.monotonic()
        with self._lock:
            calls = self._calls[client]
            while calls and calls[0] <= now - self.window:
                calls.popleft()
            if len(calls) >= self.limit:
                return False
            calls.append(now)
            return True


def _limiter(req: Request) -> RateLimiter:
    limiter = req.state.get("scb_limiter")
    if limiter is None:
        limit, window = req.state.get("scb_rate", (30, 10.0))
        limiter = req.state.setdefault("scb_limiter", RateLimiter(limit, window))
    return limiter


# -- answers --------------------------------------------------------------------------------------
def _problem(status: int, title: str, detail: str | None = None) -> Response:
    body: dict[str, Any] = {"type": "about:blank", "title": title, "status": status}
    if detail:
        body["detail"] = detail
    return Response(status=status, content_type=PROBLEM, body=dumps(body))


class Problem(Exception):
    def __init__(self, status: int, title: str, detail: str | None = None) -> None:
        super().__init__(title)
        self.response = _problem(status, title, detail)


def _dimension(variable: Variable, codes: list[str], name: str | None = None) -> dict[str, Any]:
    labels = dict(zip(variable.values, variable.labels, strict=True))
    return {
        "label": variable.label,
        "category": {"index": {c: i for i, c in enumerate(codes)}, "label": {c: labels.get(c, c) for c in codes}},
        "extension": {"elimination": variable.elimination, **({"show": "code"} if name else {})},
    }


def _metadata(table: Table) -> Response:
    body = {
        "version": "2.0",
        "class": "dataset",
        "label": table.label,
        "source": "SCB",
        "updated": table.updated,
        "id": [v.code for v in table.variables],
        "size": [len(v.values) for v in table.variables],
        "dimension": {v.code: _dimension(v, list(v.values)) for v in table.variables},
        "role": {"time": ["Tid"], "metric": ["ContentsCode"], "geo": ["Region"]},
        "extension": {
            "px": {"tableid": table.id, "language": "sv"},
            # the codelists a selection may name per variable (PxWebApi 2.0 lists them per variable)
            "codelists": {v.code: [c for c, _ in v.codelists] for v in table.variables if v.codelists},
        },
    }
    return Response(content_type="application/json; charset=utf-8", body=dumps(body))


def _table_info(table: Table) -> dict[str, Any]:
    time_values = table.variable("Tid").values  # type: ignore[union-attr]
    return {
        "type": "Table",
        "id": table.id,
        "label": table.label,
        "updated": "2026-02-20T07:00:00Z",
        "firstPeriod": time_values[0],
        "lastPeriod": time_values[-1],
        "variableNames": [v.label for v in table.variables],
        "links": [],
    }


def _selected(variable: Variable, item: dict[str, Any]) -> list[str]:
    codes = [str(v) for v in item.get("valueCodes") or []]
    codelist = item.get("codelist")
    listed = variable.codelist(str(codelist)) if codelist else None
    if codelist and listed is None:
        raise Problem(400, "Bad Request", f"codelist {codelist!r} is not available for {variable.code}")
    allowed = list(listed) if listed is not None else list(variable.values)
    if codes == ["*"]:
        return allowed
    if not codes:
        raise Problem(400, "Bad Request", f"no values selected for {variable.code}")
    unknown = [c for c in codes if c not in set(allowed)]
    if unknown:
        raise Problem(400, "Bad Request", f"unknown value(s) for {variable.code}: {', '.join(unknown[:10])}")
    return codes


def _data(req: Request, table: Table) -> Response:
    import json

    if req.q("outputFormat", "px") != "json-stat2":
        raise Problem(400, "Bad Request", "feedsim serves outputFormat=json-stat2 only")
    if req.method != "POST":
        raise Problem(400, "Bad Request", "feedsim serves data queries as POST with a selection body")
    try:
        query = json.loads(req.body or b"{}")
    except ValueError as exc:
        raise Problem(400, "Bad Request", "the body is not JSON") from exc
    chosen: dict[str, list[str]] = {}
    for item in query.get("selection") or []:
        variable = table.variable(str(item.get("variableCode")))
        if variable is None:
            raise Problem(400, "Bad Request", f"no variable {item.get('variableCode')!r} in {table.id}")
        chosen[variable.code] = _selected(variable, item)
    for variable in table.variables:
        if variable.code not in chosen and not variable.elimination:
            raise Problem(400, "Bad Request", f"variable {variable.code} cannot be eliminated: select values for it")
    cells = 1
    for values in chosen.values():
        cells *= len(values)
    # cell_limit: a server whose limit dropped below what /config still announces
    limit = CELL_LIMIT_FAULT if cells > CELL_LIMIT_FAULT and req.fault("cell_limit") else MAX_CELLS
    if cells > limit:
        raise Problem(403, "Forbidden", f"the query selects {cells} cells, more than the {limit} allowed per call")
    dims = [v for v in table.variables if v.code in chosen]
    drift = req.fault("schema_drift")
    seed = req.sim.seed
    values: list[Any] = []
    status: dict[str, str] = {}
    bad, neg, missing = Picker(req, "bad_codes"), Picker(req, "negative_counts"), Picker(req, "missing_fields")
    if req.fault("empty_page"):
        chosen["Region"] = []  # a well-formed dataset without a cell
    region_codes = list(chosen.get("Region", []))
    for combo in itertools.product(*(chosen[v.code] for v in dims)):
        cell = dict(zip((v.code for v in dims), combo, strict=True))
        if table.kind == "population":
            raw = _population_value(seed, cell, cell["ContentsCode"])
            value: int | float | None = None if raw == ".." else int(raw)
        else:
            from vagled.feedsim.scb_transitions import cell_value

            value, mark = cell_value(seed, table.id, table.kind, cell)
            raw = mark or ""
        if value is None:
            status[str(len(values))] = raw if raw in ("..", ".", ":") else ".."
        elif missing(combo):
            value = None  # no value and no status: the answer is broken for this cell
        elif neg(combo):
            value = -abs(value) - 1
        values.append(value)
    if region_codes and bad(tuple(region_codes)):
        region_codes[0] = "9999"
    dimension = {}
    for v in dims:
        codes = region_codes if v.code == "Region" else chosen[v.code]
        dimension["Kommun" if drift and v.code == "Region" else v.code] = _dimension(v, codes)
    ids = [("Kommun" if drift and v.code == "Region" else v.code) for v in dims]
    body = {
        "version": "2.0",
        "class": "dataset",
        "label": table.label,
        "source": "SCB",
        "updated": "2026-02-20T07:00:00Z",
        "id": ids,
        "size": [len(chosen[v.code]) for v in dims],
        "dimension": dimension,
        "value": values,
        "role": {"time": ["Tid"], "metric": ["ContentsCode"]},
        "extension": {"px": {"tableid": table.id, "language": "sv"}},
    }
    if status:
        body["status"] = status
    return Response(content_type="application/json; charset=utf-8", body=dumps(body))


CONFIG = {
    "apiVersion": "2.0.0",
    "appVersion": "2.0.0",
    "languages": [{"id": "sv", "label": "Svenska"}, {"id": "en", "label": "English"}],
    "defaultLanguage": "sv",
    "maxDataCells": MAX_CELLS,
    "maxCallsPerTimeWindow": 30,
    "timeWindow": 10,
    "license": "https://creativecommons.org/publicdomain/zero/1.0/",
    "sourceReferences": [{"language": "sv", "text": "Källa: SCB"}],
    "defaultDataFormat": "px",
    "dataFormats": ["px", "json-stat2", "csv", "xlsx", "json-px", "html"],
}


def handle(req: Request) -> Response:
    """Route an scb_pxweb request, enforcing SCB's call limit first."""
    limiter = _limiter(req)
    if not limiter.allow(req.client_ip):
        return _problem(429, "Too Many Requests", f"more than {limiter.limit} calls in {limiter.window:g} s")
    path = req.path.rstrip("/")
    if not path.startswith(API_ROOT + "/"):
        raise HttpError(404, f"no such path: {req.path} (PxWebApi 2.0 is under {API_ROOT}/)")
    parts = path[len(API_ROOT) + 1 :].split("/")
    known = tables(last_published_year(req.sim.today))
    try:
        if parts == ["config"]:
            config = {**CONFIG, "maxCallsPerTimeWindow": limiter.limit, "timeWindow": limiter.window}
            return Response(content_type="application/json; charset=utf-8", body=dumps(config))
        if parts == ["tables"]:
            words = (req.q("query") or "").casefold().split()
            found = [_table_info(t) for t in known.values() if all(w in f"{t.id} {t.label}".casefold() for w in words)]
            return Response(
                body=dumps(
                    {
                        "language": "sv",
                        "tables": found,
                        "page": {"pageNumber": 1, "pageSize": 20, "totalElements": len(found), "totalPages": 1},
                    }
                )
            )
        if parts[0] == "tables" and len(parts) >= 2:
            table = known.get(parts[1])
            if table is None:
                raise Problem(404, "Not Found", f"no table {parts[1]!r}")
            if len(parts) == 2:
                return Response(body=dumps(_table_info(table)))
            if parts[2:] == ["metadata"]:
                return _metadata(table)
            if parts[2:] == ["data"]:
                return _data(req, table)
        raise Problem(404, "Not Found", f"no such resource: {req.path}")
    except Problem as problem:
        return problem.response
