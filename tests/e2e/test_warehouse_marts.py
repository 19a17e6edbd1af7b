"""The marts, analyst access and the regional report, on a warehouse loaded from feedsim over HTTP.

The feeds are loaded through the real load path (vagled.pipeline.tasks, the functions the DAG
tasks call), then the warehouse_marts DAG runs for real (dag.test()). Every expectation about the
marts is computed from core by an independent query, never from the marts' own SQL.
"""

from __future__ import annotations

import threading
from pathlib import Path

import psycopg
import pytest

pytestmark = pytest.mark.e2e

MARTS = (
    "job_ads_monthly",
    "jobseekers_monthly",
    "education_supply",
    "municipality_profile",
    "competence_gap",
    "skill_demand_monthly",
    "skill_trend",
    "jobs_within_reach",
    "education_transitions",
    "matched_employment",
    "labour_market_outcomes",
)
QUERIES_DIR = Path(__file__).resolve().parents[2] / "docs" / "queries"
OWN_FILES = {"03": "0380", "19": "1980"}  # a municipality per county whose own files are loaded


def _run_feed(feed: str, params: dict) -> None:
    from vagled.pipeline import tasks

    extracted = tasks.extract(feed, data_interval_start=None, data_interval_end=None, params=params, run_id="marts")
    tasks.stage(feed, extracted["batch_id"])
    tasks.publish(feed, extracted["batch_id"])


def _run_partition(feeds: tuple[str, ...], partition: str, params: dict) -> None:
    from vagled.pipeline import tasks

    extracted = tasks.extract_partition(
        feeds, partition, data_interval_start=None, data_interval_end=None, params=params, run_id="marts"
    )
    tasks.publish_partition(tasks.stage_partition(extracted))


def _dag(dag_id: str):
    from airflow.dag_processing.dagbag import DagBag

    from vagled.config import DAGS_DIR

    dag = DagBag(dag_folder=str(DAGS_DIR / f"{dag_id}.py")).dags[dag_id]
    for task in dag.tasks:
        task.retries = 0
    return dag


@pytest.fixture(scope="module")
def marts_built(airflow_db, feedsim):
    """Every feed the marts read, loaded from feedsim; then warehouse_marts run once."""
    import os

    from vagled.feedsim.cli import connection_uris

    saved = dict(os.environ)
    os.environ.update({f"AIRFLOW_CONN_{k.upper()}": v for k, v in connection_uris("127.0.0.1", feedsim.port).items()})
    try:
        _run_feed("job_ads", {"backfill": [2025]})
        _run_feed("job_ads", {"period_start": "2026-08-01T00:00:00+02:00", "period_end": "2026-11-01T00:00:00+01:00"})
        # the page shows 2026-09 for every workbook: the months from January are published
        _run_feed("jobseekers", {"period_start": "2026-01-01", "period_end": "2026-10-01"})
        _run_feed("occupational_outlook", {})
        # Skolverket's listing as it stands, and MYH's rounds 2024 and 2025 (SUN fields and places)
        _run_feed("education_offerings", {"period_start": "2026-10-19", "period_end": "2026-10-26"})
        _run_feed("myh_programmes", {"period_start": "2026-10-19", "period_end": "2026-10-26"})
        _run_feed("kolada_key_figures", {"years": "2024"})
        _run_feed("education_transitions", {"years": "2023-2024"})
        _run_feed("scb_transitions", {"years": "2023-2024"})
        for code in OWN_FILES.values():
            _run_partition(
                ("municipal_komvux", "municipal_programmes"),
                code,
                {"period_start": "2026-09-01", "period_end": "2026-10-01"},
            )
        run = _dag("warehouse_marts").test()
        assert run.state == "success"
        yield run
    finally:
        os.environ.clear()
        os.environ.update(saved)


def _one(conn, query: str, params=None):
    return conn.execute(query, params).fetchone()


def test_every_mart_is_built_and_reconciles_with_core(marts_built, warehouse_conn):
    for mart in MARTS:
        assert _one(warehouse_conn, f"select count(*) from mart.{mart}")[0] > 0, mart

    # job ads: every published ad once, vacancies counted the documented way
    assert _one(warehouse_conn, "select sum(ads), sum(vacancies) from mart.job_ads_monthly") == _one(
        warehouse_conn,
        "select count(*), sum(coalesce(number_of_vacancies, 1)) from core.job_ad where publication_date is not null",
    )
    per_county_month = warehouse_conn.execute(
        "select county_code, month, sum(ads) from mart.job_ads_monthly group by 1, 2 order by 1, 2"
    ).fetchall()
    assert (
        per_county_month
        == warehouse_conn.execute(
            "select county_code, date_trunc('month', publication_date at time zone 'Europe/Stockholm')::date, count(*)"
            " from core.job_ad where publication_date is not null group by 1, 2 order by 1, 2"
        ).fetchall()
    )

    # job seekers: one row per core row; ranges that reach below 5 never shown, the rest exactly core's
    assert _one(warehouse_conn, "select count(*) from mart.jobseekers_monthly") == _one(
        warehouse_conn, "select count(*) from core.jobseekers_monthly"
    )
    shown, shown_max, suppressed = _one(
        warehouse_conn,
        "select coalesce(sum(jobseekers_min), 0), coalesce(sum(jobseekers_max), 0), count(*) filter (where suppressed)"
        " from mart.jobseekers_monthly",
    )
    assert (shown, shown_max, suppressed) == _one(
        warehouse_conn,
        "select coalesce(sum(count_min) filter (where count_min >= 5), 0),"
        " coalesce(sum(count_max) filter (where count_min >= 5), 0), count(*) filter (where count_min < 5)"
        " from core.jobseekers_monthly",
    )
    assert suppressed > 0  # feedsim's small municipalities have small groups: the rule was exercised
    assert (
        _one(
            warehouse_conn,
            "select count(*) from mart.jobseekers_monthly"
            " where jobseekers_min < 5 or (suppressed and (jobseekers_min, jobseekers_max) is not null)",
        )[0]
        == 0
    )
    # rates come from numerators and denominators: the base is beside every municipality's count
    assert (
        _one(
            warehouse_conn,
            "select count(*) from mart.jobseekers_monthly where area_level = 'municipality' and group_code = 'total'"
            " and labour_force is null",
        )[0]
        == 0
    )

    # education supply: every education once (a Skolverket YH event linked to its MYH programme is the
    # programme), not withdrawn before it started, counted in each municipality it is given in, its
    # places shared between them (rounded per row)
    offerings, places, rows = _one(
        warehouse_conn, "select sum(offerings), sum(places), count(*) from mart.education_supply"
    )
    expected_offerings, expected_places = _one(
        warehouse_conn,
        "select sum(greatest(1, (select count(*) from core.education_offering_municipality m"
        "   where m.offering_id = o.offering_id))), coalesce(sum(places), 0) from core.education_offering o"
        " where o.same_as_offering_id is null"
        " and (o.closed_on is null or o.start_date is null or o.closed_on > o.start_date)",
    )
    assert offerings == expected_offerings and abs(places - expected_places) <= 0.5 * rows
    assert expected_places > 0

    # municipality profile: the yearly key figures
    assert _one(warehouse_conn, "select count(*), sum(value) from mart.municipality_profile") == _one(
        warehouse_conn, "select count(*), sum(value) from core.municipality_key_figure where month = 0"
    )

    # competence gap: demand is every vacancy with an occupation; supply shares each matched place once
    assert (
        _one(warehouse_conn, "select sum(vacancies) from mart.competence_gap")[0]
        == _one(
            warehouse_conn,
            "select sum(coalesce(number_of_vacancies, 1)) from core.job_ad"
            " where publication_date is not null and ssyk4 is not null",
        )[0]
    )
    places_in_mart, gap_rows = _one(
        warehouse_conn, "select sum(education_places_matched), count(*) from mart.competence_gap"
    )
    matched_places = _one(
        warehouse_conn,
        "select coalesce(sum(o.places), 0) from core.education_offering o"
        " join core.education_field_levels l using (sun_field_code)"
        " where (o.closed_on is null or o.closed_on > o.start_date) and exists ("
        "   select from core.education_occupation_match m"
        "   where m.sun_field_code = l.field_level_3 and m.sun_level_code = o.education_level)",
    )[0]
    assert matched_places > 0
    assert abs(float(places_in_mart) - float(matched_places)) <= 0.05 * gap_rows  # rounding to 0.1 per row
    bad_index = _one(
        warehouse_conn,
        "select count(*) from mart.competence_gap where gap_index is distinct from round("
        " (vacancies - education_places_matched) / nullif(vacancies + education_places_matched, 0), 3)"
        " and abs(gap_index - (vacancies - education_places_matched)"
        "         / nullif(vacancies + education_places_matched, 0)) > 0.01",
    )[0]
    assert bad_index == 0

    # the outlook is the barometer's category, never a number; the supply side is the area's unemployed
    categories = {
        r[0] for r in warehouse_conn.execute("select distinct recruitment_situation from mart.competence_gap")
    }
    assert categories - {None} and categories <= {None, "överskott", "balans", "brist", "paradox", "olika"}
    # 5120 has two barometer occupations, both 'delvis': the mart says so and lists both
    assert _one(
        warehouse_conn,
        "select outlook_mapping,"
        " recruitment_assessments like '%Kallskänkor%' and recruitment_assessments like '%Kockar%'"
        " from mart.competence_gap where ssyk4 = '5120' and county_code = '03' and period = 2026",
    ) == ("delvis", True)
    wrong_supply = _one(
        warehouse_conn,
        "select count(*) from mart.competence_gap g join core.jobseekers_monthly j"
        " on j.area_code = g.county_code and j.group_code = 'occupational_area:' || g.occupational_area"
        " and j.month = '2026-09-01' where g.period = 2026"
        " and g.unemployed_occupational_area is distinct from case when j.count_min >= 5 then j.count_min end",
    )[0]
    filled = _one(
        warehouse_conn, "select count(*) from mart.competence_gap where unemployed_occupational_area is not null"
    )[0]
    assert wrong_supply == 0 and filled > 0
    # education transitions: one row per core row, the same shares; the trend is the change since the
    # previous cohort with a row (a year may be missing) of the same programme, place, owner and
    # years after, computed here from core
    assert _one(
        warehouse_conn, "select count(*), sum(share_established), sum(share_studying) from mart.education_transitions"
    ) == _one(
        warehouse_conn, "select count(*), sum(share_established), sum(share_studying) from core.education_transition"
    )
    trend_rows, wrong_trend = _one(
        warehouse_conn,
        "select count(*) filter (where m.trend_established_pp is not null),"
        " count(*) filter (where m.trend_established_pp is distinct from c.share_established - p.share_established"
        "  or m.previous_cohort_year is distinct from prev.cohort_year)"
        " from mart.education_transitions m"
        " join core.education_transition c using (cohort_year, programme_code, region_code, owner_type, years_after)"
        " left join lateral (select max(q.cohort_year) as cohort_year from core.education_transition q"
        "  where q.programme_code = c.programme_code and q.region_code = c.region_code"
        "  and q.owner_type = c.owner_type and q.years_after = c.years_after and q.cohort_year < c.cohort_year) prev"
        "  on true"
        " left join core.education_transition p on p.programme_code = c.programme_code"
        "  and p.region_code = c.region_code and p.owner_type = c.owner_type and p.years_after = c.years_after"
        "  and p.cohort_year = prev.cohort_year",
    )
    assert trend_rows > 0 and wrong_trend == 0
    # matched employment: one row per core share, the same values; the difference from all groups and
    # the change since the year before computed here from core
    assert _one(warehouse_conn, "select count(*), sum(matched_share) from mart.matched_employment") == _one(
        warehouse_conn, "select count(*), sum(value) from core.matched_employment where measure = 'matched_share'"
    )
    wrong_matched = _one(
        warehouse_conn,
        "select count(*) from mart.matched_employment m"
        " join core.matched_employment c using (year, region_code, education_code)"
        " left join core.matched_employment a on a.year = c.year and a.region_code = c.region_code"
        "  and a.education_code = '00S' and a.measure = c.measure"
        " left join core.matched_employment p on p.year = c.year - 1 and p.region_code = c.region_code"
        "  and p.education_code = c.education_code and p.measure = c.measure"
        " where c.measure = 'matched_share' and (m.difference_from_all_pp is distinct from c.value - a.value"
        "  or m.trend_pp is distinct from c.value - p.value)",
    )[0]
    assert wrong_matched == 0
    # outcomes: one row per group and sex, each measure the core value; the gap to those born in Sweden
    assert _one(
        warehouse_conn,
        "select count(*), sum(employed_share), sum(long_term_unemployed_share), sum(in_programme_share)"
        " from mart.labour_market_outcomes",
    ) == _one(
        warehouse_conn,
        "select count(distinct (year, region_code, education_code, background_code, sex)),"
        " sum(value) filter (where measure = 'employed_share'),"
        " sum(value) filter (where measure = 'long_term_unemployed_share'),"
        " sum(value) filter (where measure = 'in_programme_share') from core.labour_market_outcome",
    )
    gaps, wrong_gap = _one(
        warehouse_conn,
        "select count(m.employed_gap_to_born_in_sweden_pp), count(*) filter (where m.employed_gap_to_born_in_sweden_pp"
        "  is distinct from c.value - se.value)"
        " from mart.labour_market_outcomes m"
        " join core.labour_market_outcome c using (year, region_code, education_code, background_code, sex)"
        " left join core.labour_market_outcome se on se.year = c.year and se.region_code = c.region_code"
        "  and se.education_code = c.education_code and se.sex = c.sex and se.measure = c.measure"
        "  and se.background_code = (select value_code from core.scb_code where variable_code = 'BakgrVar'"
        "   and meaning = 'born_in_sweden')"
        " where c.measure = 'employed_share'",
    )
    assert gaps > 0 and wrong_gap == 0
    kinds = {r[0] for r in warehouse_conn.execute("select distinct group_kind from mart.labour_market_outcomes")}
    assert kinds == {"foreign_born_by_time_in_sweden", "foreign_born", "low_education", "reference"}


def test_shortage_occupations_link_to_the_programmes_leading_to_them(marts_built, warehouse_conn):
    """No programme's SUN field is sourced yet, so the link is empty; with one stated, the mart finds the
    shortage occupations it leads to and the programme's establishment, as computed here from core."""
    from vagled.marts import refresh_mart

    assert (
        _one(warehouse_conn, "select count(*) from core.upper_secondary_programme where sun_field_code is not null")[0]
        == _one(warehouse_conn, "select count(*) from mart.shortage_programme_transitions")[0]
        == 0
    )
    # a SUN field that leads, at the upper-secondary level, to an occupation in shortage in some county
    field, ssyk, county = _one(
        warehouse_conn,
        "select mt.sun_field_code, mt.ssyk_code, g.county_code from core.education_occupation_match mt"
        " join mart.competence_gap g on g.ssyk4 = mt.ssyk_code and g.recruitment_situation = 'brist'"
        " where mt.sun_level_code = '3' order by 1, 2, 3 limit 1",
    )
    warehouse_conn.execute(
        "update core.upper_secondary_programme set sun_field_code = %s, sun_field_source = 'test' where"
        " programme_code = 'BA'",
        (field,),
    )
    try:
        refresh_mart(warehouse_conn, "shortage_programme_transitions")
        row = _one(
            warehouse_conn,
            "select established_1_year, graduates, cohort from mart.shortage_programme_transitions"
            " where county_code = %s and ssyk4 = %s and programme_code = 'BA'",
            (county, ssyk),
        )
        expected = _one(
            warehouse_conn,
            "select share_established, graduates, cohort from core.education_transition where county_code = %s"
            " and programme_code = 'BA' and region_level = 'county' and owner_type = 'samtliga' and years_after = 1"
            " order by cohort_year desc limit 1",
            (county,),
        )
        assert row == expected
        assert (
            _one(
                warehouse_conn,
                "select count(*) from mart.shortage_programme_transitions where programme_code <> 'BA'"
                " or recruitment_situation <> 'brist'",
            )[0]
            == 0
        )
    finally:
        warehouse_conn.execute(
            "update core.upper_secondary_programme set sun_field_code = null, sun_field_source = null"
            " where programme_code = 'BA'"
        )
        refresh_mart(warehouse_conn, "shortage_programme_transitions")


def test_the_dag_wrote_a_report_per_county(marts_built):
    from vagled.config import area_county_codes
    from vagled.report.regional import default_report_dir, report_path

    for county in area_county_codes():
        path = report_path(default_report_dir(), county)
        assert path.is_file() and "<svg" in path.read_text(encoding="utf-8"), path


def test_refresh_never_blocks_readers_who_see_old_or_new_never_a_mix(marts_built, embedded_warehouse):
    from vagled.marts import refresh_mart

    url = embedded_warehouse.url()
    with psycopg.connect(url, autocommit=True) as reader:
        reader.execute("set statement_timeout = '5s'")
        before = _one(reader, "select sum(vacancies), count(*) from mart.job_ads_monthly")
        ad_id = _one(reader, "select ad_id from core.job_ad where publication_date is not null limit 1")[0]
        with psycopg.connect(url) as writer:  # one open transaction: a load and the refresh, not committed
            writer.execute(
                "update core.job_ad set number_of_vacancies = coalesce(number_of_vacancies, 1) + 1000 where ad_id = %s",
                (ad_id,),
            )
            refresh_mart(writer, "job_ads_monthly")
            # The refresh holds its lock until commit; a reader still answers at once, with the old rows.
            seen_meanwhile = _one(reader, "select sum(vacancies), count(*) from mart.job_ads_monthly")
            assert seen_meanwhile == before
            writer.commit()
        after = _one(reader, "select sum(vacancies), count(*) from mart.job_ads_monthly")
        assert after == (before[0] + 1000, before[1])

        # While a refresh runs in another thread, every read sees one whole state, old or new.
        totals, stop = set(), threading.Event()

        def read_until_stopped() -> None:
            with psycopg.connect(url, autocommit=True) as conn:
                while not stop.is_set():
                    totals.add(_one(conn, "select sum(vacancies) from mart.job_ads_monthly")[0])

        thread = threading.Thread(target=read_until_stopped)
        thread.start()
        with psycopg.connect(url, autocommit=True) as writer:
            writer.execute(
                "update core.job_ad set number_of_vacancies = number_of_vacancies - 1000 where ad_id = %s", (ad_id,)
            )
            refresh_mart(writer, "job_ads_monthly")
        stop.set()
        thread.join()
        assert totals <= {before[0], before[0] + 1000} and totals
    with psycopg.connect(url, autocommit=True) as conn:
        assert _one(conn, "select sum(vacancies), count(*) from mart.job_ads_monthly") == before


@pytest.fixture(scope="module")
def analyst_logins(marts_built, embedded_warehouse):
    """A login per county of the area (as `vagled add-analyst` makes them), and their conninfo."""
    from vagled.config import area_county_codes
    from vagled.warehouse.analysts import add_analyst

    logins = {}
    with psycopg.connect(embedded_warehouse.url(), autocommit=True) as conn:
        for county in area_county_codes():
            name = f"test_analyst_{county}"
            conn.execute(f"drop role if exists {name}")
            password = add_analyst(conn, name, county)
            logins[county] = (
                f"host=127.0.0.1 port={embedded_warehouse.port} dbname=vagled user={name} password={password}"
            )
    return logins


def test_each_county_role_reads_every_mart_but_only_its_own_restricted_rows(analyst_logins, warehouse_conn):
    all_counties = {r[0] for r in warehouse_conn.execute("select distinct county_code from mart.job_ads_monthly")}
    assert len(all_counties) == 5
    own_rows = {
        county: _one(
            warehouse_conn,
            "select count(*) from core.adult_education_enrolment where left(municipality_code, 2) = %s",
            (county,),
        )[0]
        for county in analyst_logins
    }
    assert own_rows["03"] > 0 and own_rows["19"] > 0
    for county, conninfo in analyst_logins.items():
        with psycopg.connect(conninfo, autocommit=True) as conn:
            # every county's marts: the point of a shared warehouse is comparison
            seen = {r[0] for r in conn.execute("select distinct county_code from mart.job_ads_monthly")}
            assert seen == all_counties, county
            for mart in MARTS:
                conn.execute(f"select * from mart.{mart} limit 1")
            # restricted rows: only the login's own county
            for table in ("adult_education_enrolment", "labour_market_programme"):
                counties = {r[0] for r in conn.execute(f"select distinct left(municipality_code, 2) from core.{table}")}
                assert counties <= {county}, (county, table, counties)
            assert _one(conn, "select count(*) from core.adult_education_enrolment")[0] == own_rows[county]


DENIED = (
    "select * from raw.landed_payload limit 1",
    "select * from staging.job_ad limit 1",
    "select * from quarantine.record limit 1",
    "select * from audit.load_batch limit 1",
    "insert into core.county (county_code, county_name) values ('99', 'x')",
    "update core.job_ad set headline = 'x'",
    "delete from mart.job_ads_monthly",
    "update core.adult_education_enrolment set participants = 0",
    "create table mart.mine (x int)",
    "create table core.mine (x int)",
    "create table public.mine (x int)",
    "drop materialized view mart.competence_gap",
    "refresh materialized view mart.job_ads_monthly",
    "create role intruder",
    "grant analyst_04 to current_user",
    "alter table core.job_ad disable row level security",
)


@pytest.mark.parametrize("statement", DENIED)
def test_an_analyst_cannot_read_the_engineers_schemas_nor_change_anything(analyst_logins, statement):
    with (
        psycopg.connect(analyst_logins["04"], autocommit=True) as conn,
        pytest.raises(psycopg.errors.InsufficientPrivilege),
    ):
        conn.execute(statement)


# Relations an analyst may read that are built from the job-seeker counts, with their count columns.
JOBSEEKER_COUNT_COLUMNS = {
    "mart.jobseekers_monthly": ("jobseekers_min", "jobseekers_max", "labour_force"),
    "mart.competence_gap": ("unemployed_occupational_area",),
    # built on competence_gap for its shortage occupations; it shows no job-seeker count at all
    "mart.shortage_programme_transitions": (),
}


def test_no_analyst_reads_a_job_seeker_count_below_five_from_any_relation(analyst_logins, warehouse_conn):
    """Every relation an analyst can select is tried: the job-seeker facts themselves are refused,
    and every relation built from them shows no count below 5."""
    # everything built on core.jobseekers_monthly or its staging/raw inputs, found through the catalog
    derived = {
        r[0]
        for r in warehouse_conn.execute(
            "with recursive dep(oid) as ("
            "  select 'core.jobseekers_monthly'::regclass::oid"
            "  union select r.ev_class from pg_depend d join pg_rewrite r on r.oid = d.objid"
            "  join dep on d.refobjid = dep.oid where r.ev_class <> dep.oid"
            ") select n.nspname || '.' || c.relname from dep join pg_class c on c.oid = dep.oid"
            " join pg_namespace n on n.oid = c.relnamespace"
        )
    }
    assert "core.jobseekers_monthly" in derived and set(JOBSEEKER_COUNT_COLUMNS) <= derived
    assert _one(warehouse_conn, "select count(*) from core.jobseekers_monthly where count_min < 5")[0] > 0
    for county, conninfo in analyst_logins.items():
        with psycopg.connect(conninfo, autocommit=True) as conn:
            readable = [
                r[0]
                for r in conn.execute(
                    "select n.nspname || '.' || c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace"
                    " where c.relkind in ('r', 'v', 'm', 'f', 'p')"
                    " and n.nspname not in ('pg_catalog', 'information_schema') and n.nspname !~ '^pg_toast'"
                    " and (has_table_privilege(c.oid, 'select') or exists ("
                    "   select from pg_attribute a where a.attrelid = c.oid and a.attnum > 0"
                    "   and has_column_privilege(c.oid, a.attnum, 'select')))"
                )
            ]
            assert readable, county
            for relation in ("core.jobseekers_monthly", "staging.jobseeker_cell", "raw.landed_payload"):
                assert relation not in readable
                with pytest.raises(psycopg.errors.InsufficientPrivilege):
                    conn.execute(f"select * from {relation} limit 1")
            for relation in readable:
                rows = conn.execute(f"select * from {relation}").fetchall()  # every relation is tried
                if relation not in derived:
                    continue
                assert relation in JOBSEEKER_COUNT_COLUMNS, f"{relation} reads job-seeker counts: add its columns"
                columns = [d.name for d in conn.execute(f"select * from {relation} limit 0").description]
                for column in JOBSEEKER_COUNT_COLUMNS[relation]:
                    i = columns.index(column)
                    small = [row[i] for row in rows if row[i] is not None and row[i] < 5]
                    assert small == [], (county, relation, column, small[:5])
            # the planner's statistics of the facts are not readable either
            assert (
                _one(
                    conn, "select count(*) from pg_stats where schemaname = 'core' and tablename = 'jobseekers_monthly'"
                )[0]
                == 0
            )


@pytest.mark.parametrize("query_file", sorted(p.name for p in QUERIES_DIR.glob("*.sql")))
def test_documented_example_query_answers_for_an_analyst(analyst_logins, query_file):
    query = (QUERIES_DIR / query_file).read_text(encoding="utf-8")
    with psycopg.connect(analyst_logins["03"], autocommit=True) as conn:
        rows = conn.execute(query).fetchall()
    assert rows, f"{query_file} returned nothing on the loaded warehouse"


def test_example_queries_cover_the_ten_questions():
    assert len(list(QUERIES_DIR.glob("*.sql"))) == 10


def test_regional_report_renders_with_its_charts_in_chromium(marts_built, chromium, tmp_path, warehouse_conn):
    from vagled.cli import main

    assert main(["report", "--county", "18", "--out", str(tmp_path)]) == 0
    report = tmp_path / "kompetensforsorjning_18.html"
    county_name = _one(warehouse_conn, "select county_name from core.county where county_code = '18'")[0]
    page = chromium.new_page(viewport={"width": 1200, "height": 900})
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(report.as_uri())
    assert county_name in page.title() and county_name in page.inner_text("h1")
    charts = {
        name: page.locator(f"svg.chart.{name}")
        for name in (
            "top-occupations",
            "competence-gap",
            "jobseeker-groups",
            "education-supply",
            "transitions",
            "transitions-trend",
            "matched-employment",
            "time-in-sweden",
        )
    }
    for name, chart in charts.items():
        assert chart.count() == 1, name
        box = chart.bounding_box()
        assert box and box["width"] > 300 and box["height"] > 100, name
    assert charts["top-occupations"].locator("rect.bar").count() >= 2
    assert charts["competence-gap"].locator("rect.bar").count() >= 1
    assert charts["jobseeker-groups"].locator(".series").count() >= 2
    assert charts["education-supply"].locator("rect.bar").count() >= 1
    # from education to work: a bar per programme and share, a line per programme group and years after
    assert charts["transitions"].locator("rect.bar").count() >= 2 * 18
    assert charts["transitions-trend"].locator(".series").count() == 6
    assert "Från utbildning till arbete" in page.inner_text("body")
    # SCB: a bar per education group of the county but all groups; employment by time in Sweden
    groups = _one(
        warehouse_conn,
        "select count(*) from core.matched_employment where county_code = '18' and region_level = 'county'"
        " and education_code <> '00S' and year = (select max(year) from core.matched_employment)",
    )[0]
    assert groups > 0 and charts["matched-employment"].locator("rect.bar").count() == groups
    assert charts["time-in-sweden"].locator("rect.bar").count() == 3 * 5  # born in Sweden and four durations
    assert page.locator("table.time-in-sweden-table tbody tr").count() == 5
    assert page.locator(".no-data").count() == 0
    assert errors == [] and all(url.startswith("file://") for url in requested)  # self-contained
    # the gap chart is of a year with both sides: some occupation has matched education places
    from vagled.report.regional import read_report_data

    data = read_report_data(warehouse_conn, "18")
    assert data.gap and any(row[3] > 0 for row in data.gap) and str(data.gap_year) in page.inner_text("body")
    shot = page.screenshot(full_page=True)
    assert len(shot) > 20_000  # a rendered page with charts, not a blank one
    page.close()


def test_report_for_a_county_outside_the_area_is_a_clear_error(marts_built, capsys):
    from vagled.cli import main

    assert main(["report", "--county", "01"]) == 1
    assert "not one of the area's counties" in capsys.readouterr().err


def test_data_dictionary_is_generated_from_the_warehouse_and_committed(marts_built, warehouse_conn):
    from vagled.report.dictionary import DICTIONARY_PATH, render_dictionary

    text = render_dictionary(warehouse_conn)
    assert DICTIONARY_PATH.read_text(encoding="utf-8") == text, "run `vagled docs dictionary` and commit it"
    uncommented = warehouse_conn.execute(
        "select c.relname, a.attname from pg_class c join pg_namespace n on n.oid = c.relnamespace"
        " join pg_attribute a on a.attrelid = c.oid and a.attnum > 0"
        " where n.nspname = 'mart' and c.relkind in ('r', 'v', 'm')"
        " and coalesce(col_description(c.oid, a.attnum), '') not like '% / %'"
    ).fetchall()
    assert uncommented == []
    tables = warehouse_conn.execute(
        "select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace"
        " where n.nspname = 'mart' and c.relkind in ('r', 'v', 'm')"
        " and coalesce(obj_description(c.oid, 'pg_class'), '') not like '% / %'"
    ).fetchall()
    assert tables == []
