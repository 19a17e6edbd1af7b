"""SCB's and Kolada's parts of the education_transitions DAG against feedsim over HTTP: what the
run checks before it asks for data (table ids, content codes, codelists, KPI ids) fails clearly."""

from __future__ import annotations

import pytest

from vagled.feeds import get_feed
from vagled.feeds.kolada_transitions import parse as kolada_transitions
from vagled.feeds.scb_transitions import parse as scb_transitions
from vagled.pipeline.feed import SourceStructureError


def _batch(conn, feed: str) -> int:
    from vagled.pipeline.load import open_batch

    return open_batch(conn, get_feed(feed), None, "test_transitions_sources")


def _point_at(sim, monkeypatch) -> None:
    from vagled.feedsim.cli import connection_uris

    for conn_id, uri in connection_uris("127.0.0.1", sim.port).items():
        monkeypatch.setenv(f"AIRFLOW_CONN_{conn_id.upper()}", uri)


def _with(monkeypatch, **changes) -> None:
    config = {**scb_transitions.config(), **changes}
    monkeypatch.setattr(scb_transitions, "config", lambda: config)


def test_an_scb_table_id_that_is_gone_fails_the_batch_naming_it(feedsim, warehouse_conn, monkeypatch):
    from vagled.sources.pxweb import PxWebError

    _point_at(feedsim, monkeypatch)
    _with(monkeypatch, matching={**scb_transitions.config()["matching"], "table": "TAB6930"})
    with pytest.raises(PxWebError, match="tables/TAB6930/metadata: 404"):
        scb_transitions.land(warehouse_conn, _batch(warehouse_conn, "scb_transitions"), None, {"years": 2024})


def test_a_changed_content_code_fails_before_any_data_is_asked_for(feedsim, warehouse_conn, monkeypatch):
    _point_at(feedsim, monkeypatch)
    contents = [{"code": "000006J7", "measure": "employed_share"}]
    _with(monkeypatch, outcome_content=contents)
    batch_id = _batch(warehouse_conn, "scb_transitions")
    with pytest.raises(SourceStructureError, match=r"TAB6383 has no ContentsCode code\(s\) \['000006J7'\]"):
        scb_transitions.land(warehouse_conn, batch_id, None, {"years": 2024})
    landed = warehouse_conn.execute("select count(*) from raw.landed_payload where batch_id = %s", (batch_id,))
    assert landed.fetchone()[0] == 0


def test_a_codelist_the_table_does_not_offer_fails_the_batch(feedsim, warehouse_conn, monkeypatch):
    _point_at(feedsim, monkeypatch)
    _with(monkeypatch, matching={**scb_transitions.config()["matching"], "education_codelist": "vs_SUN2020Inr"})
    with pytest.raises(SourceStructureError, match="offers no codelist 'vs_SUN2020Inr' for Utbildning"):
        scb_transitions.land(warehouse_conn, _batch(warehouse_conn, "scb_transitions"), None, {"years": 2024})


def test_a_kolada_id_kolada_does_not_list_fails_the_batch(feedsim, warehouse_conn, monkeypatch):
    _point_at(feedsim, monkeypatch)
    config = {**kolada_transitions.config()}
    config["kpi"] = [
        *config["kpi"],
        {"id": "N99999", "indicator": "x", "title": "x", "unit": "percent", "verified": True},
    ]
    monkeypatch.setattr(kolada_transitions, "config", lambda: config)
    with pytest.raises(SourceStructureError, match=r"Kolada has no KPI N99999 \(GET /v3/kpi/N99999"):
        kolada_transitions.land(warehouse_conn, _batch(warehouse_conn, "kolada_transitions"), None, {"years": 2024})
    # the ids one source reports stay out unless load_unverified is set
    assert {k["id"] for k in kolada_transitions.loaded_kpis()} == {"N03923", "N66080", "N03937", "N99999"}
