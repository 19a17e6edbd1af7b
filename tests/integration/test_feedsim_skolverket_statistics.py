"""feedsim's Skolverket statistics service: the listing, the national files and the exports, over HTTP."""

from __future__ import annotations

import io

import pytest
import requests

pytestmark = pytest.mark.integration

LISTING = {"pVerkform": "Gymnasieskola", "pOmrade": "Efter gymnasieskolan"}


def _get(sim, path: str, **params):
    return requests.get(sim.base_url("skolverket_statistics") + path, params=params, timeout=60)


@pytest.fixture(scope="module")
def siris():
    """A feedsim of its own without Skolverket's burst limit (this module calls faster than it allows)."""
    from vagled.feedsim.server import FeedSim

    sim = FeedSim(port=0, skolverket_rate_limit=10_000).start()
    yield sim
    sim.stop()


def test_the_listing_gives_areas_years_and_documents_whose_ids_change_every_year(siris):
    areas = _get(siris, "/reports/sossok_api/omrade/", pVerkform="Gymnasieskola", pHmantyp="00").json()
    assert {"kod": "Efter gymnasieskolan", "namn": "Efter gymnasieskolan"} in areas
    years = _get(siris, "/reports/sossok_api/lasar/", pStatomr="Efter gymnasieskolan", **LISTING).json()
    # "now" is 2026-11-01: 2024 was published on 1 October 2026, 2025 is not yet
    assert years[0] == {"kod": "2024", "namn": "2024"} and {"kod": "2016", "namn": "2016"} in years
    docs = {
        year: _get(siris, "/reports/sossok_api/dokument/", pLasar=year, **LISTING).json() for year in ("2023", "2024")
    }
    assert {d["filetype"] for d in docs["2024"]} == {"XLSX", "PDF"}
    assert all(d["url"].startswith("//") and "sitevision_doc.getFile?p_id=" in d["url"] for d in docs["2024"])
    assert {d["url"] for d in docs["2023"]}.isdisjoint(d["url"] for d in docs["2024"])
    table = next(d for d in docs["2024"] if d["tabell_nr"] == "Tabell 1A")
    national = requests.get("http:" + table["url"], timeout=60)
    assert national.status_code == 200 and national.content.startswith(b"PK")
    assert _get(siris, "/reports/sossok_api/dokument/", pLasar="2025", **LISTING).json() == []


def test_the_export_has_a_sheet_per_programme_title_rows_and_markers(siris):
    from openpyxl import load_workbook

    answer = _get(siris, "/reports/export_api/runexport/", pFormat="xls", pExportID="184", pAr="2024", pVerkform="21")
    assert answer.status_code == 200
    book = load_workbook(io.BytesIO(answer.content), read_only=True)
    assert all(len(name) <= 31 for name in book.sheetnames) and book.sheetnames[-1] == "Variabelbeskrivning"
    assert "Handels- och administrationspro" in book.sheetnames  # cut at Excel's 31 characters
    rows = list(book["Teknikprogrammet"].iter_rows(values_only=True))
    assert rows[4][0] == "Avgångsläsår: 2018/19"
    header_at = next(i for i, row in enumerate(rows) if row and row[0] == "Kommun")
    assert header_at == 6 and rows[header_at][:6] == (
        "Kommun",
        "Kommun-kod",
        "Län",
        "Läns-kod",
        "Typ av huvudman",
        "Antal",
    )
    cells = [c for row in rows[header_at + 1 :] for c in row[5:]]
    assert ".." in cells and "." in cells and all(c != 0 for c in cells)
    assert len(rows) - header_at - 1 > 290  # every municipality of the country, some with several owners


def test_an_unpublished_year_answers_with_an_empty_workbook(siris):
    from openpyxl import load_workbook

    answer = _get(siris, "/reports/export_api/runexport/", pFormat="xls", pExportID="186", pAr="2030", pVerkform="21")
    assert answer.status_code == 200
    rows = list(
        load_workbook(io.BytesIO(answer.content), read_only=True)["Teknikprogrammet"].iter_rows(values_only=True)
    )
    assert rows[-1][0] == "Län"  # the header, and nothing below it


def test_a_burst_gets_a_bare_429(feedsim_factory):
    sim = feedsim_factory(skolverket_rate_limit=3, skolverket_rate_window=30.0)
    statuses = [_get(sim, "/reports/sossok_api/omrade/", pVerkform="Gymnasieskola").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    refused = _get(sim, "/reports/sossok_api/omrade/", pVerkform="Gymnasieskola")
    assert refused.status_code == 429 and "Retry-After" not in refused.headers and refused.content == b""
