"""The skills marts and jobs within reach, on a warehouse loaded from feedsim over HTTP.

Job ads (a backfill year from the enriched archives and three months of the stream), the taxonomy
with its skills and the job seekers are loaded through the real load path; then the
warehouse_marts DAG runs for real. Every expectation is computed from core here, independently:
the link rule is re-implemented in Python, never read from the marts' SQL.
"""

from __future__ import annotations

import unicodedata
from collections import Counter, defaultdict
from datetime import date
from pathlib import Path

import psycopg
import pytest

pytestmark = pytest.mark.e2e

SKILL_MARTS = ("skill_demand_monthly", "skill_trend", "jobs_within_reach")
QUERIES_DIR = Path(__file__).resolve().parents[2] / "docs" / "queries"
MIN_MUNICIPALITY_ADS, MIN_SKILL_ADS, MIN_OCCUPATION_ADS = 10, 20, 100  # docs/skills.md


def _run_feed(feed: str, params: dict) -> None:
    from vagled.pipeline import tasks

    extracted = tasks.extract(feed, data_interval_start=None, data_interval_end=None, params=params, run_id="skills")
    tasks.stage(feed, extracted["batch_id"])
    tasks.publish(feed, extracted["batch_id"])


FEEDS = (
    ("taxonomy", {}),
    ("taxonomy_skills", {}),
    ("job_ads", {"backfill": [2025]}),
    ("job_ads", {"period_start": "2026-08-01T00:00:00+02:00", "period_end": "2026-11-01T00:00:00+01:00"}),
)


def _load_feeds() -> None:
    for feed, params in FEEDS:
        _run_feed(feed, params)


def _load_jobseekers_once(conn) -> None:
    """The job-seeker workbooks hold the whole series and refuse a month already loaded: load them
    only into a warehouse that has none yet (another module of the session may have)."""
    if conn.execute("select count(*) from core.jobseekers_monthly").fetchone()[0] == 0:
        _run_feed("jobseekers", {"period_start": "2026-01-01", "period_end": "2026-10-01"})


def _dag(dag_id: str):
    from airflow.dag_processing.dagbag import DagBag

    from vagled.config import DAGS_DIR

    dag = DagBag(dag_folder=str(DAGS_DIR / f"{dag_id}.py")).dags[dag_id]
    for task in dag.tasks:
        task.retries = 0
    return dag


@pytest.fixture(scope="module")
def skills_built(airflow_db, feedsim, embedded_warehouse):
    import os

    from vagled.feedsim.cli import connection_uris

    saved = dict(os.environ)
    os.environ.update({f"AIRFLOW_CONN_{k.upper()}": v for k, v in connection_uris("127.0.0.1", feedsim.port).items()})
    try:
        _load_feeds()
        with psycopg.connect(embedded_warehouse.url(), autocommit=True) as conn:
            _load_jobseekers_once(conn)
        run = _dag("warehouse_marts").test()
        assert run.state == "success"
        yield run
    finally:
        os.environ.clear()
        os.environ.update(saved)


def _key(text: str) -> str:
    """The link rule's key, written again from docs/skills.md (not read from the SQL)."""
    return " ".join(unicodedata.normalize("NFC", text).split()).lower()


def _expected_ad_skills(conn) -> dict[str, dict[tuple, tuple[bool, bool]]]:
    """ad id -> {(concept id or None, term or None): (required, merited)}, by the documented rule."""
    skills = conn.execute("select concept_id, label_sv, replaced_by_concept_id, retired_at is null from core.skill")
    skills = skills.fetchall()
    current_ids = {cid for cid, *_ in skills}
    effective = {cid: (rep if not current and rep in current_ids else cid) for cid, _label, rep, current in skills}
    by_key: dict[str, dict[bool, set[str]]] = defaultdict(lambda: {True: set(), False: set()})
    for cid, label, _rep, current in skills:
        by_key[_key(label)][current].add(effective[cid])
    links = {}
    for key, sets in by_key.items():
        chosen = sets[True] or sets[False]
        if len(chosen) == 1:
            links[key] = next(iter(chosen))

    def identify(concept_id: str | None, text: str | None) -> tuple:
        if concept_id in effective:
            return (effective[concept_id], None)
        key = _key(text) if text is not None else None
        if key in links:
            return (links[key], None)
        return (None, key if key is not None else concept_id)

    found: dict[str, dict[tuple, list[bool]]] = defaultdict(dict)
    for ad_id, term in conn.execute(
        "select ad_id, term from core.job_ad_keyword where origin = 'enriched' and keyword_type = 'skill'"
    ):
        found[ad_id].setdefault(identify(None, term), [False, False])
    for ad_id, requirement, concept_id, label in conn.execute(
        "select ad_id, requirement, concept_id, label from core.job_ad_requirement where kind = 'skills'"
    ):
        flags = found[ad_id].setdefault(identify(concept_id, label), [False, False])
        flags[0 if requirement == "must_have" else 1] = True
    return {
        ad: {skill: (must, nice and not must) for skill, (must, nice) in skills.items()} for ad, skills in found.items()
    }


@pytest.fixture(scope="module")
def expected(skills_built, embedded_warehouse):
    with psycopg.connect(embedded_warehouse.url(), autocommit=True) as conn:
        ads = {
            row[0]: row[1:]
            for row in conn.execute(
                "select ad_id, date_trunc('month', publication_date at time zone 'Europe/Stockholm')::date,"
                " county_code, municipality_code, ssyk4 from core.job_ad where publication_date is not null"
            )
        }
        return ads, _expected_ad_skills(conn)


def test_skill_demand_reconciles_with_core_county_by_county(expected, warehouse_conn):
    ads, ad_skills = expected
    mentions: Counter = Counter()
    required: Counter = Counter()
    occupation: Counter = Counter()
    for ad_id, (month, county, _muni, ssyk4) in ads.items():
        occupation[(month, county, ssyk4)] += 1
        for skill, (must, _nice) in ad_skills.get(ad_id, {}).items():
            mentions[(month, county, ssyk4, *skill)] += 1
            required[(month, county, ssyk4, *skill)] += must
    rows = warehouse_conn.execute(
        "select month, county_code, ssyk4, skill_concept_id, skill_term, ads_mentioning, ads_required,"
        " occupation_ads, share from mart.skill_demand_monthly where area_level = 'county'"
    ).fetchall()
    assert rows and {r[:5]: r[5] for r in rows} == dict(mentions)
    assert {r[:5]: r[6] for r in rows} == dict(required)
    for month, county, ssyk4, _cid, _term, n, _req, occupation_ads, share in rows:
        assert occupation_ads == occupation[(month, county, ssyk4)]
        assert abs(float(share) - n / occupation_ads) < 1e-4


def test_municipality_rows_only_where_counts_allow_and_they_add_up(expected, warehouse_conn):
    ads, ad_skills = expected
    per_place: Counter = Counter()
    for month, _county, muni, ssyk4 in ads.values():
        if muni is not None:
            per_place[(month, muni, ssyk4)] += 1
    mentions: Counter = Counter()
    for ad_id, (month, _county, muni, ssyk4) in ads.items():
        if muni is not None and per_place[(month, muni, ssyk4)] >= MIN_MUNICIPALITY_ADS:
            for skill in ad_skills.get(ad_id, {}):
                mentions[(month, muni, ssyk4, *skill)] += 1
    rows = warehouse_conn.execute(
        "select month, municipality_code, ssyk4, skill_concept_id, skill_term, ads_mentioning, occupation_ads"
        " from mart.skill_demand_monthly where area_level = 'municipality'"
    ).fetchall()
    assert rows, "feedsim's larger municipalities pass the minimum"
    assert {r[:5]: r[5] for r in rows} == dict(mentions)
    assert min(r[6] for r in rows) >= MIN_MUNICIPALITY_ADS


def test_a_term_without_a_taxonomy_concept_is_counted_not_lost(expected, warehouse_conn):
    ads, ad_skills = expected
    unlinked = Counter(
        skill[1] for ad_id, skills in ad_skills.items() if ad_id in ads for skill in skills if skill[0] is None
    )
    assert unlinked, "feedsim's ads name a skill the taxonomy does not (elbehörighet)"
    in_mart = dict(
        warehouse_conn.execute(
            "select skill_term, sum(ads_mentioning) from mart.skill_demand_monthly"
            " where area_level = 'county' and skill_concept_id is null group by skill_term"
        ).fetchall()
    )
    assert in_mart == dict(unlinked)
    assert "elbehörighet" in in_mart


def test_the_year_before_columns_are_the_same_month_a_year_earlier(warehouse_conn):
    rows = warehouse_conn.execute(
        "select count(*), count(*) filter (where b.ads_mentioning is distinct from s.ads_mentioning_year_before"
        "   and not (b.ads_mentioning is null and s.ads_mentioning_year_before = 0))"
        " from mart.skill_demand_monthly s left join mart.skill_demand_monthly b"
        "   on b.month = (s.month - interval '1 year')::date and b.area_level = s.area_level"
        "  and b.county_code = s.county_code and b.municipality_code is not distinct from s.municipality_code"
        "  and b.ssyk4 is not distinct from s.ssyk4 and b.skill_concept_id is not distinct from s.skill_concept_id"
        "  and b.skill_term is not distinct from s.skill_term"
        " where s.month >= '2026-01-01'"
    ).fetchone()
    compared, wrong = rows
    assert compared > 0 and wrong == 0
    with_history = warehouse_conn.execute(
        "select count(*) from mart.skill_demand_monthly where month >= '2026-08-01' and share_year_before is not null"
        " and share_change = share - share_year_before"
    ).fetchone()[0]
    assert with_history > 0, "Aug-Oct 2026 are compared with Aug-Oct 2025"


def test_skill_trend_reconciles_and_the_minimum_count_rule_holds(expected, warehouse_conn):
    ads, ad_skills = expected
    window_end = warehouse_conn.execute("select distinct window_end from mart.skill_trend").fetchall()
    assert len(window_end) == 1
    end: date = window_end[0][0]
    assert end == max(month for month, *_ in ads.values())

    def months_back(month: date) -> int:
        return (end.year - month.year) * 12 + end.month - month.month

    recent, earlier, county_recent, county_earlier = Counter(), Counter(), Counter(), Counter()
    for ad_id, (month, county, _muni, _ssyk4) in ads.items():
        back = months_back(month)
        if back > 23:
            continue
        (county_recent if back < 12 else county_earlier)[county] += 1
        for skill in ad_skills.get(ad_id, {}):
            (recent if back < 12 else earlier)[(county, *skill)] += 1
    rows = warehouse_conn.execute(
        "select county_code, skill_concept_id, skill_term, ads_last_12m, ads_previous_12m,"
        " occupation_ads_last_12m, occupation_ads_previous_12m, ranked, rank_rising, rank_falling, share_change"
        " from mart.skill_trend where ssyk4 is null"
    ).fetchall()
    assert {r[:3]: (r[3], r[4]) for r in rows} == {
        key: (recent[key], earlier[key]) for key in set(recent) | set(earlier)
    }
    for county, *_, last, previous, occ_last, occ_previous, ranked, rising, falling, change in rows:
        assert (occ_last, occ_previous) == (county_recent[county], county_earlier[county])
        rule = last >= MIN_SKILL_ADS and previous >= MIN_SKILL_ADS and min(occ_last, occ_previous) >= MIN_OCCUPATION_ADS
        assert ranked == rule
        if not ranked:
            assert rising is None and falling is None, "noise never ranks"
        assert rising is None or change > 0
        assert falling is None or change < 0
    ranked_rows = [r for r in rows if r[7]]
    assert ranked_rows, "feedsim's counties have skills above the minimum"
    unranked = warehouse_conn.execute(
        "select count(*) from mart.skill_trend"
        " where not ranked and (rank_rising is not null or rank_falling is not null)"
    ).fetchone()[0]
    assert unranked == 0
    # rank 1 rising is the largest growth of the share among the ranked in its county and occupation
    tops = warehouse_conn.execute(
        "select t.county_code, t.share_change, (select max(share_change) from mart.skill_trend m"
        "   where m.county_code = t.county_code and m.ssyk4 is not distinct from t.ssyk4 and m.ranked)"
        " from mart.skill_trend t where t.rank_rising = 1"
    ).fetchall()
    assert tops and all(change == best for _county, change, best in tops)


def test_rerunning_the_feeds_and_the_marts_changes_nothing(skills_built, warehouse_conn):
    from vagled.marts import refresh_mart

    tables = (
        "core.job_ad",
        "core.job_ad_keyword",
        "core.job_ad_requirement",
        "core.skill",
        "core.skill_esco_match",
        *(f"mart.{m}" for m in SKILL_MARTS),
    )

    def state() -> dict:
        return {
            t: warehouse_conn.execute(
                f"select count(*), md5(coalesce(string_agg(x::text, '|' order by x::text), '')) from {t} as x"
            ).fetchone()
            for t in tables
        }

    before = state()
    _load_feeds()
    for mart in SKILL_MARTS:
        refresh_mart(warehouse_conn, mart)
    assert state() == before


def test_jobs_within_reach_reconciles_with_core(skills_built, warehouse_conn):
    ads = warehouse_conn.execute(
        "select date_trunc('month', publication_date at time zone 'Europe/Stockholm')::date, municipality_code,"
        " coalesce(number_of_vacancies, 1), experience_required, driving_license_required, access_to_own_car,"
        " working_hours_type, occupation_label, headline from core.job_ad where publication_date is not null"
    ).fetchall()
    expected: dict[tuple, list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0])
    for month, muni, vacancies, experience, licence, car, hours, occupation, headline in ads:
        no_experience = experience is False
        no_licence = licence is False and car is not True
        part_time = hours == "Deltid"
        apprenticeship = "lärling" in f"{occupation or ''} {headline or ''}".lower()
        row = expected[(month, muni)]
        row[0] += 1
        row[1] += no_experience and no_licence
        row[2] += vacancies if no_experience and no_licence else 0
        row[3] += part_time
        row[4] += no_experience and no_licence and (part_time or apprenticeship)
    got = {
        (month, muni): [ads_, reach, vac, part, reach_part]
        for month, muni, ads_, reach, vac, part, reach_part in warehouse_conn.execute(
            "select month, municipality_code, sum(ads), sum(ads_within_reach), sum(vacancies_within_reach),"
            " sum(ads_part_time), sum(ads_within_reach_part_time_or_apprenticeship)"
            " from mart.jobs_within_reach group by 1, 2"
        )
    }
    assert got == {key: value for key, value in expected.items()}
    assert sum(v[1] for v in expected.values()) > 0, "feedsim has ads within reach"


def test_the_report_shows_skills_and_jobs_within_reach_in_chromium(skills_built, chromium, tmp_path, warehouse_conn):
    from vagled.cli import main

    assert main(["report", "--county", "03", "--out", str(tmp_path)]) == 0
    page = chromium.new_page(viewport={"width": 1200, "height": 900})
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto((tmp_path / "kompetensforsorjning_03.html").as_uri())
    for name in ("rising-skills", "occupation-requirements", "jobs-within-reach"):
        chart = page.locator(f"svg.chart.{name}")
        assert chart.count() == 1, name
        box = chart.bounding_box()
        assert box and box["width"] > 300 and box["height"] > 100, name
        assert chart.locator("rect.bar").count() >= 2, name
    body = page.inner_text("body")
    assert "Jobb inom räckhåll" in body and "Kompetenser som efterfrågas" in body
    # the rising skills shown are the county's ranked ones, in rank order
    ranked = [
        r[0]
        for r in warehouse_conn.execute(
            "select skill_label from mart.skill_trend where county_code = '03' and ssyk4 is null"
            " and rank_rising is not null order by rank_rising, skill_label limit 10"
        )
    ]
    titles = page.eval_on_selector_all(
        "svg.chart.rising-skills rect.bar title", "elements => elements.map(e => e.textContent)"
    )
    assert ranked and [t.split(":")[0] for t in titles[::2]] == ranked
    # one table row per municipality of the county with ads, and job-seeker counts below 5 never shown
    municipalities = warehouse_conn.execute(
        "select count(distinct municipality_code) from mart.jobs_within_reach where county_code = '03'"
        " and municipality_code is not null"
        " and month > (select max(month) from mart.jobs_within_reach where county_code = '03') - interval '12 months'"
    ).fetchone()[0]
    assert page.locator("section:has(svg.jobs-within-reach) tbody tr").count() == municipalities
    # the job seekers beside them: far from work and long-term unemployed, never a count below 5
    cells = page.locator("section:has(svg.jobs-within-reach) tbody tr td:nth-child(n+5)").all_text_contents()
    assert cells and all(c == "–" or int(c) >= 5 for c in cells)
    assert any(c != "–" for c in cells), "feedsim's larger municipalities have counts to show"
    assert errors == [] and all(url.startswith("file://") for url in requested)
    page.close()
