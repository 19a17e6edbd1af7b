"""A jobseekers batch loaded through the real load path with some records quarantined (for page tests)."""

from __future__ import annotations

from datetime import UTC, datetime

HEADER = "År;Månad;Länskod;Län;Kommunkod;Kommun;Grupp;Antal"
GROUPS = (
    "Totalt",
    "Ungdomar 18-24 år",
    "Utrikes födda",
    "Funktionsnedsättning som medför nedsatt arbetsförmåga",
    "Långtidsarbetslösa (>12 mån)",
)
CODES = ("1814", "1861", "1862", "1863", "1864", "1880", "1881", "1882", "1883", "1884", "1885", "1904", "1907")
UNKNOWN = "1899"  # no such municipality: its rows are quarantined


def load_jobseekers_with_quarantine(conn) -> dict:
    """Load one month of job seekers for 13 municipalities plus 5 rows of an unknown code; return its audit row."""
    from vagled.feeds.jobseekers import SPEC
    from vagled.pipeline.load import land_payload, open_batch, publish_batch, stage_batch
    from vagled.pipeline.period import Period

    lines = [HEADER]
    for code in (*CODES, UNKNOWN):
        for n, group in enumerate(GROUPS):
            lines.append(f"2023;6;{code[:2]};Län;{code};Kommun {code};{group};{200 + n}")
    body = ("\r\n".join(lines) + "\r\n").encode("utf-8")
    period = Period(datetime(2023, 6, 1, tzinfo=UTC), datetime(2023, 7, 1, tzinfo=UTC))
    batch_id = open_batch(conn, SPEC, period, "test-data-health")
    land_payload(conn, batch_id, SPEC.name, 0, source_url="test://", body=body, content_type="text/csv")
    stage_batch(conn, SPEC, batch_id)
    publish_batch(conn, SPEC, batch_id)
    cur = conn.execute(
        "select batch_id, status, received, loaded, quarantined from audit.load_batch where batch_id = %s",
        (batch_id,),
    )
    return dict(zip([c.name for c in cur.description], cur.fetchone(), strict=True))
