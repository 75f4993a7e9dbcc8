"""A letter's citation, its permanent link, and how its page offers both."""

from __future__ import annotations

import re
from datetime import date

import pytest

from decisions.models import Case

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("case_number", "key", "decided", "cited"),
    [
        ("CM17-0002892", "CM17-0002892", date(2017, 2, 10), "Cal. IMR Case No. CM17-0002892 (Maximus Fed. Servs. Feb. 10, 2017)"),
        ("CM16-0213037", "CM16-0213037", date(2016, 12, 9), "Cal. IMR Case No. CM16-0213037 (Maximus Fed. Servs. Dec. 9, 2016)"),
        # Months of four letters and fewer in full, September as Sept. (Bluebook T12).
        ("CM15-0000001", "CM15-0000001", date(2015, 5, 1), "Cal. IMR Case No. CM15-0000001 (Maximus Fed. Servs. May 1, 2015)"),
        ("CM15-0000002", "CM15-0000002", date(2015, 6, 30), "Cal. IMR Case No. CM15-0000002 (Maximus Fed. Servs. June 30, 2015)"),
        ("CM15-0000003", "CM15-0000003", date(2015, 7, 4), "Cal. IMR Case No. CM15-0000003 (Maximus Fed. Servs. July 4, 2015)"),
        (
            "CM15-0000004",
            "CM15-0000004",
            date(2015, 9, 15),
            "Cal. IMR Case No. CM15-0000004 (Maximus Fed. Servs. Sept. 15, 2015)",
        ),
        ("CM14-0000005", "CM14-0000005", None, "Cal. IMR Case No. CM14-0000005 (Maximus Fed. Servs. n.d.)"),
        (None, "L-0123456789ab", date(2018, 3, 2), "Cal. IMR Letter L-0123456789ab (Maximus Fed. Servs. Mar. 2, 2018)"),
        (None, "L-0123456789ab", None, "Cal. IMR Letter L-0123456789ab (Maximus Fed. Servs. n.d.)"),
    ],
)
def test_a_letter_is_cited_by_case_number_reviewing_organisation_and_decision_date(
    case_number: str | None, key: str, decided: date | None, cited: str
) -> None:
    assert Case(key=key, case_number=case_number, decision_date=decided).citation() == cited


def test_the_letter_page_offers_its_citation_and_permanent_link_as_text(client, archive) -> None:
    html = client.get("/decisions/cm16-0000001/", follow=True).content.decode()
    assert '<span class="citation" id="citation">Cal. IMR Case No. CM16-0000001 (Maximus Fed. Servs. Dec. 9, 2016)</span>' in html
    permalink = "http://testserver/decisions/CM16-0000001/"
    assert f'<a class="permalink" id="permalink" href="{permalink}">{permalink}</a>' in html
    assert f'<link rel="canonical" href="{permalink}">' in html
    # The copy buttons wait for the script (static/js/cite.js) that makes them work.
    buttons = re.findall(r"<button[^>]*data-copy[^>]*>", html)
    assert len(buttons) == 2 and all(" hidden" in button for button in buttons)


def test_the_permanent_link_leaves_out_the_search_the_letter_was_opened_from(client, archive) -> None:
    html = client.get("/decisions/CM16-0000002/?from=q%3Dmri%26outcome%3Doverturned").content.decode()
    assert 'href="http://testserver/decisions/CM16-0000002/">http://testserver/decisions/CM16-0000002/</a>' in html
    assert "Maximus Fed. Servs. Nov. 2, 2016" in html
