"""Charts drawn on the server as SVG: readable without JavaScript, with a table beside each.

Every chart is an ``<svg role="img">`` with a title and a description that state what it
shows; each bar carries a ``<title>`` with its exact figures (a tooltip, and what a screen
reader reads). Text in the SVG is escaped as the templates' text is.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from markupsafe import Markup, escape

from opengauge.server.domain.nps import Tally, one_decimal

WIDTH = 720
HEIGHT = 240
#: Room for the axis labels: left, right, top, bottom.
MARGINS = (44, 8, 12, 40)
POSITIVE = "#15803d"
NEGATIVE = "#b91c1c"
NEUTRAL = "#6b7280"
GRID = "#d1d5db"


@dataclass(frozen=True)
class Point:
    label: str
    tally: Tally


def _nps_text(score: Fraction | None) -> str:
    shown = one_decimal(score)
    return "no score" if shown is None else f"NPS {shown}"


def nps_trend(points: Sequence[Point], title: str) -> Markup:
    """One bar per period: its NPS up (above 0) or down from the zero line, on a scale of
    -100 to 100; a period without responses has no bar and says so."""
    left, right, top, bottom = MARGINS
    plot_w, plot_h = WIDTH - left - right, HEIGHT - top - bottom
    zero = top + plot_h / 2
    slot = plot_w / max(len(points), 1)
    bar_w = max(min(slot * 0.7, 40), 1)
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img"'
        ' aria-labelledby="trend-title trend-desc" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="trend-title">{escape(title)}</title>',
        '<desc id="trend-desc">NPS of each period on a scale from -100 to 100;'
        " the table below gives the same figures.</desc>",
    ]
    for value in (100, 50, 0, -50, -100):
        y = zero - value / 100 * plot_h / 2
        thick = "" if value else ' stroke-width="2"'
        parts.append(
            f'<line x1="{left}" x2="{WIDTH - right}" y1="{y:.1f}" y2="{y:.1f}" stroke="{GRID}"'
            f"{thick}/>"
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11">{value}</text>'
        )
    every = max(1, round(len(points) / 12))
    for i, point in enumerate(points):
        x = left + slot * i + (slot - bar_w) / 2
        score = point.tally.score
        label = escape(point.label)
        tip = escape(f"{point.label}: {_nps_text(score)}, {point.tally.responses} responses")
        if score is not None:
            height = abs(float(score)) / 100 * plot_h / 2
            y = zero - height if score >= 0 else zero
            colour = POSITIVE if score > 0 else NEGATIVE if score < 0 else NEUTRAL
            parts.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" height="{max(height, 1):.1f}"'
                f' fill="{colour}"><title>{tip}</title></rect>'
            )
        else:
            parts.append(
                f'<circle cx="{x + bar_w / 2:.1f}" cy="{zero:.1f}" r="3" fill="none"'
                f' stroke="{NEUTRAL}"><title>{tip}</title></circle>'
            )
        if i % every == 0:
            parts.append(
                f'<text x="{x + bar_w / 2:.1f}" y="{HEIGHT - bottom + 16}" text-anchor="middle"'
                f' font-size="11">{label}</text>'
            )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every value in it went through escape()


def split(tally: Tally, title: str) -> Markup:
    """One horizontal bar in three parts: promoters, passives and detractors."""
    width, height = WIDTH, 36
    parts = [
        f'<svg class="chart split" viewBox="0 0 {width} {height}" role="img"'
        f' aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
    ]
    x = 0.0
    for name, count, colour in (
        ("Promoters", tally.promoters, POSITIVE),
        ("Passives", tally.passives, NEUTRAL),
        ("Detractors", tally.detractors, NEGATIVE),
    ):
        if not tally.responses or not count:
            continue
        share = count / tally.responses
        part = width * share
        parts.append(
            f'<rect x="{x:.1f}" y="0" width="{part:.1f}" height="{height}" fill="{colour}">'
            f"<title>{name}: {count} ({share * 100:.1f}%)</title></rect>"
        )
        x += part
    if not tally.responses:
        parts.append(
            f'<rect x="0" y="0" width="{width}" height="{height}" fill="#f3f4f6"/>'
            f'<text x="{width / 2}" y="{height / 2 + 5}" text-anchor="middle" font-size="13">'
            "No responses in this period</text>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every value in it went through escape()
