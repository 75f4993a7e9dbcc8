"""Charts of the statistics page, drawn on the server as SVG (no script, no library, no CDN).

Each chart has a ``<title>`` and ``<desc>`` (``aria-labelledby``; a group, not an image, since its
marks are links, each named by its numbers), its marks link to the letters
behind them, and the page puts the same numbers in a table beside it. Shapes and line styles, not
colours alone, tell the series apart (readable printed in black and white); colours come from
classes in static/css/site.css (the Content-Security-Policy allows no inline style).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

WIDTH, HEIGHT = 720, 240
LEFT, RIGHT, TOP, BOTTOM = 52, 12, 14, 40


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    href: str
    tip: str


@dataclass(frozen=True)
class Point:
    label: str
    rate: float
    low: float
    high: float
    href: str
    tip: str


def n(value: float) -> str:
    """A coordinate as the SVG gets it (format_html escapes its arguments to text first)."""
    return f"{value:.1f}"


def nice_ceiling(value: float) -> float:
    """A round number at or above ``value`` for an axis's top (1, 2, 5 × a power of ten)."""
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    return next(step * power for step in (1, 2, 2.5, 5, 10) if step * power >= value)


def count_axis_top(value: float) -> float:
    """An axis top for counts whose quarters (the gridlines) are whole, round numbers."""
    return 4 * max(1.0, nice_ceiling(value / 4))


def frame(chart_id: str, title: str, description: str, body: SafeString) -> SafeString:
    return format_html(
        '<svg class="chart" id="{}" viewBox="0 0 {} {}" role="group" aria-labelledby="{}-title {}-desc">'
        '<title id="{}-title">{}</title><desc id="{}-desc">{}</desc>{}</svg>',
        chart_id, WIDTH, HEIGHT, chart_id, chart_id, chart_id, title, chart_id, description, body,
    )  # fmt: skip


def y_axis(top: float, as_percent: bool) -> SafeString:
    """Gridlines and labels at 0, ¼, ½, ¾ and the top."""
    plot = HEIGHT - TOP - BOTTOM
    lines = []
    for step in range(5):
        value = top * step / 4
        y = TOP + plot - plot * step / 4
        text = f"{value * 100:.1f}".removesuffix(".0") + "%" if as_percent else f"{value:,.0f}"
        lines.append((n(y), WIDTH - RIGHT, n(y), LEFT - 6, n(y + 4), text))
    return format_html_join(
        "",
        '<line class="chart-grid" x1="'
        + str(LEFT)
        + '" y1="{}" x2="{}" y2="{}"/><text class="chart-tick" x="{}" y="{}" text-anchor="end">{}</text>',
        lines,
    )


def x_labels(labels: Sequence[str], step: float) -> SafeString:
    """Every label when they fit, else every n-th."""
    every = max(1, math.ceil(len(labels) / 12))
    return format_html_join(
        "",
        '<text class="chart-tick" x="{}" y="{}" text-anchor="middle">{}</text>',
        ((n(LEFT + step * (i + 0.5)), HEIGHT - BOTTOM + 18, label) for i, label in enumerate(labels) if i % every == 0),
    )


def bar_chart(chart_id: str, title: str, description: str, bars: Sequence[Bar]) -> SafeString:
    """Vertical bars, each a link to its letters."""
    top = count_axis_top(max((bar.value for bar in bars), default=0))
    plot_width, plot_height = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step = plot_width / max(1, len(bars))
    marks = []
    for i, bar in enumerate(bars):
        height = plot_height * bar.value / top
        x, y = LEFT + step * i + step * 0.1, TOP + plot_height - height
        rect = format_html(
            '<rect class="chart-bar" x="{}" y="{}" width="{}" height="{}"><title>{}</title></rect>',
            n(x), n(y), n(step * 0.8), n(height), bar.tip,
        )  # fmt: skip
        marks.append(
            format_html('<a href="{}" data-count="{}" aria-label="{}">{}</a>', bar.href, bar.value, bar.tip, rect)
            if bar.href
            else rect
        )
    body = y_axis(top, as_percent=False) + SafeString("".join(marks)) + x_labels([bar.label for bar in bars], step)
    return frame(chart_id, title, description, body)


def rate_chart(chart_id: str, title: str, description: str, points: Sequence[Point], reference: float | None) -> SafeString:
    """A rate per period as a point with its interval as a whisker; ``reference`` a dashed line."""
    top = nice_ceiling(max((point.high for point in points), default=0.1))
    plot_width, plot_height = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step = plot_width / max(1, len(points))

    def y(value: float) -> float:
        return TOP + plot_height - plot_height * value / top

    marks = []
    for i, point in enumerate(points):
        x = LEFT + step * (i + 0.5)
        mark = format_html(
            '<g><title>{}</title><line class="chart-whisker" x1="{}" y1="{}" x2="{}" y2="{}"/>'
            '<circle class="chart-point" cx="{}" cy="{}" r="4"/></g>',
            point.tip, n(x), n(y(point.low)), n(x), n(y(point.high)), n(x), n(y(point.rate)),
        )  # fmt: skip
        marks.append(format_html('<a href="{}" aria-label="{}">{}</a>', point.href, point.tip, mark) if point.href else mark)
    line = (
        format_html(
            '<line class="chart-reference" x1="{}" y1="{}" x2="{}" y2="{}"/>',
            LEFT,
            n(y(reference)),
            WIDTH - RIGHT,
            n(y(reference)),
        )
        if reference is not None
        else SafeString("")
    )
    body = y_axis(top, as_percent=True) + line + SafeString("".join(marks)) + x_labels([point.label for point in points], step)
    return frame(chart_id, title, description, body)


def rate_bar(rate: float | None, interval: tuple[float, float] | None, scale: float) -> SafeString:
    """A table cell's small bar: the rate as a bar, its 95% interval as a line with ends (decorative:
    the cell beside it says the numbers)."""
    if rate is None or interval is None:
        return SafeString("")
    width = 120

    def x(value: float) -> float:
        return width * min(value, scale) / scale

    return format_html(
        '<svg class="rate-bar" viewBox="0 0 {} 14" width="{}" height="14" aria-hidden="true" focusable="false">'
        '<rect class="rate-bar-track" x="0" y="3" width="{}" height="8"/><rect class="rate-bar-fill" x="0" y="3" width="{}" height="8"/>'
        '<line class="rate-bar-ci" x1="{}" y1="7" x2="{}" y2="7"/>'
        '<line class="rate-bar-ci" x1="{}" y1="2" x2="{}" y2="12"/><line class="rate-bar-ci" x1="{}" y1="2" x2="{}" y2="12"/></svg>',
        width, width, width, n(x(rate)), n(x(interval[0])), n(x(interval[1])),
        n(x(interval[0])), n(x(interval[0])), n(x(interval[1])), n(x(interval[1])),
    )  # fmt: skip
