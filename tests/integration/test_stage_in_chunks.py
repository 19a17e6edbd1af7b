"""Staging a large historical slice: typed rows in binary COPY, validation in forked children.

Whatever way a batch is staged (chunks validated in forked children or in place, rows COPYed in
binary or as text, the fast or the reference parser), staging and quarantine hold the same rows.
"""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from vagled.feeds.job_ads import SPEC as JOB_ADS
from vagled.feeds.job_ads import STAGED_COLUMNS, parse_ads
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
    batch_id = open_batch(warehouse_conn, JOB_ADS, None, "test-chunks")
    for part_no in range(3):
        land_payload(
            warehouse_conn,
            batch_id,
            "job_ads",
            part_no,
            source_url="test://",
            body=body,
            content_type="application/x-ndjson",
        )

    # Line by line: every payload of 121 lines is a chunk, parsed and validated by a worker (forked).
    monkeypatch.setenv("VAGLED_STAGE_WORKERS", "2")
    with caplog.at_level("INFO", logger="vagled.pipeline.load"):
        forked = stage_batch(warehouse_conn, JOB_ADS, batch_id, chunk_rows=40)
    assert "in 2 worker processes" in caplog.text
    forked_contents = _contents(warehouse_conn, batch_id)

    # Record by record, all in this process.
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
    batch_id = open_batch(warehouse_conn, JOB_ADS, None, "test-blank-lines")
    for part_no in range(2):
        land_payload(
            warehouse_conn,
            batch_id,
            "job_ads",
            part_no,
            source_url="test://",
            body=body,
            content_type="application/x-ndjson",
        )
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
