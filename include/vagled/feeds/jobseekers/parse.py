"""Registered unemployed job seekers from Arbetsförmedlingen's statistics workbooks.

There is no API (docs/upstreams/arbetsformedlingen.md): the statistics page links xlsx workbooks
behind opaque addresses; each holds the whole series, mostly in pivot caches. This module:

- reads the page and finds the newest link of each workbook prefix it needs (never a templated
  URL); a month is loaded only when every workbook shows the same new month (check_publication);
- streams each pivot cache (definition + records) with lxml iterparse, so a cache of hundreds of
  MB is never built as a tree; a workbook without caches is read from its visible sheets (openpyxl
  read-only, streamed);
- maps county and municipality *names* to codes through core.municipality (code prefixes,
  " län", trailing spaces); an unmappable name quarantines its record with the name in the reason;
- keeps ``<5`` as a range (count_min 1, count_max 4) and never as a number.

A staged record is one published count cell. Out-of-area cells count as out of area but also go
into one nation row per month, field, sex and label (the nation is the sum of all raw rows).
"""

from __future__ import annotations

import functools
import io
import re
import zipfile
import zlib
from collections import defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from vagled.config import area_county_codes
from vagled.pipeline.feed import ParseFailure, SourceStructureError
from vagled.pipeline.period import Period

CONN_ID = "af_statistics"
# The page on the connection's site (shared/feeds section 4); configuration, not a template of files.
PAGE_PATH = "statistik/sok-statistik/tidigare-statistik-tidsserier"
RESIDUAL = "uppgift saknas"
NATION = "00"
BELOW_FIVE = "<5"
SPREADSHEET_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"


@dataclass(frozen=True)
class CacheLayout:
    """How one pivot cache (or visible sheet) is read: the fields that carry what.

    ``values`` maps a count field (or column) to the dimension it measures when it is a value
    column; ``label`` names the field whose items are the groups of ``dimension``.
    """

    workbook: str
    key_field: str  # the field that tells this cache from the workbook's others
    county: str
    municipality: str | None
    values: tuple[tuple[str, str], ...]  # (count field, dimension or "" to take it from ``label``)
    dimension: str = ""
    label: str | None = None
    sex: str | None = None


# The workbooks the feed needs (prefix -> layouts). Field names as seen in the real files
# (shared/feeds section 4); which TOTAK-like field is the base is unconfirmed (docs/upstreams).
LAYOUTS: dict[str, tuple[CacheLayout, ...]] = {
    "web-sok-lan-kom": (
        CacheLayout("web-sok-lan-kom", "ALDGR", "LAN", "KOMMUN_BESKR", (("INSAL", ""),), "age", "ALDGR", "KOEN"),
        CacheLayout("web-sok-lan-kom", "FODLGRP", "LAN", "KOMMUN_BESKR", (("INSAL", ""),), "birth", "FODLGRP", "KOEN"),
        CacheLayout(
            "web-sok-lan-kom", "UTBILDNING", "LAN", "KOMMUN_BESKR", (("INSAL", ""),), "education", "UTBILDNING", "KOEN"
        ),
    ),
    "web-inskrivna-arbetslosa-tid-utan-arbete-lan-kom": (
        CacheLayout(
            "web-inskrivna-arbetslosa-tid-utan-arbete-lan-kom",
            "Utan arbete mer än 12 månader",
            "LÄN",
            "KOMMUN",
            (
                ("Utan arbete mer än 6 månader", "without_work_6m"),
                ("Utan arbete mer än 12 månader", "without_work_12m"),
                ("Utan arbete mer än 24 månader", "without_work_24m"),
            ),
        ),
    ),
    "web-inskrivna-arbetslosa-svag-konkurrensformaga": (
        CacheLayout(
            "web-inskrivna-arbetslosa-svag-konkurrensformaga",
            "KUA12",
            "LAN_BESKR",
            "KOMMUN_BESKR",
            (("UTSATTA", "weak_position"),),
            sex="KOEN",
        ),
    ),
    "web-arbetslosa-yrkesomrade": (
        CacheLayout(
            "web-arbetslosa-yrkesomrade",
            "YRKESOMRÅDE",
            "LÄN",
            "KOMMUN",
            (("KVAR", ""),),
            "occupational_area",
            "YRKESOMRÅDE",
            "KÖN",
        ),
    ),
    "web-inskrivna-arbetslosa-andel-av-bas": (
        CacheLayout(
            "web-inskrivna-arbetslosa-andel-av-bas",
            "TOTAK",
            "LAN",
            "KOM",
            (
                ("TOTAK", "labour_force"),
                ("KVIAK", "labour_force_women"),
                ("MANAK", "labour_force_men"),
                ("UNGAK", "labour_force_18_24"),
            ),
        ),
    ),
}
WORKBOOKS = tuple(LAYOUTS)
STAGED_COLUMNS = (
    "workbook",
    "field",
    "month",
    "county_code",
    "municipality_code",
    "area_name",
    "sex",
    "dimension",
    "group_label",
    "count_min",
    "count_max",
    "below_five_cells",
)
LINK = re.compile(r"/(?P<prefix>[a-z0-9-]+?)-(?P<year>\d{4})-(?P<month>\d{2})\.xlsx$", re.IGNORECASE)


# -- the page ------------------------------------------------------------------------------------
def newest_links(html: bytes | str) -> dict[str, tuple[str, str]]:
    """The newest workbook link of every prefix on the statistics page: prefix -> (YYYY-MM, href)."""
    from lxml import html as lxml_html

    tree = lxml_html.fromstring(html)
    out: dict[str, tuple[str, str]] = {}
    for href in tree.xpath("//a/@href"):
        match = LINK.search(href.split("?", 1)[0])
        if not match:
            continue
        prefix, month = match["prefix"].lower(), f"{match['year']}-{match['month']}"
        if prefix not in out or month > out[prefix][0]:
            out[prefix] = (month, href)
    return out


@dataclass(frozen=True)
class Publication:
    """What the page shows: the newest month per needed workbook, and whether a month is ready."""

    status: str  # "ready", "waiting" or "loaded"
    seen: dict[str, str]  # prefix -> newest YYYY-MM on the page
    links: dict[str, str]  # prefix -> href
    month: str | None  # the month to load when ready
    first_load: bool

    def describe(self) -> str:
        seen = ", ".join(f"{p} {m}" for p, m in sorted(self.seen.items()))
        if self.status == "ready":
            kind = "the whole series (first load)" if self.first_load else "this month only"
            return f"ready: every workbook shows {self.month}; loading {kind}"
        if self.status == "loaded":
            return f"nothing new: every workbook shows {self.month}, already loaded ({seen})"
        return f"waiting: the workbooks do not show the same new month yet ({seen})"


def decide(links: Mapping[str, tuple[str, str]], loaded_month: str | None) -> Publication:
    """Decide from the page's newest links and the newest month in core whether a month is ready.

    Raises:
        SourceStructureError: the page has no link for a workbook the feed needs.
    """
    missing = [p for p in WORKBOOKS if p not in links]
    if missing:
        raise SourceStructureError(
            f"the statistics page has no link for {', '.join(missing)}: the page or the file names changed"
        )
    seen = {p: links[p][0] for p in WORKBOOKS}
    hrefs = {p: links[p][1] for p in WORKBOOKS}
    months = set(seen.values())
    first = loaded_month is None
    if len(months) != 1:
        return Publication("waiting", seen, hrefs, None, first)
    (month,) = months
    if loaded_month is not None and month <= loaded_month:
        return Publication("loaded", seen, hrefs, month, first)
    return Publication("ready", seen, hrefs, month, first)


def check_publication(conn=None) -> Publication:
    """Read the statistics page and decide (see decide); nothing is downloaded but the page."""
    from vagled.sources.http import HttpSource
    from vagled.sql import load_sql

    page = HttpSource(CONN_ID).fetch(PAGE_PATH, expect="html")
    loaded = None
    if conn is not None:
        row = conn.execute(load_sql("core/select_jobseekers_loaded_month")).fetchone()
        loaded = row[0].strftime("%Y-%m") if row and row[0] else None
    return decide(newest_links(page.body), loaded)


def land(conn, batch_id: int, period: Period | None, params: Mapping[str, Any]) -> dict[str, Any]:
    """Land the workbooks the publication check saw (params ``links``), each checked to be a ZIP.

    Raises:
        SourceStructureError: a workbook is not a ZIP (an error page, a moved file).
    """
    from vagled.pipeline.load import land_payload
    from vagled.sources.http import HttpSource

    links = params.get("links")
    if not links:
        # a manual reload of a period: the page's newest workbooks, once they agree on a month
        publication = check_publication(conn)
        if publication.status == "waiting":
            raise SourceStructureError(publication.describe())
        links = publication.links
    source = HttpSource(CONN_ID)
    for part_no, prefix in enumerate(WORKBOOKS):
        response = _fetch_workbook(source, prefix, links[prefix])
        href = links[prefix]
        land_payload(
            conn,
            batch_id,
            "jobseekers",
            part_no,
            source_url=response.url,
            body=response.body,
            content_type=response.content_type,
            request_params={"workbook": prefix, "href": href},
        )
    return {"parts": len(WORKBOOKS), "month": params.get("month")}


def _zip_problem(body: bytes) -> str | None:
    """Why a body is not a whole workbook (a ZIP whose members all pass their CRC), or None."""
    if not body.startswith(b"PK\x03\x04"):
        return f"not a ZIP (starts {body[:40]!r})"
    try:
        with zipfile.ZipFile(io.BytesIO(body)) as z:
            bad = z.testzip()
    except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
        return f"a broken ZIP ({exc})"
    return f"a broken ZIP (member {bad} fails its CRC)" if bad else None


def _fetch_workbook(source, prefix: str, href: str, attempts: int = 3):
    """Download a workbook whole; a damaged answer is fetched again, a non-ZIP refused.

    Raises:
        SourceStructureError: the answer is not a workbook (an error page, a moved file), or stays
            damaged after ``attempts``.
    """
    problem = ""
    for _ in range(attempts):
        response = source.fetch(href.lstrip("/"), expect="bytes")
        problem = _zip_problem(response.body) or ""
        if not problem:
            return response
        if problem.startswith("not a ZIP"):
            break
    raise SourceStructureError(
        f"{prefix}: {response.url} is not a workbook: {problem}; content type {response.content_type or 'none'}"
    )


# -- names to codes --------------------------------------------------------------------------------
def _norm(name: str) -> str:
    return " ".join(name.split()).casefold()


@dataclass(frozen=True)
class Geography:
    counties: dict[str, str]  # normalised county name -> code
    municipalities: dict[tuple[str, str], str]  # (county code, normalised name) -> code
    by_name: dict[str, str]  # normalised municipality name -> code (names are unique in Sweden)
    county_of: dict[str, str]  # municipality code -> county code

    @classmethod
    def from_rows(cls, counties: list[tuple[str, str]], municipalities: list[tuple[str, str, str]]) -> Geography:
        c = {}
        for code, name in counties:
            c[_norm(name)] = code
            short = name.removesuffix(" län")
            c[_norm(short)] = code
            if short != name and short.endswith("s"):
                c[_norm(short[:-1])] = code  # "Västmanlands län" is written "Västmanland"
            c[_norm(f"{code} {name}")] = code
        m, by_name, county_of = {}, {}, {}
        for code, name, county in municipalities:
            m[(county, _norm(name))] = code
            by_name[_norm(name)] = code
            county_of[code] = county
        return cls(c, m, by_name, county_of)

    def county(self, text: str) -> str | None:
        norm = _norm(text)
        if norm == RESIDUAL:
            return NATION
        if norm in self.counties:
            return self.counties[norm]
        match = re.match(r"^(\d{2})\s", norm)
        return match[1] if match and match[1] in self.counties.values() else None

    def municipality(self, county: str, text: str) -> str | None:
        norm = _norm(text)
        match = re.match(r"^(\d{4})\s+(.*)$", norm)
        if match and match[1] in self.county_of:
            return match[1]
        return self.municipalities.get((county, norm)) or self.by_name.get(norm)


@functools.cache
def geography() -> Geography:
    """The names of core.municipality and core.county (read once per process)."""
    from vagled.sql import load_sql
    from vagled.warehouse.db import connect

    with connect() as conn:
        counties = [(r[0], r[1]) for r in conn.execute(load_sql("core/select_county_names"))]
        munis = [(r[0], r[1], r[2]) for r in conn.execute(load_sql("core/select_municipality_names"))]
    return Geography.from_rows(counties, munis)


def _count(value: Any) -> tuple[int, int, int] | None:
    """(min, max, below-five cells) of a published count; None when it is no count at all."""
    if value is None:
        return None
    if isinstance(value, str):
        text = value.strip()
        if text == BELOW_FIVE:
            # A cell is published only for a group that holds someone (unconfirmed): 1-4.
            return 1, 4, 1
        if not text:
            return None
        value = float(text.replace(",", ".").replace("\u00a0", "").replace(" ", ""))
    if isinstance(value, float) and not value.is_integer():
        raise ValueError(f"{value!r} is not a whole count")
    number = int(value)
    if number < 0:
        raise ValueError(f"{number} is a negative count")
    return number, number, 0


# -- streaming the workbook ------------------------------------------------------------------------
def _rels(z: zipfile.ZipFile, part: str) -> dict[str, str]:
    from lxml import etree

    folder, name = part.rsplit("/", 1)
    path = f"{folder}/_rels/{name}.rels"
    if path not in z.namelist():
        return {}
    root = etree.fromstring(z.read(path))
    return {r.get("Id"): f"{folder}/{r.get('Target')}".replace("/./", "/") for r in root}


def pivot_caches(z: zipfile.ZipFile) -> list[tuple[str, str]]:
    """(definition part, records part) of every pivot cache of a workbook."""
    out = []
    for name in sorted(z.namelist()):
        match = re.fullmatch(r"xl/pivotCache/pivotCacheDefinition(\d+)\.xml", name)
        if not match:
            continue
        rels = _rels(z, name)
        records = next(iter(rels.values()), f"xl/pivotCache/pivotCacheRecords{match[1]}.xml")
        out.append((name, records))
    return out


def cache_fields(z: zipfile.ZipFile, definition: str) -> list[tuple[str, list[Any] | None]]:
    """The fields of a cache definition with their shared items (None when values are inline)."""
    from lxml import etree

    fields: list[tuple[str, list[Any] | None]] = []
    with z.open(definition) as stream:
        for _, elem in etree.iterparse(stream, events=("end",), tag=f"{SPREADSHEET_NS}cacheField"):
            shared = elem.find(f"{SPREADSHEET_NS}sharedItems")
            items = None
            if shared is not None and len(shared):
                items = [_item(child) for child in shared]
            fields.append((elem.get("name"), items))
            elem.clear()
    return fields


def _item(elem) -> Any:
    tag = elem.tag.rsplit("}", 1)[-1]
    value = elem.get("v")
    if tag == "n":
        number = float(value)
        return int(number) if number.is_integer() else number
    if tag == "m":
        return None
    return value


def cache_records(z: zipfile.ZipFile, records: str, fields: list[tuple[str, list[Any] | None]]) -> Iterator[dict]:
    """Stream the records of a cache as dicts (field -> value), one at a time."""
    from lxml import etree

    names = [name for name, _ in fields]
    with z.open(records) as stream:
        for _, elem in etree.iterparse(stream, events=("end",), tag=f"{SPREADSHEET_NS}r"):
            row = {}
            for i, child in enumerate(elem):
                if i >= len(names):
                    break
                tag = child.tag.rsplit("}", 1)[-1]
                if tag == "x":
                    items = fields[i][1] or []
                    index = int(child.get("v"))
                    row[names[i]] = items[index] if index < len(items) else None
                else:
                    row[names[i]] = _item(child)
            yield row
            # free what was read: the records part can be hundreds of MB
            elem.clear()
            while elem.getprevious() is not None:
                del elem.getparent()[0]


def visible_sheet_rows(body: bytes) -> Iterator[tuple[str, list[dict]]]:
    """Rows of every visible sheet (header = the first row whose first cell is PERIOD), streamed."""
    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(body), read_only=True, data_only=True)
    try:
        for sheet in book.worksheets:
            if sheet.sheet_state != "visible":
                continue
            header = None
            for values in sheet.iter_rows(values_only=True):
                if header is None:
                    if values and isinstance(values[0], str) and values[0].strip().upper() == "PERIOD":
                        header = [str(v).strip() if v is not None else "" for v in values]
                    continue
                if not any(v not in (None, "") for v in values):
                    continue
                yield sheet.title, dict(zip(header, values, strict=False))
    finally:
        book.close()


def _layout_of(fields: set[str], workbook_layouts: list[CacheLayout]) -> CacheLayout | None:
    return next((layout for layout in workbook_layouts if layout.key_field in fields), None)


def _require(layout: CacheLayout, fields: set[str], where: str) -> None:
    needed = {"PERIOD", layout.county, *(f for f, _ in layout.values)}
    needed |= {f for f in (layout.municipality, layout.label, layout.sex) if f}
    absent = sorted(needed - fields)
    if absent:
        raise SourceStructureError(
            f"{layout.workbook} {where} lacks the fields {absent} (has {sorted(fields)}): the workbook's format changed"
        )


def _month(text: Any) -> date:
    match = re.fullmatch(r"(\d{4})-?(\d{2})", str(text).strip())
    if not match:
        raise ValueError(f"PERIOD {text!r} is not YYYY-MM")
    return date(int(match[1]), int(match[2]), 1)


def workbook_records(body: bytes) -> Iterator[tuple[CacheLayout, str, dict]]:
    """(layout, where, record) for every record of a workbook, from its pivot caches or visible sheets.

    Raises:
        SourceStructureError: not a ZIP, or no cache or sheet of a known layout, or a layout
            missing a field.
    """
    try:
        z = zipfile.ZipFile(io.BytesIO(body))
    except zipfile.BadZipFile as exc:
        raise SourceStructureError(f"the workbook is not a ZIP (starts {body[:40]!r}): {exc}") from exc
    layouts = [layout for group in LAYOUTS.values() for layout in group]
    caches = pivot_caches(z)
    if caches:
        found = False
        for definition, records in caches:
            fields = cache_fields(z, definition)
            names = {name for name, _ in fields}
            layout = _layout_of(names, layouts)
            if layout is None:
                raise SourceStructureError(
                    f"{definition} has fields {sorted(names)} of no known workbook: the workbook's format changed"
                )
            _require(layout, names, definition)
            found = True
            for record in cache_records(z, records, fields):
                yield layout, definition, record
        if found:
            return
    rows = visible_sheet_rows(body)
    first = True
    for sheet, record in rows:
        if first:
            layout = _layout_of(set(record), layouts)
            if layout is None:
                raise SourceStructureError(f"sheet {sheet!r} has columns {sorted(record)} of no known workbook")
            _require(layout, set(record), f"sheet {sheet!r}")
            first = False
        yield layout, f"sheet {sheet}", record
    if first:
        raise SourceStructureError("the workbook has neither a pivot cache nor a visible sheet with a PERIOD header")


def parse_workbook(
    body: bytes, content_type: str, geo: Geography | None = None
) -> Iterator[dict[str, Any] | ParseFailure]:
    """Parse one workbook into count cells (one record per published count).

    Raises:
        SourceStructureError: see workbook_records.
    """
    geo = geo or geography()
    nation: dict[tuple, list[int]] = defaultdict(lambda: [0, 0, 0])
    layout = None
    for layout, where, record in workbook_records(body):
        lan, kom = record.get(layout.county), record.get(layout.municipality) if layout.municipality else None
        try:
            month = _month(record.get("PERIOD"))
        except ValueError as exc:
            yield ParseFailure(f"{layout.workbook} {where}: {exc}", str(record)[:500])
            continue
        county = geo.county(str(lan or ""))
        if county is None:
            yield ParseFailure(
                f"{layout.workbook}: county name {lan!r} matches no county in core.county",
                str(record)[:500],
                check="known_area_name",
            )
            continue
        municipality = None
        if kom is not None and _norm(str(kom)) != RESIDUAL:
            municipality = geo.municipality(county, str(kom))
            if municipality is None or (county != NATION and geo.county_of[municipality] != county):
                yield ParseFailure(
                    f"{layout.workbook}: municipality name {kom!r} (county {lan!r}) matches no municipality in "
                    "core.municipality",
                    str(record)[:500],
                    check="known_area_name",
                )
                continue
            county = geo.county_of[municipality]
        sex = str(record.get(layout.sex)).strip() if layout.sex and record.get(layout.sex) is not None else None
        for field, dimension in layout.values:
            try:
                count = _count(record.get(field))
            except ValueError as exc:
                yield ParseFailure(f"{layout.workbook} {field}: {exc}", str(record)[:500], check="valid_count")
                continue
            if count is None:
                continue
            label = str(record.get(layout.label)).strip() if layout.label else None
            dim = dimension or layout.dimension
            yield {
                "workbook": layout.workbook,
                "field": field if dimension else layout.label,
                "month": month,
                "county_code": county,
                "municipality_code": municipality,
                "area_name": str(kom if kom is not None else lan).strip()[:200],
                "sex": sex,
                "dimension": dim,
                "group_label": label,
                "count_min": count[0],
                "count_max": count[1],
                "below_five_cells": count[2],
            }
            key = (layout.workbook, field if dimension else layout.label, month, sex, dim, label)
            cell = nation[key]
            cell[0] += count[0]
            cell[1] += count[1]
            cell[2] += count[2]
    # The nation is the sum of every raw row, the residual rows and other counties included.
    for (workbook, field, month, sex, dim, label), (low, high, below) in sorted(
        nation.items(), key=lambda item: tuple("" if v is None else str(v) for v in item[0])
    ):
        yield {
            "workbook": workbook,
            "field": field,
            "month": month,
            "county_code": NATION,
            "municipality_code": None,
            "area_name": "Riket (summa av alla rader)",
            "sex": sex,
            "dimension": dim,
            "group_label": label,
            "count_min": low,
            "count_max": high,
            "below_five_cells": below,
        }


def parse_jobseekers(body: bytes, content_type: str) -> Iterator[dict[str, Any] | ParseFailure]:
    """Parse one landed workbook; a damaged ZIP or XML part refuses the batch with the reason."""
    from lxml import etree

    try:
        yield from parse_workbook(body, content_type)
    except (zipfile.BadZipFile, zlib.error, EOFError, etree.XMLSyntaxError, KeyError) as exc:
        raise SourceStructureError(f"the workbook cannot be read: {type(exc).__name__}: {exc}") from exc


def suite_parameters(conn) -> dict[str, Any]:
    return {"county_codes": [*area_county_codes(), NATION], "workbooks": list(WORKBOOKS)}


def in_area(record: dict[str, Any]) -> bool:
    return record.get("county_code") in (*area_county_codes(), NATION)


def crosscheck_failures(conn, batch_id: int) -> list[str]:
    """The cross-workbook checks (expectations/jobseekers_crosscheck.json) on the staged batch.

    The same unemployed total is reached from several workbooks (per month and area: the age,
    birth and education caches of web-sok and the occupational-area workbook); with ``<5`` cells
    each is a range, and the ranges must overlap. Returns one message per failing month and area,
    with the figures.
    """
    import pandas as pd

    from vagled.pipeline.validate import validate_frame
    from vagled.sql import load_sql

    frame = pd.DataFrame(
        conn.execute(load_sql("core/select_jobseekers_crosscheck"), {"batch_id": batch_id}).fetchall(),
        columns=["record_no", "month", "area", "source_a", "low_a", "high_a", "source_b", "low_b", "high_b"],
    )
    if frame.empty:
        return []
    outcome = validate_frame(frame, "jobseekers_crosscheck")
    messages = [f"the cross-check could not run: {f}" for f in outcome.batch_failures]
    for row in frame.itertuples():
        if row.record_no in outcome.failures:
            messages.append(
                f"{row.month:%Y-%m} area {row.area}: {row.source_a} gives {row.low_a}-{row.high_a} unemployed, "
                f"{row.source_b} gives {row.low_b}-{row.high_b}"
            )
    return messages


# The earliest month any workbook's series starts (1996 or 2006, shared/feeds section 4): a first
# load's period starts here so the whole series is published, whatever the workbook holds.
FIRST_SERIES_MONTH = date(1996, 1, 1)


def publication_params(params: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """What check_publication hands to extract: the period and links to load, or {} to stop.

    Params ``period_start``/``period_end`` (a manual reload) publish the months of that period again,
    read from the page's newest workbooks (each holds the whole series).
    """
    import logging

    from vagled.warehouse.db import connect

    log = logging.getLogger(__name__)
    params = params or {}
    with connect(autocommit=True) as conn:
        publication = check_publication(conn)
    log.info("%s", publication.describe())
    forced = params.get("period_start") and params.get("period_end")
    if publication.status == "waiting" or (publication.status == "loaded" and not forced):
        log.warning("%s", publication.describe())
        return {}
    month = date.fromisoformat(f"{publication.month}-01")
    following = date(month.year + (month.month == 12), month.month % 12 + 1, 1)
    start = FIRST_SERIES_MONTH if publication.first_load else month
    return {
        "period_start": params.get("period_start") if forced else start.isoformat(),
        "period_end": params.get("period_end") if forced else following.isoformat(),
        "links": publication.links,
        "month": publication.month,
        "seen": publication.seen,
    }
