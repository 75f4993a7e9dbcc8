"""The one definition of what a search query string means (contract.md § Web), made from the
parameters declared in ``decisions.search_params``.

``CaseFilterSet`` validates the parameters; ``filter_cases`` turns its cleaned data into
conditions. Item-level filters (outcome, treatment, subcategory, guideline, source, read with
cited_by) are combined into ONE ``Exists`` over ``DisputedItem``, so they must all hold for one
and the same disputed item. Every condition builder takes ``exclude``: facet counts ask "what
would this search give with my own filter replaced", which is the same search minus some params.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

import django_filters
from django import forms
from django.db.models import Exists, OuterRef, Q, QuerySet

from decisions.models import Case, DisputedItem
from decisions.search_params import (
    ITEM_PARAMS,
    LETTER_PARAMS,
    PARAMS,
    PARAMS_BY_NAME,
    SEARCH_CONFIG,
    SEARCH_PARAMS,
    Sort,
    active_params,
    is_set,
    search_query,
)

__all__ = ["SEARCH_CONFIG", "SEARCH_PARAMS", "Sort", "active_params", "search_query"]


class SearchForm(forms.Form):
    """The filter form, with the checks that span fields or need the database."""

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        clean_search_params(self, cleaned)
        return cleaned


class CaseFilterSet(django_filters.FilterSet):  # type: ignore[misc]  # django-filter has no type hints
    """Validates a search (a filter per declared parameter); ``filter_queryset`` applies all of it."""

    class Meta:
        model = Case
        fields: list[str] = []
        form = SearchForm

    def filter_queryset(self, queryset: QuerySet[Case]) -> QuerySet[Case]:
        return filter_cases(queryset, self.form.cleaned_data)


# One filter per parameter, in the registry's order (also the OpenAPI schema's).
CaseFilterSet.base_filters = {param.name: param.make_filter() for param in PARAMS}


def clean_search_params(form: forms.Form, cleaned: dict[str, Any]) -> None:
    """Each parameter's own cleaning, in the registry's order; errors name their field."""
    for param in PARAMS:
        if param.strip:
            cleaned[param.name] = (cleaned.get(param.name) or "").strip()
    for param in PARAMS:
        if param.clean is not None:
            param.clean(form, cleaned)


def filter_cases(queryset: QuerySet[Case], cleaned: Mapping[str, Any], exclude: Collection[str] = ()) -> QuerySet[Case]:
    """All filters of a search, except those named in ``exclude``."""
    queryset = queryset.filter(case_conditions(cleaned, exclude))
    item_condition = item_conditions(cleaned, exclude)
    if item_condition is not None:
        queryset = queryset.filter(Exists(DisputedItem.objects.filter(item_condition, case=OuterRef("pk"))))
    return queryset


def conditions(names: tuple[str, ...], cleaned: Mapping[str, Any], exclude: Collection[str]) -> Q:
    condition = Q()
    for name in names:
        param = PARAMS_BY_NAME[name]
        value = cleaned.get(name)
        if name not in exclude and is_set(value) and param.condition is not None:
            condition &= param.condition(value, cleaned)
    return condition


def case_conditions(cleaned: Mapping[str, Any], exclude: Collection[str] = ()) -> Q:
    """The letter-level filters as one Q on Case."""
    return conditions(LETTER_PARAMS, cleaned, exclude)


def item_conditions(cleaned: Mapping[str, Any], exclude: Collection[str] = ()) -> Q | None:
    """The item-level filters (and citation ones, read on the items' copies of their citations) as
    one Q on DisputedItem (None when there are none). With words, the item that meets them must hold
    the words too: ``q=norco&outcome=overturned`` is a letter with an overturned Norco item."""
    condition = conditions(ITEM_PARAMS, cleaned, exclude)
    if not condition:
        return None
    words = item_words(cleaned, exclude)
    return condition & words if words is not None else condition


def searched_items(cleaned: Mapping[str, Any], exclude: Collection[str] = ()) -> Q | None:
    """What an item of the search's letters meets to count as one of its items: the item filters
    and, with words, the words in the item's own request or rationale (None: every item counts)."""
    words = item_words(cleaned, exclude)
    condition = item_conditions(cleaned, exclude)
    return condition if condition is not None else words


def item_words(cleaned: Mapping[str, Any], exclude: Collection[str] = ()) -> Q | None:
    """The words of ``q`` in the item's own text (its request, class words and rationale); the
    excluded words are left to the letter's condition (no item of a letter without them holds them)."""
    query = search_query(cleaned, excluded_words=False) if "q" not in exclude else None
    return Q(search_vector=query) if query is not None else None


def item_filtered(cleaned: Mapping[str, Any]) -> bool:
    return any(is_set(cleaned.get(name)) for name in ITEM_PARAMS)


def cleaned_params(data: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """Validate a query string: (cleaned data, errors by field)."""
    filterset = CaseFilterSet(data)
    form = filterset.form
    if form.is_valid():
        return form.cleaned_data, {}
    errors = {field: [str(message) for message in messages] for field, messages in form.errors.items()}
    return form.cleaned_data, errors
