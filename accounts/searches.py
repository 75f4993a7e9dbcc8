"""Writes of saved searches: the query is checked by the archive's one read path before it is kept."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.models import User
from django.db import transaction

from accounts.alerts import archive_horizon
from accounts.models import Frequency, SavedSearch
from decisions.search_params import PARAMS
from decisions.selectors import as_query_dict, validate_search

NAME_MAX = 120


class InvalidSearch(ValueError):
    def __init__(self, errors: Mapping[str, list[str]]) -> None:
        self.errors = dict(errors)
        super().__init__("; ".join(f"{field}: {' '.join(messages)}" for field, messages in errors.items()))


def normalised_query(params: Mapping[str, Any]) -> str:
    """The registry's parameters of a query string, validated, in the registry's order, empty values and
    anything else (page, unknown names) left out. Raises InvalidSearch naming each bad field."""
    given = as_query_dict(params)
    pairs = [(p.name, value.strip()) for p in PARAMS for value in given.getlist(p.name) if value.strip()]
    search = validate_search(dict(pairs))
    if not search.is_valid:
        raise InvalidSearch(search.errors)
    return urlencode(pairs)


@transaction.atomic
def save_search(*, owner: User, name: str, query: Mapping[str, Any], frequency: str) -> SavedSearch:
    """A new saved search; its first digest holds the letters that enter the archive from now on."""
    search = SavedSearch(owner=owner, name=name.strip()[:NAME_MAX], query=normalised_query(query), frequency=frequency)
    search.digest_point = archive_horizon()
    search.schedule_next()
    search.save()
    return search


@transaction.atomic
def update_search(search: SavedSearch, *, name: str, query: Mapping[str, Any], frequency: str) -> SavedSearch:
    """Alerts switched back on start from now: the letters of the time they were off are not sent."""
    search.query = normalised_query(query)
    search.name = name.strip()[:NAME_MAX]
    if frequency != search.frequency:
        if search.frequency == Frequency.OFF:
            search.digest_point = archive_horizon()
        search.frequency = frequency
        search.schedule_next()
    search.save()
    return search


def turn_alerts_off(search: SavedSearch) -> None:
    search.frequency, search.next_digest_at = Frequency.OFF, None
    search.save(update_fields=["frequency", "next_digest_at", "updated_at"])
