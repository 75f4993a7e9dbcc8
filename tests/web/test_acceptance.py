"""An invented archive whose answers are known by construction; the API, facets and CSV must agree.

40 letters. Letter n (1..40) has one item:
- outcome overturned when n % 5 == 0 (8 letters), else upheld;
- the reviewer cites ODG when n % 2 == 0 (20 letters), else MTUS;
- the request is Celebrex when n % 4 == 0 (10 letters), else physical therapy.
Every even letter also has a second item, always upheld, citing MTUS (so ODG and "overturned" can
sit in one letter on different items: n = 10, 20, 30, 40 are overturned AND ODG on the same item,
but n = 5, 15, 25, 35 are overturned on an MTUS item only).
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from tests.web.factories import Item, make_case
from tests.web.helpers import api, csv_rows

pytestmark = pytest.mark.django_db


@pytest.fixture
def invented_archive(db):
    for n in range(1, 41):
        outcome = "overturned" if n % 5 == 0 else "upheld"
        source_slug = "odg-pain" if n % 2 == 0 else "mtus-chronic-pain"
        request = "Celebrex 200mg #30" if n % 4 == 0 else "Physical therapy 8 sessions"
        category = ("medication", "nsaid") if n % 4 == 0 else ("physical-therapy", "therapy")
        items = [Item(request, outcome, *category, rationale="Reviewed against the guideline.", reviewer=[source_slug])]
        if n % 2 == 0:
            items.append(Item("Follow-up visit", "upheld", "evaluation", "office-visit", reviewer=["mtus-chronic-pain"]))
        make_case(items, case_number=f"CM18-{n:07d}", decided=date(2018, 1, 1) + timedelta(days=n))


def test_acceptance_figures_agree_with_the_construction(client, invented_archive):
    overturned = {n for n in range(1, 41) if n % 5 == 0}
    odg = {n for n in range(1, 41) if n % 2 == 0}
    celebrex = {n for n in range(1, 41) if n % 4 == 0}
    assert api(client, "outcome=overturned")["count"] == len(overturned) == 8
    assert api(client, "source=ODG")["count"] == len(odg) == 20
    assert api(client, "source=ODG&outcome=overturned")["count"] == len(overturned & odg) == 4
    assert api(client, "q=celebrex")["count"] == len(celebrex) == 10
    assert api(client)["facets"]["outcome"]["overturned"] == 8
    assert api(client, "source=ODG")["facets"]["outcome"]["overturned"] == 4
    assert len(csv_rows(client, "outcome=overturned")) == 8
    assert len(csv_rows(client, "source=ODG&outcome=overturned")) == 4
    # Each Celebrex letter is even, so it also has a follow-up visit: only its Celebrex item holds the word.
    assert len(csv_rows(client, "q=celebrex")) == 10
    assert api(client, "q=celebrex")["item_count"] == 10
