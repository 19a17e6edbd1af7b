"""Adult-education (Komvux) course enrolment from each municipality's monthly file.

One row per municipality, month and course: participants, of whom women, and the average study
pace. The file is ``komvux_kursdeltagare.csv|xlsx`` under the municipality's sub-path; reading,
header mapping and personal-data handling are in vagled.feeds.municipal_files.files.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from vagled.feeds.municipal_files.files import first_of_month, land_files, municipality_code, parse_file, text
from vagled.feeds.municipal_files.text_tables import to_number, to_whole_number
from vagled.pipeline.feed import ParseFailure
from vagled.pipeline.period import Period

FEED = "municipal_komvux"
FILE_KIND = "komvux_kursdeltagare"
REQUIRED = ("municipality_code", "month", "course_code", "participants")
STAGED_COLUMNS = (
    "month",
    "municipality_code",
    "course_code",
    "course_name",
    "study_form",
    "participants",
    "women",
    "pace_percent",
    "comment",
    "personal_number_found",
)


def build(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "month": first_of_month(row.get("month")),
        "municipality_code": municipality_code(row.get("municipality_code")),
        "course_code": text(row.get("course_code")),
        "course_name": text(row.get("course_name")),
        "study_form": text(row.get("study_form")),
        "participants": to_whole_number(row.get("participants")),
        "women": to_whole_number(row.get("women")),
        "pace_percent": to_number(row.get("pace_percent")),
        "comment": text(row.get("comment")),
    }


def parse(body: bytes, content_type: str) -> Iterator[dict[str, Any] | ParseFailure]:
    return parse_file(body, content_type, required=REQUIRED, build=build)


def land(conn, batch_id: int, period: Period, params: Mapping[str, Any]) -> dict[str, Any]:
    return land_files(conn, batch_id, period, params, feed=FEED, kind=FILE_KIND)
