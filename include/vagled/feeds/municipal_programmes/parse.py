"""Participants in municipal labour-market programmes from each municipality's monthly file.

One row per municipality, month, programme and target group: participants, the share of women and
the cost (thousand SEK). The file is ``arbetsmarknadsinsatser.csv|xlsx`` under the municipality's
sub-path; reading, header mapping and personal-data handling are in vagled.feeds.municipal_files.files.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from vagled.feeds.municipal_files.files import first_of_month, land_files, municipality_code, parse_file, text
from vagled.feeds.municipal_files.text_tables import to_number, to_whole_number
from vagled.pipeline.feed import ParseFailure
from vagled.pipeline.period import Period

FEED = "municipal_programmes"
FILE_KIND = "arbetsmarknadsinsatser"
REQUIRED = ("municipality_code", "month", "programme", "target_group", "participants")
STAGED_COLUMNS = (
    "month",
    "municipality_code",
    "programme",
    "target_group",
    "participants",
    "share_women_percent",
    "cost_ksek",
    "comment",
    "personal_number_found",
)


def build(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "month": first_of_month(row.get("month")),
        "municipality_code": municipality_code(row.get("municipality_code")),
        "programme": text(row.get("programme")),
        "target_group": text(row.get("target_group")),
        "participants": to_whole_number(row.get("participants")),
        "share_women_percent": to_number(row.get("share_women_percent")),
        "cost_ksek": to_number(row.get("cost_ksek")),
        "comment": text(row.get("comment")),
    }


def parse(body: bytes, content_type: str) -> Iterator[dict[str, Any] | ParseFailure]:
    return parse_file(body, content_type, required=REQUIRED, build=build)


def land(conn, batch_id: int, period: Period, params: Mapping[str, Any]) -> dict[str, Any]:
    return land_files(conn, batch_id, period, params, feed=FEED, kind=FILE_KIND)
