"""JSON shapes of the API: a letter in a list, a letter in full, a guideline with its counts."""

from __future__ import annotations

from django.db.models import QuerySet
from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from decisions.models import Case, Citation, DisputedItem, Guideline, Reviewer


class ReviewerSerializer(serializers.ModelSerializer):
    class Meta:
        model = Reviewer
        fields = ["specialties", "specialty_slugs", "licensed_states", "board_certified"]


class GuidelineRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Guideline
        fields = ["slug", "title", "source", "chapter"]


class CitationSerializer(serializers.ModelSerializer):
    guideline = GuidelineRefSerializer()

    class Meta:
        model = Citation
        fields = ["role", "position", "guideline", "edition", "topic", "pages", "text"]


class ItemSummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = DisputedItem
        fields = [
            "position",
            "request",
            "outcome",
            "treatment_category",
            "treatment_subcategory",
            "ingredients",
            "body_region",
            "laterality",
            "quantity",
        ]


class ItemSerializer(serializers.ModelSerializer):
    citations = CitationSerializer(many=True)

    class Meta:
        model = DisputedItem
        fields = [
            *ItemSummarySerializer.Meta.fields,
            "ingredients",
            "body_region",
            "laterality",
            "header",
            "rationale",
            "citations",
        ]


class CaseSummarySerializer(serializers.ModelSerializer):
    """A letter as a search result lists it."""

    url = serializers.HyperlinkedIdentityField(view_name="api-decision", lookup_field="key")
    html_url = serializers.SerializerMethodField()
    reviewer = ReviewerSerializer(allow_null=True)
    items = serializers.SerializerMethodField()

    class Meta:
        model = Case
        fields = [
            "key",
            "case_number",
            "url",
            "html_url",
            "decision_date",
            "date_of_injury",
            "patient_age",
            "patient_sex",
            "reviewer",
            "item_count",
            "overturned_count",
            "items",
        ]

    def get_html_url(self, case: Case) -> str:
        request = self.context.get("request")
        path = case.get_absolute_url()
        return request.build_absolute_uri(path) if request is not None else path

    @extend_schema_field(ItemSummarySerializer(many=True))
    def get_items(self, case: Case) -> list[dict[str, object]]:
        items = self.context.get("items_by_case", {}).get(case.id, [])
        return ItemSummarySerializer(items, many=True).data  # type: ignore[return-value]


class SearchItemSerializer(ItemSummarySerializer):
    """An item as a search result shows it (for the schema: the list view builds these)."""

    matches = serializers.BooleanField(
        help_text="Whether this item meets the search's item filters (outcome, treatment, guideline, source)."
    )
    snippet = serializers.CharField(
        help_text="HTML: the rationale's passages with the searched words in <mark> (the rationale's start without words)."
    )

    class Meta(ItemSummarySerializer.Meta):
        fields = [*ItemSummarySerializer.Meta.fields, "matches", "snippet"]


class SearchResultSerializer(CaseSummarySerializer):
    """A letter in a search's results, its items with their matches and snippets (for the schema)."""

    items = SearchItemSerializer(many=True)  # type: ignore[assignment]


class CaseDetailSerializer(serializers.ModelSerializer):
    """One letter with its items and citations."""

    reviewer = ReviewerSerializer(allow_null=True)
    items = ItemSerializer(many=True)
    original_url = serializers.SerializerMethodField()
    html_url = serializers.SerializerMethodField()

    class Meta:
        model = Case
        fields = [
            "key",
            "case_number",
            "html_url",
            "original_url",
            "layout",
            "decision_date",
            "date_of_injury",
            "date_assigned",
            "ur_denial_date",
            "application_received",
            "patient_age",
            "patient_sex",
            "diagnoses",
            "reviewer",
            "clinical_summary",
            "item_count",
            "overturned_count",
            "items",
        ]

    def absolute(self, path: str) -> str:
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path

    def get_html_url(self, case: Case) -> str:
        return self.absolute(case.get_absolute_url())

    def get_original_url(self, case: Case) -> str:
        return self.absolute(reverse("decisions:original", args=[case.key]))


def letters_in_full() -> QuerySet[Case]:
    """The letters as ``CaseDetailSerializer`` reads them: reviewer joined, items and citations prefetched."""
    return Case.objects.select_related("reviewer").prefetch_related("items__citations__guideline")


class GuidelineSerializer(serializers.ModelSerializer):
    items = serializers.IntegerField(help_text="Items whose IMR reviewer relied on it.")
    upheld = serializers.IntegerField()
    overturned = serializers.IntegerField()

    class Meta:
        model = Guideline
        fields = ["slug", "title", "source", "chapter", "items", "upheld", "overturned"]


class ErrorSerializer(serializers.Serializer):
    """400: the fields named, each with what is wrong."""

    errors = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))
