"""Every feedsim fault appears when asked for, and never otherwise."""

from __future__ import annotations

import io
import re
import time
from collections.abc import Callable

import pytest
import requests

from vagled.feedsim.faults import APPLIES_TO, DATA_FAULTS, FAULTS

pytestmark = pytest.mark.integration

STREAM = "/v2/stream?updated-after=2026-10-05T00:00:00&updated-before=2026-10-09T00:00:00"
KOLADA = "/v3/data/kpi/N00914/municipality/0380,1880,1980/year/2021,2022,2023?per_page=4"
AFS_PAGE = "/statistik/sok-statistik/tidigare-statistik-tidsserier"


def _afs_workbook() -> str:
    from vagled.feedsim.af_statistics import link

    return link("web-sok-lan-kom", (2026, 8))


EDU = "/planned-educations/v3/adult-education-events?geographicalAreaCode=1880&size=50"
MYH = "/download/resultat-ansokningsomgang-2025.xlsx"
ARCHIVE_INDEX = "/annonser/historiska/berikade/kompletta/"
ARCHIVE = ARCHIVE_INDEX + "2026-Q1_beta1_jsonl.zip"
SIRIS_YEARS = (
    "/reports/sossok_api/lasar/?pVerkform=Gymnasieskola&pOmrade=Efter%20gymnasieskolan&pStatomr=Efter%20gymnasieskolan"
)
SIRIS_EXPORT = "/reports/export_api/runexport/?pFormat=xls&pExportID=186&pAr=2024&pVerkform=21"
PNR = re.compile(r"\b(\d{2})(\d{6})-(\d{4})\b")


def _luhn_ok(ten_digits: str) -> bool:
    total = 0
    for position, char in enumerate(ten_digits):
        product = int(char) * (2 if position % 2 == 0 else 1)
        total += product - 9 if product > 9 else product
    return total % 10 == 0


def _json(response: requests.Response):
    return response.json()


def _has_pnr(text: str) -> bool:
    return any(_luhn_ok(m.group(2) + m.group(3)) for m in PNR.finditer(text))


# fault -> (connection, path, detector(response) -> bool). A detector says whether the fault shows.
CASES: dict[str, tuple[str, str, Callable[[requests.Response], bool]]] = {
    "http_429": ("kolada", KOLADA, lambda r: r.status_code == 429 and r.headers.get("Retry-After") == "1"),
    "bare_429": (
        "skolverket_statistics",
        SIRIS_YEARS,
        lambda r: r.status_code == 429 and "Retry-After" not in r.headers and r.content == b"",
    ),
    "listed_file_missing": (
        "skolverket_statistics",
        SIRIS_YEARS,
        lambda r: r.status_code == 200 and r.json()[0]["kod"] == "2025",  # listed before it is published
    ),
    "renamed_column": (
        "skolverket_statistics",
        SIRIS_EXPORT,
        lambda r: r.status_code == 200 and _export_header(r)[1] == "Länskod",
    ),
    "http_500": ("kolada", KOLADA, lambda r: r.status_code == 500),
    "http_503": ("kolada", KOLADA, lambda r: r.status_code == 503 and r.headers.get("Retry-After") == "1"),
    "wrong_content_type": (
        "kolada",
        KOLADA,
        lambda r: r.status_code == 200 and r.headers["Content-Type"].startswith("text/html"),
    ),
    "truncated": ("jobtech_jobstream", STREAM, lambda r: r.status_code == 200 and not _parses(r)),
    "invalid_utf8": ("kolada", KOLADA, lambda r: not _decodes(r.content)),
    "empty_page": ("kolada", KOLADA, lambda r: _json(r)["values"] == [] and "next_url" in _json(r)),
    "duplicates": ("jobtech_jobstream", STREAM, lambda r: len({a["id"] for a in _json(r)}) < len(_json(r))),
    "bad_codes": ("kolada", KOLADA, lambda r: any(v["municipality"] == "9999" for v in _json(r)["values"])),
    "negative_counts": (
        "kolada",
        KOLADA,
        lambda r: any((v.get("value") or 0) < 0 for row in _json(r)["values"] for v in row["values"]),
    ),
    "missing_fields": (
        "education_offerings",
        EDU,
        lambda r: any(e["titleSv"] is None for e in _json(r)["body"]["_embedded"]["listedAdultEducationEvents"]),
    ),
    "missing_next_page": ("kolada", KOLADA + "&page=2", lambda r: r.status_code == 404),
    "v2_path": ("kolada", KOLADA, lambda r: "/v2/" in _json(r).get("next_page", "") and "next_url" not in _json(r)),
    "header_moved": ("myh_results", MYH, lambda r: _myh_header_row(r) == 8),
    "schema_drift": ("jobtech_jobstream", STREAM, lambda r: any("title" in a or "removal_date" in a for a in _json(r))),
    "pnr_in_text": (
        "jobtech_jobstream",
        STREAM,
        lambda r: any(_has_pnr(a.get("description", {}).get("text", "")) for a in _json(r)),
    ),
    "wrong_encoding": ("af_statistics", AFS_PAGE, lambda r: not _decodes(r.content)),
    "corrupt_zip": ("jobtech_historical", ARCHIVE, lambda r: r.status_code == 200 and _member(r.content) is None),
    "member_not_jsonl": (
        "jobtech_historical",
        ARCHIVE,
        lambda r: (_member(r.content) or b"").lstrip().startswith(b"["),
    ),
    "index_missing_year": (
        "jobtech_historical",
        ARCHIVE_INDEX,
        lambda r: "2025_beta1_jsonl.zip" not in r.text and "2024_beta1_jsonl.zip" in r.text,
    ),
}


def _member(data: bytes) -> bytes | None:
    """The archive's member, or None when it does not decompress."""
    import zipfile
    import zlib

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            [name] = archive.namelist()
            return archive.read(name)
    except (zipfile.BadZipFile, zlib.error, EOFError):
        return None


def _myh_header_row(response: requests.Response) -> int:
    from openpyxl import load_workbook

    rows = load_workbook(io.BytesIO(response.content), read_only=True)["Tabell 3"].iter_rows(values_only=True)
    return next(n for n, row in enumerate(rows, start=1) if row and "Diarienummer" in row)


def _export_header(response: requests.Response) -> tuple:
    """The header row of the first sheet of a Skolverket export (column A is Län or Kommun)."""
    from openpyxl import load_workbook

    rows = load_workbook(io.BytesIO(response.content), read_only=True).worksheets[0].iter_rows(values_only=True)
    return next(row for row in rows if row and row[0] in ("Län", "Kommun"))


def _parses(response: requests.Response) -> bool:
    try:
        response.json()
    except ValueError:
        return False
    return True


def _decodes(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


@pytest.mark.parametrize("fault", sorted(CASES))
def test_fault_appears_when_asked_and_never_otherwise(feedsim, fault):
    conn_id, path, shows = CASES[fault]
    url = feedsim.base_url(conn_id) + path
    clean = requests.get(url, timeout=30)
    assert clean.status_code == 200 and not shows(clean), f"{fault} showed without being asked for"
    sep = "&" if "?" in path else "?"
    by_query = requests.get(f"{url}{sep}feedsim_fault={fault}", timeout=30)
    assert shows(by_query), f"{fault} asked by query parameter did not show"
    by_header = requests.get(url, headers={"X-Feedsim-Fault": fault}, timeout=30)
    assert shows(by_header), f"{fault} asked by header did not show"
    assert any(fault in entry["faults"] for entry in feedsim.fault_log)
    again = requests.get(url, timeout=30)
    assert again.content == clean.content  # asking once changes nothing for the next request


def test_every_fault_has_a_test():
    assert set(FAULTS) == set(CASES) | {"slow", "timeout", "reset", "archive_cut", "cell_limit"}


def test_an_archive_cut_announces_its_length_and_stops_short(feedsim):
    url = feedsim.base_url("jobtech_historical") + ARCHIVE
    whole = requests.get(url, timeout=60).content
    with requests.get(url, headers={"X-Feedsim-Fault": "archive_cut"}, stream=True, timeout=60) as response:
        assert int(response.headers["Content-Length"]) == len(whole)
        received = bytearray()
        with pytest.raises(requests.exceptions.ChunkedEncodingError):
            for block in response.iter_content(65536):
                received += block
    assert 0 < len(received) < len(whole) and whole.startswith(bytes(received))



def test_cell_limit_refuses_a_query_config_allows(feedsim):
    base = f"{feedsim.base_url('scb_pxweb')}/api/v2"
    limit = requests.get(f"{base}/config", timeout=10).json()["maxDataCells"]
    regions = [{"variableCode": "Region", "valueCodes": ["*"], "codelist": "vs_RegionKommun07"}]
    selection = [
        *regions,
        {"variableCode": "Alder", "valueCodes": ["*"]},
        {"variableCode": "ContentsCode", "valueCodes": ["BE0101N1"]},
        {"variableCode": "Tid", "valueCodes": ["2023"]},
    ]  # 290 x 101 cells
    url = f"{base}/tables/TAB638/data?outputFormat=json-stat2"
    assert limit > 290 * 101 and requests.post(url, json={"selection": selection}, timeout=30).status_code == 200
    refused = requests.post(url, json={"selection": selection}, headers={"X-Feedsim-Fault": "cell_limit"}, timeout=30)
    assert refused.status_code == 403 and refused.json()["title"] == "Forbidden"
    assert any("cell_limit" in entry["faults"] for entry in feedsim.fault_log)


def test_slow_timeout_and_reset(feedsim_factory):
    sim = feedsim_factory(slow_seconds=0.6, timeout_seconds=20)
    url = sim.base_url("kolada") + KOLADA
    assert requests.get(url, timeout=10).status_code == 200
    assert list(sim.fault_log) == []  # no delay without asking (timing it would flake on a busy machine)
    started = time.monotonic()
    assert requests.get(url, headers={"X-Feedsim-Fault": "slow"}, timeout=10).status_code == 200
    assert time.monotonic() - started >= 0.6
    assert [entry["faults"] for entry in sim.fault_log] == [["slow"]]
    with pytest.raises(requests.exceptions.ReadTimeout):
        requests.get(url, headers={"X-Feedsim-Fault": "timeout"}, timeout=0.5)
    for stream_url in (url, sim.base_url("jobtech_jobstream") + STREAM):
        with pytest.raises(requests.exceptions.RequestException):
            requests.get(stream_url, headers={"X-Feedsim-Fault": "reset"}, timeout=10).json()
    assert requests.get(url, timeout=10).status_code == 200
    started = time.monotonic()
    sim.stop()  # a hanging `timeout` answer does not hold the server
    assert time.monotonic() - started < 3


def test_run_level_first_n_faults_then_success(feedsim_factory):
    sim = feedsim_factory(faults=["http_429:2@kolada"])
    url = sim.base_url("kolada") + KOLADA
    statuses = [requests.get(url, timeout=10).status_code for _ in range(4)]
    assert statuses == [429, 429, 200, 200]
    assert requests.get(sim.base_url("af_outlook") + "/prognoser/yrkesbarometer.json", timeout=10).status_code == 200
    assert [entry["status"] for entry in sim.fault_log] == [429, 429]


def test_run_level_rate_is_reproducible(feedsim_factory):
    def statuses() -> list[int]:
        sim = feedsim_factory(faults=["http_503"], fault_rate=0.4, seed=9)
        url = sim.base_url("af_statistics") + AFS_PAGE
        out = [requests.get(url, timeout=10).status_code for _ in range(20)]
        sim.stop()
        return out

    first = statuses()
    assert first == statuses()
    assert 200 in first and 503 in first


def _representative(conn_id: str, fault: str = "") -> tuple[str, str, dict | None]:
    """A (method, path, JSON body) per upstream that holds records every data fault can touch."""
    query = {
        "selection": [
            {"variableCode": "Region", "valueCodes": ["03", "0380", "1880"]},
            {"variableCode": "ContentsCode", "valueCodes": ["BE0101N1"]},
            {"variableCode": "Tid", "valueCodes": ["2022", "2023"]},
        ]
    }
    return {
        "jobtech_jobstream": ("GET", "/v2/snapshot", None),
        "jobtech_historical": ("GET", ARCHIVE, None),
        "jobtech_taxonomy": ("GET", "/v1/taxonomy/specific/concepts/municipality", None),
        # the page for the faults of the page, a workbook for those of the workbooks
        "af_statistics": ("GET", AFS_PAGE if fault in ("empty_page", "wrong_encoding") else _afs_workbook(), None),
        "af_outlook": ("GET", "/prognoser/yrkesbarometer.json", None),
        "kolada": ("GET", KOLADA, None),
        "scb_pxweb": ("POST", "/api/v2/tables/TAB638/data?outputFormat=json-stat2", query),
        "education_offerings": ("GET", EDU, None),
        "myh_results": ("GET", MYH, None),
        "municipal_files": ("GET", "/1880/2026-08/komvux_kursdeltagare.csv", None),
        "skolverket_statistics": ("GET", SIRIS_YEARS if fault == "listed_file_missing" else SIRIS_EXPORT, None),
    }[conn_id]


# faults that answer with an error instead of data: tested on their own above
REFUSALS = {"missing_next_page", "cell_limit"}


def test_data_faults_apply_where_documented_and_change_the_answer(feedsim_factory):
    sim = feedsim_factory(scale=0.01, scb_rate_limit=10_000, skolverket_rate_limit=10_000)
    # an archive cut off cannot be read whole: test_an_archive_cut_announces_its_length_and_stops_short
    for fault in sorted(DATA_FAULTS - REFUSALS - {"archive_cut"}):
        for conn_id in APPLIES_TO[fault]:
            method, path, body = _representative(conn_id, fault)
            if fault == "index_missing_year":
                path = ARCHIVE_INDEX
            url = sim.base_url(conn_id) + path
            clean = requests.request(method, url, json=body, timeout=30)
            faulty = requests.request(method, url, json=body, headers={"X-Feedsim-Fault": fault}, timeout=30)
            assert clean.status_code == faulty.status_code == 200, (fault, conn_id)
            if fault == "wrong_encoding" and clean.content.isascii():
                continue  # nothing to mis-encode in a pure-ASCII answer
            assert faulty.content != clean.content, (fault, conn_id)
            assert fault in sim.fault_log[-1]["faults"], (fault, conn_id)
    log_size = len(sim.fault_log)
    for conn_id in APPLIES_TO["duplicates"]:
        method, path, body = _representative(conn_id)
        requests.request(method, sim.base_url(conn_id) + path, json=body, timeout=30)
    assert len(sim.fault_log) == log_size  # no fault without asking


def test_unknown_fault_name_is_a_400(feedsim):
    response = requests.get(feedsim.base_url("kolada") + KOLADA + "&feedsim_fault=http_418", timeout=10)
    assert response.status_code == 400 and "unknown fault" in response.text
