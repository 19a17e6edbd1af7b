"""Asset URIs that connect the DAGs: a publish task emits one, the marts DAG is scheduled on them."""

from __future__ import annotations

REFERENCE_DATA = "vagled://warehouse/core/reference"
JOB_ADS = "vagled://warehouse/core/job_ad"
JOBSEEKERS = "vagled://warehouse/core/jobseekers_monthly"
OCCUPATIONAL_OUTLOOK = "vagled://warehouse/core/occupational_outlook"
TAXONOMY = "vagled://warehouse/core/taxonomy"
EDUCATION_OFFERINGS = "vagled://warehouse/core/education_offering"
MUNICIPALITY_KEY_FIGURES = "vagled://warehouse/core/municipality_key_figure"
ADULT_EDUCATION_ENROLMENT = "vagled://warehouse/core/adult_education_enrolment"
LABOUR_MARKET_PROGRAMMES = "vagled://warehouse/core/labour_market_programme"
EDUCATION_TRANSITIONS = "vagled://warehouse/core/education_transition"

# The feeds' assets the marts are built on: any of them updated schedules warehouse_marts.
CORE_ASSETS = (
    JOB_ADS,
    JOBSEEKERS,
    OCCUPATIONAL_OUTLOOK,
    EDUCATION_OFFERINGS,
    MUNICIPALITY_KEY_FIGURES,
    REFERENCE_DATA,
    TAXONOMY,
    EDUCATION_TRANSITIONS,
)


def mart_asset_uri(mart: str) -> str:
    """The asset a mart's refresh emits, e.g. ``vagled://warehouse/mart/competence_gap``."""
    return f"vagled://warehouse/mart/{mart}"
