"""The guidelines pages: counts and outcome split, and the letters citing one guideline."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_lists_every_guideline_with_items_and_outcomes(client, archive):
    html = client.get("/guidelines/").content.decode()
    assert 'href="/guidelines/mtus-chronic-pain/">MTUS Chronic Pain Medical Treatment Guidelines</a>' in html
    assert 'href="/decisions/?guideline=mtus-chronic-pain&amp;outcome=overturned">2</a>' in html
    assert 'href="/decisions/?guideline=odg-low-back">2</a>' in html


def test_one_guideline_lists_the_letters_citing_it(client, archive):
    html = client.get("/guidelines/odg-low-back/").content.decode()
    assert "<h1>Official Disability Guidelines (ODG) Low Back</h1>" in html
    assert "CM16-0000002" in html and "CM16-0000003" in html
    assert "CM16-0000005" not in html.split("Most recent letters citing it")[1]
    assert 'href="/decisions/?guideline=odg-low-back">Search the 2 letters citing it' in html


def test_unknown_guideline_is_404(client, archive):
    assert client.get("/guidelines/no-such-thing/").status_code == 404
