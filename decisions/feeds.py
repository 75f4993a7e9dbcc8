"""A feed for every search: the newest letters of ``/decisions/?<search>`` as Atom, at
``/decisions/feed/?<search>`` (Django's syndication framework). The search is validated and read by
the selectors, as the list reads it; the view refuses an invalid one before the feed is made."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, time
from typing import TYPE_CHECKING, Any

from django.contrib.syndication.views import Feed
from django.http import HttpRequest, QueryDict
from django.urls import reverse
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.text import Truncator

from decisions.models import Case
from decisions.selectors import FEED_SIZE, Search, feed_query, newest_letters, search_in_words

SITE_NAME = "California IMR Decisions"
TITLE_REQUEST_WORDS = 12  # an entry's title names each item by its request's first words


def feed_path(params: Mapping[str, Any]) -> str:
    """The feed of the search ``params`` describe (the list page links it, the feed names itself by it)."""
    return reverse("decisions:feed") + feed_query(params).removesuffix("?")


@dataclass
class FeedSearch:
    """What a feed is made from: the validated search and the query string that asked for it."""

    search: Search
    params: QueryDict

    @property
    def query(self) -> str:
        return feed_query(self.params)


if TYPE_CHECKING:  # Django's Feed is generic only in django-stubs
    SearchFeedBase = Feed[Case, FeedSearch]
else:
    SearchFeedBase = Feed


class SearchFeed(SearchFeedBase):
    feed_type = Atom1Feed
    author_name = SITE_NAME

    def get_object(self, request: HttpRequest, *args: Any, **kwargs: Any) -> FeedSearch:
        return FeedSearch(kwargs["search"], request.GET)

    def title(self, obj: FeedSearch) -> str:
        return f"IMR decisions: {search_in_words(obj.search, obj.params)}"

    def subtitle(self, obj: FeedSearch) -> str:
        return f"The newest {FEED_SIZE} letters of this search by decision date, from the {SITE_NAME} archive."

    def link(self, obj: FeedSearch) -> str:
        """The search's list page (also the feed's id: one search, one feed)."""
        return reverse("decisions:list") + obj.query.removesuffix("?")

    def feed_url(self, obj: FeedSearch) -> str:
        return feed_path(obj.params)

    def items(self, obj: FeedSearch) -> list[Case]:
        return newest_letters(obj.search)

    def item_title(self, item: Case) -> str:
        requests = "; ".join(Truncator(disputed.request).words(TITLE_REQUEST_WORDS) for disputed in item.items.all())
        return f"{item.case_number or item.key}: {requests or 'no disputed items found'}"

    def item_description(self, item: Case) -> SafeString:
        """Each disputed item with its outcome (HTML, as Atom's ``summary type="html"`` says)."""
        outcomes = format_html_join("", "<li>{}: {}</li>", ((i.request, i.get_outcome_display()) for i in item.items.all()))
        return format_html("<ul>{}</ul>", outcomes) if outcomes else format_html("<p>{}</p>", "No disputed items found.")

    def item_link(self, item: Case) -> str:
        return item.get_absolute_url()

    def item_pubdate(self, item: Case) -> datetime | None:
        """The decision date (the feed's order); none for a letter that states none (listed last)."""
        if item.decision_date is None:
            return None
        return timezone.make_aware(datetime.combine(item.decision_date, time()))

    def item_updateddate(self, item: Case) -> datetime:
        """When the archive last wrote the letter (a reparse can change its items)."""
        return item.updated_at
