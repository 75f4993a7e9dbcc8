"""A letter's page: beside each item how requests like it were decided, and similar letters with why."""

from __future__ import annotations

import re
from datetime import date
from urllib.parse import urlsplit

import pytest
from django.http import QueryDict
from django.test import Client

from decisions.selectors import search_cases
from tests.web.factories import Item, make_case

pytestmark = pytest.mark.django_db


def norco(outcome: str, region: str = "lumbar-spine", guideline: str = "mtus-chronic-pain") -> Item:
    return Item("Norco 10/325 #60", outcome, "medication", "opioid", "Reasons.", 60, [guideline],
                ingredients=["hydrocodone", "acetaminophen"], body_region=region)  # fmt: skip


@pytest.fixture
def norcos(db) -> dict[str, object]:
    """Twelve lumbar Norco items (3 overturned) on the chronic pain guideline, two on ODG, one knee one,
    and a letter of acupuncture only."""
    letters = {}
    for number in range(12):
        letters[f"n{number}"] = make_case(
            [norco("overturned" if number < 3 else "upheld")], diagnoses=(f"Lumbar radiculopathy {number}",)
        )
    letters["odg"] = make_case([norco("upheld", guideline="odg-low-back")], diagnoses=("Lumbar radiculopathy",))
    letters["odg2"] = make_case([norco("overturned", guideline="odg-low-back")], diagnoses=("Cervical strain",))
    letters["knee"] = make_case([norco("upheld", region="knee")], decided=date(2017, 1, 1), diagnoses=("Knee sprain",))
    letters["other"] = make_case([Item("Acupuncture", "upheld", "acupuncture", "acupuncture")])
    return letters


def items_of(href: str) -> int:
    url = urlsplit(href)
    return search_cases(QueryDict(url.query), page=False).item_total


def test_each_item_shows_how_requests_like_it_were_decided_with_links_that_count_the_same(norcos, client: Client) -> None:
    html = client.get(f"/decisions/{norcos['odg'].key}/").content.decode()
    block = html[html.index('data-testid="like-this"') :]
    block = block[: block.index("</div>")]
    links = re.findall(r'<a href="([^"]+)" data-count="(\d+)"', block)
    # Same kind, drug and region: 14 lumbar Norco items (4 overturned); on the reviewer's guideline (ODG): 2 (1).
    assert [int(count) for _, count in links] == [14, 4, 2, 1]
    for href, count in links:
        assert items_of(href.replace("&amp;", "&")) == int(count)
    assert "Opioids · hydrocodone · Lumbar spine" in block
    assert "too few to judge" in block  # the ODG line has 2


def test_similar_letters_are_the_closest_first_and_say_why(norcos, client: Client) -> None:
    html = client.get(f"/decisions/{norcos['odg'].key}/").content.decode()
    similar = html[html.index('id="similar-h"') :]
    similar = similar[: similar.index("</section>")]
    entries = re.findall(r'<li><a href="/decisions/([^/]+)/">', similar)
    assert len(entries) == 10
    assert entries[0] == norcos["odg2"].key  # the same guideline and region
    assert norcos["other"].key not in entries and norcos["odg"].key not in entries
    assert "same guideline: Official Disability Guidelines (ODG) Low Back; same body region: Lumbar spine" in similar
    assert "diagnoses in common: lumbar, radiculopathy" in similar


def test_the_letter_page_keeps_its_query_budget_with_requests_like_this(
    norcos, client: Client, django_assert_max_num_queries
) -> None:
    client.get("/decisions/")  # the facet index read
    with django_assert_max_num_queries(7):
        assert client.get(f"/decisions/{norcos['n1'].key}/").status_code == 200


def test_a_guideline_page_shows_its_outcomes_per_year_and_the_sections_cited_most(norcos, client: Client) -> None:
    from decisions.models import Citation

    Citation.objects.filter(guideline__slug="mtus-chronic-pain", item__outcome="overturned").update(topic="Opioids, long-term")
    Citation.objects.filter(guideline__slug="mtus-chronic-pain", item__outcome="upheld").update(topic="Opioids, criteria")
    html = client.get("/guidelines/mtus-chronic-pain/").content.decode()
    years = html[html.index('id="years-h"') : html.index('id="sections-h"')]
    links = re.findall(r'<a href="([^"]+)" data-count="(\d+)"', years)
    assert [int(count) for _, count in links] == [12, 3, 1, 0]  # 2016: 12 items, 3 overturned; 2017: the knee one
    for href, count in links:
        assert items_of(href.replace("&amp;", "&")) == int(count)
    sections = re.sub(r"<[^>]+>", " ", html[html.index('id="sections-h"') :])
    assert re.search(r"Opioids, criteria\s+10\s+0\s+0.0%", sections)
    assert re.search(r"Opioids, long-term\s+3\s+3\s+too few", sections)



def test_requests_like_this_are_counted_once_per_index_and_follow_an_edit(norcos, client: Client, monkeypatch) -> None:
    from decisions import kind_rates
    from decisions.models import DisputedItem

    builds = []
    built = kind_rates.built
    monkeypatch.setattr(kind_rates, "built", lambda index: builds.append(index) or built(index))

    def counts(key: str) -> list[int]:
        html = client.get(f"/decisions/{key}/").content.decode()
        block = html[html.index('data-testid="like-this"') :]
        return [int(count) for count in re.findall(r'data-count="(\d+)"', block[: block.index("</div>")])]

    assert counts(norcos["n1"].key) == [14, 4, 12, 3]
    assert counts(norcos["n2"].key) == [14, 4, 12, 3]
    assert len(builds) == 1
    DisputedItem.objects.filter(case=norcos["n5"]).update(outcome="overturned")  # a new archive version
    assert counts(norcos["n2"].key) == [14, 5, 12, 4]
    assert len(builds) == 2


@pytest.mark.parametrize("seed", range(4))
def test_every_kind_of_request_counts_what_its_search_counts(db, seed) -> None:
    """Each item's kinds (as its letter's page asks for them) rated from the counted kinds equal the
    items of the same search counted directly, on a random archive with repeated drugs and guidelines."""
    import random

    from decisions import statistics
    from decisions.facets import current_index
    from decisions.models import DisputedItem
    from decisions.statistics import like_params, like_search, rate_of, select

    chance = random.Random(seed)
    kinds = [("Norco 10/325", "medication", "opioid", ["hydrocodone", "acetaminophen"]), ("Lyrica 75mg", "medication", "", ["pregabalin"]),
             ("Physical therapy x8", "physical-therapy", "", []), ("MRI lumbar", "imaging", "mri", []), ("Tramadol ER", "medication", "opioid", ["tramadol"])]  # fmt: skip
    for _ in range(25):
        items = []
        for _ in range(chance.randint(1, 3)):
            request, treatment, subcategory, ingredients = chance.choice(kinds)
            slugs = ["mtus-chronic-pain", "odg-low-back", "mtus-acoem-low-back"]
            guidelines, claims = chance.sample(slugs, chance.randint(0, 2)), chance.sample(slugs, chance.randint(0, 2))
            items.append(Item(request, chance.choice(["upheld", "overturned", "withdrawn"]), treatment, subcategory, "Reasons.", 1,
                              guidelines, claims, ingredients=ingredients, body_region=chance.choice(["lumbar-spine", "knee", ""])))  # fmt: skip
        make_case(items)
    index = current_index()
    for item in DisputedItem.objects.prefetch_related("citations__guideline"):
        params = like_params(item)
        guideline = statistics.reviewer_guideline(item)
        searches = [(params, like_search(tuple(sorted(params.items()))).cleaned)]
        if guideline is not None:  # that guideline, then the same as the claims administrator's (not what the kinds count)
            by_guideline = {**searches[0][1], "guideline": guideline.slug, "guideline_id": guideline.id}
            searches += [(params, by_guideline), (params, {**by_guideline, "cited_by": "claims_administrator"})]
        for _, cleaned in searches:
            assert rate_of(index, cleaned) == select(index, cleaned).rate()
