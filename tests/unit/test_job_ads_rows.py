"""The fast job-ad row parser gives exactly what the reference parser gives, line for line.

parse_ad_rows (msgspec, rows as tuples) must agree with parse_ads (orjson + ad_to_record) on every
line: the same values, the same ParseFailure, the same SourceStructureError. These lines are the
awkward ones: wrong JSON types, missing keys, arrays where objects are usual, blank lines, dates
with and without offsets, identity numbers in digits the shortcut does not count.
"""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime

import pytest

from vagled.feeds.job_ads.parse import STAGED_COLUMNS, parse_ad_rows, parse_ads
from vagled.pipeline.feed import ParseFailure, SourceStructureError

pytestmark = pytest.mark.unit

AD = {
    "id": "c0ffee",
    "original_id": "10521780",
    "headline": "Specialkock till restaurang",
    "description": {"text": "Vi söker en kock till vårt kök i Örebro.", "text_formatted": ""},
    "employer": {"name": "Krogen AB", "organization_number": "5569699480", "workplace": "Krogen"},
    "occupation": {"concept_id": "YKhj_n5P_g4P", "label": "Specialkock", "legacy_ams_taxonomy_id": "5483"},
    "occupation_group": {"concept_id": "BStc_SJh_DKG", "label": "Kockar", "legacy_ams_taxonomy_id": "5120"},
    "employment_type": {"concept_id": "PFZr_Syz_cUq", "label": "Vanlig anställning"},
    "working_hours_type": {"concept_id": "6YE1_gAC_R2G", "label": "Heltid"},
    "workplace_address": {"municipality_code": "1880", "region_code": "18", "coordinates": [15.2, 59.3]},
    "number_of_vacancies": 2,
    "publication_date": "2025-10-05T05:00:02",
    "last_publication_date": "2025-11-05T23:59:59",
    "application_deadline": "2025-11-05T00:00:00",
    "removed": False,
    "removed_date": None,
    "timestamp": 1759633202000,
}


def _with(**changes) -> dict:
    ad = copy.deepcopy(AD)
    for key, value in changes.items():
        if value is _DROP:
            ad.pop(key, None)
        else:
            ad[key] = value
    return ad


_DROP = object()

VARIANTS = {
    "plain": _with(),
    "stream ad without original_id": _with(original_id=_DROP, id="10521780"),
    "empty original_id falls back to id": _with(original_id=""),
    "no ids at all": _with(original_id=None, id=None),
    "taxonomy as arrays (old years)": _with(
        occupation=[AD["occupation"]], occupation_group=[AD["occupation_group"]], employment_type=[]
    ),
    "occupation_group null": _with(occupation_group=None),
    "occupation_group a string": _with(occupation_group="5120"),
    "occupation_group array of a non-object": _with(occupation_group=["5120"]),
    "ssyk as a number": _with(occupation_group={"legacy_ams_taxonomy_id": 5120}),
    "address as a list": _with(workplace_address=[{"municipality_code": "0580", "region_code": "05"}]),
    "address as an empty list": _with(workplace_address=[]),
    "address null": _with(workplace_address=None),
    "address a string": _with(workplace_address="Örebro"),
    "county only": _with(workplace_address={"municipality_code": None, "region_code": "19"}),
    "region code empty, municipality given": _with(workplace_address={"municipality_code": "0380", "region_code": ""}),
    "municipality code a number": _with(workplace_address={"municipality_code": 1880, "region_code": "18"}),
    "vacancies as text": _with(number_of_vacancies="3"),
    "vacancies as a float": _with(number_of_vacancies=3.7),
    "vacancies empty text": _with(number_of_vacancies=""),
    "vacancies true": _with(number_of_vacancies=True),
    "vacancies negative": _with(number_of_vacancies=-4),
    "vacancies not a number": _with(number_of_vacancies="många"),
    "dates with Z and offsets": _with(
        publication_date="2025-10-05T05:00:02Z", last_publication_date="2025-11-05T23:59:59+01:00"
    ),
    "date only": _with(application_deadline="2025-11-05"),
    "the hour summer time ends (repeated)": _with(publication_date="2025-10-26T02:24:45"),
    "the hour summer time starts (skipped)": _with(publication_date="2025-03-30T02:30:00"),
    "winter and summer": _with(publication_date="2025-01-15T08:00:00", last_publication_date="2025-07-15T23:59:59"),
    "date empty text": _with(last_publication_date=""),
    "date not a date": _with(publication_date="igår"),
    "date as a number": _with(publication_date=20251005),
    "timestamp as text": _with(timestamp="1759633202000"),
    "timestamp null": _with(timestamp=None),
    "timestamp as a float": _with(timestamp=1759633202000.5),
    "identity number in the text": _with(description={"text": "Frågor: Anna, 811218-9876."}),
    "identity number in full-width digits": _with(description={"text": "pnr ８１１２１８-９８７６ tack"}),
    "identity number beyond Latin-1 text": _with(description={"text": "Ring – 19811218-9876 – idag"}),
    "identity number in the headline": _with(headline="Kock 811218-9876"),
    "phone numbers only": _with(description={"text": "Ring 070-123 45 67 eller 019-12 34 56."}),
    "description a string": _with(description="Vi söker en kock"),
    "description text a number": _with(description={"text": 42}),
    "description empty": _with(description={}),
    "employer a list": _with(employer=[]),
    "employer a non-empty list": _with(employer=["Krogen AB"]),
    "employer name a number": _with(employer={"name": 7, "organization_number": None}),
    "headline missing": _with(headline=_DROP),
    "headline null": _with(headline=None),
    "headline empty": _with(headline=""),
    "publication_date missing": _with(publication_date=_DROP),
    "occupation_group missing": _with(occupation_group=_DROP),
    "removed as 1": _with(removed=1),
    "removed as text": _with(removed="true"),
    "sparse removal": {
        "id": "10521780",
        "removed": True,
        "removed_date": "2025-10-20T10:00:00",
        "timestamp": 1760947200000,
        "workplace_address": {"municipality_code": "1880", "region_code": "18"},
    },
    "removal without a removal date": {"id": "10521780", "removed": True, "timestamp": 1760947200000},
    "removal with a bad date": {"id": "1", "removed": True, "removed_date": "x", "timestamp": 1},
    "unknown fields everywhere": _with(extra={"a": [1, 2, {"b": None}]}, occupation={**AD["occupation"], "x": 1}),
    "closed archive ad": _with(removed=True, removed_date="2025-10-20T10:00:00"),
    "enriched with keywords and requirements": _with(
        keywords={
            "enriched": {"occupation": ["kock"], "skill": ["haccp", "à la carte"], "trait": [], "location": ["örebro"]},
            "extracted": {"skill": ["haccp"], "compound": ["heltid tillsvidare"]},
        },
        must_have={"skills": [{"concept_id": "abc_def_ghi", "label": "HACCP", "weight": 10}], "languages": []},
        nice_to_have={"work_experiences": [{"concept_id": "YKhj_n5P_g4P", "label": "Kock", "weight": 5}]},
        experience_required=True,
        driving_license_required=False,
        access_to_own_car=None,
        occupation_field={"concept_id": "ScKy_FHB_7wT", "label": "Hotell, restaurang, storhushåll"},
    ),
    "occupation field as an array": _with(occupation_field=[{"concept_id": "ScKy_FHB_7wT", "label": "Hotell"}]),
    "keywords of an odd shape": _with(keywords=["kock"], must_have="HACCP"),
    "experience_required as text": _with(experience_required="ja"),
}


def _agree(fast: list, reference: list) -> int:
    """Assert both parsers gave the same records; return how many came from the fast path."""
    assert len(fast) == len(reference)
    taken = 0
    for got, expected in zip(fast, reference, strict=True):
        if isinstance(expected, ParseFailure) or got.__class__ is not tuple:
            assert got == expected
            continue
        taken += 1
        assert set(expected) == set(STAGED_COLUMNS), "a record with extra keys must come from the reference path"
        assert got == tuple(expected[column] for column in STAGED_COLUMNS)
        for value, column in zip(got, STAGED_COLUMNS, strict=True):
            assert type(value) is type(expected[column]), column
            if isinstance(value, datetime):
                assert value.isoformat() == expected[column].isoformat(), column  # same offset, not just instant
    return taken


def _outcome(parser, body: bytes) -> list | tuple[type, str]:
    try:
        return list(parser(body, "application/x-ndjson"))
    except SourceStructureError as exc:
        return (type(exc), str(exc))


@pytest.mark.parametrize("name", VARIANTS)
def test_each_awkward_line_parses_as_the_reference_does(name):
    # The variant among ordinary ads, so that a field missing from it alone is not taken for drift.
    body = b"\n".join(json.dumps(ad, ensure_ascii=False).encode() for ad in (AD, VARIANTS[name], AD)) + b"\n"
    fast, reference = _outcome(parse_ad_rows, body), _outcome(parse_ads, body)
    if isinstance(reference, tuple):  # the part is refused: the same way on both paths
        assert fast == reference
    else:
        _agree(fast, reference)


def test_ordinary_ads_take_the_fast_path():
    lines = (
        AD,
        VARIANTS["closed archive ad"],
        VARIANTS["county only"],
        VARIANTS["enriched with keywords and requirements"],
    )
    body = b"\n".join(json.dumps(ad).encode() for ad in lines)
    assert _agree(list(parse_ad_rows(body, "")), list(parse_ads(body, ""))) == 4


def test_an_archive_line_is_an_ad_and_a_stream_removal_only_closes():
    closed = VARIANTS["closed archive ad"]
    [line] = list(parse_ads(json.dumps(closed).encode(), ""))
    assert line["is_removal"] is False and line["removed_at"] is not None and line["headline"]
    [event] = list(parse_ads(json.dumps([VARIANTS["sparse removal"]]).encode(), "application/json"))
    assert event["is_removal"] is True and event["removed_at"] is not None and event["enrichment"] is None
    # a sparse line in an archive is an ad missing its fields, named for quarantine
    [broken] = list(parse_ads(json.dumps(VARIANTS["sparse removal"]).encode() + b"\n" + json.dumps(AD).encode(), ""))[
        :1
    ]
    assert "headline" in broken["missing_keys"]


def test_blank_lines_broken_lines_and_non_objects():
    lines = [
        json.dumps(AD),
        "",
        "   \t",
        "\r",
        "{broken json",
        "[1, 2]",
        "42",
        '"text"',
        "  " + json.dumps(AD) + "  \r",
        json.dumps(AD, indent=2),  # an object over several lines is several broken lines
    ]
    body = ("\n".join(lines) + "\n\n").encode()
    fast, reference = list(parse_ad_rows(body, "")), list(parse_ads(body, ""))
    _agree(fast, reference)
    assert sum(isinstance(item, ParseFailure) for item in fast) >= 5


def test_invalid_utf8_and_escapes():
    body = json.dumps(AD).encode() + b"\n" + json.dumps(AD).encode().replace(b"Krogen", b"Kr\xffgen") + b"\n"
    body += json.dumps(_with(headline="Kock \\ med \t tabb och \u00e5\u00e4\u00f6 \ud83c\udf73")).encode() + b"\n"
    body += b'{"id": "1", "headline": "lone \\ud800 surrogate", "publication_date": "2025-01-01T00:00:00"}\n'
    _agree(list(parse_ad_rows(body, "")), list(parse_ads(body, "")))


def test_a_field_missing_from_every_ad_refuses_the_part_on_both_paths():
    drifted = _with(headline=_DROP, title="Kock")
    body = b"\n".join(json.dumps(ad).encode() for ad in (drifted, drifted))
    for parser in (parse_ads, parse_ad_rows):
        with pytest.raises(SourceStructureError, match="headline"):
            list(parser(body, ""))


def test_removal_field_drift_refuses_the_page_on_both_paths():
    removal = {"id": "1", "removed": True, "removal_date": "2025-10-20T10:00:00", "timestamp": 1}
    page = json.dumps([AD, removal, removal]).encode()
    for parser in (parse_ads, parse_ad_rows):
        with pytest.raises(SourceStructureError, match="removed_date"):
            list(parser(page, "application/json"))


def test_stream_pages_are_parsed_whole_by_the_reference_path():
    page = json.dumps([AD, VARIANTS["sparse removal"]]).encode()
    fast = list(parse_ad_rows(page, "application/json"))
    assert fast == list(parse_ads(page, "application/json"))
    assert all(isinstance(item, dict) for item in fast)


def test_values_of_the_fast_path():
    [row] = list(parse_ad_rows(json.dumps(VARIANTS["identity number in the text"]).encode(), ""))
    record = dict(zip(STAGED_COLUMNS, row, strict=True))
    assert record["ad_id"] == "10521780" and record["personal_number_found"] is True
    assert record["publication_date"].utcoffset().total_seconds() == 7200  # Stockholm summer time
    assert record["changed_at"] == datetime.fromtimestamp(1759633202, tz=UTC)
    assert record["county_code"] == "18" and record["ssyk4"] == "5120"
    [row] = list(parse_ad_rows(json.dumps(VARIANTS["enriched with keywords and requirements"]).encode(), ""))
    record = dict(zip(STAGED_COLUMNS, row, strict=True))
    enrichment = json.loads(record["enrichment"])
    assert enrichment["keywords"]["enriched"]["skill"] == ["haccp", "à la carte"]
    assert enrichment["must_have"]["skills"][0]["weight"] == 10
    assert record["experience_required"] is True and record["access_to_own_car"] is None
    assert record["occupation_field_label"] == "Hotell, restaurang, storhushåll"
