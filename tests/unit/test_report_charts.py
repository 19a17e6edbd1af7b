"""The report's inline SVG charts: escaping, scaling and empty data."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from vagled.report import charts

pytestmark = pytest.mark.unit


def test_bars_scale_to_the_largest_value_and_escape_labels():
    svg = charts.horizontal_bars(
        "Yrken <&>", ["Kock & kallskänka", "Snickare"], [("2026", [200, 50])], css_class="top-occupations"
    )
    root = ET.fromstring(svg)  # well-formed: labels escaped
    widths = [float(r.get("width")) for r in root.iter("{http://www.w3.org/2000/svg}rect") if r.get("class") == "bar"]
    assert widths == [420.0, 105.0]
    assert "Kock &amp; kallskänka" in svg


def test_diverging_bars_go_right_for_demand_and_left_for_supply():
    svg = charts.diverging_bars(
        "Gap", ["A", "B"], [0.5, -1.5], css_class="competence-gap", left_label="utbud", right_label="efterfrågan"
    )
    bars = [b for b in ET.fromstring(svg).iter("{http://www.w3.org/2000/svg}rect") if b.get("class") == "bar"]
    centre = 300 + 210
    assert float(bars[0].get("x")) == centre and float(bars[0].get("width")) == pytest.approx(105)
    # clamped to -1: a full half to the left
    assert float(bars[1].get("x")) == pytest.approx(centre - 210) and float(bars[1].get("width")) == 210


def test_lines_break_at_a_missing_month():
    svg = charts.lines(
        "Grupper", ["2026-01", "2026-02", "2026-03", "2026-04"], [("Totalt", [10, None, 30, 40])], css_class="x"
    )
    polylines = re.findall(r'<polyline class="series"', svg)
    circles = re.findall(r'<circle class="series"', svg)
    assert len(polylines) == 1 and len(circles) == 1  # [10] alone, then [30, 40]


def test_no_data_is_said_not_drawn():
    assert 'class="no-data"' in charts.horizontal_bars("T", [], [("x", [])], css_class="x")
    assert "<svg" not in charts.lines("T", [], [], css_class="x")
