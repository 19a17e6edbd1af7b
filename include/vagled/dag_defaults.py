"""Defaults shared by every DAG: retries, timeouts and owner, set once at task level.

Cheap to import: DAG files import it at parse time.
"""

from __future__ import annotations

from datetime import timedelta

# Approved tag values (STYLE 15): one family and one layer tag per DAG.
FAMILY_TAGS = (
    "family:employment_agency",
    "family:municipality",
    "family:education",
    "family:reference",
    "family:warehouse",
)
LAYER_TAGS = ("layer:core", "layer:mart", "layer:monitoring")

DEFAULT_ARGS: dict = {
    "owner": "vagled-data-engineering",
    "retries": 3,
    "retry_delay": timedelta(seconds=30),
    "retry_exponential_backoff": True,
    "max_retry_delay": timedelta(minutes=10),
    "execution_timeout": timedelta(hours=2),
}
