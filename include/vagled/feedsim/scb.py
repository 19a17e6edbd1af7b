"""SCB PxWebApi v1 (``scb_pxweb``): POST a JSON query to a table, GET its variables.

Tables: ``BE/BE0101/BE0101A/BefolkningNy`` (population by region, marital status, age, sex, year;
contents BE0101N1 Folkmängd, BE0101N2 Folkökning) and ``AM/AM0210/AM0210A/ArbStatusM`` (monthly
employment by region, sex, age; feedsim's own content codes). Limits as SCB states them: more
than 30 calls in 10 seconds from one client IP -> 429; a query of more than 150 000 cells -> 403.
Values are strings, ".." where SCB has no figure (Knivsta before it was formed in 2003).
"""

from __future__ import annotations

import collections
import functools
import itertools
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from vagled.feedsim.common import HttpError, Picker, Request, Response, dumps, population, reference, unit

API_ROOT = "/OV0104/v1/doris/sv/ssd"
MAX_CELLS = 150_000


@dataclass(frozen=True)
class Variable:
    code: str
    text: str
    values: tuple[str, ...]
    texts: tuple[str, ...]
    elimination: bool = False
    time: bool = False


@dataclass(frozen=True)
class Table:
    path: str
    title: str
    infofile: str
    variables: tuple[Variable, ...]
    units: dict[str, str] = field(default_factory=dict)

    def variable(self, code: str) -> Variable | None:
        return next((v for v in self.variables if v.code == code), None)


def _regions() -> tuple[tuple[str, ...], tuple[str, ...]]:
    ref = reference()
    codes = ["00", *sorted(ref.counties), *(m.code for m in ref.municipalities)]
    texts = ["Riket", *(ref.counties[c] for c in sorted(ref.counties)), *(m.name for m in ref.municipalities)]
    return tuple(codes), tuple(texts)


_AGES = tuple([str(a) for a in range(100)] + ["100+"])
_CIVIL = (("OG", "ogifta"), ("G", "gifta"), ("ÄNKL", "änkor/änklingar"), ("SK", "skilda"))
_AGE_BANDS = ("15-19", "20-24", "25-34", "35-44", "45-54", "55-64", "65-74")


@functools.cache
def tables(last_year: int, last_month: str) -> dict[str, Table]:
    regions, region_texts = _regions()
    years = tuple(str(y) for y in range(1968, last_year + 1))
    months = []
    year, month = 2020, 1
    while f"{year}M{month:02d}" <= last_month:
        months.append(f"{year}M{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    population_table = Table(
        "BE/BE0101/BE0101A/BefolkningNy",
        "Folkmängden efter region, civilstånd, ålder, kön, tabellinnehåll och år",
        "BE0101",
        (
            Variable("Region", "region", regions, region_texts),
            Variable("Civilstand", "civilstånd", tuple(c for c, _ in _CIVIL), tuple(t for _, t in _CIVIL), True),
            Variable("Alder", "ålder", _AGES, tuple(f"{a} år" for a in _AGES), True),
            Variable("Kon", "kön", ("1", "2"), ("män", "kvinnor"), True),
            Variable("ContentsCode", "tabellinnehåll", ("BE0101N1", "BE0101N2"), ("Folkmängd", "Folkökning")),
            Variable("Tid", "år", years, years, time=True),
        ),
        {"BE0101N1": "antal", "BE0101N2": "antal"},
    )
    employment_table = Table(
        "AM/AM0210/AM0210A/ArbStatusM",
        "Befolkningen 15-74 år efter region, kön, ålder, tabellinnehåll och månad",
        "AM0210",
        (
            Variable("Region", "region", regions, region_texts),
            Variable("Kon", "kön", ("1", "2"), ("män", "kvinnor"), True),
            Variable("Alder", "ålder", _AGE_BANDS, tuple(f"{a} år" for a in _AGE_BANDS), True),
            Variable(
                "ContentsCode",
                "tabellinnehåll",
                ("AM0210A1", "AM0210A2"),
                ("Sysselsatta, antal", "Sysselsättningsgrad, procent"),
            ),
            Variable("Tid", "månad", tuple(months), tuple(months), time=True),
        ),
        {"AM0210A1": "antal", "AM0210A2": "procent"},
    )
    return {t.path: t for t in (population_table, employment_table)}


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


def _employment_value(seed: int, cell: dict[str, str], content: str) -> str:
    year, month = int(cell["Tid"][:4]), int(cell["Tid"][5:])
    total = _region_population(cell["Region"], year)
    if total is None:
        return ".."
    band_share = {
        "15-19": 0.085,
        "20-24": 0.085,
        "25-34": 0.18,
        "35-44": 0.17,
        "45-54": 0.175,
        "55-64": 0.16,
        "65-74": 0.145,
    }
    band_rate = {"15-19": 0.3, "20-24": 0.62, "25-34": 0.82, "35-44": 0.87, "45-54": 0.87, "55-64": 0.78, "65-74": 0.17}
    bands = [cell["Alder"]] if "Alder" in cell else list(band_share)
    season = 1.0 + (0.03 if month in (6, 7, 8) else 0.0) - (0.01 if month in (1, 2) else 0.0)
    level = 0.96 + unit(seed, "scb-emp", cell["Region"]) * 0.08
    base = sum(total * 0.73 * band_share[b] for b in bands)
    employed = sum(total * 0.73 * band_share[b] * band_rate[b] for b in bands) * season * level
    if "Kon" in cell:
        factor = 0.52 if cell["Kon"] == "1" else 0.48
        employed, base = employed * factor, base * (0.51 if cell["Kon"] == "1" else 0.49)
    if content == "AM0210A1":
        return str(round(employed))
    return f"{min(99.9, employed / base * 100):.1f}"


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


# -- query -----------------------------------------------------------------------------------------
def _selected(variable: Variable, selection: dict[str, Any]) -> list[str]:
    kind = selection.get("filter", "item")
    values = [str(v) for v in selection.get("values", [])]
    if kind == "all":
        patterns = values or ["*"]
        out = []
        for pattern in patterns:
            prefix = pattern.rstrip("*")
            out.extend(v for v in variable.values if v.startswith(prefix) and v not in out)
        return out
    if kind == "top":
        count = int(values[0]) if values and values[0].isdigit() else 1
        return list(variable.values[-count:]) if variable.time else list(variable.values[:count])
    if kind not in ("item", "vs:RegionKommun07"):
        raise HttpError(400, f"filter {kind!r} is not supported for {variable.code}")
    if kind == "vs:RegionKommun07":
        if variable.code != "Region":
            raise HttpError(400, "vs:RegionKommun07 applies to Region only")
        allowed = {v for v in variable.values if len(v) == 4}
    else:
        allowed = set(variable.values)
    unknown = [v for v in values if v not in allowed]
    if unknown:
        raise HttpError(400, f"unknown value(s) for {variable.code}: {', '.join(unknown[:10])}")
    if not values:
        raise HttpError(400, f"no values selected for {variable.code}")
    return values


def _post(req: Request, table: Table) -> Response:
    import json

    try:
        query = json.loads(req.body or b"{}")
    except ValueError as exc:
        raise HttpError(400, "the body is not JSON") from exc
    fmt = ((query.get("response") or {}).get("format") or "px").lower()
    if fmt != "json":
        raise HttpError(400, f"response format {fmt!r} is not served by feedsim (use json)")
    chosen: dict[str, list[str]] = {}
    for item in query.get("query") or []:
        variable = table.variable(str(item.get("code")))
        if variable is None:
            raise HttpError(400, f"no variable {item.get('code')!r} in {table.path}")
        chosen[variable.code] = _selected(variable, item.get("selection") or {})
    for variable in table.variables:
        if variable.code not in chosen and not variable.elimination:
            raise HttpError(400, f"variable {variable.code} cannot be eliminated: select values for it")
    cells = 1
    for values in chosen.values():
        cells *= len(values)
    if cells > MAX_CELLS:
        raise HttpError(
            403,
            f"Forbidden: the query selects {cells} cells, more than the {MAX_CELLS} allowed "
            "in one call; split it into smaller queries",
            "text/plain; charset=utf-8",
        )
    dims = [v for v in table.variables if v.code in chosen and v.code != "ContentsCode"]
    contents = chosen["ContentsCode"]
    content_var = table.variable("ContentsCode")
    assert content_var is not None
    drift = req.fault("schema_drift")
    columns = [
        {"code": ("Period" if drift and v.time else v.code), "text": v.text, "type": "t" if v.time else "d"}
        for v in dims
    ]
    for code in contents:
        columns.append(
            {
                "code": code,
                "text": content_var.texts[content_var.values.index(code)],
                "type": "c",
                "unit": table.units.get(code, "antal"),
            }
        )
    value_of = _population_value if table.infofile == "BE0101" else _employment_value
    seed = req.sim.seed
    data = []
    if not req.fault("empty_page"):
        dup, bad, neg = Picker(req, "duplicates"), Picker(req, "bad_codes"), Picker(req, "negative_counts")
        missing = Picker(req, "missing_fields")
        for combo in itertools.product(*(chosen[v.code] for v in dims)):
            cell = dict(zip((v.code for v in dims), combo, strict=True))
            row: dict[str, Any] = {"key": list(combo), "values": [value_of(seed, cell, c) for c in contents]}
            key = tuple(combo)
            if "Region" in cell and bad(key):
                row["key"][0] = "9999"
            if neg(key):
                row["values"] = [f"-{v}" if v not in ("..", "0") else v for v in row["values"]]
            if missing(key):
                row["values"] = row["values"][:-1]
            data.append(row)
            if dup(key):
                data.append(row)
    body = {
        "columns": columns,
        "comments": [],
        "data": data,
        "metadata": [
            {
                "infofile": table.infofile,
                "updated": "2026-02-20T08:00:00",
                "label": table.title,
                "source": "Statistiska centralbyrån, SCB",
            }
        ],
    }
    return Response(content_type="application/json; charset=utf-8", body=dumps(body))


def _meta(table: Table) -> Response:
    variables = []
    for v in table.variables:
        item: dict[str, Any] = {"code": v.code, "text": v.text, "values": list(v.values), "valueTexts": list(v.texts)}
        if v.elimination:
            item["elimination"] = True
        if v.time:
            item["time"] = True
        variables.append(item)
    return Response(
        content_type="application/json; charset=utf-8", body=dumps({"title": table.title, "variables": variables})
    )


def handle(req: Request) -> Response:
    """Route an scb_pxweb request, enforcing SCB's call limit first."""
    limiter = _limiter(req)
    if not limiter.allow(req.client_ip):
        return Response(
            status=429,
            content_type="text/plain; charset=utf-8",
            body=f"429 Too Many Requests: more than {limiter.limit} calls in {limiter.window:g} s".encode(),
        )
    path = req.path.rstrip("/")
    if not path.startswith(API_ROOT):
        raise HttpError(404, f"no such path: {req.path} (tables are under {API_ROOT}/)")
    sub = path[len(API_ROOT) :].strip("/")
    today = req.sim.today
    last_month_year, last_month = (
        (today.year, today.month - 2) if today.month > 2 else (today.year - 1, today.month + 10)
    )
    known = tables(today.year - 1, f"{last_month_year}M{last_month:02d}")
    if sub in known:
        table = known[sub]
        return _post(req, table) if req.method == "POST" else _meta(table)
    # Navigation levels: list the children of a folder.
    children: dict[str, tuple[str, str]] = {}
    for table_path, table in known.items():
        if sub == "" or table_path.startswith(sub + "/"):
            rest = table_path[len(sub) :].strip("/").split("/")
            kind = "t" if len(rest) == 1 else "l"
            children.setdefault(rest[0], (kind, table.title if kind == "t" else rest[0]))
    if not children:
        raise HttpError(404, f"no table or folder {sub!r}")
    return Response(body=dumps([{"id": k, "type": t, "text": text} for k, (t, text) in sorted(children.items())]))
