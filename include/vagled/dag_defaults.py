"""Defaults shared by every DAG: retries, timeouts and owner, set once at task level.

Cheap to import: DAG files import it at parse time.
"""

from __future__ import annotations

from datetime import timedelta

from vagled.monitoring.alerts import AlertNotifier

# Approved tag values (STYLE 15): one family and one layer tag per DAG.
FAMILY_TAGS = (
    "family:employment_agency",
    "family:municipality",
    "family:education",
    "family:reference",
    "family:warehouse",
    "family:platform",  # DAGs about the platform itself (monitoring), not about one feed family
)
LAYER_TAGS = ("layer:core", "layer:mart", "layer:monitoring")

DEFAULT_ARGS: dict = {
    "owner": "vagled-data-engineering",
    "retries": 3,
    "retry_delay": timedelta(seconds=30),
    "retry_exponential_backoff": True,
    "max_retry_delay": timedelta(minutes=10),
    "execution_timeout": timedelta(hours=2),
    # Failure and retry-exhausted alerts (e-mail/webhook, by connection). Task-level, not DAG-level:
    # DAG-level failure callbacks have not always fired (Airflow issue 63374). The load-path tasks
    # set their own, which also name their feed and alert on quarantined rows.
    "on_failure_callback": [AlertNotifier(event="failure")],
}
