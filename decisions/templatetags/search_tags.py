"""Links that keep a search: facet toggles, removable filter chips, letters opened from a list."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django import template
from django.contrib.humanize.templatetags.humanize import intcomma
from django.http import QueryDict
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from decisions.facets import current_index
from decisions.filters import PARAM_LABELS, Sort
from decisions.models import Case, Citation, DisputedItem, Guideline, Outcome, Sex, Source
from decisions.parsing.taxonomy import CATEGORIES, SUBCATEGORIES
from decisions.selectors import FACETS_BY_NAME, Facet, FacetValue, ItemRow, SearchResult, Suggestion, facet_params
from decisions.templatetags.guideline_tags import GUIDELINE, reference_kind

register = template.Library()


def query_string(params: QueryDict, *, drop: tuple[str, ...] = (), updates: Mapping[str, str] | None = None) -> str:
    """``?...`` with ``page`` and ``drop`` removed and ``updates`` set; empty values left out."""
    updates = updates or {}
    kept = params.copy()
    for name in ("page", *drop, *updates):
        kept.pop(name, None)
    for name, value in updates.items():
        if value:
            kept[name] = value
    pairs = [(name, value) for name, values in kept.lists() for value in values if value != ""]
    return "?" + urlencode(pairs) if pairs else "?"


@register.simple_tag
def facet_href(params: QueryDict, facet: str, value: str, selected: bool) -> str:
    """Clicking a value adds it (replacing the facet's own value); clicking the selected one removes it."""
    own = FACETS_BY_NAME[facet].own_params
    if facet == "treatment":
        own = ("treatment", "subcategory")
    if selected:
        return query_string(params, drop=own)
    return query_string(params, drop=own, updates=facet_params(facet, value))


@register.simple_tag
def facet_link(params: QueryDict, facet: Facet, value: FacetValue) -> SafeString:
    """One facet value: a link that applies (or, selected, removes) it, with the count it promises.
    A tag rather than an include: the list shows ~150 of them."""
    selected = value.selected
    return format_html(
        '<li><a class="facet-link{}" href="{}" data-facet="{}" data-value="{}" data-count="{}"{}>'
        '<span class="facet-label">{}{}</span> <span class="count">{}</span></a></li>',
        " is-selected" if selected else "",
        facet_href(params, facet.name, value.value, selected),
        facet.name,
        value.value,
        value.count,
        mark_safe(' aria-current="true"') if selected else "",
        mark_safe('<span class="visually-hidden">Remove filter: </span>') if selected else "",
        value.label,
        intcomma(value.count),
    )


@dataclass
class Chip:
    label: str
    href: str


@register.simple_tag
def filter_chips(result: SearchResult, params: QueryDict) -> list[Chip]:
    """One removable chip per active filter."""
    chips = []
    for name in result.active:
        if name == "subcategory":
            continue
        drop: tuple[str, ...] = (name, "subcategory") if name == "treatment" else (name,)
        chips.append(Chip(f"{PARAM_LABELS.get(name, name)}: {chip_value(name, result.cleaned)}", query_string(params, drop=drop)))
    if result.cleaned.get("cited_by") == "claims_administrator":
        chips.append(Chip("Cited by: claims administrator", query_string(params, drop=("cited_by",))))
    return chips


def chip_value(name: str, cleaned: Mapping[str, Any]) -> str:
    """A filter's value as people read it: names rather than slugs and codes."""
    value = cleaned[name]
    if name == "treatment":
        label = CATEGORIES.get(value, value)
        subcategory = cleaned.get("subcategory")
        return f"{label} › {SUBCATEGORIES.get(value, {}).get(subcategory, subcategory)}" if subcategory else label
    if name == "guideline":
        return Guideline.objects.filter(slug=value).values_list("title", flat=True).first() or value
    if name == "specialty":
        return current_index().specialty_names.get(value, value)
    labels: dict[str, Mapping[str, str]] = {
        "outcome": dict(Outcome.choices),
        "source": dict(Source.choices),
        "sex": dict(Sex.choices),
    }
    return str(labels.get(name, {}).get(value, value))


@register.simple_tag
def page_href(params: QueryDict, number: int) -> str:
    return query_string(params, updates={"page": str(number) if number > 1 else ""})


@register.simple_tag
def with_params(params: QueryDict, **updates: Any) -> str:
    values: dict[str, str] = {name: "" if value is None else str(value) for name, value in updates.items()}
    return query_string(params, updates=values)


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


@register.simple_tag
def search_choices() -> dict[str, Any]:
    """Options of the search form's selects."""
    return {
        "outcomes": Outcome.choices,
        "treatments": list(CATEGORIES.items()),
        "sources": Source.choices,
        "sexes": Sex.choices,
        "sorts": Sort.CHOICES,
    }


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


@register.simple_tag
def invalid(result: SearchResult, name: str) -> SafeString:
    """` aria-invalid="true" aria-describedby="error-<name>"` on a field the search refused, else nothing."""
    if name not in result.errors:
        return mark_safe("")
    return format_html(' aria-invalid="true" aria-describedby="error-{}"', name)


@register.filter
def param_label(name: str) -> str:
    return PARAM_LABELS.get(name, name.replace("_", " ").capitalize())


@register.filter
def subcategories_of(category: str) -> list[tuple[str, str]]:
    """(slug, label) of a treatment category's subcategories, for the form's subcategory select."""
    return list(SUBCATEGORIES.get(category, {}).items())


@dataclass
class OptionGroup:
    label: str
    options: list[tuple[str, str]]


@register.simple_tag
def search_suggestions() -> dict[str, Any]:
    """The guidelines (grouped by source, web pages and articles apart) and reviewer specialties
    the form offers by name; the value sent, and kept in the address, is the slug."""
    groups: dict[str, list[tuple[str, str]]] = {label: [] for label in GUIDELINE_GROUPS.values()}
    for guideline in Guideline.objects.order_by("title").only("slug", "title", "source"):
        groups[guideline_group(guideline)].append((guideline.slug, guideline.title))
    specialties = sorted(current_index().specialty_names.items(), key=lambda pair: pair[1].lower())
    return {
        "guidelines": [OptionGroup(label, options) for label, options in groups.items() if options],
        "guideline_slugs": {slug for options in groups.values() for slug, _ in options},
        "specialties": specialties,
        "specialty_slugs": {slug for slug, _ in specialties},
    }


GUIDELINE_GROUPS = {
    Source.MTUS.value: "MTUS",
    Source.ODG.value: "ODG",
    Source.OTHER.value: "Other guidelines",
    "reference": "Web pages and other references",
}


def guideline_group(guideline: Guideline) -> str:
    if reference_kind(guideline) != GUIDELINE:
        return GUIDELINE_GROUPS["reference"]
    return GUIDELINE_GROUPS.get(guideline.source, GUIDELINE_GROUPS[Source.OTHER.value])


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


@register.simple_tag
def suggestion_href(params: QueryDict, suggestion: Suggestion) -> str:
    return query_string(params, drop=tuple(suggestion.params), updates=suggestion.params)


@register.filter
def filter_count(result: SearchResult) -> int:
    """How many filters narrow the search beyond its words (a treatment with its subcategory is one)."""
    return len([name for name in result.active if name not in ("q", "subcategory")])
