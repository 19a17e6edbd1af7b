"""The Data health page: a FastAPI app the project's Airflow plugin mounts in the api-server.

Routes (under the plugin's prefix, ``/vagled``):

- ``data-health``: one row per feed (and per county for the municipalities' files): freshness
  status, last success, last batch with its rows loaded and quarantined, validation pass rate,
  links to the DAG, to the GX Data Docs of the last validation and to the quarantine rows;
- ``quarantine?batch_id=…`` or ``?feed=…&county=…``: open quarantined records with their reasons;
- ``data-docs/<path>``: the local GX Data Docs site (vagled.pipeline.data_docs builds it after
  every validation).

Every route needs a logged-in Airflow user (the UI's session cookie or a bearer token) whom the
auth manager lets read connections, i.e. the Op or Admin role: quarantine rows hold source
records, for engineers only (401 without a login, 403 for Viewer and User). Pages are
server-rendered HTML, with relative links so the page works inside the Airflow UI's frame and
behind a proxy. Database calls are plain (sync) route functions, which FastAPI runs in its
thread pool.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

# At module level: FastAPI reads the routes' annotations, which must resolve here.
from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.responses import FileResponse, HTMLResponse

STYLE = """
body { font-family: system-ui, sans-serif; margin: 1rem; color: #1f2937; }
table { border-collapse: collapse; width: 100%; font-size: 0.9rem; }
th, td { border-bottom: 1px solid #e5e7eb; padding: 0.35rem 0.5rem; text-align: left; vertical-align: top; }
th { background: #f3f4f6; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.status { border-radius: 0.5rem; padding: 0.1rem 0.5rem; font-weight: 600; }
.status-fresh { background: #dcfce7; color: #166534; }
.status-stale { background: #fee2e2; color: #991b1b; }
.status-never_loaded { background: #e5e7eb; color: #374151; }
.batch-rejected, .batch-failed { color: #991b1b; font-weight: 600; }
tr.county td:first-child { padding-left: 1.5rem; }
.summary { margin: 0.5rem 0 1rem; }
"""


def _esc(value: Any) -> str:
    return html.escape("" if value is None else str(value))


def _when(value: Any) -> str:
    from vagled.monitoring.alerts import LOCAL_TZ

    if value is None:
        return "never"
    return value.astimezone(LOCAL_TZ).strftime("%Y-%m-%d %H:%M") if hasattr(value, "astimezone") else str(value)


def _age(value: Any) -> str:
    """A max_age as the declaration writes it: whole days as "40 d", else hours, else seconds."""
    seconds = int(value.total_seconds()) if hasattr(value, "total_seconds") else None
    if seconds is None:
        return str(value)
    if seconds % 86400 == 0:
        return f"{seconds // 86400} d"
    if seconds % 3600 == 0:
        return f"{seconds // 3600} h"
    return f"{seconds} s"


def _page(title: str, body: str) -> str:
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{_esc(title)}</title><style>{STYLE}</style></head><body>{body}</body></html>"
    )


def render_health(rows: list[Any], *, airflow_base: str) -> str:
    """The Data health page for the rows of vagled.monitoring.health.health_rows."""
    stale = [r for r in rows if r.status == "stale"]
    failing = [r for r in rows if r.last_batch_status in ("failed", "rejected")]
    quarantining = [r for r in rows if r.quarantined_last]
    summary = (
        f"<p class='summary' id='summary'>{len({r.feed for r in rows})} feeds: "
        f"<strong>{len(stale)}</strong> row(s) stale, <strong>{len(failing)}</strong> with a failed or rejected "
        f"last batch, <strong>{len(quarantining)}</strong> quarantining.</p>"
    )
    head = (
        "<tr><th>Feed</th><th>County</th><th>Status</th><th>Last success</th><th>Max age</th>"
        "<th>Last batch</th><th>Rows loaded</th><th>Quarantined</th><th>Validation pass rate</th>"
        "<th>Data Docs</th><th>DAG</th></tr>"
    )
    lines = []
    for r in rows:
        county = r.county_code or ""
        if r.quarantined_last and r.county_code:
            query = urlencode({"feed": r.feed, "county": r.county_code})
        elif r.quarantined_last and r.parts > 1:
            query = urlencode({"feed": r.feed})
        else:
            query = urlencode({"batch_id": r.last_batch_id}) if r.last_batch_id else ""
        quarantined = (
            f"<a class='quarantine-link' href='quarantine?{_esc(query)}'>{r.quarantined_last}</a>"
            if r.quarantined_last
            else "0"
        )
        docs = (
            f"<a class='data-docs-link' href='data-docs/{_esc(r.data_docs_path)}'>last validation</a>"
            if r.data_docs_path
            else "—"
        )
        batch = (
            f"<span class='batch-{_esc(r.last_batch_status)}'>{r.last_batch_id} ({_esc(r.last_batch_status)})</span>"
            if r.last_batch_id
            else "—"
        )
        stale_parts = f" ({r.stale_parts} of {r.parts} parts)" if r.parts > 1 and r.stale_parts else ""
        lines.append(
            f"<tr class='feed-row{' county' if county else ''}' data-feed='{_esc(r.feed)}' "
            f"data-county='{_esc(county)}' data-status='{_esc(r.status)}'>"
            f"<td title='{_esc(r.description)}'>{_esc(r.feed)}</td><td>{_esc(county)}</td>"
            f"<td><span class='status status-{_esc(r.status)}'>{_esc(r.status.replace('_', ' '))}</span>"
            f"{_esc(stale_parts)}</td>"
            f"<td>{_esc(_when(r.last_success_at))}</td><td>{_esc(_age(r.max_age))}</td><td>{batch}</td>"
            f"<td class='num'>{r.rows_last_batch}</td><td class='num'>{quarantined}</td>"
            f"<td class='num'>{_esc(r.pass_rate_text)}</td><td>{docs}</td>"
            f"<td><a href='{_esc(airflow_base)}/dags/{_esc(r.dag_id)}' target='_top'>{_esc(r.dag_id)}</a></td></tr>"
        )
    body = (
        "<h1>Data health</h1>"
        + summary
        + f"<table id='data-health'><thead>{head}</thead><tbody>{''.join(lines)}</tbody></table>"
        + "<p><a href='data-docs/index.html'>All validation results (Data Docs)</a> · "
        "<a href='quarantine'>All open quarantine</a></p>"
    )
    return _page("Data health · Vägled", body)


def render_quarantine(rows: list[Any], *, title: str) -> str:
    head = "<tr><th>Batch</th><th>Part</th><th>Record</th><th>Key</th><th>Failed checks</th><th>Quarantined</th></tr>"
    lines = []
    for r in rows:
        reasons = "<br>".join(
            _esc(
                f"{reason.get('expectation')}"
                + (f"({reason['column']})" if reason.get("column") else "")
                + (f": {reason['detail']}" if reason.get("detail") else "")
                + (f" = {reason['value']!r}" if reason.get("value") is not None else "")
            )
            for reason in r.reasons
        )
        lines.append(
            f"<tr class='quarantine-row'><td>{r.batch_id}</td><td>{_esc(r.partition_key or '')}</td>"
            f"<td class='num'>{r.record_no}</td><td>{_esc(r.natural_key)}</td><td>{reasons}</td>"
            f"<td>{_esc(_when(r.quarantined_at))}</td></tr>"
        )
    body = (
        f"<p><a href='data-health'>← Data health</a></p><h1>{_esc(title)}</h1>"
        f"<p>{len(rows)} open record(s). Replay them after a fix with "
        "<code>vagled quarantine replay BATCH</code>.</p>"
        f"<table id='quarantine'><thead>{head}</thead><tbody>{''.join(lines)}</tbody></table>"
    )
    return _page(title, body)


def create_app():
    """Build the FastAPI app (imported by the plugin when the api-server loads plugins)."""

    async def require_login(request: Request) -> Any:
        # Airflow's own token check, imported at the first request: other Airflow components
        # import this plugin too and never need the API server's security module.
        from airflow.api_fastapi.app import get_auth_manager
        from airflow.api_fastapi.auth.managers.base_auth_manager import COOKIE_NAME_JWT_TOKEN
        from airflow.api_fastapi.core_api.security import resolve_user_from_token

        header = request.headers.get("authorization", "")
        token = header[7:] if header.lower().startswith("bearer ") else request.cookies.get(COOKIE_NAME_JWT_TOKEN)
        user = await resolve_user_from_token(token)
        # The pages show quarantined source records, meant for engineers: the right to read
        # connections is what Airflow's auth managers give the Op and Admin roles only.
        if not get_auth_manager().is_authorized_connection(method="GET", user=user):
            raise HTTPException(
                status_code=403,
                detail="the data-health pages show quarantined source records: they need the Op or Admin role",
            )
        return user

    app = FastAPI(title="Vägled data health", dependencies=[Depends(require_login)])

    def _connect():
        from vagled.warehouse.db import connect

        return connect(autocommit=True)

    @app.get("/data-health", response_class=HTMLResponse)
    def data_health() -> str:
        from vagled.monitoring.alerts import airflow_base_url
        from vagled.monitoring.health import health_rows

        with _connect() as conn:
            rows = health_rows(conn)
        return render_health(rows, airflow_base=airflow_base_url())

    @app.get("/quarantine", response_class=HTMLResponse)
    def quarantine(batch_id: int | None = None, feed: str | None = None, county: str | None = None) -> str:
        from vagled.monitoring.health import open_quarantine

        if county is not None and (len(county) != 2 or not county.isdigit()):
            raise HTTPException(status_code=400, detail="county is a two-digit county code")
        with _connect() as conn:
            rows = open_quarantine(conn, batch_id=batch_id, feed=feed, county=county)
        scope = (
            f"batch {batch_id}"
            if batch_id is not None
            else " ".join(p for p in (feed or "every feed", f"county {county}" if county else "") if p)
        )
        return render_quarantine(rows, title=f"Quarantine: {scope}")

    @app.get("/data-docs/{path:path}")
    def data_docs(path: str) -> FileResponse:
        from vagled.monitoring.health import data_docs_site

        site = data_docs_site().resolve()
        target = (site / path).resolve()
        if site not in target.parents or not target.is_file():
            raise HTTPException(status_code=404, detail="no such Data Docs page (has a batch been validated yet?)")
        return FileResponse(Path(target))

    return app
