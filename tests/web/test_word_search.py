"""What the words of a search find: other names of a drug or treatment, prefixes, and exact words only."""

from __future__ import annotations

import pytest

from decisions import query
from tests.web.factories import Item, make_case
from tests.web.helpers import api

pytestmark = pytest.mark.django_db


@pytest.fixture
def letters(db):
    made = {
        "norco": make_case([Item("Norco 10/325mg #60", "overturned", "medication", "opioid")]),
        "vicodin": make_case([Item("Vicodin 5/300 #30", "upheld", "medication", "opioid")]),
        "hydrocodone": make_case([Item("Hydrocodone/APAP 10/325 #90", "upheld", "medication", "opioid")]),
        "soma": make_case([Item("Soma 350mg #30", "upheld", "medication", "muscle-relaxant")]),
        "flexeril": make_case([Item("Flexeril 7.5mg #60", "upheld", "medication", "muscle-relaxant")]),
        "mri": make_case([Item("MRI of the lumbar spine without contrast", "upheld", "imaging", "mri")]),
        "magnetic": make_case([Item("Magnetic resonance imaging of the right knee", "overturned", "imaging", "mri")]),
        "esi": make_case([Item("Lumbar epidural steroid injection at L4-5", "upheld", "injection", "epidural")]),
        "tfesi": make_case([Item("TFESI right L5-S1", "upheld", "injection", "epidural")]),
        "therapy": make_case([Item("Physical therapy 2x4 for the neck", "upheld", "physical-therapy", "physical-therapy")]),
    }
    return {name: case.key for name, case in made.items()}


def found(client, **params: str) -> set[str]:
    response = api(client, "&".join(f"{k}={v}" for k, v in params.items()))
    return {letter["key"] for letter in response["results"]}


def test_a_generic_drug_finds_its_brands(client, letters):
    assert found(client, q="hydrocodone") == {letters["norco"], letters["vicodin"], letters["hydrocodone"]}


def test_a_brand_finds_its_generic_and_the_other_brands_through_it(client, letters):
    assert found(client, q="norco") == {letters["norco"], letters["hydrocodone"], letters["vicodin"]}


def test_a_drug_class_finds_its_members_by_any_name(client, letters):
    assert found(client, q="muscle relaxant") == {letters["soma"], letters["flexeril"]}
    assert found(client, q="opioids") >= {letters["norco"], letters["vicodin"], letters["hydrocodone"]}


def test_an_abbreviation_and_its_words_find_the_same_letters(client, letters):
    assert found(client, q="MRI") == found(client, q="magnetic resonance imaging") == {letters["mri"], letters["magnetic"]}
    assert found(client, q="ESI") == found(client, q='"epidural steroid injection"') | {letters["tfesi"]}
    assert found(client, q="TFESI") == {letters["tfesi"]}


def test_a_trailing_star_searches_a_prefix(client, letters):
    assert found(client, q="hydrocod*") == {letters["hydrocodone"]}
    assert found(client, q="hydrocod") == set()


def test_exact_searches_only_the_words_typed(client, letters):
    assert found(client, q="norco", exact="true") == {letters["norco"]}


def test_excluded_words_are_not_expanded(client, letters):
    assert found(client, q="opioid -hydrocodone") >= {letters["norco"], letters["vicodin"]}
    assert letters["hydrocodone"] not in found(client, q="opioid -hydrocodone")


def test_the_page_says_what_else_it_searched(client, letters):
    page = client.get("/decisions/", {"q": "norco"}).content.decode()
    assert "Also searching" in page and "hydrocodone" in page
    assert 'href="?q=norco&amp;exact=true">search only the words typed</a>' in page


def test_the_syntax_reads_like_a_web_search():
    tree = query.parse_words('"low back" OR neck -surgery hydrocod* ')
    assert [([str(t) for t in c.terms], c.negated) for c in tree.clauses] == [
        (['"low back"', "neck"], False),
        (["surgery"], True),
        (["hydrocod*"], False),
    ]


@pytest.mark.parametrize("value", ["0", "no", "off", "false"])
def test_exact_off_in_any_spelling_keeps_the_other_names(client, letters, value):
    assert found(client, q="norco", exact=value) == found(client, q="norco")


def test_an_exact_value_that_means_nothing_is_refused_naming_the_field(client, letters):
    response = client.get("/api/decisions/", {"q": "norco", "exact": "maybe"})
    assert response.status_code == 400 and "exact" in response.json()["errors"]


def test_two_drug_classes_are_searched_not_refused(client, letters):
    assert found(client, q="opioid muscle relaxant") == set()  # no letter has both
    assert found(client, q="opioids OR nsaids") >= {letters["norco"], letters["vicodin"]}


def test_a_narrow_class_name_expands_to_that_class_only():
    assert "ranitidine" not in query.vocabulary()["ppi"]
    assert "omeprazole" in query.vocabulary()["ppi"]
    # A broad class is one term: every letter with an item of the class carries its words.
    assert query.vocabulary()["opioids"] == ("opioid",)


def test_an_abbreviation_that_stems_to_a_word_is_never_added(client, db):
    ten = make_case([Item("Physical therapy ten visits", "upheld", "physical-therapy", "therapy")])
    tens = make_case([Item("Transcutaneous electrical nerve stimulator unit", "upheld", "dme", "tens")])
    assert found(client, q="transcutaneous electrical nerve stimulation") == {tens.key}
    assert ten.key not in found(client, q="transcutaneous electrical nerve stimulation")
