"""The JSON API: the same search as the HTML list (same selector), one letter, the guidelines."""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import generics, serializers
from rest_framework.request import Request
from rest_framework.response import Response

from decisions.converters import canonical_key
from decisions.models import Case, Guideline
from decisions.search_params import PARAMS
from decisions.selectors import MAX_PAGES, ResultPage, SearchPage, guideline_summaries, query_string, search_cases
from decisions.serializers import (
    CaseDetailSerializer,
    CaseSummarySerializer,
    ErrorSerializer,
    GuidelineSerializer,
    ItemSummarySerializer,
    SearchResultSerializer,
    letters_in_full,
)
from decisions.statistics import dimension_names, statistics_by

OPENAPI_TYPES = {"string": OpenApiTypes.STR, "integer": OpenApiTypes.INT, "date": OpenApiTypes.DATE}


def search_parameters() -> list[OpenApiParameter]:
    """The search's query parameters for the OpenAPI schema, from their declarations."""
    parameters = []
    for param in PARAMS:
        choices = param.make_filter().extra.get("choices")
        enum = [value for value, _ in choices] if isinstance(choices, list) else None
        parameters.append(OpenApiParameter(param.name, OPENAPI_TYPES[param.api_type], description=param.help, enum=enum))
    parameters.append(
        OpenApiParameter("page", OpenApiTypes.INT, description="Page number, 25 letters a page (at most 200 pages).")
    )
    return parameters


SEARCH_RESPONSE = inline_serializer(
    "DecisionSearch",
    {
        "count": serializers.IntegerField(help_text="Letters matching the search (pages of 25; at most 200 pages are served)."),
        "item_count": serializers.IntegerField(help_text="Disputed items of those letters the search counts (item_count_means says which)."),
        "item_count_means": serializers.CharField(help_text="In words, which items item_count counts (with words: the items holding them)."),
        "next": serializers.URLField(allow_null=True),
        "previous": serializers.URLField(allow_null=True),
        "results": SearchResultSerializer(many=True),
        "facets": serializers.DictField(child=serializers.DictField(child=serializers.IntegerField())),
    },
)


class DecisionListView(generics.GenericAPIView):
    """Search the letters: the same parameters and meaning as /decisions/."""

    serializer_class = CaseSummarySerializer
    queryset = Case.objects.none()

    @extend_schema(
        operation_id="decisions_search",
        parameters=search_parameters(),
        responses={200: SEARCH_RESPONSE, 400: ErrorSerializer, 404: ErrorSerializer},
    )
    def get(self, request: Request) -> Response:
        result = search_cases(request.query_params)
        if not result.is_valid:
            return Response({"errors": result.errors}, status=400)
        page = result.page
        assert page is not None  # a valid search has its page
        if page.beyond_last:  # a client paging until the results run out stops here
            last = page.page.number
            reason = f"the last page is {last}" + (f" (at most {MAX_PAGES} are served: refine the search)" if page.capped else "")
            return Response({"errors": {"page": [f"page {page.requested} is beyond the results: {reason}"]}}, status=404)
        return Response(
            {
                "count": result.total,
                "item_count": result.item_total,
                "item_count_means": result.items_counted,
                "next": self.page_link(request, page, page.page.number + 1) if page.page.has_next() else None,
                "previous": self.page_link(request, page, page.page.number - 1) if page.page.has_previous() else None,
                "results": self.results(page),
                "facets": facets_as_counts(result),
            }
        )

    def page_link(self, request: Request, page: ResultPage, number: int) -> str | None:
        if number > min(page.page.paginator.num_pages, MAX_PAGES):
            return None
        params = query_string(request.query_params, updates={"page": str(number) if number > 1 else ""})
        return request.build_absolute_uri(request.path + params.rstrip("?"))

    def results(self, page: ResultPage) -> list[dict[str, Any]]:
        # One list serializer for the letters and one for all their items: DRF builds a
        # ModelSerializer's fields per instance, ~1 ms each, and a page can hold 200 items.
        letters = CaseSummarySerializer([row.case for row in page.rows], many=True, context=self.get_serializer_context())
        entries = [entry for row in page.rows for entry in row.items]
        items = iter(ItemSummarySerializer([entry.item for entry in entries], many=True).data)
        results = []
        for letter, row in zip(letters.data, page.rows, strict=True):
            data = dict(letter)
            data["items"] = [{**next(items), "matches": entry.matches, "snippet": str(entry.snippet)} for entry in row.items]
            results.append(data)
        return results


def facets_as_counts(result: SearchPage) -> dict[str, dict[str, int]]:
    return {name: facet.as_counts() for name, facet in result.facets.items()}


class DecisionDetailView(generics.RetrieveAPIView):
    """One letter with its items and the guidelines cited for each."""

    serializer_class = CaseDetailSerializer
    lookup_field = "key"
    queryset = letters_in_full()

    def get_object(self) -> Case:
        # Served at any case of the key (cm17-0005418), without a redirect a script would have to follow.
        self.kwargs["key"] = canonical_key(self.kwargs["key"])
        return super().get_object()


class GuidelineListView(generics.ListAPIView):
    """Every guideline, with how many items the IMR reviewer decided on it and their outcomes."""

    serializer_class = GuidelineSerializer
    pagination_class = None
    queryset = Guideline.objects.none()  # for the schema; the list comes from get_queryset

    def get_queryset(self) -> list[Guideline]:  # type: ignore[override]
        return guideline_summaries()


RATE_FIELDS = {
    "items": serializers.IntegerField(help_text="Disputed items."),
    "upheld": serializers.IntegerField(),
    "overturned": serializers.IntegerField(),
    "overturn_rate": serializers.FloatField(allow_null=True, help_text="overturned / items (null without items)."),
    "ci95": serializers.ListField(
        child=serializers.FloatField(), min_length=2, max_length=2, allow_null=True,
        help_text="The 95% Wilson score interval of the overturn rate, [low, high] (null without items).",
    ),
}  # fmt: skip
STATISTICS_RESPONSE = inline_serializer(
    "SearchStatistics",
    {
        "unit": serializers.ChoiceField(choices=["items"], help_text="What is counted: disputed items."),
        "by": serializers.ChoiceField(choices=list(dimension_names())),
        "total": inline_serializer(
            "StatisticsTotal", {**RATE_FIELDS, "letters": serializers.IntegerField(help_text="Letters holding the items.")}
        ),
        "groups": inline_serializer(
            "StatisticsGroup",
            {
                "value": serializers.CharField(help_text="The value as the search parameter takes it (a slug, a year, 2017-02)."),
                "label": serializers.CharField(),
                **RATE_FIELDS,
            },
            many=True,
        ),
    },
)


class StatisticsView(generics.GenericAPIView):
    """Outcome statistics of a search's disputed items, split by one dimension (``by``)."""

    queryset = Case.objects.none()

    @extend_schema(
        operation_id="statistics",
        parameters=[
            *search_parameters(),
            OpenApiParameter(
                "by",
                OpenApiTypes.STR,
                enum=list(dimension_names()),
                default="year",
                description="How to split the items; an item in several groups (two guidelines, a reviewer"
                " with two specialties) counts in each.",
            ),
        ],
        responses={200: STATISTICS_RESPONSE, 400: ErrorSerializer},
    )
    def get(self, request: Request) -> Response:
        result = statistics_by(request.query_params, request.query_params.get("by") or "year")
        if result.errors:
            return Response({"errors": result.errors}, status=400)
        return Response(result.as_json())
