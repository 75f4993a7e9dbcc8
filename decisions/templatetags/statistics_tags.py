"""The statistics page's links, rates and charts. Tags only read what the page was given
(``decisions.statistics.Statistics``); nothing here queries the database."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import template
from django.contrib.humanize.templatetags.humanize import intcomma
from django.http import QueryDict
from django.utils.html import format_html
from django.utils.safestring import SafeString

from decisions.charts import Bar, Point, bar_chart, rate_bar, rate_chart
from decisions.statistics import Group, Rate, Statistics, combined, overturned_params, search_link

register = template.Library()


@register.simple_tag
def letters_href(params: QueryDict, updates: dict[str, str] | None) -> str:
    """The /decisions/ search behind a number (empty: no one search shows it)."""
    return search_link(params, updates)


@register.simple_tag
def overturned_href(params: QueryDict, updates: dict[str, str] | None, cleaned: Mapping[str, Any]) -> str:
    return search_link(params, combined(updates, overturned_params(cleaned)))


@register.simple_tag
def count_link(count: int, href: str, what: str = "") -> SafeString:
    """A count as a link to its letters (a plain number where no search shows them)."""
    text = intcomma(count)
    if not href:
        return format_html("{}", text)
    label = format_html(' aria-label="{} {}"', text, what) if what else ""
    return format_html('<a href="{}" data-count="{}"{}>{}</a>', href, count, label, text)


@register.filter
def pct(rate: float | None) -> str:
    return "–" if rate is None else f"{100 * rate:.1f}%"


@register.filter
def interval(rate: Rate) -> str:
    bounds = rate.ci95
    return "–" if bounds is None else f"{100 * bounds[0]:.1f}–{100 * bounds[1]:.1f}%"


@register.simple_tag
def rate_cell(rate: Rate, scale: float) -> SafeString:
    return rate_bar(rate.overturn_rate, rate.ci95, scale)


@register.filter
def scale_of(groups: list[Group]) -> float:
    """The bars' common scale in a table: the highest interval end of the groups with a bar (not too
    few), rounded up to a tenth."""
    highest = max((group.rate.ci95[1] for group in groups if group.rate.ci95 and not group.rate.too_few), default=0.1)
    return min(1.0, max(0.1, -(-highest * 10 // 1) / 10))


@register.simple_tag
def months_chart(page: Statistics) -> SafeString:
    bars = [
        Bar(group.value, group.rate.items, search_link(page.params, group.params), f"{group.value}: {group.rate.items:,} items")
        for group in page.months
    ]
    first, last = (page.months[0].value, page.months[-1].value) if page.months else ("", "")
    description = (
        f"Bars, one per month from {first} to {last}; the table below gives every month's count." if bars else "No dated items."
    )
    return bar_chart("chart-months", "Disputed items decided per month", description, bars)


@register.simple_tag
def quarters_chart(page: Statistics) -> SafeString:
    points = [
        Point(
            group.value,
            group.rate.overturn_rate or 0.0,
            *(group.rate.ci95 or (0.0, 0.0)),
            search_link(page.params, group.params),
            f"{group.value}: {pct(group.rate.overturn_rate)} overturned of {group.rate.items:,} items (95% interval {interval(group.rate)})",
        )
        for group in page.quarters
    ]
    description = (
        "Points, one per quarter, with a vertical line for the 95% interval; a dashed line marks the search's rate over"
        f" all quarters ({pct(page.total.overturn_rate)}). The table below gives every quarter's numbers."
    )
    return rate_chart(
        "chart-quarters", "Overturn rate per quarter, with 95% intervals", description, points, page.total.overturn_rate
    )
