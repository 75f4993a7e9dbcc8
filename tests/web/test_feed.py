"""A feed for every search: ``/decisions/feed/?<search>`` is Atom of the search's newest letters."""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from decisions.samples import generate_letters
from decisions.samples.generator import SampleLetter
from decisions.services import ingest_document
from tests.web.factories import Item, make_case

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"


@dataclass
class Entry:
    id: str
    title: str
    updated: str
    link: str
    published: str | None  # the decision date; none for a letter without one
    summary: str


@dataclass
class AtomFeed:
    id: str
    title: str
    updated: str
    links: dict[str, str]
    entries: list[Entry]

    @property
    def keys(self) -> list[str]:
        return [entry.link.rstrip("/").rsplit("/", 1)[-1] for entry in self.entries]


def required(element: ET.Element, name: str) -> str:
    found = element.find(f"{ATOM}{name}")
    assert found is not None, f"<{element.tag}> has no <{name}>"
    if name == "link":
        return found.attrib["href"]
    assert found.text, f"<{name}> of <{element.tag}> is empty"
    return found.text


def parse_atom(content: bytes) -> AtomFeed:
    """The feed read with xml.etree, asserting the elements RFC 4287 requires of a feed and its entries."""
    root = ET.fromstring(content)
    assert root.tag == f"{ATOM}feed"
    assert root.find(f"{ATOM}author/{ATOM}name") is not None  # a feed needs an author unless every entry has one
    entries = [
        Entry(
            id=required(entry, "id"),
            title=required(entry, "title"),
            updated=required(entry, "updated"),
            link=required(entry, "link"),
            published=entry.findtext(f"{ATOM}published"),
            summary=required(entry, "summary"),
        )
        for entry in root.findall(f"{ATOM}entry")
    ]
    links = {link.attrib.get("rel", "alternate"): link.attrib["href"] for link in root.findall(f"{ATOM}link")}
    return AtomFeed(required(root, "id"), required(root, "title"), required(root, "updated"), links, entries)


def get_feed(client: Client, query: str) -> AtomFeed:
    response = client.get(f"/decisions/feed/?{query}")
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/atom+xml; charset=utf-8"
    return parse_atom(response.content)


def api_keys_newest_first(client: Client, query: str) -> list[str]:
    """The same search's letters as the API lists them, newest first, every page."""
    keys: list[str] = []
    url: str | None = f"/api/decisions/?{query}&sort=-decided"
    while url:
        page = client.get(url).json()
        keys += [letter["key"] for letter in page["results"]]
        url = page["next"]
    return keys


# --- generated letters, ingested as the archive ingests them ----------------------------------------


@pytest.fixture
def generated(db, settings, tmp_path):
    """40 generated letters through the real parse → ingest path; their texts and decision dates."""
    settings.MEDIA_ROOT = tmp_path
    letters = {}
    for number, letter in enumerate(generate_letters(40, seed=3), start=1):
        result = ingest_document(data=letter.text.encode(), filename=f"letter-{number}.txt")
        assert result.status == "ingested", result.message
        letters[result.case_key] = letter
    return letters


def searched_text(letter: SampleLetter) -> str:
    """What the word search reads of a letter: its clinical summary, diagnoses, requests and rationales
    (not, say, a reviewer certified in acupuncture)."""
    summary = letter.text.split("CLINICAL CASE SUMMARY", 1)[-1].split("IMR ISSUES", 1)[0]
    return " ".join(
        [summary, *letter.diagnoses, *(item.request for item in letter.items), *(item.rationale for item in letter.items)]
    )


def names_acupuncture(item: Any) -> bool:
    return bool(re.search(r"\bacupuncture\b", f"{item.request} {item.rationale}", re.I))


def test_the_feed_of_a_search_is_valid_atom_of_its_newest_letters_newest_first(client, generated) -> None:
    feed = get_feed(client, "q=acupuncture&outcome=upheld")
    # By the letters as written: those with an upheld item whose own request or rationale names
    # acupuncture (words and an item filter hold on one item), newest first (on one day the later
    # ingested first; letters without a date last).
    written = [
        (letter.dates["decision"] is not None, letter.dates["decision"] or date.min, position, key)
        for position, (key, letter) in enumerate(generated.items())
        if re.search(r"\bacupuncture\b", searched_text(letter), re.I)
        and any(item.outcome == "upheld" and names_acupuncture(item) for item in letter.items)
    ]
    expected = [key for *_, key in sorted(written, reverse=True)]
    assert len(expected) >= 3
    assert feed.keys == expected == api_keys_newest_first(client, "q=acupuncture&outcome=upheld")
    for entry, key in zip(feed.entries, feed.keys, strict=True):
        assert re.fullmatch(r"http://testserver/decisions/(CM\d\d-\d{7}|L-[0-9a-f]{12})/", entry.link)
        assert entry.id == entry.link
        decided = generated[key].dates["decision"]
        assert (entry.published or "")[:10] == (decided.isoformat() if decided else "")
    assert client.get(feed.entries[0].link).status_code == 200


def test_an_entry_is_titled_by_its_case_number_and_items_and_summarises_their_outcomes(client, generated) -> None:
    feed = get_feed(client, "q=acupuncture&outcome=upheld")
    entry = feed.entries[0]
    letter = generated[feed.keys[0]]
    assert entry.title.startswith(f"{letter.case_number}: ")
    summary = ET.fromstring(f"<div>{entry.summary}</div>")  # type="html": escaped HTML, well formed
    lines = ["".join(li.itertext()) for li in summary.iter("li")]
    assert len(lines) == len(letter.items)
    for line, item in zip(lines, letter.items, strict=True):
        assert line.endswith(": Upheld" if item.outcome == "upheld" else ": Overturned")
    assert entry.published.startswith(letter.dates["decision"].isoformat())  # the newest is dated


# --- small archives built by hand ------------------------------------------------------------------


def test_the_feed_title_says_the_search_in_words_and_links_back_to_it(client, archive) -> None:
    feed = get_feed(client, "q=acupuncture&outcome=upheld&page=1")
    assert feed.title == "IMR decisions: Words: acupuncture · Outcome: Upheld"
    assert feed.links["alternate"] == "http://testserver/decisions/?q=acupuncture&outcome=upheld"
    assert feed.links["self"] == "http://testserver/decisions/feed/?q=acupuncture&outcome=upheld"
    assert feed.id == feed.links["alternate"]
    assert get_feed(client, "").title == "IMR decisions: All letters"


def test_the_feed_is_newest_first_whatever_sort_the_search_asks_for(client, archive) -> None:
    by_date = get_feed(client, "q=therapy&sort=-decided").keys
    assert get_feed(client, "q=therapy&sort=relevance").keys == by_date
    assert get_feed(client, "q=therapy&sort=decided").keys == by_date
    assert by_date == api_keys_newest_first(client, "q=therapy") and len(by_date) >= 2


@pytest.mark.parametrize(
    ("query", "named"),
    [
        ("outcome=maybe", ["outcome"]),
        ("age_min=old&decided_from=2016-13-01", ["age_min", "decided_from"]),
        ("sort=random", ["sort"]),
        ("page=0", ["page"]),
    ],
)
def test_an_invalid_search_is_refused_naming_each_parameter(client, archive, query: str, named: list[str]) -> None:
    response = client.get(f"/decisions/feed/?{query}")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/plain")
    lines = response.content.decode().splitlines()
    assert lines[0] == "This search has no feed:"
    assert sorted(line.split(":")[0] for line in lines[1:]) == sorted(named)


def test_a_feed_lists_the_newest_fifty_and_its_statements_do_not_grow_with_them(client, db) -> None:
    first = date(2016, 1, 1)
    for day in range(60):
        make_case(
            [Item("Acupuncture 6 sessions", "upheld"), Item("Norco #60", "overturned")], decided=first + timedelta(days=day)
        )
    make_case([Item("Acupuncture 6 sessions", "upheld")], decided=None)  # undated: after every dated one
    make_case([Item("Chiropractic 6 sessions", "overturned")], decided=date(2016, 6, 1))
    client.get("/decisions/feed/")  # the facet index (the chips' labels) built, as on a running server

    def statements(query: str) -> tuple[int, AtomFeed]:
        with CaptureQueriesContext(connection) as captured:
            feed = get_feed(client, query)
        return len(captured), feed

    many, full = statements("q=acupuncture&outcome=upheld")  # 61 letters
    few, single = statements("q=chiropractic&outcome=overturned")  # 1
    assert len(full.entries) == 50
    assert full.entries[0].published.startswith((first + timedelta(days=59)).isoformat())
    assert full.entries[-1].published.startswith((first + timedelta(days=10)).isoformat())
    assert len(single.entries) == 1
    assert many == few <= 4  # the words' check, the archive's version, the letters, their items


def test_the_list_page_links_the_feed_of_its_search_in_its_head_and_visibly(client, archive) -> None:
    html = client.get("/decisions/?q=acupuncture&outcome=upheld&sort=decided&page=1").content.decode()
    feed_href = "/decisions/feed/?q=acupuncture&amp;outcome=upheld"
    head = html.split("</head>")[0]
    assert f'<link rel="alternate" type="application/atom+xml" title="Feed of this search" href="{feed_href}">' in head
    assert re.search(rf'<a class="button" href="{re.escape(feed_href)}"[^>]*>Feed</a>', html)


def test_a_refused_search_offers_no_feed(client, archive) -> None:
    html = client.get("/decisions/?outcome=maybe").content.decode()
    assert "application/atom+xml" not in html


# --- the real letters (../shared) ----------------------------------------------------------------


@pytest.fixture
def real_archive(shared_dir: Path, settings, tmp_path) -> None:
    settings.MEDIA_ROOT = tmp_path
    call_command("ingest", str(shared_dir / "imr-letters"), stdout=io.StringIO(), stderr=io.StringIO())


def test_on_the_real_letters_the_acupuncture_upheld_feed_is_that_searchs_newest_letters(client, real_archive) -> None:
    feed = get_feed(client, "q=acupuncture&outcome=upheld")
    expected = api_keys_newest_first(client, "q=acupuncture&outcome=upheld")
    assert 5 <= len(expected) <= 50
    assert feed.keys == expected
    assert [entry.published for entry in feed.entries] == sorted((entry.published for entry in feed.entries), reverse=True)
    assert all(entry.link == f"http://testserver/decisions/{key}/" for entry, key in zip(feed.entries, feed.keys, strict=True))
