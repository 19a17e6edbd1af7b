"""Bad input, generated (hypothesis): the JSON, CSV and XLSX parsers and the load path behind them.

Every feed's parser gets real feedsim answers (fetched over HTTP) mangled in every way a source
can mangle them: random bytes, cut bodies, flipped and inserted bytes, huge fields, deep nesting,
other encodings, NUL characters, values of the wrong type or shape, formula cells, broken and
bomb-like ZIP containers. The parser must never raise anything but SourceStructureError (which
rejects the batch with its reason), every record it cannot read must carry a reason, and its
memory must stay bounded. Fewer examples go the whole way: landed in raw, staged, validated and
published in a real PostgreSQL, where the batch must end published (bad records in quarantine,
each with a reason) or rejected with its reason, never with another error, and lose nothing.

Examples are derandomised (the same every run); VAGLED_FUZZ_SCALE=10 runs ten times as many.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import re
import threading
import tracemalloc
import urllib.request
import zipfile
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reliability_support import check_invariants, outcome_problems

pytestmark = pytest.mark.integration

SCALE = float(os.environ.get("VAGLED_FUZZ_SCALE", "1"))
FUZZ = settings(
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)

SCB_QUERY = {
    "selection": [
        {"variableCode": "Region", "valueCodes": ["0380", "1880", "1980"], "codelist": "vs_RegionKommun07"},
        {"variableCode": "ContentsCode", "valueCodes": ["BE0101N1"]},
        {"variableCode": "Tid", "valueCodes": ["2023", "2024"]},
    ],
}
# sample name -> (feed, format, path below feedsim, POST body)
SAMPLES = {
    "job_ads": ("job_ads", "json", "jobtech_jobstream/v2/stream?updated-after=2026-09-01T00:00:00"
                "&updated-before=2026-09-01T12:00:00", None),
    "job_ads_history": ("job_ads", "jsonl",
                        "jobtech_historical/annonser/historiska/berikade/kompletta/2026-Q1_beta1_jsonl.zip", None),
    "occupational_outlook": ("occupational_outlook", "json", "af_outlook/prognoser/yrkesbarometer.json", None),
    "taxonomy": ("taxonomy", "json",
                 "jobtech_taxonomy/v1/taxonomy/specific/concepts/region?include-deprecated=true", None),
    "education_offerings": ("education_offerings", "json", "education_offerings/planned-educations/v3/"
                            "adult-education-events?geographicalAreaCode=0380&size=40&page=0", None),
    "myh_programmes": ("myh_programmes", "xlsx", "myh_results/download/resultat-ansokningsomgang-2025.xlsx", None),
    "kolada_key_figures": ("kolada_key_figures", "json",
                           "kolada/v3/data/kpi/N00914,N01951/municipality/0380,1880/year/2023", None),
    "scb_key_figures": ("scb_key_figures", "json",
                        "scb_pxweb/api/v2/tables/TAB638/data?lang=sv&outputFormat=json-stat2", SCB_QUERY),
    "municipal_komvux": ("municipal_komvux", "csv", "municipal_files/0380/2026-09/komvux_kursdeltagare.csv", None),
    "municipal_programmes_xlsx": ("municipal_programmes", "xlsx",
                                  "municipal_files/1861/2026-09/arbetsmarknadsinsatser.xlsx", None),
    "municipal_komvux_xlsx": ("municipal_komvux", "xlsx", "municipal_files/1861/2026-09/komvux_kursdeltagare.xlsx",
                              None),
}  # fmt: skip
JSONL_LINES = 40


@pytest.fixture(scope="module")
def samples(feedsim) -> dict[str, tuple[str, str, bytes, str]]:
    """name -> (feed, format, body, content type): real answers, fetched from feedsim over HTTP."""
    out = {}
    for name, (feed, kind, path, post) in SAMPLES.items():
        data = json.dumps(post).encode() if post else None
        request = urllib.request.Request(
            f"http://127.0.0.1:{feedsim.port}/{path}", data=data, headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=60) as answer:
            content_type = answer.headers.get("Content-Type", "")
            body = answer.read()
        if kind == "jsonl":  # an archive: the first lines of its one member
            with zipfile.ZipFile(io.BytesIO(body)) as archive, archive.open(archive.namelist()[0]) as member:
                body = b"".join(member.readline() for _ in range(JSONL_LINES))
        out[name] = (feed, kind, body, content_type)
    return out


# -- what sources get wrong --------------------------------------------------------------------------
SQL_AND_FRIENDS = [
    "'; drop table core.job_ad; --",
    "\\.",
    "\\N",
    "a\tb\nc\r\nd",
    "\x00",
    '=HYPERLINK("http://x")',
    "198112189876",
    "811218-9876 Anna",
    "ÅÄÖ åäö é ü ß 中文 🙂",
    "\u202e\u200b\ufeff",
]
text_values = st.one_of(
    st.text(max_size=40),
    st.sampled_from(SQL_AND_FRIENDS),
    st.integers(150_000, 400_000).map(lambda n: "x" * n),  # a huge field
)
scalar_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=False, allow_infinity=False),
    text_values,
)
json_values = st.recursive(
    scalar_values,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=6), children, max_size=3),
    max_leaves=8,
)
ENCODINGS = ("utf-16", "utf-16-le", "utf-32", "cp1252", "latin-1", "shift_jis", "utf-8-sig", "cp437")


def _records(doc):
    """The largest list of objects inside a JSON document (the records of the answer)."""
    best: list = []
    stack = [doc]
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            if len([x for x in node if isinstance(x, dict)]) > len(best):
                best = node
            stack.extend(node)
        elif isinstance(node, dict):
            stack.extend(node.values())
    return best


@st.composite
def byte_mutations(draw, body: bytes) -> bytes:
    kind = draw(st.sampled_from(("random", "cut", "flip", "insert", "nul", "reencode")))
    if kind == "random":
        return draw(st.binary(max_size=4096))
    if kind == "cut":
        return body[: draw(st.integers(0, len(body)))]
    data = bytearray(body)
    if kind == "flip":
        for _ in range(draw(st.integers(1, 8))):
            data[draw(st.integers(0, max(len(data) - 1, 0)))] = draw(st.integers(0, 255))
        return bytes(data)
    if kind in ("insert", "nul"):
        piece = b"\x00" * draw(st.integers(1, 8)) if kind == "nul" else draw(st.binary(min_size=1, max_size=64))
        at = draw(st.integers(0, len(data)))
        return bytes(data[:at]) + piece + bytes(data[at:])
    text = body.decode("utf-8", "replace")
    return text.encode(draw(st.sampled_from(ENCODINGS)), "replace")


@st.composite
def json_mutations(draw, body: bytes, jsonl: bool) -> bytes:
    """Valid JSON whose records carry values of the wrong type, shape or size, deep nesting, or none."""
    lines = [json.loads(line) for line in body.splitlines() if line.strip()] if jsonl else None
    doc = lines if jsonl else json.loads(body)
    records = _records(doc)
    kind = draw(st.sampled_from(("values", "values", "deep", "drop_keys", "shape")))
    if kind == "shape" and not jsonl:
        doc = draw(st.sampled_from(([], {}, [[]], {"values": None}, None, "text", 1, [doc], {"data": doc})))
    elif records:
        for _ in range(draw(st.integers(1, 3))):
            record = records[draw(st.integers(0, len(records) - 1))]
            if not record:
                continue
            key = draw(st.sampled_from(sorted(record)))
            if kind == "drop_keys":
                record.pop(key)
            elif kind == "deep":
                depth = draw(st.integers(100, 3000))
                record[key] = "\x01DEEP" + str(depth)
            else:
                record[key] = draw(json_values)
    ascii_only = draw(st.booleans())
    if jsonl:
        text = "\n".join(json.dumps(line, ensure_ascii=ascii_only) for line in doc) + "\n"
    else:
        text = json.dumps(doc, ensure_ascii=ascii_only)
    # deep nesting is written as text: Python's json cannot build it
    for depth in {int(m) for m in re.findall(r'"\\u0001DEEP(\d+)"', text)}:
        text = text.replace(f'"\\u0001DEEP{depth}"', "[" * depth + "1" + "]" * depth)
    return text.encode("utf-8", "surrogatepass")


@st.composite
def csv_mutations(draw, body: bytes) -> bytes:
    """The CSV with cells, rows and headers gone wrong, in some encoding."""
    from vagled.feeds.municipal_files.text_tables import decode_text

    lines = decode_text(body).splitlines()
    sep = ";" if lines and lines[-1].count(";") >= lines[-1].count(",") else ","
    rows = [line.split(sep) for line in lines]
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(("cell", "cell", "cell", "add_column", "drop_column", "duplicate", "blank")))
        r = draw(st.integers(0, len(rows) - 1))
        if kind == "cell" and rows[r]:
            value = draw(text_values)
            if draw(st.booleans()):
                value = '"' + value.replace('"', '""') + '"'
            rows[r][draw(st.integers(0, len(rows[r]) - 1))] = value
        elif kind == "add_column":
            rows[r].append(draw(text_values))
        elif kind == "drop_column" and rows[r]:
            rows[r].pop(draw(st.integers(0, len(rows[r]) - 1)))
        elif kind == "duplicate":
            rows.insert(r, list(rows[r]))
        else:
            rows.insert(r, [])
    text = "\r\n".join(sep.join(row) for row in rows) + "\r\n"
    return text.encode(draw(st.sampled_from(("utf-8", "utf-8-sig", "cp1252", "utf-16"))), "replace")


cell_values = st.one_of(
    st.none(),
    st.integers(-(10**12), 10**12),
    st.floats(allow_nan=False, allow_infinity=False),
    st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2100, 1, 1)),
    st.sampled_from(["=1+1", "=A1*2", '=HYPERLINK("http://example.invalid","x")', "=SUM(A1:A9)", "=1/0"]),
    st.text(alphabet=st.characters(blacklist_categories=("Cc", "Cs")), max_size=40),
    st.integers(20_000, 32_000).map(lambda n: "y" * n),
)


@st.composite
def xlsx_mutations(draw, body: bytes) -> bytes:
    """A workbook with the sample's rows and some cells replaced (formulas, huge text, wrong types)."""
    from openpyxl import Workbook, load_workbook

    source = load_workbook(io.BytesIO(body), read_only=True, data_only=True)
    rows = [list(row) for row in source.worksheets[0].iter_rows(values_only=True)]
    source.close()
    for _ in range(draw(st.integers(1, 5))):
        r = draw(st.integers(0, len(rows) - 1))
        if rows[r]:
            rows[r][draw(st.integers(0, len(rows[r]) - 1))] = draw(cell_values)
    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def bad_inputs(kind: str, body: bytes):
    structured = {
        "json": lambda: json_mutations(body, jsonl=False),
        "jsonl": lambda: json_mutations(body, jsonl=True),
        "csv": lambda: csv_mutations(body),
        "xlsx": lambda: xlsx_mutations(body),
    }[kind]()
    return st.one_of(byte_mutations(body), structured)


# -- the property -------------------------------------------------------------------------------------
def parse_within_bounds(feed: str, body: bytes, content_type: str) -> tuple[str, list]:
    """Parse a body completely; return ("refused", []) or ("parsed", items). Anything else is a failure."""
    from vagled.feeds import get_feed
    from vagled.pipeline.feed import ParseFailure, SourceStructureError
    from vagled.pipeline.record_checks import check_record

    spec = get_feed(feed)
    tracemalloc.start()
    try:
        try:
            items = list(spec.parse(body, content_type))
        except SourceStructureError as exc:
            assert str(exc).strip(), "a refused batch says why"
            return "refused", []
        for item in items:
            if isinstance(item, ParseFailure):
                assert item.reason.strip() and item.check, item
            else:
                assert isinstance(item, dict), item
                check_record(item, spec.columns)
        return "parsed", items
    finally:
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        # bounded: a constant plus a small multiple of the input (XLSX: of what it unpacks to)
        limit = 48 * 2**20 + 12 * len(body)
        assert peak <= limit, f"parsing {len(body)} bytes of {feed} peaked at {peak} bytes"


@pytest.mark.parametrize("sample", sorted(SAMPLES))
def test_parsers_survive_bad_input_and_give_reasons(sample, samples, tally):
    feed, kind, body, content_type = samples[sample]

    @settings(FUZZ, max_examples=int(60 * SCALE))
    @given(bad=bad_inputs(kind, body))
    def check(bad: bytes) -> None:
        parse_within_bounds(feed, bad, content_type)
        tally.bad_inputs()

    assert parse_within_bounds(feed, body, content_type)[0] == "parsed", "the unmangled sample parses"
    check()


# -- the whole way: raw, staging, validation, quarantine, core ------------------------------------------
PERIODS = {
    "job_ads": ("2026-09-01T00:00:00+02:00", "2026-09-01T12:00:00+02:00"),
    "occupational_outlook": ("2026-01-01T00:00:00+01:00", "2026-07-01T00:00:00+02:00"),
    "education_offerings": ("2026-08-10T00:00:00+02:00", "2026-08-17T00:00:00+02:00"),
    "myh_programmes": ("2026-08-10T00:00:00+02:00", "2026-08-17T00:00:00+02:00"),
    "municipal_komvux": ("2026-09-01T00:00:00+02:00", "2026-10-01T00:00:00+02:00"),
    "municipal_programmes": ("2026-09-01T00:00:00+02:00", "2026-10-01T00:00:00+02:00"),
    "kolada_key_figures": ("2024-01-01T00:00:00+01:00", "2025-01-01T00:00:00+01:00"),
    "scb_key_figures": ("2024-01-01T00:00:00+01:00", "2025-01-01T00:00:00+01:00"),
}


def load_the_whole_way(feed: str, body: bytes, content_type: str) -> dict:
    """Land one payload as a batch and run stage and publish as the tasks do; return the batch's audit row."""
    from airflow.sdk.exceptions import AirflowFailException

    from vagled.feeds import get_feed
    from vagled.pipeline import tasks
    from vagled.pipeline.load import land_payload, open_batch
    from vagled.pipeline.period import Period
    from vagled.warehouse.db import connect

    spec = get_feed(feed)
    period = None
    if feed in PERIODS:
        period = Period(*(datetime.fromisoformat(t).astimezone(UTC) for t in PERIODS[feed]))
    with connect(autocommit=True) as conn:
        batch_id = open_batch(conn, spec, period, "fuzz", partition="1861" if feed.startswith("municipal") else None)
        land_payload(conn, batch_id, feed, 0, source_url="http://fuzz.invalid/", body=body, content_type=content_type)
    try:
        tasks.stage(feed, batch_id)
        tasks.publish(feed, batch_id)
    except AirflowFailException:
        pass  # rejected: checked below
    with connect(autocommit=True) as conn:
        row = conn.execute(
            "select batch_id, status, received, loaded, quarantined, duplicates, error"
            " from audit.load_batch where batch_id = %s",
            (batch_id,),
        ).fetchone()
    return dict(
        zip(("batch_id", "status", "received", "loaded", "quarantined", "duplicates", "error"), row, strict=True)
    )


def test_a_value_postgresql_refuses_quarantines_its_row_and_the_rest_loads(samples, isolated_warehouse, wh, tally):
    """A NUL character (text cannot hold it) and a count beyond integer: their rows, not the batch.

    Runs before the fuzzed loads below, whose taxonomy snapshots may retire the reference codes.
    """
    feed, _, body, content_type = samples["occupational_outlook"]
    records = json.loads(body)
    assert len(records) > 40
    records[3]["yb_yrke"] = "Kock\x00Köksmästare"
    batch = load_the_whole_way(feed, json.dumps(records).encode(), content_type)
    tally.bad_inputs()
    assert batch["status"] == "succeeded" and batch["quarantined"] == 1, batch
    assert batch["received"] == batch["loaded"] + batch["quarantined"] + batch["duplicates"]
    reasons, record = wh.execute(
        "select reasons, record from quarantine.record where batch_id = %s", (batch["batch_id"],)
    ).fetchone()
    assert reasons[0]["expectation"] == "storable_value" and "NUL" in reasons[0]["detail"]
    assert record["yb_yrke"] == "Kock\ufffdKöksmästare"

    feed, _, body, content_type = samples["education_offerings"]
    page = json.loads(body)
    page["body"]["_embedded"]["listedAdultEducationEvents"][0]["paceOfStudy"] = "1000000000000.0"
    batch = load_the_whole_way(feed, json.dumps(page).encode(), content_type)
    assert batch["status"] == "succeeded" and batch["quarantined"] >= 1, batch
    assert "storable_value" in {
        r[0]
        for r in wh.execute(
            "select r->>'expectation' from quarantine.record, jsonb_array_elements(reasons) r where batch_id = %s",
            (batch["batch_id"],),
        )
    }
    findings = check_invariants(wh, since=batch["batch_id"] - 2)
    assert not findings.violations, findings.violations


@pytest.mark.parametrize(
    "sample", ["job_ads", "taxonomy", "education_offerings", "municipal_komvux", "municipal_komvux_xlsx"]
)
def test_bad_input_is_published_or_rejected_never_crashes_and_loses_nothing(
    sample, samples, isolated_warehouse, wh, tally
):
    feed, kind, body, content_type = samples[sample]

    @settings(FUZZ, max_examples=int(6 * SCALE))
    @given(bad=bad_inputs(kind, body))
    def check(bad: bytes) -> None:
        batch = load_the_whole_way(feed, bad, content_type)
        tally.bad_inputs()
        assert batch["status"] in ("succeeded", "rejected"), batch
        if batch["status"] == "rejected":
            assert len(batch["error"] or "") >= 30, batch
        else:
            # published only within the feed's quarantine threshold (a refused payload is rejected whole)
            assert outcome_problems([{**batch, "feed": feed}]) == [], batch
        findings = check_invariants(wh, since=batch["batch_id"] - 1)
        tally.lost(findings.lost, f"fuzzed {sample} batch {batch['batch_id']}")
        assert not findings.violations, findings.violations

    check()


# -- bombs: small inputs that unpack to far more ---------------------------------------------------------
def _xlsx_bomb(unpacked: int) -> bytes:
    """A ZIP whose one sheet unpacks to ``unpacked`` bytes of XML (a few hundred kilobytes packed)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as part:
            part.write(b"<worksheet><sheetData><row><c t='inlineStr'><is><t>")
            block = b"A" * 2**20
            for _ in range(unpacked // len(block)):
                part.write(block)
            part.write(b"</t></is></c></row></sheetData></worksheet>")
    return out.getvalue()


@pytest.mark.parametrize(
    ("feed", "unpacked"),
    [("municipal_komvux", 256 * 2**20), ("municipal_programmes", 24 * 2**20)],  # too large; packed too tightly
)
def test_an_xlsx_zip_bomb_is_refused_in_bounded_memory(feed, unpacked, tally):
    bomb = _xlsx_bomb(unpacked)
    assert len(bomb) < 2**20 < unpacked, "a small file that unpacks to far more"
    outcome, items = parse_within_bounds(
        feed, bomb, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    tally.bad_inputs()
    assert outcome == "parsed" and len(items) == 1
    assert items[0].check == "readable_file" and "zip bomb" in items[0].reason


def test_a_huge_json_field_deep_nesting_and_a_huge_csv_field_are_quarantined_in_bounded_memory(samples, tally):
    feed, _, body, content_type = samples["job_ads"]
    ads = json.loads(body)
    ads[0]["headline"] = "h" * (2 * 2**20)
    outcome, items = parse_within_bounds(feed, json.dumps(ads).encode(), content_type)
    from vagled.feeds import get_feed
    from vagled.pipeline.record_checks import TEXT_SIZE_CHECK, check_record

    reasons = [check_record(i, get_feed(feed).columns)[1] for i in items if isinstance(i, dict)]
    assert outcome == "parsed" and any(r and r[0]["expectation"] == TEXT_SIZE_CHECK for r in reasons)

    deep = b"[" * 200_000 + b"]" * 200_000
    for name in ("job_ads", "occupational_outlook", "taxonomy", "education_offerings", "kolada_key_figures",
                 "scb_key_figures"):  # fmt: skip
        outcome, items = parse_within_bounds(samples[name][0], deep, "application/json")
        if samples[name][0] == "taxonomy":  # a snapshot is all or nothing: an unreadable answer refuses the batch
            assert outcome == "refused", (name, items)
        else:  # a page (or answer) that cannot be read is held as one record, with the reason
            assert outcome == "parsed", name
            assert [(i.check, "not valid JSON" in i.reason) for i in items] == [("parseable_record", True)], items

    feed, _, body, content_type = samples["municipal_komvux"]
    # the last row again, its last cell 2 MiB long
    last = body.rstrip(b"\r\n").rsplit(b"\n", 1)[-1].rstrip(b"\r")
    huge_cell = body.rstrip(b"\r\n") + b"\r\n" + last.rsplit(b";", 1)[0] + b";" + b"9" * (2 * 2**20) + b"\r\n"
    outcome, items = parse_within_bounds(feed, huge_cell, content_type)
    failures = [i for i in items if not isinstance(i, dict)]
    assert outcome == "parsed" and len(failures) == 1 and "field larger than field limit" in failures[0].reason
    tally.bad_inputs(3)


class _GzipBomb(BaseHTTPRequestHandler):
    body = b""  # set by the test: built only when it runs

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args) -> None:
        pass


def test_a_gzip_bomb_from_an_upstream_is_refused_in_bounded_memory(tally):
    from vagled.sources.http import BodyTooLarge, HttpSource

    _GzipBomb.body = gzip.compress(b"[" + b" " * (200 * 2**20) + b"]", compresslevel=9)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _GzipBomb)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        source = HttpSource("bomb", base_url=f"http://127.0.0.1:{server.server_port}", max_body_mb=16)
        tracemalloc.start()
        try:
            with pytest.raises(BodyTooLarge, match="grew past"):
                source.fetch("v1/anything")
        finally:
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
    finally:
        server.shutdown()
        server.server_close()
    tally.bad_inputs()
    assert len(_GzipBomb.body) < 1 * 2**20 and peak < 40 * 2**20
