"""Charts as inline SVG: a report is one HTML file that opens anywhere, with no script and no network.

Each function returns an ``<svg class="chart ...">`` element, or a short paragraph when there is
nothing to draw, so a report never shows an empty frame without saying why.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

PALETTE = ("#1f5f8b", "#e07b39", "#3a9d5d", "#b2433f", "#7b5ea7", "#8c6d31", "#5f6b7a")
FONT = 'font-family="system-ui, sans-serif"'


def _number(value: float) -> str:
    """Swedish number format: thin space between thousands, comma for decimals."""
    if float(value).is_integer():
        return f"{int(value):,}".replace(",", "\u202f")
    return f"{value:,.2f}".replace(",", "\u202f").replace(".", ",")


def _short(label: str, limit: int = 42) -> str:
    """A label that fits the label column (the full text is in the bar's tooltip)."""
    return label if len(label) <= limit else label[: limit - 1].rstrip() + "…"


def no_data(message: str) -> str:
    return f'<p class="no-data">{escape(message)}</p>'


def horizontal_bars(
    title: str,
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[float]]],
    *,
    css_class: str,
    empty: str = "Inga uppgifter för perioden.",
) -> str:
    """Grouped horizontal bars: one row per label, one bar per series (e.g. this year and the year before)."""
    if not labels:
        return no_data(empty)
    label_w, bar_w, row_h, bar_h = 300, 420, 10 + 16 * len(series), 14
    top = 36 + 18  # title and legend
    height = top + row_h * len(labels) + 10
    largest = max((v for _, values in series for v in values), default=0) or 1
    parts = [
        f'<svg class="chart {css_class}" role="img" aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg" '
        f'width="{label_w + bar_w + 90}" height="{height}" viewBox="0 0 {label_w + bar_w + 90} {height}" {FONT}>',
        f"<title>{escape(title)}</title>",
        f'<text x="0" y="18" font-size="15" font-weight="600">{escape(title)}</text>',
    ]
    for i, (name, _) in enumerate(series):
        x = label_w + i * 160
        parts.append(f'<rect x="{x}" y="28" width="12" height="12" fill="{PALETTE[i % len(PALETTE)]}"/>')
        parts.append(f'<text x="{x + 16}" y="38" font-size="12">{escape(name)}</text>')
    for row, label in enumerate(labels):
        y = top + row * row_h
        parts.append(
            f'<text x="{label_w - 8}" y="{y + 12}" font-size="12" text-anchor="end">{escape(_short(label))}</text>'
        )
        for i, (_, values) in enumerate(series):
            value = values[row] or 0
            width = max(1.0, bar_w * value / largest)
            by = y + i * 16
            parts.append(
                f'<rect class="bar" x="{label_w}" y="{by}" width="{width:.1f}" height="{bar_h}" '
                f'fill="{PALETTE[i % len(PALETTE)]}"><title>{escape(label)}: {_number(value)}</title></rect>'
            )
            parts.append(f'<text x="{label_w + width + 4:.1f}" y="{by + 11}" font-size="11">{_number(value)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def diverging_bars(
    title: str,
    labels: Sequence[str],
    values: Sequence[float],
    *,
    css_class: str,
    left_label: str,
    right_label: str,
    empty: str = "Inga uppgifter för perioden.",
) -> str:
    """Bars from a centre line, -1 to 1: right of the centre one thing outweighs the other."""
    if not labels:
        return no_data(empty)
    label_w, half, row_h = 300, 210, 20
    top = 54
    height = top + row_h * len(labels) + 10
    centre = label_w + half
    parts = [
        f'<svg class="chart {css_class}" role="img" aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg" '
        f'width="{label_w + 2 * half + 60}" height="{height}" viewBox="0 0 {label_w + 2 * half + 60} {height}" {FONT}>',
        f"<title>{escape(title)}</title>",
        f'<text x="0" y="18" font-size="15" font-weight="600">{escape(title)}</text>',
        f'<text x="{centre - 6}" y="42" font-size="12" text-anchor="end">← {escape(left_label)}</text>',
        f'<text x="{centre + 6}" y="42" font-size="12">{escape(right_label)} →</text>',
        f'<line x1="{centre}" y1="{top - 6}" x2="{centre}" y2="{height - 6}" stroke="#555" stroke-width="1"/>',
    ]
    for row, (label, value) in enumerate(zip(labels, values, strict=True)):
        y = top + row * row_h
        value = max(-1.0, min(1.0, float(value)))
        width = max(1.0, abs(value) * half)
        x = centre if value >= 0 else centre - width
        colour = PALETTE[3] if value > 0 else PALETTE[0]
        parts.append(
            f'<text x="{label_w - 8}" y="{y + 12}" font-size="12" text-anchor="end">{escape(_short(label))}</text>'
        )
        parts.append(
            f'<rect class="bar" x="{x:.1f}" y="{y}" width="{width:.1f}" height="14" fill="{colour}">'
            f"<title>{escape(label)}: {_number(round(value, 2))}</title></rect>"
        )
    parts.append("</svg>")
    return "".join(parts)


def lines(
    title: str,
    x_labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[float | None]]],
    *,
    css_class: str,
    empty: str = "Inga uppgifter för perioden.",
) -> str:
    """One line per series over ordered x labels (months); a missing value breaks the line."""
    if not x_labels or not series:
        return no_data(empty)
    left, width, plot_h, top = 60, 640, 240, 40
    legend_h = 18 * len(series)
    height = top + plot_h + 40 + legend_h
    values = [v for _, vs in series for v in vs if v is not None]
    largest = max(values, default=0) or 1
    step = width / max(1, len(x_labels) - 1)

    def point(i: int, v: float) -> str:
        return f"{left + i * step:.1f},{top + plot_h - plot_h * v / largest:.1f}"

    parts = [
        f'<svg class="chart {css_class}" role="img" aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg" '
        f'width="{left + width + 40}" height="{height}" viewBox="0 0 {left + width + 40} {height}" {FONT}>',
        f"<title>{escape(title)}</title>",
        f'<text x="0" y="18" font-size="15" font-weight="600">{escape(title)}</text>',
        f'<line x1="{left}" y1="{top + plot_h}" x2="{left + width}" y2="{top + plot_h}" stroke="#555"/>',
        f'<line x1="{left}" y1="{top}" x2="{left}" y2="{top + plot_h}" stroke="#555"/>',
        f'<text x="{left - 6}" y="{top + 4}" font-size="11" text-anchor="end">{_number(largest)}</text>',
        f'<text x="{left - 6}" y="{top + plot_h}" font-size="11" text-anchor="end">0</text>',
    ]
    every = max(1, len(x_labels) // 8)
    for i, label in enumerate(x_labels):
        if i % every == 0 or i == len(x_labels) - 1:
            parts.append(
                f'<text x="{left + i * step:.1f}" y="{top + plot_h + 16}" font-size="11" '
                f'text-anchor="middle">{escape(label)}</text>'
            )
    for s, (name, vs) in enumerate(series):
        colour = PALETTE[s % len(PALETTE)]
        segments: list[list[str]] = [[]]
        for i, v in enumerate(vs):
            if v is None:
                segments.append([])
            else:
                segments[-1].append(point(i, v))
        for segment in segments:
            if len(segment) > 1:
                parts.append(
                    f'<polyline class="series" fill="none" stroke="{colour}" stroke-width="2" '
                    f'points="{" ".join(segment)}"><title>{escape(name)}</title></polyline>'
                )
            elif segment:
                x, y = segment[0].split(",")
                parts.append(f'<circle class="series" cx="{x}" cy="{y}" r="3" fill="{colour}"/>')
        ly = top + plot_h + 36 + 18 * s
        parts.append(f'<rect x="{left}" y="{ly - 10}" width="12" height="12" fill="{colour}"/>')
        parts.append(f'<text x="{left + 18}" y="{ly}" font-size="12">{escape(name)}</text>')
    parts.append("</svg>")
    return "".join(parts)
