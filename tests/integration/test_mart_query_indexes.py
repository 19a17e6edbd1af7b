"""After a refresh the marts are vacuumed, so a documented query reads a covering index alone.

docs/queries/01_top_occupations_by_vacancies.sql sums vacancies of one county over two years;
V013 gives mart.job_ads_monthly an index that holds all it reads, and vagled.marts vacuums the
mart after each refresh so that the index answers without visiting the table (no heap fetches).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import psycopg
import pytest

from vagled.config import REPO_ROOT
from vagled.marts import refresh_mart

pytestmark = pytest.mark.integration

QUERY = REPO_ROOT / "docs" / "queries" / "01_top_occupations_by_vacancies.sql"


@pytest.fixture
def ads_in_uppsala(warehouse_conn):
    batch_id = warehouse_conn.execute(
        "insert into audit.load_batch (feed, run_id) values ('test_mart_indexes', 'test') returning batch_id"
    ).fetchone()[0]
    start = datetime(2025, 1, 15, 9, tzinfo=UTC)
    with warehouse_conn.cursor() as cur:
        cur.executemany(
            "insert into core.job_ad (ad_id, headline, ssyk4, municipality_code, county_code, "
            "number_of_vacancies, publication_date, changed_at, first_batch_id, last_batch_id) "
            "values (%s, 'Annons', %s, '0380', '03', %s, %s, %s, %s, %s) on conflict do nothing",
            [
                (
                    f"mart-index-{n}",
                    ("2221", "5321", "2512")[n % 3],
                    1 + n % 4,
                    start + timedelta(days=7 * n),
                    start + timedelta(days=7 * n),
                    batch_id,
                    batch_id,
                )
                for n in range(80)
            ],
        )
    yield batch_id
    # Leave the session's warehouse as it was: other tests count core's ads and read the mart.
    warehouse_conn.execute("delete from core.job_ad where last_batch_id = %s", (batch_id,))
    warehouse_conn.execute("delete from audit.load_batch where batch_id = %s", (batch_id,))
    refresh_mart(warehouse_conn, "job_ads_monthly")


def test_refresh_vacuums_and_the_query_reads_the_covering_index_alone(embedded_warehouse, ads_in_uppsala):
    with psycopg.connect(embedded_warehouse.url(), autocommit=True) as conn:
        # Earlier refreshes in the session have vacuumed the mart too: this refresh must do it again.
        before = conn.execute("select clock_timestamp()").fetchone()[0]
        refresh_mart(conn, "job_ads_monthly")
        vacuumed, analysed = conn.execute(
            "select last_vacuum, last_analyze from pg_stat_user_tables "
            "where schemaname = 'mart' and relname = 'job_ads_monthly'"
        ).fetchone()
        assert vacuumed is not None and vacuumed >= before
        assert analysed is not None and analysed >= before

        # The plan a warehouse of ten years chooses; a test warehouse is small enough to scan.
        conn.execute("set enable_seqscan = off")
        conn.execute("set enable_bitmapscan = off")
        plan = "\n".join(row[0] for row in conn.execute("explain (analyze) " + QUERY.read_text()))
    assert "Index Only Scan using job_ads_monthly_county_month" in plan
    assert "Heap Fetches: 0" in plan


def test_refresh_inside_an_open_transaction_still_works_without_the_vacuum(embedded_warehouse, ads_in_uppsala):
    with psycopg.connect(embedded_warehouse.url()) as conn:  # not autocommit: VACUUM cannot run here
        result = refresh_mart(conn, "job_ads_monthly")
        conn.commit()
    assert result.rows > 0
