"""Reference data shipped in include/reference, loaded into the core dimensions.

Loads are upserts that change only rows whose values differ, so a rerun writes nothing.
Whether a county or municipality is in the area comes from configuration (VAGLED_AREA_COUNTIES).
"""

from __future__ import annotations

import csv
import json
import logging
from collections.abc import Iterator
from pathlib import Path

from vagled.config import REFERENCE_DIR, area_county_codes
from vagled.sql import load_sql

log = logging.getLogger(__name__)


class ReferenceDataError(ValueError):
    """A reference file is missing a column or holds an invalid row."""


def read_reference(name: str, directory: Path = REFERENCE_DIR) -> list[dict[str, str]]:
    """Return the rows of ``include/reference/<name>.csv`` as dicts of strings."""
    path = directory / f"{name}.csv"
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _by_level(rows: list[dict[str, str]]) -> Iterator[dict[str, object]]:
    # Parents before children, so the parent_code foreign key holds row by row.
    for row in sorted(rows, key=lambda r: (int(r["level"]), r[next(iter(r))])):
        yield {**row, "level": int(row["level"])}


def reference_rows() -> dict[str, list[dict[str, object]]]:
    """Return the rows to load per dimension, with in_area set from configuration.

    Raises:
        ReferenceDataError: a municipality names a county that is not in counties.csv.
    """
    area = set(area_county_codes())
    counties = [{**row, "in_area": row["county_code"] in area} for row in read_reference("counties")]
    county_codes = {row["county_code"] for row in counties}
    unknown_area = area - county_codes
    if unknown_area:
        raise ReferenceDataError(f"area counties {sorted(unknown_area)} are not in counties.csv")
    municipalities = []
    for row in read_reference("municipalities"):
        if row["county_code"] not in county_codes:
            raise ReferenceDataError(
                f"municipality {row['municipality_code']} names unknown county {row['county_code']}"
            )
        municipalities.append({**row, "in_area": row["county_code"] in area})
    return {
        "county": counties,
        "municipality": municipalities,
        "occupation": list(_by_level(read_reference("ssyk2012"))),
        "education_field": list(_by_level(read_reference("sun2020_fields"))),
        "education_level": read_reference("sun2020_levels"),
        # after the dimensions it references
        "education_occupation_match": read_reference("sun2020_ssyk2012_matching"),
        "upper_secondary_programme": upper_secondary_programmes(),
    }


def upper_secondary_programmes() -> list[dict[str, object]]:
    """The upper-secondary programmes (upper_secondary_programmes.csv), aliases split into a list.

    Raises:
        ReferenceDataError: a SUN field is given without its source, or a code or name twice.
    """
    rows = []
    for row in read_reference("upper_secondary_programmes"):
        if row["sun_field_code"] and not row["sun_field_source"]:
            raise ReferenceDataError(f"programme {row['programme_code']}: a SUN 2020 field needs its source")
        aliases = [a.strip() for a in row["sheet_aliases"].split("|") if a.strip()]
        rows.append({**row, "sheet_aliases": aliases})
    for column in ("programme_code", "programme_name"):
        values = [r[column] for r in rows]
        if len(set(values)) != len(values):
            raise ReferenceDataError(f"upper_secondary_programmes.csv: a {column} is used twice")
    return rows


# Tables whose reference file is the whole table: rows no longer in the file are deleted after the upsert.
WHOLE_FILE_TABLES = {"education_occupation_match": ("sun_field_code", "sun_level_code", "ssyk_code")}


def load_reference_data(conn) -> dict[str, int]:
    """Upsert every reference file into its core dimension in one transaction; return rows per table."""
    counts: dict[str, int] = {}
    with conn.transaction(), conn.cursor() as cur:
        for table, rows in reference_rows().items():
            cur.executemany(load_sql(f"reference/upsert_{table}"), rows)
            counts[table] = len(rows)
            if table in WHOLE_FILE_TABLES:
                keys = [{column: row[column] for column in WHOLE_FILE_TABLES[table]} for row in rows]
                cur.execute(load_sql(f"reference/delete_{table}_absent"), {"rows": json.dumps(keys)})
                if cur.rowcount:
                    log.info("reference %s: %d rows no longer in the file deleted", table, cur.rowcount)
            log.info("reference %s: %d rows checked", table, len(rows))
    return counts
