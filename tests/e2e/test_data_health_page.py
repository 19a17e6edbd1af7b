"""The Data health page in a real headless Chromium, served by the real Airflow api-server with the plugin.

The api-server is started as `make airflow` starts it (the project's Airflow environment, the
repo's plugins/), on a free port. The test logs in through Airflow's own login page, then opens the
page directly and inside the Airflow UI's navigation.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

PASSWORD = "health-page-test"
# One user per role of Airflow's simple auth manager (the name is the role): the pages are for Op and Admin.
ROLE_PASSWORDS = {role: f"health-page-{role}" for role in ("viewer", "user", "op")}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def api_server(airflow_db, tmp_path_factory):
    """The real `airflow api-server` with the project's plugins, on a free port; yields its base URL."""
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    passwords = Path(os.environ["AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE"])
    passwords.parent.mkdir(parents=True, exist_ok=True)
    passwords.write_text(json.dumps({"admin": PASSWORD, **ROLE_PASSWORDS}))
    env = {
        **os.environ,
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": ",".join(f"{role}:{role}" for role in ("admin", *ROLE_PASSWORDS)),
        "AIRFLOW__API__PORT": str(port),
        "AIRFLOW__API__BASE_URL": base,
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{base}/execution/",
        "AIRFLOW__API__WORKERS": "1",
    }
    log_path = tmp_path_factory.mktemp("api-server") / "api-server.log"
    airflow = Path(sys.executable).parent / "airflow"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [str(airflow), "api-server", "--port", str(port), "--host", "127.0.0.1"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 180
        while True:
            try:
                with urllib.request.urlopen(f"{base}/api/v2/monitor/health", timeout=5) as answer:
                    if answer.status == 200:
                        break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the api-server did not start: {log_path.read_text(errors='replace')[-3000:]}")
            time.sleep(1)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture
def monitored_data(warehouse_conn):
    """Batches with known freshness: job ads just loaded (fresh), the outlook stale, one county's files."""
    from quarantine_data import load_outlook_with_quarantine

    from vagled.monitoring.freshness import sync_policies

    now = datetime.now(UTC)
    warehouse_conn.execute(
        "insert into audit.load_batch (feed, status, received, loaded, started_at, finished_at)"
        " values ('job_ads', 'succeeded', 10, 10, %s, %s)",
        (now, now),
    )
    warehouse_conn.execute(
        "insert into audit.load_batch (feed, status, received, loaded, started_at, finished_at)"
        " values ('jobseekers', 'succeeded', 7, 7, %s, %s)",
        (now.replace(year=now.year - 1), now.replace(year=now.year - 1)),
    )
    # Job seekers may be at most a second old for this test: whatever loaded them before is stale too.
    warehouse_conn.execute(
        "update audit.feed_freshness_policy set max_age = interval '1 second' where feed = 'jobseekers'"
    )
    warehouse_conn.execute(
        "insert into audit.load_batch (feed, status, received, loaded, partition_key, started_at, finished_at)"
        " values ('municipal_komvux', 'succeeded', 4, 4, '1880', %s, %s)",
        (now, now),
    )
    outlook_batch = load_outlook_with_quarantine(warehouse_conn)
    try:
        yield {"outlook_batch": outlook_batch}
    finally:
        sync_policies(warehouse_conn)


def _login(page, base: str, username: str = "admin", password: str = PASSWORD) -> None:
    page.goto(f"{base}/auth/login/", wait_until="networkidle")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/auth/login" not in url, timeout=30_000)


def _token(base: str, username: str, password: str) -> str:
    request = urllib.request.Request(
        f"{base}/auth/token",
        data=json.dumps({"username": username, "password": password}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        return json.load(answer)["access_token"]


def _get_status(url: str, token: str) -> int:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status
    except urllib.error.HTTPError as error:
        return error.code


@pytest.mark.parametrize(("role", "expected"), [("viewer", 403), ("user", 403), ("op", 200), ("admin", 200)])
def test_pages_need_the_op_or_admin_role(api_server, role, expected):
    token = _token(api_server, role, ROLE_PASSWORDS.get(role, PASSWORD))
    for path in ("/vagled/data-health", "/vagled/quarantine?feed=jobseekers"):
        assert _get_status(f"{api_server}{path}", token) == expected, path
    # Data Docs hold the failing values too: below Op refused before the file is even looked up.
    missing = _get_status(f"{api_server}/vagled/data-docs/no-such-page.html", token)
    assert missing == (403 if expected == 403 else 404)


def test_a_viewer_logged_in_to_the_ui_is_refused_with_the_reason(api_server, chromium):
    context = chromium.new_context()
    page = context.new_page()
    _login(page, api_server, "viewer", ROLE_PASSWORDS["viewer"])
    answer = page.goto(f"{api_server}/vagled/data-health", wait_until="load")
    assert answer.status == 403
    assert "need the Op or Admin role" in page.locator("body").inner_text()
    assert page.locator("#data-health").count() == 0
    context.close()


def test_page_shows_every_feed_and_a_stale_feed_as_stale(api_server, chromium, monitored_data, tmp_path):
    from vagled.monitoring.freshness import load_config

    # Without a login the page is refused: it shows quarantined source records.
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(f"{api_server}/vagled/data-health", timeout=10)
    assert refused.value.code == 401

    context = chromium.new_context()
    page = context.new_page()
    _login(page, api_server)
    page.goto(f"{api_server}/vagled/data-health", wait_until="load")
    page.screenshot(path=str(tmp_path / "data-health.png"), full_page=True)

    rows = page.locator("tr.feed-row")
    shown = {
        (rows.nth(i).get_attribute("data-feed"), rows.nth(i).get_attribute("data-county")) for i in range(rows.count())
    }
    declared = set(load_config().policies)
    assert {feed for feed, _ in shown} == declared
    assert all((feed, "") in shown for feed in declared), "one row per feed"
    assert ("municipal_komvux", "18") in shown, "and one per county where it applies"

    stale = page.locator("tr.feed-row[data-feed='jobseekers'][data-county='']")
    assert stale.get_attribute("data-status") == "stale"
    assert stale.locator(".status").inner_text().strip() == "stale"
    job_ads = page.locator("tr.feed-row[data-feed='job_ads'][data-county='']")
    assert job_ads.get_attribute("data-status") == "fresh"
    assert "stale" in page.locator("#summary").inner_text()

    # The outlook row: its last batch, rows loaded and quarantined, pass rate, and its links.
    batch = monitored_data["outlook_batch"]
    outlook = page.locator("tr.feed-row[data-feed='occupational_outlook'][data-county='']")
    cells = outlook.locator("td")
    assert f"{batch['batch_id']} (succeeded)" in outlook.inner_text()
    assert cells.nth(6).inner_text().strip() == str(batch["loaded"])
    assert cells.nth(7).inner_text().strip() == str(batch["quarantined"])
    rate = 100 * (1 - batch["quarantined"] / batch["received"])
    assert cells.nth(8).inner_text().strip() == f"{rate:.1f} %"

    outlook.locator("a.quarantine-link").click()
    page.wait_for_load_state("load")
    assert f"Quarantine: batch {batch['batch_id']}" in page.locator("h1").inner_text()
    assert page.locator("tr.quarantine-row").count() == batch["quarantined"]
    assert "expect_column_values_to_be_in_set(ssyk4)" in page.locator("#quarantine").inner_text()

    page.go_back(wait_until="load")
    page.locator("tr.feed-row[data-feed='occupational_outlook'][data-county=''] a.data-docs-link").click()
    page.wait_for_load_state("load")
    assert f"batch-{batch['batch_id']}" in page.url
    docs = page.locator("body").inner_text()
    assert "Expectation Suite: occupational_outlook" in docs and "values must belong to this set" in docs
    # the page is this batch's (its URL names it); the run named in its heading depends on the caller
    assert f"of {batch['received']} total rows" in docs

    # Inside the Airflow UI: the plugin's entry shows the same page in the UI's frame.
    page.goto(f"{api_server}/plugin/data-health", wait_until="networkidle")
    frame = page.frame_locator("iframe")
    frame.locator("tr.feed-row[data-feed='jobseekers'][data-county='']").wait_for(timeout=30_000)
    assert frame.locator("tr.feed-row[data-feed='jobseekers'][data-county='']").get_attribute("data-status") == "stale"
    page.screenshot(path=str(tmp_path / "data-health-in-airflow.png"), full_page=True)
    context.close()
