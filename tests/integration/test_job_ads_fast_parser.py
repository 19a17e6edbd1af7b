"""Archive members from feedsim, over HTTP, parse the same on the fast path and the reference path.

A year in the old shape (taxonomy arrays, null occupation groups) and a recent one, clean and with
every data fault feedsim applies to them at once; staging uses parse_ad_rows, so it must give what
parse_ads gives, record for record.
"""

from __future__ import annotations

import pytest
import requests

from vagled.feeds.job_ads.parse import STAGED_COLUMNS, parse_ad_rows, parse_ads
from vagled.pipeline.feed import ParseFailure

pytestmark = pytest.mark.integration

DATA_FAULTS = ("duplicates", "bad_codes", "negative_counts", "missing_fields", "pnr_in_text")


@pytest.fixture(scope="module")
def small_feedsim():
    from vagled.feedsim.server import FeedSim

    with FeedSim(port=0, seed=11, scale=0.01) as sim:
        yield sim


@pytest.mark.parametrize("year", [2017, 2025])
@pytest.mark.parametrize("faults", [(), DATA_FAULTS], ids=["clean", "data-faults"])
def test_a_historical_year_parses_the_same_on_both_paths(small_feedsim, year, faults):
    import io
    import zipfile

    archives = f"{small_feedsim.base_url('jobtech_historical')}/annonser/historiska/berikade/kompletta"
    url = f"{archives}/{year}_beta1_jsonl.zip"
    response = requests.get(url, params=[("feedsim_fault", fault) for fault in faults], timeout=300)
    response.raise_for_status()
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        [member] = archive.namelist()
        # a national archive: the area's lines are what reaches the parsers, one line in seven
        body = b"".join(line for i, line in enumerate(archive.open(member)) if i % 7 == 0)
    fast = list(parse_ad_rows(body, "application/x-ndjson"))
    reference = list(parse_ads(body, "application/x-ndjson"))

    assert len(fast) == len(reference) > 500
    from_fast_path = 0
    for got, expected in zip(fast, reference, strict=True):
        if got.__class__ is tuple:
            from_fast_path += 1
            assert set(expected) == set(STAGED_COLUMNS)
            assert got == tuple(expected[column] for column in STAGED_COLUMNS)
        else:
            assert got == expected
    assert from_fast_path > 0.9 * len(fast), "ordinary lines take the fast path"
    if faults:  # the faults are in the file, and both paths see them
        records = [r for r in reference if not isinstance(r, ParseFailure)]
        assert any(r["personal_number_found"] for r in records)
        assert any((r["number_of_vacancies"] or 0) < 0 for r in records)
