"""Arbetsförmedlingen's job-seeker statistics (``af_statistics`` = the agency's web site).

There is no API (shared/feeds section 4). The page
``/statistik/sok-statistik/tidigare-statistik-tidsserier`` links Excel workbooks behind opaque
addresses ``/download/18.<id>/<ms timestamp>/<name>-YYYY-MM.xlsx``; each workbook holds the whole
time series, most of it in pivot caches (``xl/pivotCache/pivotCacheDefinitionN.xml`` with the
fields and shared items, ``pivotCacheRecordsN.xml`` with ``<x v="i"/>`` indexes and ``<n>``/``<s>``
values). Geography is written as names (with a code prefix, " län" or trailing spaces, depending on
the workbook), counts under 5 as ``<5``, residual rows as ``Uppgift saknas``. There are no county
totals. A month is published on the 23rd of the next month; the occupational-area workbook comes
out a few days later, so for a while the page shows it one month behind the others.

Series length: the real workbooks start in 1996 or 2006. At the default test scale (< 1) the
sim's series starts SHORT_SERIES_MONTHS before the newest month so a test stays fast; at scale 1
it starts in FIRST_MONTH. A client must take whatever the workbook holds.

Faults: ``schema_drift`` renames a cache field (INSAL -> ANTAL); ``empty_page`` leaves the page
without a link for the occupational-area workbook; ``wrong_content_type`` (transport) answers a
workbook with an HTML page, i.e. not a ZIP; ``bad_codes`` writes an unknown municipality name in
some records; ``duplicates`` repeats some cache records.
"""

from __future__ import annotations

import functools
import io
import zipfile
from datetime import UTC, date, datetime
from xml.sax.saxutils import escape, quoteattr

from vagled.feedsim.common import HttpError, Picker, Request, Response, population, reference, rng, stable_int, unit

PAGE = "/statistik/sok-statistik/tidigare-statistik-tidsserier"
FIRST_MONTH = (2006, 1)
SHORT_SERIES_MONTHS = 13
RESIDUAL = "Uppgift saknas"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"

# prefix -> day of the following month its newest month is published
PUBLISHED_DAY = {
    "web-sok-lan-kom": 23,
    "web-inskrivna-arbetslosa-tid-utan-arbete-lan-kom": 23,
    "web-inskrivna-arbetslosa-svag-konkurrensformaga": 23,
    "web-arbetslosa-yrkesomrade": 27,
    "web-inskrivna-arbetslosa-andel-av-bas": 23,
}
SEXES = ("Kvinnor", "Män")
AGE_GROUPS = ("16-17 år", "18-24 år", "25-34 år", "35-44 år", "45-54 år", "55-64 år", "65- år")
BIRTH_GROUPS = ("Född i Sverige", "Född utanför Sverige")
EDUCATION_GROUPS = ("Förgymnasial utbildning", "Gymnasial utbildning", "Eftergymnasial utbildning", "Okänd utbildning")
AREAS = (
    "Administration, ekonomi, juridik",
    "Bygg och anläggning",
    "Chefer och verksamhetsledare",
    "Data/IT",
    "Försäljning, inköp, marknadsföring",
    "Hantverk",
    "Hotell, restaurang, storhushåll",
    "Hälso- och sjukvård",
    "Industriell tillverkning",
    "Installation, drift, underhåll",
    "Kropps- och skönhetsvård",
    "Kultur, media, design",
    "Naturbruk",
    "Naturvetenskap",
    "Pedagogik",
    "Sanering och renhållning",
    "Säkerhet och bevakning",
    "Transport, distribution, lager",
    "Yrken med social inriktning",
    "Yrken med teknisk inriktning",
    RESIDUAL,
)
_SHARE_AGE = (0.01, 0.13, 0.24, 0.22, 0.2, 0.18, 0.02)
_SHARE_EDU = (0.24, 0.4, 0.3, 0.06)


# -- the published months ------------------------------------------------------------------------
def _next(year: int, month: int) -> tuple[int, int]:
    return (year + 1, 1) if month == 12 else (year, month + 1)


def newest_month(prefix: str, today: date) -> tuple[int, int]:
    """The newest statistics month of a workbook out by ``today``."""
    year, month = (today.year, today.month)
    # month M is out on PUBLISHED_DAY of M+1
    year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    if today.day < PUBLISHED_DAY[prefix]:
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return year, month


def series(newest: tuple[int, int], scale: float) -> list[tuple[int, int]]:
    if scale >= 1:
        start = FIRST_MONTH
    else:
        index = newest[0] * 12 + newest[1] - 1 - (SHORT_SERIES_MONTHS - 1)
        start = (index // 12, index % 12 + 1)
    out, ym = [], start
    while ym <= newest:
        out.append(ym)
        ym = _next(*ym)
    return out


def link(prefix: str, ym: tuple[int, int]) -> str:
    """The opaque address of a workbook (id and timestamp are stable per prefix and month)."""
    ident = 4_000_000 + stable_int("afs-link", prefix, ym) % 900_000
    pub = date(*_next(*ym), PUBLISHED_DAY[prefix])
    ts = int(datetime(pub.year, pub.month, pub.day, 6, tzinfo=UTC).timestamp() * 1000)
    return f"/download/18.{ident:x}{stable_int('afs-id', prefix) % 1000}/{ts}/{prefix}-{ym[0]:04d}-{ym[1]:02d}.xlsx"


def page(req: Request) -> Response:
    rows = []
    for prefix in PUBLISHED_DAY:
        if prefix == "web-arbetslosa-yrkesomrade" and req.fault("empty_page"):
            continue
        newest = newest_month(prefix, req.sim.today)
        older = (newest[0] - 1, 12) if newest[1] == 1 else (newest[0], newest[1] - 1)
        # the page also lists older files (and in a real page, not newest first)
        for ym in (older, newest):
            rows.append(
                f'<li><a href="{link(prefix, ym)}" class="sv-link">{escape(prefix)}-{ym[0]}-{ym[1]:02d}.xlsx'
                f" (xlsx, {100 + stable_int(prefix, ym) % 900} kB)</a></li>"
            )
    html = (
        '<!DOCTYPE html><html lang="sv"><head><meta charset="utf-8"><title>Tidigare statistik och tidsserier - '
        "Arbetsförmedlingen</title></head><body><main><h1>Tidigare statistik och tidsserier</h1>"
        "<p>Statistiken publiceras omkring den 23:e månaden efter statistikmånaden.</p>"
        f'<ul class="sv-defaultlist">{"".join(rows)}</ul></main></body></html>'
    )
    return Response(content_type="text/html; charset=utf-8", body=html.encode("utf-8"))


# -- the figures -----------------------------------------------------------------------------------
def unemployed(seed: int, code: str, ym: tuple[int, int]) -> int:
    """Registered unemployed in a municipality and month (~3-7 % of the working-age population)."""
    base = population(code, ym[0]) * 0.6 * (0.025 + unit(seed, "afs-rate", code) * 0.045)
    return max(1, round(base * rng(seed, "afs", code, ym).uniform(0.95, 1.05)))


def _split(total: int, shares: tuple[float, ...], r) -> list[int]:
    weights = [s * r.uniform(0.8, 1.2) for s in shares]
    scale = total / sum(weights)
    parts = [int(w * scale) for w in weights]
    parts[0] += total - sum(parts)
    return parts


@functools.cache
def _cells(seed: int, code: str, ym: tuple[int, int]) -> dict[str, dict[tuple[str, str], int]]:
    """Every breakdown of one municipality and month; each dimension sums to the same total."""
    total = unemployed(seed, code, ym)
    r = rng(seed, "afs-cells", code, ym)
    women = round(total * r.uniform(0.42, 0.5))
    out: dict[str, dict[tuple[str, str], int]] = {"age": {}, "birth": {}, "education": {}, "area": {}}
    for sex, n in zip(SEXES, (women, total - women), strict=True):
        for label, v in zip(AGE_GROUPS, _split(n, _SHARE_AGE, r), strict=True):
            out["age"][(sex, label)] = v
        foreign = 0.3 + unit(seed, "afs-foreign", code) * 0.35
        for label, v in zip(BIRTH_GROUPS, _split(n, (1 - foreign, foreign), r), strict=True):
            out["birth"][(sex, label)] = v
        for label, v in zip(EDUCATION_GROUPS, _split(n, _SHARE_EDU, r), strict=True):
            out["education"][(sex, label)] = v
        shares = tuple(0.2 + unit(seed, "afs-area", a) for a in AREAS)
        for label, v in zip(AREAS, _split(n, shares, r), strict=True):
            out["area"][(sex, label)] = v
    return out


def _geo() -> list[tuple[str, str, str]]:
    """(county code, county name, municipality code or '') for every municipality and the residual rows."""
    ref = reference()
    out = [(m.county_code, ref.counties[m.county_code], m.code) for m in ref.municipalities]
    out += [(c, name, "") for c, name in sorted(ref.counties.items())]  # municipality unknown
    return out


def _residual_total(seed: int, county: str, ym: tuple[int, int]) -> int:
    return 2 + int(unit(seed, "afs-residual", county, ym) * 14)


def _value(n: int) -> str | int:
    return "<5" if n < 5 else n


# -- OOXML -------------------------------------------------------------------------------------------
class Cache:
    """One pivot cache: field names, the fields given as shared-item indexes, and its records."""

    def __init__(self, fields: list[str], indexed: set[str]) -> None:
        self.fields = fields
        self.indexed = indexed
        self.items: dict[str, dict[str, int]] = {f: {} for f in fields if f in indexed}
        self.records = io.StringIO()
        self.count = 0

    def add(self, values: list[str | int]) -> None:
        cells = []
        for name, value in zip(self.fields, values, strict=True):
            if name in self.indexed:
                shared = self.items[name]
                index = shared.setdefault(str(value), len(shared))
                cells.append(f'<x v="{index}"/>')
            elif isinstance(value, int):
                cells.append(f'<n v="{value}"/>')
            else:
                cells.append(f"<s v={quoteattr(str(value))}/>")
        self.records.write(f"<r>{''.join(cells)}</r>")
        self.count += 1

    def definition(self, sheet: str) -> bytes:
        fields = []
        for name in self.fields:
            if name in self.indexed:
                items = "".join(f"<s v={quoteattr(v)}/>" for v in self.items[name])
                fields.append(
                    f'<cacheField name={quoteattr(name)} numFmtId="0"><sharedItems count="{len(self.items[name])}">'
                    f"{items}</sharedItems></cacheField>"
                )
            else:
                fields.append(
                    f'<cacheField name={quoteattr(name)} numFmtId="0"><sharedItems containsMixedTypes="1" '
                    'containsNumber="1" containsInteger="1"/></cacheField>'
                )
        return (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<pivotCacheDefinition xmlns="{MAIN_NS}" '
            f'xmlns:r="{REL_NS}" r:id="rId1" refreshOnLoad="1" createdVersion="6" recordCount="{self.count}">'
            f'<cacheSource type="worksheet"><worksheetSource ref="A1:{chr(64 + len(self.fields))}{self.count + 1}" '
            f'sheet={quoteattr(sheet)}/></cacheSource><cacheFields count="{len(self.fields)}">{"".join(fields)}'
            "</cacheFields></pivotCacheDefinition>"
        ).encode()

    def records_xml(self) -> bytes:
        return (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<pivotCacheRecords xmlns="{MAIN_NS}" '
            f'xmlns:r="{REL_NS}" count="{self.count}">{self.records.getvalue()}</pivotCacheRecords>'
        ).encode()


def _cell(ref: str, value: str | int) -> str:
    if isinstance(value, int):
        return f'<c r="{ref}"><v>{value}</v></c>'
    return f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{escape(value)}</t></is></c>'


def _col(i: int) -> str:
    return chr(65 + i)


def sheet_xml(rows: list[list[str | int]]) -> bytes:
    body = "".join(
        f'<row r="{r + 1}">{"".join(_cell(f"{_col(c)}{r + 1}", v) for c, v in enumerate(row) if v != "")}</row>'
        for r, row in enumerate(rows)
    )
    return (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="{MAIN_NS}" '
        f'xmlns:r="{REL_NS}"><sheetData>{body}</sheetData></worksheet>'
    ).encode()


def workbook(sheets: list[tuple[str, bytes, str]], caches: list[Cache]) -> bytes:
    """Write the OOXML package: sheets as (name, sheet xml, state) and the pivot caches."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        overrides = [
            '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.'
            'spreadsheetml.sheet.main+xml"/>'
        ]
        rels = []
        sheet_tags = []
        for i, (name, xml, state) in enumerate(sheets, start=1):
            z.writestr(f"xl/worksheets/sheet{i}.xml", xml)
            overrides.append(
                f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="application/vnd.openxmlformats-'
                'officedocument.spreadsheetml.worksheet+xml"/>'
            )
            rels.append(f'<Relationship Id="rId{i}" Type="{REL_NS}/worksheet" Target="worksheets/sheet{i}.xml"/>')
            hidden = ' state="hidden"' if state == "hidden" else ""
            sheet_tags.append(f'<sheet name={quoteattr(name)} sheetId="{i}"{hidden} r:id="rId{i}"/>')
        cache_tags = []
        for n, cache in enumerate(caches, start=1):
            rid = f"rId{len(sheets) + n}"
            z.writestr(f"xl/pivotCache/pivotCacheDefinition{n}.xml", cache.definition(sheets[-1][0]))
            z.writestr(f"xl/pivotCache/pivotCacheRecords{n}.xml", cache.records_xml())
            z.writestr(
                f"xl/pivotCache/_rels/pivotCacheDefinition{n}.xml.rels",
                f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="{PKG_REL_NS}">'
                f'<Relationship Id="rId1" Type="{REL_NS}/pivotCacheRecords" Target="pivotCacheRecords{n}.xml"/>'
                "</Relationships>",
            )
            overrides.append(
                f'<Override PartName="/xl/pivotCache/pivotCacheDefinition{n}.xml" ContentType="application/'
                'vnd.openxmlformats-officedocument.spreadsheetml.pivotCacheDefinition+xml"/>'
            )
            overrides.append(
                f'<Override PartName="/xl/pivotCache/pivotCacheRecords{n}.xml" ContentType="application/'
                'vnd.openxmlformats-officedocument.spreadsheetml.pivotCacheRecords+xml"/>'
            )
            rels.append(
                f'<Relationship Id="{rid}" Type="{REL_NS}/pivotCacheDefinition" '
                f'Target="pivotCache/pivotCacheDefinition{n}.xml"/>'
            )
            cache_tags.append(f'<pivotCache cacheId="{n}" r:id="{rid}"/>')
        z.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Types xmlns="http://schemas.openxmlformats.org/'
            'package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-'
            'package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
            f"{''.join(overrides)}</Types>",
        )
        z.writestr(
            "_rels/.rels",
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="{PKG_REL_NS}">'
            f'<Relationship Id="rId1" Type="{REL_NS}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        )
        z.writestr(
            "xl/_rels/workbook.xml.rels",
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="{PKG_REL_NS}">'
            f"{''.join(rels)}</Relationships>",
        )
        pivot = f"<pivotCaches>{''.join(cache_tags)}</pivotCaches>" if cache_tags else ""
        z.writestr(
            "xl/workbook.xml",
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<workbook xmlns="{MAIN_NS}" '
            f'xmlns:r="{REL_NS}"><sheets>{"".join(sheet_tags)}</sheets>{pivot}</workbook>',
        )
    return out.getvalue()


def _info_sheet(title: str) -> bytes:
    return sheet_xml([[title], ["Källa: Arbetsförmedlingen"], [""], ["Uppdateras omkring den 23:e varje månad."]])


def _area_names(county: str, county_name: str, code: str, style: str) -> tuple[str, str]:
    """The county and municipality as the workbook writes them (names only, never a bare code)."""
    muni = reference().municipality_by_code[code].name if code else RESIDUAL
    short = county_name.removesuffix(" län")
    short = short[:-1] if short != county_name and short.endswith("s") else short  # "Västmanland"
    if style == "code":  # "03 Uppsala län", "0380 Uppsala"
        return f"{county} {county_name}", (f"{code} {muni}" if code else RESIDUAL)
    if style == "short":  # "Uppsala", "Uppsala " (trailing spaces, as exported)
        return short, muni + ("  " if code and unit("afs-space", code) < 0.3 else "")
    return county_name, muni  # "Uppsala län", "Uppsala"


def build(req: Request, prefix: str, ym: tuple[int, int]) -> bytes:
    """One workbook with the whole series up to ``ym``."""
    seed = req.sim.seed
    months = series(ym, req.sim.scale)
    count = "ANTAL" if req.fault("schema_drift") else None
    dup, bad = Picker(req, "duplicates", 0.001), Picker(req, "bad_codes", 0.0005)
    geo = _geo()

    def period(m: tuple[int, int]) -> str:
        return f"{m[0]:04d}-{m[1]:02d}"

    def muni_name(name: str, key: object) -> str:
        return "Kommunen Okänd" if name != RESIDUAL and bad(key) else name

    def residual_split(county: str, m: tuple[int, int], n_groups: int) -> list[int]:
        total = _residual_total(seed, county, m)
        return _split(total, tuple(1.0 for _ in range(n_groups)), rng(seed, "afs-res", county, m))

    if prefix == "web-sok-lan-kom":
        caches = []
        for dim, field, labels in (
            ("age", "ALDGR", AGE_GROUPS),
            ("birth", "FODLGRP", BIRTH_GROUPS),
            ("education", "UTBILDNING", EDUCATION_GROUPS),
        ):
            fields = ["PERIOD", "KOEN", "LAN", "KOMMUN_BESKR", field, count or "INSAL"]
            cache = Cache(fields, {"PERIOD", "KOEN", "LAN", "KOMMUN_BESKR", field})
            for m in months:
                for county, cname, code in geo:
                    lan, kom = _area_names(county, cname, code, "plain")
                    if code:
                        cells = _cells(seed, code, m)[dim]
                        for (sex, label), v in cells.items():
                            if v == 0:
                                continue
                            key = (prefix, field, m, code, sex, label)
                            row = [period(m), sex, lan, muni_name(kom, key), label, _value(v)]
                            cache.add(row)
                            if dup(key):
                                cache.add(row)
                    else:
                        parts = residual_split(county, m, 2)
                        for sex, v in zip(SEXES, parts, strict=True):
                            if v:
                                cache.add([period(m), sex, lan, kom, labels[-1], _value(v)])
            caches.append(cache)
        return workbook([("Info", _info_sheet("Inskrivna arbetslösa per län och kommun"), "visible")], caches)

    if prefix == "web-arbetslosa-yrkesomrade":
        fields = ["PERIOD", "KÖN", "YRKESOMRÅDE", "LÄN", "KOMMUN", count or "KVAR"]
        cache = Cache(fields, {"PERIOD", "KÖN", "YRKESOMRÅDE", "LÄN", "KOMMUN"})
        for m in months:
            for county, cname, code in geo:
                lan, kom = _area_names(county, cname, code, "short")
                if code:
                    for (sex, label), v in _cells(seed, code, m)["area"].items():
                        if v:
                            key = (prefix, m, code, sex, label)
                            cache.add([period(m), sex, label, lan, muni_name(kom, key), _value(v)])
                else:
                    for sex, v in zip(SEXES, residual_split(county, m, 2), strict=True):
                        if v:
                            cache.add([period(m), sex, RESIDUAL, lan, kom, _value(v)])
        return workbook([("Info", _info_sheet("Arbetslösa per yrkesområde"), "visible")], [cache])

    if prefix == "web-inskrivna-arbetslosa-svag-konkurrensformaga":
        fields = ["PERIOD", "KOEN", "LAN_BESKR", "KOMMUN_BESKR", "KUA12", count or "UTSATTA"]
        cache = Cache(fields, {"PERIOD", "KOEN", "LAN_BESKR", "KOMMUN_BESKR", "KUA12"})
        for m in months:
            for county, cname, code in geo:
                if not code:
                    continue
                lan, kom = _area_names(county, cname, code, "plain")
                total = unemployed(seed, code, m)
                weak = round(total * (0.45 + unit(seed, "afs-weak", code) * 0.2))
                r = rng(seed, "afs-weak", code, m)
                for sex, n in zip(SEXES, _split(weak, (0.45, 0.55), r), strict=True):
                    for kua, v in zip(("Ja", "Nej"), _split(n, (0.4, 0.6), r), strict=True):
                        if v:
                            cache.add([period(m), sex, lan, muni_name(kom, (prefix, m, code)), kua, _value(v)])
        return workbook([("Info", _info_sheet("Inskrivna arbetslösa med svag konkurrensförmåga"), "visible")], [cache])

    if prefix == "web-inskrivna-arbetslosa-andel-av-bas":
        fields = ["PERIOD", "LAN", "KOM", "TOTAK", "KVIAK", "MANAK", "UNGAK"]
        cache = Cache(fields, {"PERIOD", "LAN", "KOM"})
        for m in months:
            for county, cname, code in geo:
                if not code:
                    continue
                lan, kom = _area_names(county, cname, code, "code")
                base = round(population(code, m[0]) * (0.6 + unit(seed, "afs-base", code, m) * 0.04))
                women = round(base * 0.48)
                cache.add([period(m), lan, kom, base, women, base - women, round(base * 0.14)])
        return workbook(
            [("Info", _info_sheet("Inskrivna arbetslösa, andel av registerbaserad arbetskraft"), "visible")], [cache]
        )

    if prefix == "web-inskrivna-arbetslosa-tid-utan-arbete-lan-kom":
        header = [
            "PERIOD",
            "LÄN",
            "KOMMUN",
            "Utan arbete mer än 6 månader",
            "Utan arbete mer än 12 månader",
            "Utan arbete mer än 24 månader",
        ]
        if count:
            header[3] = "Utan arbete >6 mån"
        rows: list[list[str | int]] = [
            ["Inskrivna arbetslösa som varit utan arbete en längre tid"],
            ["Källa: Arbetsförmedlingen"],
            [""],
            [""],
            header,
        ]
        for m in months:
            for county, cname, code in geo:
                if not code:
                    continue
                lan, kom = _area_names(county, cname, code, "plain")
                total = unemployed(seed, code, m)
                r = rng(seed, "afs-long", code, m)
                six = round(total * r.uniform(0.45, 0.6))
                twelve = round(six * r.uniform(0.6, 0.75))
                two = round(twelve * r.uniform(0.45, 0.6))
                rows.append(
                    [period(m), lan, muni_name(kom, (prefix, m, code)), _value(six), _value(twelve), _value(two)]
                )
        sheets = [("Total", sheet_xml(rows), "visible"), ("Data", sheet_xml([["hidden helper"]]), "hidden")]
        return workbook(sheets, [])

    raise HttpError(404, f"no such workbook: {prefix}")


def handle(req: Request) -> Response:
    """Route an af_statistics request: the statistics page and the workbooks it links."""
    path = req.path.rstrip("/")
    if path == PAGE:
        return page(req)
    if path.startswith("/download/18.") and path.endswith(".xlsx"):
        name = path.rsplit("/", 1)[-1][: -len(".xlsx")]
        prefix, _, month = name.rpartition("-")
        prefix, _, year = prefix.rpartition("-")
        try:
            ym = (int(year), int(month))
        except ValueError as exc:
            raise HttpError(404, f"no such file: {name}") from exc
        if prefix not in PUBLISHED_DAY or link(prefix, ym) != path or ym > newest_month(prefix, req.sim.today):
            raise HttpError(404, f"no such file: {path}")
        return Response(
            content_type=XLSX,
            body=build(req, prefix, ym),
            headers=[("Content-Disposition", f'attachment; filename="{name}.xlsx"')],
        )
    raise HttpError(404, f"no such path: {req.path}")
