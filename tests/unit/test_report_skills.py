"""The report's skills and jobs-within-reach section, rendered from given rows (no warehouse)."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from vagled.report.regional import RegionalReportData, render_report

pytestmark = pytest.mark.unit


def _data(**changes) -> RegionalReportData:
    data = RegionalReportData("03", "Uppsala län", 2026, last_month=10)
    data.rising_skills = [("Python", 12.5, 8.0, 140, date(2026, 10, 1)), ("SQL", 9.0, 7.5, 100, date(2026, 10, 1))]
    data.occupation_requirements = [
        ("Mjukvaruutvecklare", "Python", 40, 12, 300),
        ("Mjukvaruutvecklare", "SQL", 30, 9, 300),
    ]
    data.jobs_within_reach = [("Uppsala", 900, 210, 40, 1200, None), ("Tierp", 60, 15, 3, None, 7)]
    for key, value in changes.items():
        setattr(data, key, value)
    return data


def test_the_section_has_its_three_charts_and_hides_suppressed_job_seekers():
    html = render_report(_data(), generated_at=datetime(2026, 11, 2, 8, 0))
    for css in ("rising-skills", "occupation-requirements", "jobs-within-reach"):
        assert f'class="chart {css}"' in html
    assert "Mjukvaruutvecklare: Python" in html and "till 2026-10" in html
    # a suppressed (or unknown) count is a dash, never a number or "None"
    assert "<td>Tierp</td><td>60</td><td>15</td><td>3</td><td>–</td><td>7</td>" in html
    assert "None" not in html[html.index("Kompetenser som efterfrågas") :]


def test_no_ranked_skill_says_why_instead_of_an_empty_chart():
    html = render_report(_data(rising_skills=[]), generated_at=datetime(2026, 11, 2, 8, 0))
    assert 'class="chart rising-skills"' not in html
    assert "minimiantalen" in html
