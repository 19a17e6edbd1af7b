"""The Data health page's content: one row per feed (and county), the quarantine list, Data Docs links.

Read by the Airflow plugin (plugins/vagled_data_health.py, app in vagled.monitoring.health_app);
kept free of web code so it is testable on its own. Freshness comes from mart.feed_freshness (the
same function the freshness check uses); the Data Docs links point at the GX page of each row's
last validated batch, in the site vagled.pipeline.data_docs builds after every validation.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from vagled.sql import load_sql


@dataclass(frozen=True)
class HealthRow:
    feed: str
    description: str
    county_code: str | None
    dag_id: str
    max_age: Any
    last_success_at: datetime | None
    last_batch_id: int | None
    last_batch_status: str | None
    rows_last_batch: int
    quarantined_last: int
    validation_pass_rate: Any
    parts: int
    stale_parts: int
    status: str
    data_docs_path: str | None

    @property
    def pass_rate_text(self) -> str:
        if self.validation_pass_rate is None:
            return "—"
        return f"{float(self.validation_pass_rate) * 100:.1f} %"


@dataclass(frozen=True)
class QuarantineRow:
    batch_id: int
    partition_key: str | None
    record_no: int
    natural_key: str | None
    reasons: list[dict[str, Any]]
    quarantined_at: datetime


def data_docs_site() -> Path:
    """The folder of the local Data Docs site (index.html and validations/)."""
    from vagled.pipeline.data_docs import data_docs_index

    return data_docs_index().parent


def data_docs_page(batch_id: int, site: Path | None = None) -> str | None:
    """The site-relative path of a batch's validation page, if Data Docs have it."""
    site = site or data_docs_site()
    validations = site / "validations"
    if not validations.is_dir():
        return None
    pages = list(validations.glob(f"**/batch-{batch_id}.html"))
    # the newest: a site that outlived its warehouse (a rebuilt database) may hold an older batch-<id>
    return max(pages, key=lambda page: page.stat().st_mtime).relative_to(site).as_posix() if pages else None


def health_rows(conn) -> list[HealthRow]:
    """Every declared feed's row (and per county where it applies), as of now."""
    descriptions = {
        feed: description for feed, description, _ in conn.execute(load_sql("monitoring/select_feed_descriptions"))
    }
    rows = conn.execute(load_sql("monitoring/select_feed_freshness_now")).fetchall()
    site = data_docs_site()
    result = []
    for row in rows:
        feed, last_batch_id = row[0], row[5]
        result.append(
            HealthRow(
                feed,
                descriptions.get(feed, ""),
                *row[1:],
                data_docs_path=data_docs_page(last_batch_id, site) if last_batch_id else None,
            )
        )
    return result


def open_quarantine(
    conn, *, batch_id: int | None = None, feed: str | None = None, county: str | None = None, limit: int = 200
) -> list[QuarantineRow]:
    rows = conn.execute(
        load_sql("monitoring/select_open_quarantine"),
        {"batch_id": batch_id, "feed": feed, "county": county, "limit": limit},
    ).fetchall()
    return [QuarantineRow(*row) for row in rows]
