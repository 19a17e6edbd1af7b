"""Project-wide configuration: paths, connection ids and the area's counties.

Everything here is cheap to import (DAG files import it at parse time).
"""

from __future__ import annotations

import functools
import os
from pathlib import Path
from zoneinfo import ZoneInfo

PACKAGE_DIR = Path(__file__).resolve().parent
INCLUDE_DIR = PACKAGE_DIR.parent
REPO_ROOT = INCLUDE_DIR.parent
SQL_DIR = INCLUDE_DIR / "sql"
REFERENCE_DIR = INCLUDE_DIR / "reference"
EXPECTATIONS_DIR = REPO_ROOT / "expectations"
DAGS_DIR = REPO_ROOT / "dags"
PLUGINS_DIR = REPO_ROOT / "plugins"

# The time zone of the area and of its upstreams: a time without an offset is local time here,
# and schedules, periods and reports are in it.
TIME_ZONE = "Europe/Stockholm"
STOCKHOLM = ZoneInfo(TIME_ZONE)

# Airflow connection ids. Every upstream and the warehouse is read through one of these.
WAREHOUSE_CONN_ID = "vagled_warehouse"
UPSTREAM_CONN_IDS = (
    "jobtech_jobstream",
    "jobtech_historical",
    "jobtech_taxonomy",
    "af_statistics",
    "af_outlook",
    "kolada",
    "scb_pxweb",
    "education_offerings",
    "myh_results",
    "municipal_files",
    "skolverket_statistics",
)

# The five counties of Östra Mellansverige. Override with VAGLED_AREA_COUNTIES="03,04,..."
# so that the area is configuration, never a literal repeated through the code.
DEFAULT_AREA_COUNTIES = ("03", "04", "05", "18", "19")


@functools.cache
def area_county_codes() -> tuple[str, ...]:
    """Return the two-digit county codes that make up the area, from VAGLED_AREA_COUNTIES.

    Read once per process (feeds ask once per record, a million times in a backfill); a test that
    changes the variable calls ``area_county_codes.cache_clear()``.
    """
    raw = os.environ.get("VAGLED_AREA_COUNTIES", "")
    codes = tuple(code.strip() for code in raw.split(",") if code.strip())
    for code in codes:
        if len(code) != 2 or not code.isdigit():
            raise ValueError(f"VAGLED_AREA_COUNTIES holds {code!r}: expected two-digit county codes")
    return codes or DEFAULT_AREA_COUNTIES


def vagled_home() -> Path:
    """Return the folder for local state (embedded warehouse, Airflow home): $VAGLED_HOME or .vagled/."""
    return Path(os.environ.get("VAGLED_HOME") or REPO_ROOT / ".vagled").resolve()


def county_role_name(county_code: str) -> str:
    """Return the database role of a county's analysts, e.g. analyst_18."""
    return f"analyst_{county_code}"
