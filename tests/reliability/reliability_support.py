"""Helpers of the reliability tests: running DAGs against feedsim, and the warehouse invariants."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest


def create_database(admin_conn, embedded_warehouse, name: str) -> str:
    """(Re)create an empty database owned by the loader and return its URL."""
    from psycopg import sql

    admin_conn.execute(sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(name)))
    admin_conn.execute(sql.SQL("create database {} owner vagled_loader").format(sql.Identifier(name)))
    return embedded_warehouse.url().rsplit("/", 1)[0] + f"/{name}"


# -- running DAGs against feedsim -------------------------------------------------------------------
def point_upstreams_at(sim, monkeypatch: pytest.MonkeyPatch, *, extra: str = "", host: str = "127.0.0.1") -> None:
    """Point every upstream connection at a feedsim (or at anything serving its paths)."""
    from vagled.feedsim.cli import connection_uris

    for conn_id, uri in connection_uris(host, sim.port).items():
        monkeypatch.setenv(f"AIRFLOW_CONN_{conn_id.upper()}", uri + extra)


def load_dag(dag_id: str):
    """The DAG from its file, with Airflow's retries off: the client's own retries must do it."""
    from airflow.dag_processing.dagbag import DagBag

    from vagled.config import DAGS_DIR

    dag = DagBag(dag_folder=str(DAGS_DIR / f"{dag_id}.py")).dags[dag_id]
    for task in dag.tasks:
        task.retries = 0
    return dag


def last_batch_id(conn) -> int:
    return conn.execute("select coalesce(max(batch_id), 0) from audit.load_batch").fetchone()[0]


# -- warehouse invariants ------------------------------------------------------------------------
# feed -> (core table, its natural key, the columns that name the batch that wrote a row)
CORE_TARGETS: dict[str, tuple[str, tuple[str, ...], tuple[str, ...]]] = {
    "job_ads": ("core.job_ad", ("ad_id",), ("first_batch_id", "last_batch_id")),
    # job seekers are published as sums per month, area and group (a staged record is one cell)
    "jobseekers": ("core.jobseekers_monthly", ("month", "area_code", "group_code"), ("last_batch_id",)),
    "occupational_outlook": (
        "core.occupational_outlook",
        ("omgang", "yb_concept_id", "lan"),
        ("first_batch_id", "last_batch_id"),
    ),
    "education_offerings": ("core.education_offering", ("offering_id",), ("first_batch_id", "last_batch_id")),
    "myh_programmes": ("core.education_offering", ("offering_id",), ("first_batch_id", "last_batch_id")),
    "kolada_key_figures": (
        "core.municipality_key_figure",
        ("municipality_code", "year", "month", "indicator_code", "gender"),
        ("last_batch_id",),
    ),
    "scb_key_figures": (
        "core.municipality_key_figure",
        ("municipality_code", "year", "month", "indicator_code", "gender"),
        ("last_batch_id",),
    ),
    "municipal_komvux": (
        "core.adult_education_enrolment",
        ("month", "municipality_code", "course_code"),
        ("last_batch_id",),
    ),
    "municipal_programmes": (
        "core.labour_market_programme",
        ("month", "municipality_code", "programme", "target_group"),
        ("last_batch_id",),
    ),
    "taxonomy_skills": ("core.skill", ("concept_id",), ("first_batch_id", "last_batch_id")),
    "education_transitions": (
        "core.education_transition",
        ("cohort_year", "programme_code", "region_code", "owner_type", "years_after"),
        ("last_batch_id",),
    ),
    "kolada_transitions": (
        "core.municipality_key_figure",
        ("municipality_code", "year", "month", "indicator_code", "gender"),
        ("last_batch_id",),
    ),
    # SCB's transitions tables go to two core tables: outcomes here, matched employment beside it
    # (SECOND_CORE_TABLES); their keys are read in the staged key's terms (CORE_KEY_SQL)
    "scb_transitions": (
        "core.labour_market_outcome",
        ("year", "region_code", "education_code", "background_code", "sex", "measure"),
        ("last_batch_id",),
    ),
}
SECOND_CORE_TABLES = {"scb_transitions": ("core.matched_employment",)}
# A staged record's natural key, read from core where it differs from the core tables' own key.
CORE_KEY_SQL = {
    "scb_transitions": (
        "select table_id, year::text, region_code, education_code, background_code, sex, content_code"
        " from core.labour_market_outcome"
        " union all select table_id, year::text, region_code, education_code, null, 'T', content_code"
        " from core.matched_employment"
    ),
}
# The taxonomy feed writes three dimensions, by the kind of concept.
TAXONOMY_TARGETS = {
    "county": ("core.county", "county_code"),
    "municipality": ("core.municipality", "municipality_code"),
    "occupation": ("core.occupation", "ssyk_code"),
}


@dataclass
class Findings:
    """What the invariants found: each violation in words, and how many records were lost."""

    violations: list[str] = field(default_factory=list)
    lost: int = 0
    batches: int = 0

    def add(self, text: str, lost: int = 0) -> None:
        self.violations.append(text)
        self.lost += lost


def _key_text(values) -> str:
    return "|".join("" if v is None else str(v) for v in values)


# Records that never become a core row by design, and where they are kept instead, per batch.
KEPT_IN_AUDIT = {"job_ads": "select ad_id from audit.job_ad_unknown_removal where batch_id = %s"}


def _core_keys(conn, feed: str) -> set[str]:
    if feed == "taxonomy":
        keys: set[str] = set()
        for kind, (table, column) in TAXONOMY_TARGETS.items():
            keys |= {f"{kind}|{r[0].strip()}" for r in conn.execute(f"select {column} from {table}")}
        return keys
    if feed in CORE_KEY_SQL:
        return {_key_text(r) for r in conn.execute(CORE_KEY_SQL[feed])}
    table, key, _ = CORE_TARGETS[feed]
    columns = ", ".join(f"{c}::text" for c in key)
    return {_key_text(r) for r in conn.execute(f"select {columns} from {table}")}


def expected_keys(conn, batch_id: int) -> set[str]:
    """The natural keys a published batch must have in core: every landed record, parsed again,
    that is in the area and not in quarantine."""
    from vagled.feeds import get_feed
    from vagled.pipeline.feed import ParseFailure

    feed = conn.execute("select feed from audit.load_batch where batch_id = %s", (batch_id,)).fetchone()[0]
    spec = get_feed(feed)
    held = {r[0] for r in conn.execute("select record_no from quarantine.record where batch_id = %s", (batch_id,))}
    keys: set[str] = set()
    record_no = 0
    parts = conn.execute(
        "select content_type, body from raw.landed_payload where batch_id = %s order by part_no", (batch_id,)
    ).fetchall()
    # every workbook holds the whole series: a batch publishes the months of its period only
    first_month, end_month = conn.execute(
        "select (interval_start at time zone 'Europe/Stockholm')::date,"
        " (interval_end at time zone 'Europe/Stockholm')::date from audit.load_batch where batch_id = %s",
        (batch_id,),
    ).fetchone()
    for content_type, body in parts:
        for item in spec.parse(bytes(body), content_type or ""):
            record_no += 1
            if isinstance(item, ParseFailure) or record_no in held:
                continue
            if spec.in_area is not None and not spec.in_area(item):
                continue
            if feed == "jobseekers":
                if (first_month is None or item["month"] >= first_month) and (
                    end_month is None or item["month"] < end_month
                ):
                    keys.add(_jobseeker_key(item))
                continue
            keys.add(_key_text(item.get(col) for col in spec.natural_key))
    return keys


def _jobseeker_key(cell: dict) -> str:
    """The core row a job-seeker cell is summed into (its municipality's, else its county's or the nation's)."""
    group = cell["dimension"] if cell["group_label"] is None else f"{cell['dimension']}:{cell['group_label']}"
    return _key_text((cell["month"], cell["municipality_code"] or cell["county_code"], group))


def check_invariants(conn, *, since: int = 0, allow_running: bool = False, reparse: bool = True) -> Findings:
    """Check the warehouse's promises for every batch after ``since``.

    - no natural key twice in a core table;
    - every published batch reconciles (received = loaded + quarantined + duplicates), has as many
      quarantine rows as it counts, and every record it parsed is in core or in quarantine;
    - no batch is half loaded: a batch that did not succeed wrote no core row, and no finished
      batch leaves rows in staging;
    - every batch that received records keeps its raw payload, unchanged (its sha256 still holds);
    - every quarantine row names at least one failed check;
    - unless ``allow_running``, no batch is left in flight (running or staged).
    """
    from vagled.feeds import get_feed

    found = Findings()
    for table, key, _ in set(CORE_TARGETS.values()):
        columns = ", ".join(key)
        twice = conn.execute(
            f"select count(*) from (select {columns} from {table} group by {columns} having count(*) > 1) d"
        ).fetchone()[0]
        if twice:
            found.add(f"{table}: {twice} natural keys ({columns}) appear more than once")
    batches = conn.execute(
        "select b.batch_id, b.feed, b.status, b.received, b.loaded, b.quarantined, b.duplicates, b.error,"
        " (select count(*) from quarantine.record q where q.batch_id = b.batch_id),"
        " (select count(*) from raw.landed_payload p where p.batch_id = b.batch_id),"
        " (select count(*) from raw.landed_payload p where p.batch_id = b.batch_id"
        "   and encode(sha256(p.body), 'hex') <> p.sha256),"
        " (select count(*) from quarantine.record q where q.batch_id = b.batch_id and not exists"
        "   (select from jsonb_array_elements(q.reasons) r where coalesce(r->>'expectation', '') <> ''))"
        " from audit.load_batch b where b.batch_id > %s order by b.batch_id",
        (since,),
    ).fetchall()
    core_keys: dict[str, set[str]] = {}
    for batch_id, feed, status, received, loaded, quarantined, duplicates, error, held, parts, altered, bare in batches:
        found.batches += 1
        label = f"{feed} batch {batch_id} ({status})"
        spec = get_feed(feed)
        staged = conn.execute(
            f"select count(*) from staging.{spec.staging_table} where batch_id = %s", (batch_id,)
        ).fetchone()[0]
        if status in ("running", "staged"):  # in flight
            if not allow_running:
                found.add(f"{label} was left {status}")
        elif staged:
            found.add(f"{label} left {staged} rows in staging")
        if status in ("failed", "rejected") and not (error or "").strip():
            found.add(f"{label} ended without a reason")
        if held != quarantined:
            found.add(f"{label}: counts {quarantined} quarantined, quarantine holds {held}", max(quarantined - held, 0))
        if bare:
            found.add(f"{label}: {bare} quarantine rows name no failed check")
        if (received or status in ("succeeded", "rejected")) and parts == 0:
            found.add(f"{label} received records but kept no raw payload", received)
        if altered:
            found.add(f"{label}: {altered} raw payloads no longer match their sha256")
        if status == "succeeded":
            if received != loaded + quarantined + duplicates:
                found.add(f"{label} does not reconcile", abs(received - loaded - quarantined - duplicates))
            if reparse:
                if feed not in core_keys:
                    core_keys[feed] = _core_keys(conn, feed)
                missing = expected_keys(conn, batch_id) - core_keys[feed]
                if missing and feed in KEPT_IN_AUDIT:
                    # records a feed keeps in the audit instead of core (a removal of an ad never held)
                    missing -= {_key_text(r) for r in conn.execute(KEPT_IN_AUDIT[feed], (batch_id,))}
                if missing:
                    found.add(f"{label}: {len(missing)} records in neither core nor quarantine", len(missing))
        elif feed in CORE_TARGETS:
            table, _, batch_columns = CORE_TARGETS[feed]
            condition = " or ".join(f"{c} = %(b)s" for c in batch_columns)
            for target in (table, *SECOND_CORE_TABLES.get(feed, ())):
                written = conn.execute(f"select count(*) from {target} where {condition}", {"b": batch_id}).fetchone()[
                    0
                ]
                if written:
                    found.add(f"{label} is half loaded: {written} rows of {target} carry its id")
    return found


def batches_since(conn, since: int) -> list[dict]:
    rows = conn.execute(
        "select batch_id, feed, partition_key, status, received, loaded, quarantined, duplicates, error"
        " from audit.load_batch where batch_id > %s order by batch_id",
        (since,),
    ).fetchall()
    names = ("batch_id", "feed", "partition_key", "status", "received", "loaded", "quarantined", "duplicates", "error")
    return [dict(zip(names, row, strict=True)) for row in rows]


def outcome_problems(batches: list[dict], run_state: str | None = None) -> list[str]:
    """Where finished batches (and their run) differ from the one outcome publish decides.

    Publish runs a feed's cross-checks first: when they fail the batch is rejected naming them.
    Otherwise a batch whose quarantined share is above its feed's max_quarantine_share is rejected
    naming the threshold, and any other batch succeeds. A run fails exactly when one of its batches
    was rejected. (Payloads refused whole are tested elsewhere.)
    """
    from vagled.feeds import get_feed

    problems = []
    for batch in batches:
        spec = get_feed(batch["feed"])
        limit = spec.max_quarantine_share
        error = batch["error"] or ""
        label = f"{batch['feed']} batch {batch['batch_id']} ({batch['quarantined']} of {batch['received']} held)"
        if spec.batch_checks is not None and batch["status"] == "rejected" and "its cross-checks failed" in error:
            continue
        over = bool(batch["received"]) and batch["quarantined"] / batch["received"] > limit
        expected = "rejected" if over else "succeeded"
        if batch["status"] != expected:
            problems.append(f"{label} is {batch['status']}, expected {expected} at a threshold of {limit:.0%}")
        elif over and "above the feed's threshold" not in error:
            problems.append(f"{label} is rejected without naming the threshold: {error!r}")
    if run_state is not None:
        expected_run = "failed" if any(b["status"] == "rejected" for b in batches) else "success"
        if run_state != expected_run:
            problems.append(f"the run is {run_state}, expected {expected_run}")
    return problems


def reasons_of(conn, batch_id: int) -> set[str]:
    """The names of the failed checks (and their columns) of a batch's quarantine rows."""
    rows = conn.execute(
        "select distinct unnest(array[r->>'expectation', r->>'column'])"
        " from quarantine.record, jsonb_array_elements(reasons) r where batch_id = %s",
        (batch_id,),
    ).fetchall()
    return {r[0] for r in rows if r[0]}


# Schemas whose text must never hold an identity number in clear (raw keeps payloads as received,
# for engineers only).
SCANNED_SCHEMAS = ("staging", "quarantine", "core", "mart", "audit")


def identity_numbers_stored(conn, schemas: tuple[str, ...] = SCANNED_SCHEMAS) -> list[str]:
    """Every national identity or co-ordination number stored in clear in a text or jsonb column.

    PostgreSQL narrows the search to ten-digit candidates; vagled.privacy decides (date and Luhn).
    """
    from psycopg import sql

    from vagled.privacy import find_identity_numbers

    columns = conn.execute(
        "select table_schema, table_name, column_name from information_schema.columns"
        " where table_schema = any(%s) and data_type in ('text', 'character varying', 'jsonb', 'json')"
        " and table_name in (select table_name from information_schema.tables t"
        "   where t.table_schema = columns.table_schema and t.table_type in ('BASE TABLE', 'VIEW'))",
        (list(schemas),),
    ).fetchall()
    found: list[str] = []
    for schema, table, column in columns:
        query = sql.SQL("select {col}::text from {tbl} where {col}::text ~ %s").format(
            col=sql.Identifier(column), tbl=sql.Identifier(schema, table)
        )
        for (text,) in conn.execute(query, (r"[0-9]{6}[-+ ]?[0-9]{4}",)):
            found += [f"{schema}.{table}.{column}: {hit}" for hit in find_identity_numbers(text)]
    return found


# -- the feed DAGs, each with the smallest period it loads ------------------------------------------
@dataclass(frozen=True)
class Target:
    dag_id: str
    conf: dict = field(default_factory=dict)

    def __str__(self) -> str:
        return self.dag_id


TARGETS = (
    Target(
        "employment_agency_job_ads",
        {"period_start": "2026-09-01T00:00:00+02:00", "period_end": "2026-09-02T00:00:00+02:00"},
    ),
    # the page check decides the month (2026-09 at feedsim's clock); these params reload it alone
    Target("employment_agency_jobseekers", {"period_start": "2026-09-01", "period_end": "2026-10-01"}),
    Target("employment_agency_outlook"),
    Target("reference_taxonomy"),
    Target("education_offerings", {"period_start": "2026-10-26", "period_end": "2026-11-02"}),
    Target("municipality_key_figures", {"years": 2024}),
    # Uppsala sends Windows-1252 CSV, Hallsberg XLSX: both readers, two municipalities only.
    Target(
        "municipality_files",
        {"period_start": "2026-09-01", "period_end": "2026-10-01", "municipalities": ["0380", "1861"]},
    ),
)


# -- a proxy that rewrites what feedsim answers -------------------------------------------------------
class MutatingProxy:
    """An HTTP server in front of feedsim that rewrites each JSON or CSV answer with ``mutate``.

    For what feedsim has no fault for (SQL-injection payloads, identity numbers in every field):
    the DAGs still fetch over real HTTP, from the proxy, with the connections pointed at it.
    ``mutate(method, path, content_type, body) -> body``; error answers pass unchanged.
    """

    def __init__(self, upstream_port: int, mutate) -> None:
        import http.client
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _forward(self, method: str) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                payload = self.rfile.read(length) if length else None
                upstream = http.client.HTTPConnection("127.0.0.1", upstream_port, timeout=60)
                headers = {k: v for k, v in self.headers.items() if k.lower() in ("content-type", "accept")}
                upstream.request(method, self.path, body=payload, headers=headers)
                answer = upstream.getresponse()
                body = answer.read()
                content_type = answer.getheader("Content-Type", "")
                upstream.close()
                if answer.status == 200:
                    body = proxy.mutate(method, self.path, content_type, body)
                self.send_response(answer.status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:
                self._forward("GET")

            def do_POST(self) -> None:
                self._forward("POST")

            def log_message(self, *args) -> None:
                pass

        self.mutate = mutate
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_port

    def __enter__(self) -> MutatingProxy:
        import threading

        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


def records_of(doc):
    """The largest list of objects inside a JSON document: the records of an answer."""
    best: list = []
    stack = [doc]
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            if sum(isinstance(x, dict) for x in node) > sum(isinstance(x, dict) for x in best):
                best = node
            stack.extend(node)
        elif isinstance(node, dict):
            stack.extend(node.values())
    return best


def string_paths(record, prefix: tuple = ()) -> list[tuple]:
    """The paths of every string value inside a JSON record."""
    if isinstance(record, dict):
        return [p for key in sorted(record) for p in string_paths(record[key], (*prefix, key))]
    if isinstance(record, list):
        return [p for i, item in enumerate(record) for p in string_paths(item, (*prefix, i))]
    return [prefix] if isinstance(record, str) else []


def _set_path(record, path: tuple, value) -> None:
    for key in path[:-1]:
        record = record[key]
    record[path[-1]] = value


def _get_path(record, path: tuple):
    for key in path:
        record = record[key]
    return record


def _spread(number: int, count: int, copies: int) -> list[int]:
    """``copies`` record positions spread evenly over ``count`` records, different for each field number."""
    if count == 0:
        return []
    step = max(count // copies, 1)
    return sorted({(number + i * step) % count for i in range(min(copies, count))})


def inject_into_every_field(content_type: str, body: bytes, make_value, *, copies: int = 6) -> bytes:
    """Give every string field of an answer a new value in a few records, spread over the answer.

    ``make_value(field, old_value) -> new value``. JSON: every string path of the records; CSV:
    every column below the header; XLSX: the shared items of every pivot-cache field and the
    workbook's shared strings. Other content is returned unchanged. Spread, because national files
    hold other counties too, and few per field, so a batch stays below its threshold.
    """
    import csv
    import io
    import json

    if body[:4] == b"PK\x03\x04" and ("spreadsheetml" in content_type or "excel" in content_type):
        return _inject_into_workbook(body, make_value, copies)

    if "json" in content_type:
        ndjson = "ndjson" in content_type
        docs = [json.loads(line) for line in body.splitlines() if line.strip()] if ndjson else [json.loads(body)]
        records = docs if ndjson else records_of(docs[0])
        if not records:
            return body
        paths = sorted({p for r in records if isinstance(r, dict) for p in string_paths(r)}, key=str)
        for number, path in enumerate(paths):
            for index in _spread(number, len(records), copies):
                record = records[index]
                try:
                    old = _get_path(record, path)
                except (KeyError, IndexError, TypeError):
                    continue
                if isinstance(old, str):
                    _set_path(record, path, make_value("/".join(map(str, path)), old))
        if ndjson:
            return "".join(json.dumps(d, ensure_ascii=False) + "\n" for d in docs).encode()
        return json.dumps(docs[0], ensure_ascii=False).encode()
    if "csv" in content_type or "text/plain" in content_type:
        charset = "cp1252" if "1252" in content_type else "utf-8-sig"
        text = body.decode(charset)
        sample = text.splitlines()[:20]
        delimiter = ";" if sum(line.count(";") for line in sample) >= sum(line.count(",") for line in sample) else ","
        rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
        header_at = max(range(len(rows)), key=lambda i: (sum(bool(c.strip()) for c in rows[i]), -i))
        data = [i for i in range(header_at + 1, len(rows)) if any(c.strip() for c in rows[i])]
        for column, name in enumerate(rows[header_at]):
            for index in _spread(column, len(data), copies):
                row = rows[data[index]]
                if column < len(row):
                    row[column] = make_value(name, row[column])
        out = io.StringIO()
        csv.writer(out, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
        return out.getvalue().encode("utf-8-sig" if charset == "utf-8-sig" else charset, "strict")
    return body


def _inject_into_workbook(body: bytes, make_value, copies: int) -> bytes:
    """Rewrite a few shared items of each pivot-cache field and a few shared strings of an XLSX."""
    import io
    import zipfile

    from lxml import etree

    main = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    source = zipfile.ZipFile(io.BytesIO(body))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info)
            name = info.filename
            if name.startswith("xl/pivotCache/pivotCacheDefinition") and name.endswith(".xml"):
                root = etree.fromstring(data)
                for number, cache_field in enumerate(root.iter(f"{main}cacheField")):
                    items = [item for item in cache_field.iter(f"{main}s")]
                    for index in _spread(number, len(items), copies):
                        items[index].set("v", make_value(cache_field.get("name", ""), items[index].get("v", "")))
                data = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
            elif name == "xl/sharedStrings.xml":
                root = etree.fromstring(data)
                texts = [t for t in root.iter(f"{main}t")]
                for index in _spread(0, len(texts), copies):
                    texts[index].text = make_value("sharedStrings", texts[index].text or "")
                data = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
            target.writestr(info, data)
    return out.getvalue()


def stored_strings(conn, needle: str) -> set[str]:
    """Every text value in core, mart, audit and quarantine that contains ``needle``."""
    from psycopg import sql

    columns = conn.execute(
        "select c.table_schema, c.table_name, c.column_name, c.data_type from information_schema.columns c"
        " join information_schema.tables t using (table_schema, table_name)"
        " where c.table_schema in ('core', 'mart', 'audit', 'quarantine')"
        " and c.data_type in ('text', 'character varying', 'character', 'jsonb')"
    ).fetchall()
    found: set[str] = set()
    for schema, table, column, data_type in columns:
        query = sql.SQL("select {c} from {t} where {c}::text like %s").format(
            c=sql.Identifier(column), t=sql.Identifier(schema, table)
        )
        for (value,) in conn.execute(query, (f"%{needle}%",)):
            if data_type == "jsonb":
                stack = [value]
                while stack:
                    node = stack.pop()
                    if isinstance(node, dict):
                        stack.extend(node.values())
                    elif isinstance(node, list):
                        stack.extend(node)
                    elif isinstance(node, str) and needle in node:
                        found.add(node)
            else:
                found.add(value)
    return found


def is_data_answer(method: str, path: str) -> bool:
    """Whether an answer holds records (not a listing of files nor SCB's table metadata)."""
    if path.split("?", 1)[0].endswith("/"):
        return False
    return not (path.startswith("/scb_pxweb/") and method == "GET")


def staged_values(conn, since: int, needle: str) -> set[str]:
    """The staged text values holding ``needle`` that the warehouse must keep, parsed again from raw:
    every staged column of a quarantined record, and the columns its core table has of a published one."""
    from vagled.feeds import get_feed
    from vagled.pipeline.feed import ParseFailure
    from vagled.pipeline.record_checks import check_record, masked_text

    values: set[str] = set()
    for batch in batches_since(conn, since):
        spec = get_feed(batch["feed"])
        kept = set(spec.columns)  # a quarantined record keeps every staged column
        if batch["feed"] in CORE_TARGETS:  # a published one what its core table has (by name)
            schema, table = CORE_TARGETS[batch["feed"]][0].split(".")
            kept_in_core = {
                r[0]
                for r in conn.execute(
                    "select column_name from information_schema.columns where table_schema = %s and table_name = %s",
                    (schema, table),
                )
            }
        else:
            kept_in_core = kept
        held = {
            r[0]
            for r in conn.execute("select record_no from quarantine.record where batch_id = %s", (batch["batch_id"],))
        }
        parts = conn.execute(
            "select content_type, body from raw.landed_payload where batch_id = %s order by part_no",
            (batch["batch_id"],),
        ).fetchall()
        record_no = 0
        for content_type, body in parts:
            try:
                items = list(spec.parse(bytes(body), content_type or ""))
            except ValueError:
                continue  # a refused structure: nothing of it is stored, the raw payload is kept
            for item in items:
                record_no += 1
                if isinstance(item, ParseFailure):
                    # an unreadable record is quarantined with its excerpt, as the stager stores it
                    if record_no in held and needle in item.excerpt:
                        values.add(masked_text(item.excerpt[:2000]))
                    continue
                if spec.in_area is not None and not spec.in_area(item):
                    continue
                if batch["status"] != "succeeded" and record_no not in held:
                    continue
                checked, _ = check_record(item, spec.columns)
                columns = kept if record_no in held else kept_in_core
                values |= {v for c in columns if isinstance(v := checked.get(c), str) and needle in v}
    return values
