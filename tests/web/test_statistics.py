"""/statistics/, /api/statistics/ and /statistics/export.csv: every figure is the item count of the
/decisions/ search behind it, intervals are Wilson's, small groups are marked, the JSON keeps its shape."""

from __future__ import annotations

import csv
import io
import random
from datetime import date
from urllib.parse import urlsplit

import pytest
from django.db.models import Count, Q
from django.db.models.functions import ExtractYear
from django.http import QueryDict
from django.test import Client

from decisions.selectors import matching_items, search_cases, validate_search
from decisions.statistics import DIMENSIONS, TOO_FEW, statistics_by, statistics_of, wilson_interval
from tests.web.factories import Item, make_case

pytestmark = pytest.mark.django_db

TREATMENTS = [("medication", "opioid", ["hydrocodone", "acetaminophen"]), ("medication", "anticonvulsant", ["gabapentin"]),
              ("acupuncture", "acupuncture", []), ("imaging", "mri", []), ("physical-therapy", "therapy", [])]  # fmt: skip
GUIDELINE_SLUGS = ["mtus-chronic-pain", "odg-low-back", "mtus-acupuncture", "uptodate"]
SPECIALTIES = [("Orthopaedic Surgery",), ("Family Practice",), ("Pain Medicine", "Anesthesiology")]
REGIONS = ["lumbar-spine", "knee", "", "shoulder"]


@pytest.fixture
def generated(db) -> None:
    """Sixty letters of random items: several treatments, regions, guidelines (some items citing two),
    reviewers of one or two specialties and states, ages, sexes and decision dates over three years."""
    chance = random.Random(13)
    for number in range(60):
        items = []
        for _ in range(chance.randint(1, 3)):
            category, subcategory, ingredients = chance.choice(TREATMENTS)
            items.append(
                Item(
                    f"{subcategory} request {number}",
                    chance.choice(["upheld"] * 4 + ["overturned"]),
                    category,
                    subcategory,
                    "Reasons.",
                    chance.choice([None, 6, 12]),
                    chance.sample(GUIDELINE_SLUGS, chance.randint(0, 2)),
                    ingredients=ingredients,
                    body_region=chance.choice(REGIONS),
                )
            )
        make_case(
            items,
            decided=date(2015 + chance.randint(0, 2), chance.randint(1, 12), chance.randint(1, 28)),
            specialties=chance.choice(SPECIALTIES),
            states=chance.choice([("CA",), ("CA", "NV"), ("TX",)]),
            age=chance.choice([None, 25, 37, 44, 58, 66]),
            sex=chance.choice(["male", "female"]),
        )


def items_of_search(href: str) -> int:
    """The matching items the /decisions/ page of ``href`` reports."""
    url = urlsplit(href)
    assert url.path == "/decisions/"
    return search_cases(QueryDict(url.query), page=False).item_total


SEARCHES = [
    "",
    "outcome=overturned",
    "treatment=medication",
    "treatment=medication&subcategory=opioid&sex=female",
    "guideline=mtus-chronic-pain",
    "source=ODG&specialty=family-practice",
    "state=NV&age_min=30&age_max=50",
    "body_region=knee&decided_from=2016-03-01&decided_to=2017-06-30",
    "drug=gabapentin&outcome=upheld",
    "q=request&treatment=imaging",
]


@pytest.mark.parametrize("search", SEARCHES)
def test_the_total_and_every_linked_group_count_what_its_decisions_search_counts(generated, search: str) -> None:
    params = QueryDict(search)
    page = statistics_of(params)
    listed = search_cases(params, page=False)
    assert (page.total.items, page.letters) == (listed.item_total, listed.total)
    assert items_of_search(page.href) == page.total.items
    if page.total.overturned or params.get("outcome") != "upheld":
        assert items_of_search(page.overturned_href) == page.total.overturned
    linked = 0
    for breakdown in page.breakdowns:
        for group in breakdown.groups:
            if group.href:
                linked += 1
                assert items_of_search(group.href) == group.rate.items, (breakdown.dimension.name, group.value)
            if group.overturned_href:
                assert items_of_search(group.overturned_href) == group.rate.overturned, (breakdown.dimension.name, group.value)
    assert linked or not page.total.items
    for row in page.matrix.rows if page.matrix else []:
        for cell in row.cells:
            if cell.href:
                assert items_of_search(cell.href) == cell.rate.items


def test_random_searches_agree_with_their_decisions_search(generated) -> None:
    chance = random.Random(7)
    choices = {
        "outcome": ["upheld", "overturned"],
        "treatment": ["medication", "imaging", "acupuncture"],
        "guideline": GUIDELINE_SLUGS,
        "source": ["MTUS", "ODG", "other"],
        "specialty": ["family-practice", "pain-medicine", "orthopaedic-surgery"],
        "state": ["CA", "TX", "NV"],
        "sex": ["male", "female"],
        "body_region": REGIONS[:2],
        "drug": ["hydrocodone", "gabapentin"],
        "decided_from": ["2016-01-01", "2015-06-15"],
    }
    for _ in range(25):
        params = QueryDict(mutable=True)
        for name in chance.sample(sorted(choices), chance.randint(1, 3)):
            params[name] = chance.choice(choices[name])
        by = chance.choice([dimension.name for dimension in DIMENSIONS])
        result = statistics_by(params, by)
        assert result.total.items == search_cases(params, page=False).item_total, params.urlencode()
        page = statistics_of(params)
        for group in next((b.groups for b in page.breakdowns if b.dimension.name == by), page.months):
            if group.href:
                assert items_of_search(group.href) == group.rate.items, (params.urlencode(), by, group.value)


def test_random_searches_agree_with_sql_aggregates_over_their_items(generated) -> None:
    """The totals and the treatment and year groups, against GROUP BY over the search's items in SQL
    (selectors.matching_items: the export's items)."""
    chance = random.Random(11)
    names = {"outcome": ["upheld", "overturned"], "source": ["MTUS", "ODG"], "sex": ["male", "female"],
             "state": ["CA", "TX"], "drug": ["hydrocodone"], "decided_to": ["2016-06-30"], "q": ["request"]}  # fmt: skip
    for _ in range(15):
        params = QueryDict(mutable=True)
        for name in chance.sample(sorted(names), chance.randint(1, 3)):
            params[name] = chance.choice(names[name])
        search = validate_search(params)
        items = matching_items(search.cleaned)
        by_treatment = {
            row["treatment_category"]: (row["n"], row["over"])
            for row in items.values("treatment_category").annotate(
                n=Count("id"), over=Count("id", filter=Q(outcome="overturned"))
            )
        }
        by_year = {
            str(row["year"]): (row["n"], row["over"])
            for row in items.annotate(year=ExtractYear("case__decision_date"))
            .values("year")
            .annotate(n=Count("id"), over=Count("id", filter=Q(outcome="overturned")))
        }
        total = statistics_by(params, "treatment")
        assert (total.total.items, total.total.overturned) == (items.count(), items.filter(outcome="overturned").count())
        assert {g.value: (g.rate.items, g.rate.overturned) for g in total.groups} == by_treatment, params.urlencode()
        assert {g.value: (g.rate.items, g.rate.overturned) for g in statistics_by(params, "year").groups} == by_year


def test_single_valued_groups_add_up_to_the_items_with_a_stated_value(generated) -> None:
    page = statistics_of(QueryDict(""))
    by_name = {breakdown.dimension.name: breakdown.groups for breakdown in page.breakdowns}
    assert sum(group.rate.items for group in by_name["sex"]) == page.total.items
    assert sum(group.rate.items for group in by_name["year"]) == page.total.items
    assert sum(group.rate.items for group in page.months) == page.total.items
    assert sum(group.rate.overturned for group in by_name["treatment"]) == page.total.overturned


@pytest.mark.parametrize(
    ("successes", "trials", "low", "high"),
    [(0, 10, 0.0, 0.2775), (1, 10, 0.0179, 0.4042), (5, 10, 0.2366, 0.7634), (10, 10, 0.7225, 1.0), (81, 263, 0.2553, 0.3662)],
)
def test_wilson_intervals_match_published_values(successes: int, trials: int, low: float, high: float) -> None:
    interval = wilson_interval(successes, trials)
    assert interval is not None
    assert interval == pytest.approx((low, high), abs=1e-4)


def test_no_items_have_no_rate() -> None:
    assert wilson_interval(0, 0) is None


def test_groups_under_ten_items_are_marked_too_few(db, client: Client) -> None:
    for number in range(TOO_FEW):
        make_case([Item(f"MRI {number}", "upheld", "imaging", "mri")])
    make_case([Item("Acupuncture", "overturned", "acupuncture", "acupuncture")])
    html = client.get("/statistics/").content.decode()
    imaging = html[html.index('id="by-treatment"') :]
    rows = imaging[: imaging.index("</table>")].split("<tr")
    assert "too few" not in next(row for row in rows if "Imaging" in row)
    assert "too few" in next(row for row in rows if "Acupuncture" in row)


def test_the_api_gives_the_issue_shape(generated, client: Client) -> None:
    data = client.get("/api/statistics/?treatment=medication&by=specialty").json()
    assert set(data) == {"unit", "by", "total", "groups"}
    assert (data["unit"], data["by"]) == ("items", "specialty")
    assert set(data["total"]) == {"items", "upheld", "overturned", "overturn_rate", "ci95", "letters"}
    assert data["groups"]
    for group in data["groups"]:
        assert set(group) == {"value", "label", "items", "upheld", "overturned", "overturn_rate", "ci95"}
        low, high = group["ci95"]
        assert 0 <= low <= group["overturn_rate"] <= high <= 1
    listed = client.get("/api/decisions/?treatment=medication").json()
    assert data["total"]["letters"] == listed["count"]


def test_the_api_names_a_bad_dimension_and_a_bad_filter(client: Client) -> None:
    response = client.get("/api/statistics/?by=colour&age_min=old")
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"by", "age_min"}


def test_the_schema_describes_the_statistics(client: Client) -> None:
    schema = client.get("/api/schema/?format=json").json()
    operation = schema["paths"]["/api/statistics/"]["get"]
    by = next(parameter for parameter in operation["parameters"] if parameter["name"] == "by")
    assert set(by["schema"]["enum"]) == {dimension.name for dimension in DIMENSIONS}
    assert {"treatment", "q", "outcome"} <= {parameter["name"] for parameter in operation["parameters"]}
    response = schema["components"]["schemas"]["SearchStatistics"]
    assert set(response["properties"]) == {"unit", "by", "total", "groups"}


def test_the_csv_holds_the_api_numbers(generated, client: Client) -> None:
    api = client.get("/api/statistics/?source=MTUS&by=year").json()
    response = client.get("/statistics/export.csv?source=MTUS&by=year")
    assert response["Content-Type"] == "text/csv"
    assert "imr-statistics-by-year-mtus.csv" in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert rows[0]["by"] == "total" and int(rows[0]["items"]) == api["total"]["items"]
    assert [(row["value"], int(row["items"]), int(row["overturned"])) for row in rows[1:]] == [
        (group["value"], group["items"], group["overturned"]) for group in api["groups"]
    ]


def test_the_page_draws_its_charts_as_accessible_svg_with_the_numbers_beside(generated, client: Client) -> None:
    html = client.get("/statistics/?treatment=medication").content.decode()
    for chart in ("chart-months", "chart-quarters"):
        svg = html[html.index(f'<svg class="chart" id="{chart}"') :]
        svg = svg[: svg.index("</svg>")]
        assert f'aria-labelledby="{chart}-title {chart}-desc"' in svg
        assert f'<title id="{chart}-title">' in svg and f'<desc id="{chart}-desc">' in svg
        assert '<a href="/decisions/?treatment=medication&amp;decided_from=' in svg
    assert "<caption>Disputed items decided per month</caption>" in html
    assert "<caption>Overturn rate per quarter</caption>" in html
    assert "style=" not in html and "<script>" not in html


def test_the_search_page_links_to_its_statistics_and_the_navigation_too(generated, client: Client) -> None:
    html = client.get("/decisions/?treatment=medication&sex=female").content.decode()
    assert 'href="/statistics/?treatment=medication&amp;sex=female"' in html
    assert '<a href="/statistics/"' in client.get("/guidelines/").content.decode()


def test_a_refused_search_says_which_field(client: Client, db) -> None:
    response = client.get("/statistics/?age_min=old")
    assert response.status_code == 400
    assert "age_min" in response.content.decode()


def test_the_statistics_page_keeps_to_a_query_budget(generated, client: Client, django_assert_max_num_queries) -> None:
    client.get("/statistics/?treatment=medication")  # the facet index and the timing columns, read once
    with django_assert_max_num_queries(6):
        assert client.get("/statistics/?treatment=medication&q=request").status_code == 200
