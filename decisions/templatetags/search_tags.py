"""Links that keep a search (facet toggles, pages, letters opened from a list) and the pieces of a
result list. Tags only read what they are given: the selectors computed the page, and nothing here
queries the database."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django import template
from django.contrib.humanize.templatetags.humanize import intcomma
from django.http import QueryDict
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from decisions.feeds import feed_path
from decisions.models import Case, Citation, DisputedItem, Outcome
from decisions.parsing.taxonomy import CATEGORIES, SUBCATEGORIES
from decisions.search_params import PARAMS_BY_NAME
from decisions.selectors import Facet, FacetValue, ItemRow, facet_params, query_string

register = template.Library()


def facet_href(params: QueryDict, facet: Facet, value: str, selected: bool) -> str:
    """Clicking a value adds it (replacing the facet's own value); clicking the selected one removes it."""
    if selected:
        return query_string(params, drop=facet.own_params)
    return query_string(params, drop=facet.own_params, updates=facet_params(facet.name, value))


@register.simple_tag
def facet_link(params: QueryDict, facet: Facet, value: FacetValue) -> SafeString:
    """One facet value: a link that applies (or, selected, removes) it, with the count it promises.
    A tag rather than an include: the list shows ~150 of them."""
    selected = value.selected
    return format_html(
        '<li><a class="facet-link{}" href="{}" data-facet="{}" data-value="{}" data-count="{}"{}>'
        '<span class="facet-label">{}{}</span> <span class="count">{}</span></a></li>',
        " is-selected" if selected else "",
        facet_href(params, facet, value.value, selected),
        facet.name,
        value.value,
        value.count,
        mark_safe(' aria-current="true"') if selected else "",
        mark_safe('<span class="visually-hidden">Remove filter: </span>') if selected else "",
        value.label,
        intcomma(value.count),
    )


@register.simple_tag
def page_href(params: QueryDict, number: int) -> str:
    return query_string(params, updates={"page": str(number) if number > 1 else ""})


@register.simple_tag
def with_params(params: QueryDict, **updates: Any) -> str:
    values: dict[str, str] = {name: "" if value is None else str(value) for name, value in updates.items()}
    return query_string(params, updates=values)


@register.simple_tag
def feed_href(params: QueryDict) -> str:
    """The feed of the search ``params`` describe (its page and sort left out: a feed is newest first)."""
    return feed_path(params)


@register.simple_tag
def detail_href(case: Case, params: QueryDict) -> str:
    """The letter's page, remembering the search (and page) it was opened from, for previous/next
    and the way back; an empty ``from`` is the unfiltered list."""
    origin = urlencode([(name, value) for name, values in params.lists() for value in values if value != ""])
    return f"{reverse('decisions:detail', args=[case.key])}?{urlencode({'from': origin})}"


@register.simple_tag
def search_href(origin: str) -> str:
    return reverse("decisions:list") + (f"?{origin}" if origin else "")


@register.filter
def outcome_class(outcome: str) -> str:
    return "overturned" if outcome == Outcome.OVERTURNED else "upheld"


OUTCOME_BADGES = {
    # outcome: (icon, title); anything not overturned reads as the denial standing
    Outcome.OVERTURNED: ("▲", "Overturned: the treatment was found medically necessary"),
    Outcome.UPHELD: ("■", "Upheld: the denial stands"),
}


@register.simple_tag
def outcome_badge(outcome: str) -> SafeString:
    """An item's outcome as text with an icon and a colour (never colour alone). A tag, not an
    include: a page can show 200 items, and an include costs ~0.2 ms each."""
    kind = Outcome(outcome) if outcome in Outcome.values else Outcome.UPHELD
    icon, title = OUTCOME_BADGES[kind]
    return format_html(
        '<span class="badge badge-{}" title="{}"><span class="badge-icon" aria-hidden="true">{}</span>{}</span>',
        kind.value,
        title,
        icon,
        kind.label,
    )


@register.simple_tag
def item_line(entry: ItemRow) -> SafeString:
    """One disputed item in a result: outcome badge, request (words marked), category, snippet.
    A tag rather than template markup: a page can list 200 items."""
    item = entry.item
    category = format_html(' <span class="tag">{}</span>', CATEGORIES.get(item.treatment_category, item.treatment_category))
    snippet = format_html('<p class="snippet">{}</p>', entry.snippet) if entry.matches and entry.snippet else ""
    return format_html(
        '<li class="item{}"><div class="item-head">{} <span class="item-request">{}</span>{}</div>{}</li>',
        "" if entry.matches else " item-other",
        outcome_badge(item.outcome),
        entry.request_html,
        category if item.treatment_category else "",
        snippet,
    )


@register.filter
def param_label(name: str) -> str:
    param = PARAMS_BY_NAME.get(name)
    return param.label if param is not None else name.replace("_", " ").capitalize()


@register.filter
def category_label(slug: str) -> str:
    return CATEGORIES.get(slug, slug)


@register.filter
def subcategory_label(item: DisputedItem) -> str:
    return SUBCATEGORIES.get(item.treatment_category, {}).get(item.treatment_subcategory, item.treatment_subcategory)


@register.filter
def by_role(citations: Any, role: str) -> list[Citation]:
    """An item's citations of one role, from the prefetched list (no query)."""
    return [citation for citation in citations.all() if citation.role == role]


@register.filter
def percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:.0f}%" if whole else "–"
