"""Django admin for every model of the archive."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from decisions.models import Case, Citation, DisputedItem, Guideline, Reviewer, SourceDocument


class ReadOnlyInlineMixin:
    extra = 0
    show_change_link = True


class DisputedItemInline(ReadOnlyInlineMixin, admin.StackedInline):
    model = DisputedItem
    fields = ("position", "request", "outcome", "treatment_category", "treatment_subcategory", "quantity", "rationale")
    readonly_fields = fields


class CitationInline(ReadOnlyInlineMixin, admin.TabularInline):
    model = Citation
    fields = ("role", "position", "guideline", "edition", "topic", "pages", "text")
    readonly_fields = fields
    autocomplete_fields = ("guideline",)


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin):
    list_display = ("key", "decision_date", "layout", "item_count", "overturned_count", "patient_age", "patient_sex", "reviewer")
    list_filter = ("layout", "patient_sex", "decision_date", ("reviewer__board_certified", admin.BooleanFieldListFilter))
    search_fields = ("=key", "=case_number", "document__filename")
    date_hierarchy = "decision_date"
    list_select_related = ("reviewer",)
    raw_id_fields = ("reviewer", "document")
    readonly_fields = ("search_vector", "created_at", "updated_at")
    exclude = ("search_requests", "search_rationales")
    inlines = [DisputedItemInline]
    show_full_result_count = False


@admin.register(DisputedItem)
class DisputedItemAdmin(admin.ModelAdmin):
    list_display = ("case", "position", "short_request", "outcome", "treatment_category", "treatment_subcategory", "quantity")
    list_filter = ("outcome", "treatment_category")
    search_fields = ("=case__key", "request")
    list_select_related = ("case",)
    raw_id_fields = ("case",)
    inlines = [CitationInline]
    show_full_result_count = False

    @admin.display(description="Request")
    def short_request(self, item: DisputedItem) -> str:
        return item.request if len(item.request) <= 80 else item.request[:77] + "..."


@admin.register(Guideline)
class GuidelineAdmin(admin.ModelAdmin):
    list_display = ("title", "source", "chapter", "slug")
    list_filter = ("source",)
    search_fields = ("title", "slug")
    prepopulated_fields = {"slug": ("title",)}


@admin.register(Citation)
class CitationAdmin(admin.ModelAdmin):
    list_display = ("guideline", "role", "edition", "topic", "pages", "item")
    list_filter = ("role", "guideline__source")
    search_fields = ("text", "topic", "guideline__title")
    list_select_related = ("guideline", "item__case")
    raw_id_fields = ("item",)
    autocomplete_fields = ("guideline",)
    show_full_result_count = False


@admin.register(Reviewer)
class ReviewerAdmin(admin.ModelAdmin):
    list_display = ("__str__", "board_certified", "case_total")
    list_filter = ("board_certified",)
    search_fields = ("credentials_key",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Reviewer]:
        from django.db.models import Count

        return super().get_queryset(request).annotate(case_total=Count("cases"))

    @admin.display(description="Cases", ordering="case_total")
    def case_total(self, reviewer: Reviewer) -> int:
        return reviewer.case_total  # type: ignore[attr-defined]


@admin.register(SourceDocument)
class SourceDocumentAdmin(admin.ModelAdmin):
    list_display = ("filename", "status", "content_type", "size", "parser_version", "uploaded_by", "uploaded_at")
    list_filter = ("status", "content_type", "parser_version")
    search_fields = ("filename", "=sha256", "error")
    readonly_fields = (
        "original",
        "filename",
        "sha256",
        "size",
        "content_type",
        "status",
        "error",
        "warnings",
        "parser_version",
        "uploaded_by",
        "uploaded_at",
        "parsed_at",
        "text",
    )
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        # New files arrive through the upload page, which runs the ingest service.
        return False
