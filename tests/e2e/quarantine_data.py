"""An outlook batch loaded through the real load path with some records quarantined (for page tests)."""

from __future__ import annotations

import json

ROUND = "2026-1"
COUNTIES = ("00", "03", "18")
UNKNOWN_SSYK = "0009"  # no such SSYK 2012 unit group: its rows are quarantined


def _row(concept: str, ssyk: str, lan: str) -> dict:
    return {
        "yrkesomrade": "Hälso- och sjukvård",
        "yb_yrke": f"Barometeryrke {concept}",
        "yb_concept_id": concept,
        "lan": lan,
        "ssyk": ssyk,
        "ssyk_text": f"SSYK {ssyk}",
        "yb_beskrivning": None,
        "jobbmojligheter": "stora",
        "rekryteringssituation": "brist",
        "paradox": [],
        "prognos": "öka",
        "text_jobbmojligheter": None,
        "text_rekryteringssituation": None,
        "hogsta_bedomningsniva": None,
        "delvis_helt": "helt",
        "omgang": ROUND,
        "taxonomi_version": "23",
    }


def load_outlook_with_quarantine(conn) -> dict:
    """Load one yrkesbarometer round for 12 occupations plus one of an unknown SSYK code; return its audit row."""
    from vagled.feeds.occupational_outlook.spec import SPEC
    from vagled.pipeline.data_docs import record_batch_docs
    from vagled.pipeline.load import land_payload, open_batch, publish_batch, stage_batch
    from vagled.sql import load_sql

    codes = [r[0] for r in conn.execute(load_sql("core/select_ssyk4_codes"))][:12]
    rows = [_row(f"yb_{code}", code, lan) for code in codes for lan in COUNTIES]
    rows += [_row("yb_unknown", UNKNOWN_SSYK, lan) for lan in COUNTIES]
    body = json.dumps(rows, ensure_ascii=False).encode("utf-8")
    batch_id = open_batch(conn, SPEC, None, "test-data-health")
    land_payload(conn, batch_id, SPEC.name, 0, source_url="test://", body=body, content_type="application/json")
    stage_batch(conn, SPEC, batch_id)
    publish_batch(conn, SPEC, batch_id)
    # What the load path's data_docs task does after publish: the page the Data health page links.
    record_batch_docs(conn, feed=SPEC.name, suite_name=SPEC.suite, batch_id=batch_id)
    cur = conn.execute(
        "select batch_id, status, received, loaded, quarantined from audit.load_batch where batch_id = %s",
        (batch_id,),
    )
    return dict(zip([c.name for c in cur.description], cur.fetchone(), strict=True))
