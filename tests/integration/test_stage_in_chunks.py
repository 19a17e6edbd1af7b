"""Staging a large historical slice: typed rows in binary COPY, validation in forked children.

Whatever way a batch is staged (chunks validated in forked children or in place, rows COPYed in
binary or as text, the fast or the reference parser), staging and quarantine hold the same rows.
"""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from vagled.feeds.job_ads.parse import STAGED_COLUMNS, parse_ads
from vagled.feeds.job_ads.spec import SPEC as JOB_ADS
from vagled.pipeline import stage
from vagled.pipeline.feed import ParseFailure
from vagled.pipeline.load import land_payload, open_batch, publish_batch, stage_batch

pytestmark = pytest.mark.integration


def _ad(number: int, **changes) -> dict:
    ad = {
        "id": f"h{number:06x}",
        "original_id": str(7_000_000 + number),
        "headline": f"Undersköterska {number}",
        "description": {"text": "Vi söker en undersköterska till hemtjänsten."},
        "employer": {"name": "Västerås stad", "organization_number": "2120002098"},
        "occupation": [{"concept_id": "ghs4_JXU_BYt", "label": "Undersköterska, hemtjänst"}],
        "occupation_group": {"legacy_ams_taxonomy_id": "5321"},
        "employment_type": {"label": "Vanlig anställning"},
        "working_hours_type": [{"label": "Deltid"}],
        "workplace_address": {"municipality_code": "1980", "region_code": "19"},
        "number_of_vacancies": 1 + number % 4,
        "publication_date": "2024-03-04T08:00:00",
        "last_publication_date": "2024-04-04T23:59:59",
        "application_deadline": "2024-04-04",
        "removed": number % 3 == 0,
        "removed_date": "2024-03-20T10:00:00" if number % 3 == 0 else None,
        "timestamp": 1709539200000 + number,
    }
    ad.update(changes)
    return ad


def _slice() -> bytes:
    ads = [_ad(n) for n in range(120)]
    ads[5] = _ad(5, number_of_vacancies="3")  # a loose row (reference path), COPYed as text
    ads[17] = _ad(17, number_of_vacancies=-2)  # quarantined by the suite
    ads[29] = _ad(29, workplace_address={"municipality_code": "0180", "region_code": "01"})  # out of area
    ads[41] = _ad(41, description={"text": "Ring Anna på 811218-9876"})  # identity number
    ads[53] = _ad(53, occupation_group={"legacy_ams_taxonomy_id": "9999"})  # unknown code
    ads[64] = _ad(64, headline=None)  # a full ad without a headline
    lines = [json.dumps(ad) for ad in ads]
    lines.insert(77, "{not json")
    return ("\n".join(lines) + "\n").encode()


def _batch_of(conn, run_id: str, bodies: list[bytes]) -> int:
    """A job-ads batch with ``bodies`` landed as its JSONL parts, in order."""
    batch_id = open_batch(conn, JOB_ADS, None, run_id)
    for part_no, body in enumerate(bodies):
        land_payload(
            conn, batch_id, "job_ads", part_no, source_url="test://", body=body, content_type="application/x-ndjson"
        )
    return batch_id


def _contents(conn, batch_id: int) -> tuple[list, list]:
    columns = ", ".join(("record_no", *STAGED_COLUMNS))
    staged = conn.execute(f"select {columns} from staging.job_ad where batch_id = %s order by record_no", (batch_id,))
    quarantined = conn.execute(
        "select record_no, natural_key, reasons, record from quarantine.record where batch_id = %s order by record_no",
        (batch_id,),
    )
    return staged.fetchall(), quarantined.fetchall()


def test_forked_and_in_place_validation_stage_the_same(warehouse_conn, monkeypatch, caplog):
    body = _slice()
    batch_id = _batch_of(warehouse_conn, "test-chunks", [body] * 3)

    # Line by line: every payload of 121 lines is a chunk, parsed and validated by a worker (forked).
    monkeypatch.setattr(stage, "FORK_MIN_BYTES", 0)  # the forked strategy, whatever the batch's size
    monkeypatch.setenv("VAGLED_STAGE_WORKERS", "2")
    with caplog.at_level("INFO", logger="vagled.pipeline.load"):
        forked = stage_batch(warehouse_conn, JOB_ADS, batch_id, chunk_rows=40)
    assert "in 2 worker processes" in caplog.text
    forked_contents = _contents(warehouse_conn, batch_id)

    # The in-process strategy: the same lines parsed and validated in this process.
    monkeypatch.setenv("VAGLED_NO_FORK", "1")
    in_place = stage_batch(warehouse_conn, JOB_ADS, batch_id, chunk_rows=1000)
    assert replace(forked, validation_s=0) == replace(in_place, validation_s=0)
    assert _contents(warehouse_conn, batch_id) == forked_contents

    # 3 x (120 ads + 1 broken line), of which 3 x 1 out of area; quarantined: the broken line, the
    # negative count, the identity number, the unknown code and the missing headline, in every part
    assert (forked.received, forked.out_of_area, forked.quarantined) == (360, 3, 15)
    staged, quarantined = forked_contents
    assert len(staged) == 357 and len(quarantined) == 15
    assert forked.validation_s > 0

    # Record by record with each chunk validated in a forked child: the same again.
    monkeypatch.delenv("VAGLED_NO_FORK")
    monkeypatch.setattr(stage, "FORK_MIN_ROWS", 5)
    monkeypatch.setattr(stage, "stage_workers", lambda: 0)
    validated_apart = stage_batch(warehouse_conn, JOB_ADS, batch_id, chunk_rows=50)
    assert replace(validated_apart, validation_s=0) == replace(in_place, validation_s=0)
    assert _contents(warehouse_conn, batch_id) == forked_contents

    # what was staged is what the reference parser reads from the file, typed rows and loose alike
    expected = [r for r in parse_ads(body, "") if not isinstance(r, ParseFailure) and r["county_code"] != "01"]
    first_part = [row[1:] for row in staged[: len(expected)]]
    assert first_part == [tuple(record[c] for c in STAGED_COLUMNS) for record in expected]

    published = publish_batch(warehouse_conn, JOB_ADS, batch_id)
    assert published.received == published.loaded + published.quarantined + published.duplicates
    assert published.duplicates == 2 * (120 - 1 - 4)  # the three parts hold the same ads


def test_blank_lines_leave_gaps_in_the_numbers_and_nothing_else(warehouse_conn, monkeypatch):
    ads = [json.dumps(_ad(n)) for n in range(30)]
    body = ("\n".join(ads[:10]) + "\n\n   \n" + "\n".join(ads[10:]) + "\n").encode()
    batch_id = _batch_of(warehouse_conn, "test-blank-lines", [body] * 2)
    monkeypatch.setattr(stage, "FORK_MIN_BYTES", 0)
    monkeypatch.setenv("VAGLED_STAGE_WORKERS", "2")
    staged = stage_batch(warehouse_conn, JOB_ADS, batch_id, chunk_rows=10)
    assert (staged.received, staged.quarantined) == (60, 0)
    numbers = [
        row[0]
        for row in warehouse_conn.execute(
            "select record_no from staging.job_ad where batch_id = %s order by record_no", (batch_id,)
        )
    ]
    assert len(numbers) == len(set(numbers)) == 60
    # in file order: the second part's records come after the first part's
    ad_ids = [
        row[0]
        for row in warehouse_conn.execute(
            "select ad_id from staging.job_ad where batch_id = %s order by record_no", (batch_id,)
        )
    ]
    assert ad_ids == [str(7_000_000 + n) for n in range(30)] * 2


def test_checks_before_staging_and_refused_values_are_the_same_in_workers_and_in_place(warehouse_conn, monkeypatch):
    """An identity number in any text column, a NUL character and a count beyond integer:
    held before staging or refused by PostgreSQL, the same way whichever process prepares them."""
    ads = [_ad(n) for n in range(40)]
    ads[3] = _ad(3, employer={"name": "Anna Berg 811218-9876 enskild firma", "organization_number": "8112189876"})
    ads[7] = _ad(7, headline="Kock\u0000Köksmästare")
    ads[11] = _ad(11, number_of_vacancies=10**12)
    ads[15] = _ad(15, occupation=[{"concept_id": "x", "label": "a" * 100_001}])
    body = ("\n".join(json.dumps(ad) for ad in ads) + "\n").encode()

    def staged_once(*, workers: bool) -> tuple:
        batch_id = _batch_of(warehouse_conn, f"test-checks-{workers}", [body])
        if workers:
            monkeypatch.setattr(stage, "FORK_MIN_BYTES", 0)
            monkeypatch.setenv("VAGLED_STAGE_WORKERS", "2")
            monkeypatch.delenv("VAGLED_NO_FORK", raising=False)
        else:
            monkeypatch.setenv("VAGLED_NO_FORK", "1")
        result = stage_batch(warehouse_conn, JOB_ADS, batch_id, chunk_rows=1000)
        reasons = {
            natural_key: sorted((r["expectation"], r.get("column")) for r in found)
            for natural_key, found in warehouse_conn.execute(
                "select natural_key, reasons from quarantine.record where batch_id = %s", (batch_id,)
            )
        }
        staged = warehouse_conn.execute(
            "select count(*) from staging.job_ad where batch_id = %s", (batch_id,)
        ).fetchone()[0]
        return replace(result, batch_id=0, validation_s=0), reasons, staged

    in_workers, in_place = staged_once(workers=True), staged_once(workers=False)
    assert in_workers == in_place
    result, reasons, staged = in_workers
    assert (result.received, result.quarantined, staged) == (40, 4, 36)  # held and refused rows are not staged
    assert reasons["7000003"] == [
        ("no_identity_numbers", "employer_name"),
        ("no_identity_numbers", "employer_org_number"),
    ]
    assert reasons["7000007"] == [("storable_value", None)]
    assert reasons["7000011"] == [("storable_value", None)]
    assert reasons["7000015"] == [("text_within_size_limit", "occupation_label")]
    stored = warehouse_conn.execute(
        "select record::text from quarantine.record where natural_key = '7000003'"
    ).fetchall()
    assert all("811218-9876" not in row[0] for row in stored)


def test_a_large_stage_leaves_statistics_that_know_its_batch(warehouse_conn, monkeypatch):
    """Publish's anti-join with quarantine is planned on the staged batch's real size, not on one row."""
    monkeypatch.setattr(stage, "ANALYZE_MIN_ROWS", 50)  # the test's batch stands in for a large one
    body = "\n".join(json.dumps(_ad(n, number_of_vacancies=-1 if n % 5 == 0 else 1)) for n in range(200)) + "\n"
    batch_id = _batch_of(warehouse_conn, "test-analyze", [body.encode()])
    staged = stage_batch(warehouse_conn, JOB_ADS, batch_id)
    assert (staged.received, staged.quarantined) == (200, 40)
    plan = warehouse_conn.execute(
        "explain select count(*) from staging.job_ad as s where s.batch_id = %s and not exists "
        "(select from quarantine.record as q where q.batch_id = s.batch_id and q.record_no = s.record_no)",
        (batch_id,),
    ).fetchall()
    scan = next(line for (line,) in plan if "on job_ad s" in line)
    estimated = int(scan.split("rows=")[1].split()[0])
    assert estimated >= 100, plan  # 200 staged: the statistics know the batch


@pytest.mark.parametrize("content_type", ["application/x-ndjson", "application/json"])
def test_both_strategies_stage_the_same_rows_and_quarantine(warehouse_conn, monkeypatch, content_type):
    """The Stager's two strategies, in-process and forked, on the same payload: the same staged rows,
    the same quarantine (reasons and copies), the same counts; line by line (JSONL) and record by
    record (a JSON page) alike."""
    from vagled.pipeline.stage import Stager

    ads = [_ad(n) for n in range(60)]
    ads[4] = _ad(4, number_of_vacancies=-2)  # fails the suite
    ads[9] = _ad(9, description={"text": "Ring Anna på 811218-9876"})  # held before staging
    ads[13] = _ad(13, headline="Kock\u0000Köksmästare")  # refused by PostgreSQL
    ads[21] = _ad(21, workplace_address={"municipality_code": "0180", "region_code": "01"})  # out of area
    if content_type == "application/json":
        body = json.dumps(ads).encode()
    else:
        body = ("\n".join(json.dumps(ad) for ad in ads) + "\n").encode()

    monkeypatch.setattr(stage, "FORK_MIN_ROWS", 5)  # forked: record-by-record chunks validated in children too
    outcomes = []
    for forked in (False, True):
        batch_id = _batch_of(warehouse_conn, f"test-strategy-{forked}", [])
        stager = Stager(warehouse_conn, JOB_ADS, batch_id, chunk_rows=25, forked=forked)
        totals = stager.stage_parts([(0, content_type, body)])
        assert stager.forked is forked
        staged, quarantined = _contents(warehouse_conn, batch_id)
        outcomes.append(
            (
                (totals.received, totals.quarantined, totals.out_of_area, totals.rows_validated),
                dict(totals.failed_expectations),
                [row[1:] for row in staged],
                [(no, key, reasons, record) for no, key, reasons, record in quarantined],
            )
        )
    in_process, forked = outcomes
    assert in_process == forked
    counts, failed, staged, quarantined = in_process
    assert counts[0] + counts[2] == 60 and counts[1] == len(quarantined) == 3 and counts[3] == len(staged)
    assert failed["storable_value"] == 1  # the NUL: refused by PostgreSQL, the same in both


def test_the_strategy_follows_the_batch_size(warehouse_conn, monkeypatch):
    """Below FORK_MIN_BYTES a batch is staged in-process, from it on with forked workers."""
    body = ("\n".join(json.dumps(_ad(n)) for n in range(30)) + "\n").encode()
    chosen = []
    for limit in (len(body) * 2 + 1, len(body) * 2):
        monkeypatch.setattr(stage, "FORK_MIN_BYTES", limit)
        batch_id = _batch_of(warehouse_conn, f"test-size-{limit}", [body, body])
        stager = stage.Stager(warehouse_conn, JOB_ADS, batch_id, chunk_rows=1000)
        totals = stager.stage_parts((no, "application/x-ndjson", bytes(b)) for no, b in enumerate((body, body)))
        assert totals.received == 60
        chosen.append(stager.forked)
    assert chosen == [False, True]
