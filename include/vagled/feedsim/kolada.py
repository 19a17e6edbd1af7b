"""Kolada API v3 (``kolada``): key figures per municipality and year, with Kolada's paging.

``GET /v3/data/kpi/{kpi[,kpi]}/municipality/{id[,id]}[/year/{year[,year]}]?per_page=&page=`` ->
``{"count": <values on this page>, "values": [{"kpi", "municipality", "period", "values": [{"count",
"gender", "status", "value", "isdeleted"}]}], "next_url": url, "previous_url": url}`` with
``next_url`` only while another page follows (``previous_url`` from page 2). At most 25 ids and 25
years per request (more: 400). Municipalities are 4-digit codes (type K), counties 00 + county
code (type L). Metadata: ``/v3/kpi``, ``/v3/kpi/{id}``, ``/v3/municipality[/{id}]``. Every ``/v2/``
path answers 410 Gone, as Kolada's retired v2 does.

Quirks served: a null value comes with a status; a few values are flagged ``isdeleted`` (withdrawn
by Kolada: their number is stale). Fault ``missing_next_page``: the page ``next_url`` names is 404;
``v2_path``: the answer is paged as the retired v2 did (``next_page``, links to ``/v2/``).
"""

from __future__ import annotations

from typing import Any

from vagled.feedsim.common import HttpError, Picker, Request, Response, dumps, population, reference, rng, unit

MAX_PER_PAGE = 5000
MAX_IDS = 25
FIRST_YEAR = 2010

# id -> metadata. N00914, N01982 and N01951 and their titles are real (public listings of Kolada's
# metadata, docs/upstreams/kolada.md); N17457's meaning is confirmed by two public clients; the
# Komvux and establishment-programme ids are not verified and flagged so in the configuration.
KPIS: dict[str, dict[str, Any]] = {
    "N00914": {
        "title": "Förvärvsarbetande invånare 20-64 år, andel (%)",
        "description": "Antal förvärvsarbetande i åldern 20-64 år dividerat med antal invånare i åldern 20-64 år "
        "den 31/12. Källa: SCB:s registerbaserade arbetsmarknadsstatistik (RAMS).",
        "operating_area": "Arbetsmarknad",
        "auspices": "X",
        "kind": "share",
        "range": (72.0, 86.0),
    },
    "N01982": {
        "title": "Invånare 25-64 år med eftergymnasial utbildning, andel (%)",
        "description": "Invånare med eftergymnasial utbildning 25-64 år, andel (%). Källa: SCB.",
        "operating_area": "Utbildning",
        "auspices": "X",
        "kind": "share",
        "range": (26.0, 64.0),
    },
    "N17457": {
        "title": "Gymnasieelever med examen eller studiebevis inom 4 år, hemkommun, andel (%)",
        "description": "Andel gymnasieelever folkbokförda i kommunen som fått examen eller studiebevis inom "
        "fyra år. Källa: Skolverket.",
        "operating_area": "Gymnasieskola",
        "auspices": "X",
        "kind": "share",
        "range": (58.0, 84.0),
    },
    "N18404": {
        "title": "Elever i kommunal vuxenutbildning (komvux), antal",
        "description": "Antal elever i kommunal vuxenutbildning under året, folkbokförda i kommunen. "
        "Källa: Skolverket. (feedsim: id not verified against Kolada)",
        "operating_area": "Vuxenutbildning",
        "auspices": "X",
        "kind": "count",
        "per_capita": 0.028,
    },
    "N00996": {
        "title": "Nyanlända i etableringsprogrammet, antal",
        "description": "Antal nyanlända som deltar i Arbetsförmedlingens etableringsprogram, folkbokförda i "
        "kommunen. Källa: Arbetsförmedlingen. (feedsim: id not verified against Kolada)",
        "operating_area": "Integration",
        "auspices": "X",
        "kind": "count",
        "per_capita": 0.0025,
    },
    "N01951": {
        "title": "Invånare totalt, antal",
        "description": "Antal invånare totalt den 31/12. Källa: SCB.",
        "operating_area": "Befolkning",
        "auspices": "X",
        "kind": "population",
    },
}


# The transition and long-term-unemployment indicators (education_transitions DAG). Titles as the
# public clients describe them (docs/upstreams/kolada.md); N17524, N03926 and N31807 are each
# reported by one client only.
KPIS.update(
    {
        "N03923": {
            "title": "Långtidsarbetslösa 15-74 år, andel av arbetslösa (%)",
            "description": "Antal invånare 15-74 år som varit öppet arbetslösa eller i program med aktivitetsstöd "
            "i minst sex månader, dividerat med antal arbetslösa 15-74 år. Källa: Arbetsförmedlingen och SCB.",
            "operating_area": "Arbetsmarknad",
            "auspices": "X",
            "kind": "share",
            "range": (22.0, 48.0),
        },
        "N66080": {
            "title": "Invånare med låg ekonomisk standard, andel (%)",
            "description": "Andel invånare som lever i hushåll med låg ekonomisk standard. Källa: SCB.",
            "operating_area": "Ekonomisk standard",
            "auspices": "X",
            "kind": "share",
            "range": (8.0, 22.0),
        },
        "N03937": {
            "title": "Arbetslöshet 16-64 år (Arbetsförmedlingen), andel (%) av befolkningen",
            "description": "Öppet arbetslösa och sökande i program med aktivitetsstöd 16-64 år, årsmedelvärde, "
            "dividerat med befolkningen 16-64 år. Källa: Arbetsförmedlingen och SCB.",
            "operating_area": "Arbetsmarknad",
            "auspices": "X",
            "kind": "share",
            "range": (3.0, 10.0),
        },
        "N17524": {
            "title": "Gymnasieelever som är etablerade eller studerar ett år efter avslutad gymnasieutbildning, "
            "andel (%)",
            "description": "Källa: Skolverket och SCB.",
            "operating_area": "Gymnasieskola",
            "auspices": "X",
            "kind": "share",
            "range": (72.0, 90.0),
        },
        "N03926": {
            "title": "Långtidsarbetslösa 25-64 år, andel (%) av befolkningen",
            "description": "Antal invånare 25-64 år som varit öppet arbetslösa eller i program med aktivitetsstöd "
            "i minst sex månader, dividerat med antal invånare 25-64 år. Källa: Arbetsförmedlingen och SCB.",
            "operating_area": "Arbetsmarknad",
            "auspices": "X",
            "kind": "share",
            "range": (1.0, 6.0),
        },
        "N31807": {
            "title": "Invånare som någon gång under året erhållit ekonomiskt bistånd, andel (%)",
            "description": "Källa: Socialstyrelsen och SCB.",
            "operating_area": "Individ- och familjeomsorg",
            "auspices": "X",
            "kind": "share",
            "range": (1.0, 7.0),
        },
    }
)


def _kpi_meta(kpi_id: str) -> dict[str, Any]:
    meta = KPIS[kpi_id]
    return {
        "id": kpi_id,
        "title": meta["title"],
        "description": meta["description"],
        "operating_area": meta["operating_area"],
        "auspices": meta["auspices"],
        "perspective": "Resultat",
        "is_divided_by_gender": True,
        "has_ou_data": False,
        "municipality_type": "K",
        "prel_publication_date": None,
        "publication_date": "2026-04-14",
        "ou_publication_date": None,
    }


def entities() -> list[dict[str, str]]:
    """Kolada's municipalities (K) and counties (L, id 00 + county code)."""
    ref = reference()
    out = [{"id": m.code, "title": m.name, "type": "K"} for m in ref.municipalities]
    out += [{"id": f"00{code}", "title": name, "type": "L"} for code, name in sorted(ref.counties.items())]
    return out


def _municipal_value(seed: int, kpi_id: str, code: str, year: int) -> dict[str, float]:
    """Values T/K/M for a municipality (unrounded)."""
    meta = KPIS[kpi_id]
    pop = population(code, year)
    r = rng(seed, "kolada", kpi_id, code, year)
    if meta["kind"] == "population":
        women = pop * r.uniform(0.49, 0.505)
        return {"T": float(pop), "K": float(round(women)), "M": float(pop - round(women))}
    if meta["kind"] == "count":
        total = (
            pop * meta["per_capita"] * (0.7 + unit(seed, "kolada-level", kpi_id, code) * 0.6) * r.uniform(0.93, 1.07)
        )
        women = total * r.uniform(0.5, 0.66)
        return {"T": float(round(total)), "K": float(round(women)), "M": float(round(total) - round(women))}
    lo, hi = meta["range"]
    level = lo + (hi - lo) * unit(seed, "kolada-level", kpi_id, code)
    if kpi_id == "N01982" and pop > 100_000:
        level = min(hi, level + 10)  # university towns
    trend = 0.25 * (year - 2018) if kpi_id != "N17457" else 0.0
    noise = r.uniform(-1.5, 1.5) if pop > 15_000 else r.uniform(-5, 5)
    total = min(99.0, max(1.0, level + trend + noise))
    gap = r.uniform(-4, 4)
    return {"T": total, "K": min(99.9, total + gap / 2), "M": max(0.1, total - gap / 2)}


def entry(seed: int, kpi_id: str, entity: str, year: int, last_year: int) -> dict[str, Any] | None:
    """One Kolada value object, or None when Kolada has nothing for it (the year is not published)."""
    ref = reference()
    if year < FIRST_YEAR or year > last_year:
        return None
    kind = KPIS[kpi_id]["kind"]
    if entity.startswith("00"):
        members = ref.municipalities_in(entity[2:])
        if not members:
            return None
        parts = [(_municipal_value(seed, kpi_id, m.code, year), population(m.code, year)) for m in members]
        if kind == "share":  # population-weighted mean
            weight = sum(p for _, p in parts)
            raw = {g: sum(v[g] * p for v, p in parts) / weight for g in "TKM"}
        else:
            raw = {g: sum(v[g] for v, _ in parts) for g in "TKM"}
        small = False
    else:
        raw = _municipal_value(seed, kpi_id, entity, year)
        small = population(entity, year) < 10_000
    values = []
    # inhabitants (SCB's population count) are always published; other KPIs miss a few values
    missing_all = kind != "population" and unit(seed, "kolada-missing", kpi_id, entity, year) < 0.02
    for gender in ("T", "K", "M"):
        value: float | int | None = round(raw[gender], 1) if kind == "share" else int(raw[gender])
        status = ""
        if missing_all:
            value, status = None, "Saknas"
        elif kpi_id == "N17457" and small and gender != "T" and unit(seed, "kolada-conf", entity, year, gender) < 0.3:
            value, status = None, "Sekretess"  # too few pupils: the per-gender figure is withheld
        deleted = (
            kind != "population"
            and value is not None
            and unit(seed, "kolada-deleted", kpi_id, entity, year, gender) < 0.01
        )
        values.append({"count": 1, "gender": gender, "status": status, "value": value, "isdeleted": deleted})
    return {"kpi": kpi_id, "municipality": entity, "period": year, "values": values}


def _data(req: Request, kpis: list[str], munis: list[str], years: list[int]) -> Response:
    for name, ids in (("kpi", kpis), ("municipality", munis), ("year", years)):
        if len(ids) > MAX_IDS:
            raise HttpError(400, f"at most {MAX_IDS} {name} ids per request, got {len(ids)}")
    unknown = [k for k in kpis if k not in KPIS]
    if unknown:
        raise HttpError(404, f"unknown kpi id(s): {', '.join(unknown)}")
    known = {e["id"] for e in entities()}
    bad_ids = [m for m in munis if m not in known]
    if bad_ids:
        raise HttpError(404, f"unknown municipality id(s): {', '.join(bad_ids)}")
    per_page = min(req.qint("per_page", MAX_PER_PAGE, lo=1), MAX_PER_PAGE)
    page = req.qint("page", 1, lo=1)
    seed = req.sim.seed
    last_year = req.sim.today.year - 1  # a year's figures are out in the following year
    combos = [(k, m, y) for k in kpis for m in munis for y in years]
    # Only combinations with data count; they are cheap to test, so paging stays exact.
    selected = []
    for k, m, y in combos:
        if FIRST_YEAR <= y <= last_year and (not m.startswith("00") or reference().municipalities_in(m[2:])):
            selected.append((k, m, y))
    if page > 1 and (page - 1) * per_page >= len(selected):
        raise HttpError(404, f"page {page} does not exist")
    if page > 1 and req.fault("missing_next_page"):
        raise HttpError(404, f"page {page} is not available")
    window = selected[(page - 1) * per_page : page * per_page]
    values = [e for e in (entry(seed, k, m, y, last_year) for k, m, y in window) if e is not None]
    if req.fault("empty_page"):
        values = []
    dup, bad, neg = Picker(req, "duplicates"), Picker(req, "bad_codes"), Picker(req, "negative_counts")
    missing = Picker(req, "missing_fields")
    drift = req.fault("schema_drift")
    out = []
    for value in values:
        key = (value["kpi"], value["municipality"], value["period"])
        if bad(key):
            value["municipality"] = "9999"
        if neg(key):
            for v in value["values"]:
                if v["value"] is not None:
                    v["value"] = -abs(v["value"]) - 1
        if missing(key):
            value.pop("period")
        if drift:
            value = {("municipality_id" if k == "municipality" else k): v for k, v in value.items()}
        out.append(value)
        if dup(key):
            out.append(value)
    body: dict[str, Any] = {"count": len(out), "values": out}
    base = req.path
    if req.fault("v2_path"):  # answered as the retired v2 did: next_page / previous_page
        if page * per_page < len(selected):
            body["next_page"] = req.url(
                base.replace("/v3/", "/v2/"), [("page", str(page + 1)), ("per_page", str(per_page))]
            )
        return Response(body=dumps(body))
    if page * per_page < len(selected):
        body["next_url"] = req.url(base, [("page", str(page + 1)), ("per_page", str(per_page))])
    if page > 1:
        body["previous_url"] = req.url(base, [("page", str(page - 1)), ("per_page", str(per_page))])
    return Response(body=dumps(body))


def handle(req: Request) -> Response:
    """Route a kolada request."""
    parts = [p for p in req.path.split("/") if p]
    if parts[:1] == ["v2"]:
        raise HttpError(410, "Kolada API v2 is retired: use https://api.kolada.se/v3 (documentation at /v3/docs)")
    if parts[:3] == ["v3", "data", "kpi"] and len(parts) in (6, 8) and parts[4] == "municipality":
        years: list[int] = []
        if len(parts) == 8:
            if parts[6] != "year":
                raise HttpError(404, f"no such Kolada endpoint: {req.path}")
            try:
                years = [int(y) for y in parts[7].split(",") if y]
            except ValueError as exc:
                raise HttpError(400, f"years must be numbers: {parts[7]}") from exc
        else:
            years = list(range(FIRST_YEAR, req.sim.today.year))
        return _data(req, parts[3].split(","), parts[5].split(","), years)
    if parts[:2] == ["v3", "kpi"]:
        if len(parts) == 3:
            ids = [i for i in parts[2].split(",") if i in KPIS]
            values = [_kpi_meta(i) for i in ids]
        else:
            title = (req.q("title") or "").casefold()
            values = [_kpi_meta(i) for i in KPIS if title in KPIS[i]["title"].casefold()]
        return Response(body=dumps({"count": len(values), "values": values}))
    if parts[:2] == ["v3", "municipality"]:
        if len(parts) == 3:
            wanted = set(parts[2].split(","))
            values = [e for e in entities() if e["id"] in wanted]
        else:
            title = (req.q("title") or "").casefold()
            values = [e for e in entities() if title in e["title"].casefold()]
        return Response(body=dumps({"count": len(values), "values": values}))
    raise HttpError(404, f"no such Kolada endpoint: {req.path}")
