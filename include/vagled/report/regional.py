"""The regional report: one self-contained HTML file per county, in Swedish, read from the marts.

``vagled report --county 18`` and the last task of ``warehouse_marts`` write
``<out>/kompetensforsorjning_<county>.html``; the charts are inline SVG (vagled.report.charts),
so the file needs no network and no script to open.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from html import escape
from pathlib import Path

from vagled.config import STOCKHOLM, area_county_codes, vagled_home
from vagled.report import charts
from vagled.sql import load_sql

log = logging.getLogger(__name__)

TOP_OCCUPATIONS = 10
MONTHS_SV = ("jan", "feb", "mar", "apr", "maj", "jun", "jul", "aug", "sep", "okt", "nov", "dec")
GAP_OCCUPATIONS = 15
RISING_SKILLS = 10
REQUIREMENT_OCCUPATIONS = 5
REQUIREMENT_SKILLS = 3


class ReportError(ValueError):
    """A report was asked for something the warehouse cannot answer (e.g. a county outside the area)."""


@dataclass
class RegionalReportData:
    county_code: str
    county_name: str
    year: int | None
    last_month: int = 12
    gap_year: int | None = None
    top_occupations: list[tuple] = field(default_factory=list)
    gap: list[tuple] = field(default_factory=list)
    jobseeker_groups: list[tuple] = field(default_factory=list)
    education_supply: list[tuple] = field(default_factory=list)
    rising_skills: list[tuple] = field(default_factory=list)
    occupation_requirements: list[tuple] = field(default_factory=list)
    jobs_within_reach: list[tuple] = field(default_factory=list)
    transitions: list[tuple] = field(default_factory=list)
    transitions_trend: list[tuple] = field(default_factory=list)
    matched_employment: list[tuple] = field(default_factory=list)
    time_in_sweden: list[tuple] = field(default_factory=list)


def default_report_dir() -> Path:
    """Where reports go unless told otherwise: ``$VAGLED_HOME/reports``."""
    return vagled_home() / "reports"


def report_path(out_dir: Path, county_code: str) -> Path:
    return Path(out_dir) / f"kompetensforsorjning_{county_code}.html"


def read_report_data(conn, county_code: str, year: int | None = None) -> RegionalReportData:
    """Read what a county's report shows from the marts.

    Raises:
        ReportError: ``county_code`` is not a county of the area.
    """
    county = conn.execute(load_sql("report/regional_county"), {"county_code": county_code}).fetchone()
    if county is None:
        counties = ", ".join(area_county_codes())
        raise ReportError(f"county {county_code!r} is not one of the area's counties ({counties})")
    latest = conn.execute(load_sql("report/regional_latest_month"), {"county_code": county_code}).fetchone()[0]
    if year is None and latest is not None:
        year = latest.year
    data = RegionalReportData(county_code, county[1], year)
    # the transitions have their own years (cohorts): shown whether or not job ads are loaded
    data.transitions = conn.execute(load_sql("report/regional_transitions"), {"county_code": county_code}).fetchall()
    data.transitions_trend = conn.execute(
        load_sql("report/regional_transitions_trend"), {"county_code": county_code}
    ).fetchall()
    data.matched_employment = conn.execute(
        load_sql("report/regional_matched_employment"), {"county_code": county_code}
    ).fetchall()
    data.time_in_sweden = conn.execute(
        load_sql("report/regional_outcomes_time_in_sweden"), {"county_code": county_code}
    ).fetchall()
    if year is None:
        return data
    data.last_month = latest.month if latest is not None and latest.year == year else 12
    params = {"county_code": county_code, "year": year}
    data.top_occupations = conn.execute(
        load_sql("report/regional_top_occupations"),
        {**params, "last_month": data.last_month, "top": TOP_OCCUPATIONS},
    ).fetchall()
    data.gap_year = (
        conn.execute(load_sql("report/regional_gap_year"), {"county_code": county_code}).fetchone()[0] or year
    )
    data.gap = conn.execute(
        load_sql("report/regional_gap"), {"county_code": county_code, "year": data.gap_year, "top": GAP_OCCUPATIONS}
    ).fetchall()
    data.jobseeker_groups = conn.execute(load_sql("report/regional_jobseeker_groups"), params).fetchall()
    data.education_supply = conn.execute(load_sql("report/regional_education_supply"), params).fetchall()
    county = {"county_code": county_code}
    data.rising_skills = conn.execute(
        load_sql("report/regional_rising_skills"), {**county, "top": RISING_SKILLS}
    ).fetchall()
    data.occupation_requirements = conn.execute(
        load_sql("report/regional_occupation_requirements"),
        {**county, "occupations": REQUIREMENT_OCCUPATIONS, "skills": REQUIREMENT_SKILLS},
    ).fetchall()
    data.jobs_within_reach = conn.execute(load_sql("report/regional_jobs_within_reach"), county).fetchall()
    return data


def _count(value) -> str:
    """A job-seeker count as shown: empty when suppressed (below 5) or unknown."""
    return "–" if value is None else str(value)


def _skills_section(data: RegionalReportData) -> str:
    """Rising skills, the requirements of the occupations with most vacancies, and jobs within reach."""
    rising = data.rising_skills
    window = f" till {rising[0][4]:%Y-%m}" if rising else ""
    rising_chart = charts.horizontal_bars(
        f"Kompetenser som ökar mest i annonserna (andel av annonserna, %){window}",
        [row[0] for row in rising],
        [("Senaste 12 mån", [float(row[1]) for row in rising]), ("12 mån före", [float(row[2]) for row in rising])],
        css_class="rising-skills",
        empty="Ingen kompetens når minimiantalen ännu (minst 20 annonser per period); se docs/skills.md.",
    )
    requirements = data.occupation_requirements
    requirement_chart = charts.horizontal_bars(
        "Krav i yrkena med flest lediga jobb (annonser senaste 12 mån)",
        [f"{row[0]}: {row[1]}" for row in requirements],
        [("Krav", [row[2] for row in requirements]), ("Meriterande", [row[3] for row in requirements])],
        css_class="occupation-requirements",
    )
    reach = data.jobs_within_reach
    reach_chart = charts.horizontal_bars(
        "Jobb inom räckhåll per kommun (annonser senaste 12 mån)",
        [row[0] for row in reach],
        [("Inom räckhåll", [row[2] for row in reach]), ("Varav deltid eller lärling", [row[3] for row in reach])],
        css_class="jobs-within-reach",
    )
    reach_rows = "".join(
        f"<tr><td>{escape(r[0])}</td><td>{r[1]}</td><td>{r[2]}</td><td>{r[3]}</td>"
        f"<td>{_count(r[4])}</td><td>{_count(r[5])}</td></tr>"
        for r in reach
    )
    return f"""
<section><h2>Kompetenser som efterfrågas</h2>{rising_chart}
<p class="note">Andelen av länets annonser som nämner kompetensen (JobTechs berikning av annonstexten och
arbetsgivarens krav) de senaste 12 månaderna mot de 12 månaderna före. Bara kompetenser som nämns i minst 20
annonser i båda perioderna rangordnas, så att enstaka annonser inte hamnar i topp. Termer som taxonomin saknar
räknas under sin egen benämning.</p>
{requirement_chart}
<p class="note">De fem yrkena med flest lediga jobb de senaste 12 månaderna och de kompetenser som deras annonser
oftast kräver (must have) eller anger som meriterande (nice to have).</p></section>
<section><h2>Jobb inom räckhåll</h2>{reach_chart}
<p class="note">Annonser som varken kräver erfarenhet eller körkort/egen bil, per kommun, och hur många av dem som
erbjuder deltid eller lärlingsplats. Bredvid: kommunens inskrivna arbetslösa med svag konkurrensförmåga (där ingår
funktionsnedsättning som medför nedsatt arbetsförmåga) och de som varit utan arbete mer än 12 månader, senaste
månaden; ett antal som kan vara under 5 visas inte (–).</p>
<table><thead><tr><th>Kommun</th><th>Annonser</th><th>Inom räckhåll</th><th>Deltid/lärling</th>
<th>Svag konkurrensförmåga</th><th>Utan arbete &gt; 12 mån</th></tr></thead>
<tbody>{reach_rows}</tbody></table></section>"""


def _jobseeker_series(rows: list[tuple]) -> tuple[list[str], list[tuple[str, list[float | None]]]]:
    months = sorted({row[0] for row in rows})
    by_group: dict[str, dict[date, int | None]] = {}
    for month, group, jobseekers, _suppressed in rows:
        by_group.setdefault(group, {})[month] = jobseekers
    series = [(group, [values.get(m) for m in months]) for group, values in by_group.items()]
    return [m.strftime("%Y-%m") for m in months], series


def _decimal(value, places: int) -> str:
    """A number the Swedish way (decimal comma); empty when unknown."""
    return "" if value is None else f"{float(value):.{places}f}".replace(".", ",")


def _transitions_section(data: RegionalReportData) -> str:
    """From education to work: establishment after upper secondary, per programme and over cohorts."""
    rows = data.transitions
    if not rows:
        return (
            "<section><h2>Från utbildning till arbete</h2>"
            + charts.no_data("Etableringsstatistiken från Skolverket är inte laddad för länet ännu.")
            + "</section>"
        )
    cohort = rows[0][5]
    bars = charts.horizontal_bars(
        f"Etablerade och studerande 1 år efter examen, avgångsläsår {cohort}",
        [row[0] for row in rows],
        [
            ("Etablerade på arbetsmarknaden (%)", [float(row[1] or 0) for row in rows]),
            ("I fortsatta studier (%)", [float(row[2] or 0) for row in rows]),
        ],
        css_class="transitions",
    )
    cohorts = sorted({row[0] for row in data.transitions_trend})
    by_series: dict[str, dict[str, float | None]] = {}
    for cohort_label, programme, years_after, share in data.transitions_trend:
        name = f"{programme}, {years_after} år efter"
        by_series.setdefault(name, {})[cohort_label] = None if share is None else float(share)
    trend = charts.lines(
        "Andel etablerade efter avgångsläsår",
        cohorts,
        [(name, [values.get(c) for c in cohorts]) for name, values in sorted(by_series.items())],
        css_class="transitions-trend",
    )
    hidden = sum(1 for row in rows if row[1] is None)
    fastest = next((row for row in rows if row[1] is not None), None)
    lead = (
        f"Snabbast till arbete i länet går eleverna från {escape(fastest[0])}: {_decimal(fastest[1], 1)} % var "
        "etablerade på arbetsmarknaden ett år efter examen."
        if fastest
        else ""
    )
    table_rows = "".join(
        f"<tr><td>{escape(r[0])}</td><td>{r[3] if r[3] is not None else '–'}</td><td>{_decimal(r[1], 1) or '–'}</td>"
        f"<td>{_decimal(r[2], 1) or '–'}</td><td>{_decimal(r[4], 1) or '–'}</td></tr>"
        for r in rows
    )
    return f"""
<section><h2>Från utbildning till arbete</h2>{bars}
<p class="note">{lead} Andelar av ungdomarna som tog gymnasieexamen läsåret {escape(cohort)}, alla huvudmän
(Skolverket, Etablering på arbetsmarknaden och fortsatta studier efter gymnasieskolan). Etablerad betyder
förvärvsarbete över en viss inkomstnivå. Grupper som är för små för att redovisas visas inte
({hidden} program i länet).</p>
<table><thead><tr><th>Program</th><th>Antal</th><th>Etablerade %</th><th>Studerande %</th>
<th>Förändring mot förra kullen (procentenheter)</th></tr></thead><tbody>{table_rows}</tbody></table>
{trend}
<p class="note">Yrkesprogram och högskoleförberedande program sammantagna, 1, 3 och 5 år efter examen.</p></section>"""


def _work_after_education_section(data: RegionalReportData) -> str:
    """SCB's matched employment per education group and the employment of the foreign-born by time in Sweden."""
    matched, arrived = data.matched_employment, data.time_in_sweden
    if not matched and not arrived:
        return (
            "<section><h2>Utbildning, yrke och etablering</h2>"
            + charts.no_data("SCB:s matchnings- och integrationsstatistik är inte laddad för länet ännu.")
            + "</section>"
        )
    out = "<section><h2>Utbildning, yrke och etablering</h2>"
    if matched:
        year = matched[0][4]
        out += charts.horizontal_bars(
            f"Förvärvsarbetande vars yrke matchar utbildningen, per utbildningsgrupp {year} (%)",
            [row[0] for row in matched],
            [("Matchade (%)", [float(row[1] or 0) for row in matched])],
            css_class="matched-employment",
        )
        lowest = next((row for row in matched if row[1] is not None), None)
        hidden = sum(1 for row in matched if row[1] is None)
        lead = ""
        if lowest:
            lead = f"Lägst matchning har {escape(lowest[0])}: {_decimal(lowest[1], 1)} %"
            if lowest[2] is not None:
                lead += f", mot {_decimal(lowest[2], 1)} % för alla utbildningsgrupper"
            lead += ". "
        out += (
            f'<p class="note">{lead}SCB:s regionala matchningsindikatorer (förvärvsarbetande 20–69 år, '
            f"utbildningsgrupper; grupper som är för små visas inte: {hidden}).</p>"
        )
    if arrived:
        year = arrived[0][4]
        out += charts.horizontal_bars(
            f"Sysselsatta efter vistelsetid i Sverige {year} (%)",
            [row[0] for row in arrived],
            [
                ("Sysselsatta (%)", [float(row[1] or 0) for row in arrived]),
                ("Långtidsarbetslösa (%)", [float(row[2] or 0) for row in arrived]),
                ("I program med aktivitetsstöd (%)", [float(row[3] or 0) for row in arrived]),
            ],
            css_class="time-in-sweden",
        )
        rows = "".join(
            f"<tr><td>{escape(r[0])}</td><td>{_decimal(r[1], 1) or '–'}</td><td>{_decimal(r[2], 1) or '–'}</td>"
            f"<td>{_decimal(r[3], 1) or '–'}</td></tr>"
            for r in arrived
        )
        out += f"""<p class="note">Utrikes födda efter vistelsetid jämfört med födda i Sverige, alla
utbildningsnivåer, kvinnor och män (SCB, registerdata för integration). Endast andelar visas.</p>
<table class="time-in-sweden-table"><thead><tr><th>Grupp</th><th>Sysselsatta %</th><th>Långtidsarbetslösa %</th>
<th>I program %</th></tr></thead><tbody>{rows}</tbody></table>"""
    return out + "</section>"


def render_report(data: RegionalReportData, *, generated_at: datetime | None = None) -> str:
    """Return the report as one HTML document."""
    generated_at = generated_at or datetime.now(STOCKHOLM)
    year = data.year
    title = f"Kompetensförsörjning i {data.county_name}"
    if year is None:
        body = charts.no_data("Inga platsannonser är laddade för länet ännu; rapporten fylls när flödena har körts.")
    else:
        top = data.top_occupations
        ytd = MONTHS_SV[0] + ("" if data.last_month == 1 else f"–{MONTHS_SV[data.last_month - 1]}")
        demand = charts.horizontal_bars(
            f"Yrken med flest lediga jobb {year} ({ytd})",
            [row[1] for row in top],
            [(f"{year} {ytd}", [row[2] for row in top]), (f"{year - 1} {ytd}", [row[3] for row in top])],
            css_class="top-occupations",
        )
        gap = charts.diverging_bars(
            f"Efterfrågan mot utbildningsutbud {data.gap_year} (gapindex)",
            [row[1] for row in data.gap],
            [float(row[5]) for row in data.gap],
            css_class="competence-gap",
            left_label="fler utbildningsplatser",
            right_label="fler lediga jobb",
        )
        months, series = _jobseeker_series(data.jobseeker_groups)
        jobseekers = charts.lines("Inskrivna arbetslösa per grupp", months, series, css_class="jobseeker-groups")
        supply = data.education_supply
        education = charts.horizontal_bars(
            f"Utbildningsplatser per inriktning, start {year} och senare",
            [row[0] for row in supply],
            [("Platser", [row[1] for row in supply])],
            css_class="education-supply",
        )
        suppressed = sum(row[3] for row in data.jobseeker_groups)
        gap_rows = "".join(
            f"<tr><td>{escape(r[0])}</td><td>{escape(r[1])}</td><td>{r[2]}</td><td>{_decimal(r[3], 1)}</td>"
            f'<td class="recruitment">{escape(r[4] or "ej bedömd")}'
            f"{' (delvis)' if r[4] and r[6] == 'delvis' else ''}</td>"
            f'<td>{escape(r[7] or "")}</td><td class="unemployed-area">{"" if r[8] is None else r[8]}</td>'
            f"<td>{_decimal(r[5], 2)}</td></tr>"
            for r in data.gap
        )
        body = f"""
<section><h2>Efterfrågan</h2>{demand}
<p class="note">Lediga jobb i platsannonser publicerade {ytd} {year} (Arbetsförmedlingen, JobTech), jämfört med
samma månader året innan. En annons utan angivet antal räknas som ett jobb.</p></section>
<section><h2>Gap mellan efterfrågan och utbildning</h2>{gap}
<p class="note">Gapindex = (lediga jobb − matchade utbildningsplatser) / (lediga jobb + platser), för
{data.gap_year}: det senaste året med både lediga jobb och utbildningsplatser i länet. Platserna hör
till utbildningar med start under året vars inriktning och nivå leder till yrket enligt matchningstabellen
(SUN 2020 → SSYK 2012); en utbildning som leder till flera yrken delar sina platser mellan dem.
Rekryteringssituationen är Yrkesbarometerns bedömning (kategorier, inget index) i årets senaste omgång;
"delvis" när bara delvis motsvarande barometeryrken finns för koden. Arbetslösa i yrkesområdet är
inskrivna arbetslösa i hela yrkesområdet i länet, årets senaste månad (inte per yrke; tomt när det
kan vara under 5).</p>
<table class="competence-gap-table"><thead><tr><th>SSYK</th><th>Yrke</th><th>Lediga jobb</th><th>Platser</th>
<th>Rekryteringssituation</th><th>Yrkesområde</th><th>Arbetslösa i yrkesområdet</th>
<th>Gapindex</th></tr></thead><tbody>{gap_rows}</tbody></table></section>
<section><h2>Arbetssökande</h2>{jobseekers}
<p class="note">Inskrivna arbetslösa i hela länet per grupp (kommunerna och raderna "Uppgift saknas"). Värden
som kan vara under 5 visas aldrig ({suppressed} dolda värden i perioden); "svag konkurrensförmåga" omfattar
funktionsnedsättning, som inte publiceras som eget antal per kommun.</p></section>
<section><h2>Utbildningsutbud</h2>{education}
<p class="note">Platser i utbildningstillfällen med start {year} eller senare, per inriktning (SUN 2020, nivå 1).
</p></section>{_skills_section(data)}"""
    body += _transitions_section(data)
    body += _work_after_education_section(data)
    return f"""<!DOCTYPE html>
<html lang="sv"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)}</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 60rem; color: #1d2630; }}
h1 {{ font-size: 1.7rem; margin-bottom: 0.2rem; }}
.meta {{ color: #5f6b7a; margin-top: 0; }}
section {{ margin: 2rem 0; }}
svg.chart {{ max-width: 100%; height: auto; display: block; }}
.note {{ color: #5f6b7a; font-size: 0.9rem; }}
.no-data {{ font-style: italic; color: #5f6b7a; }}
table {{ border-collapse: collapse; font-size: 0.85rem; margin-top: 1rem; }}
td, th {{ border-bottom: 1px solid #d5dbe1; padding: 0.2rem 0.6rem; text-align: left; }}
</style></head>
<body>
<h1>{escape(title)}</h1>
<p class="meta">Län {escape(data.county_code)} · {"år " + str(year) if year else "inga data ännu"} · skapad
{generated_at:%Y-%m-%d %H:%M} ur Vägleds lager (schema mart)</p>
{body}
<footer class="note">Källor: Arbetsförmedlingen (platsannonser, arbetssökande, yrkesbarometer), utbildningsanordnarnas
kataloger, Skolverket (etablering efter gymnasieskolan), SCB:s klassifikationer SSYK 2012 och SUN 2020.
Metoden beskrivs i projektets docs/marts.md.</footer>
</body></html>
"""


def write_reports(conn, counties: Iterable[str] | None = None, out_dir: Path | None = None) -> list[Path]:
    """Write one report per county (default: every county of the area); return the files written."""
    out_dir = Path(out_dir or default_report_dir())
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for county_code in counties or area_county_codes():
        data = read_report_data(conn, county_code)
        path = report_path(out_dir, county_code)
        # write beside and rename, so a reader never opens half a report
        partial = path.with_suffix(".html.partial")
        partial.write_text(render_report(data), encoding="utf-8")
        partial.replace(path)
        log.info("report for county %s (%s, year %s): %s", county_code, data.county_name, data.year or "none", path)
        written.append(path)
    return written
