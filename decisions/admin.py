"""Django admin for every model of the archive, with the upload page for new letters and a button
that has the task worker build the bulk downloads.

Uploads and the "Retry with the current parser" action go through ``decisions.services``,
the same write path as the ``ingest`` and ``reparse`` commands.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html

from decisions import parsing
from decisions.downloads import listed_files
from decisions.ingestion.uploads import stage_uploads, upload_refusal
from decisions.models import Case, Citation, DisputedItem, Guideline, Reviewer, SourceDocument, UploadBatch
from decisions.services import Lookups, reparse_document, reparse_summary
from decisions.tasks import build_downloads, ingest_upload_batch


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
    # Derived from the items by the database (migration 0012): shown, never edited here.
    readonly_fields = ("item_count", "overturned_count", "search_vector", "created_at", "updated_at", "entered_xact")
    exclude = ("search_requests", "search_rationales")
    inlines = [DisputedItemInline]
    show_full_result_count = False

    def get_urls(self) -> list[URLPattern]:
        build = path(
            "build-downloads/", self.admin_site.admin_view(self.build_downloads_view), name="decisions_case_build_downloads"
        )
        return [build, *super().get_urls()]

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        extra_context = {**(extra_context or {}), "can_build_downloads": request.user.is_superuser}
        return super().changelist_view(request, extra_context)

    def build_downloads_view(self, request: HttpRequest) -> HttpResponse:
        """The bulk files as listed, and a button that has the task worker build them now."""
        if not request.user.is_superuser:
            raise PermissionDenied("Building the bulk downloads is for superusers.")
        if request.method == "POST":
            result = build_downloads.enqueue()
            self.message_user(
                request,
                f"The build is queued (task {result.id}): the files appear on /downloads/ when the worker has written them.",
            )
            return redirect("admin:decisions_case_build_downloads")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Build bulk downloads",
            "files": listed_files(),
            "keep": settings.IMR_DOWNLOADS_KEEP,
        }
        return TemplateResponse(request, "admin/decisions/case/build_downloads.html", context)


@admin.register(DisputedItem)
class DisputedItemAdmin(admin.ModelAdmin):
    list_display = ("case", "position", "short_request", "outcome", "treatment_category", "treatment_subcategory", "quantity")
    list_filter = ("outcome", "treatment_category")
    search_fields = ("=case__key", "request")
    list_select_related = ("case",)
    raw_id_fields = ("case",)
    # Copies of the citations below, kept by the database.
    readonly_fields = ("reviewer_guideline_ids", "reviewer_sources", "claims_guideline_ids", "claims_sources")
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
    readonly_fields = ("specialty_slugs",)  # made from the specialties by the database

    def get_queryset(self, request: HttpRequest) -> QuerySet[Reviewer]:
        from django.db.models import Count

        return super().get_queryset(request).annotate(case_total=Count("cases"))

    @admin.display(description="Cases", ordering="case_total")
    def case_total(self, reviewer: Reviewer) -> int:
        return reviewer.case_total  # type: ignore[attr-defined]


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """A file field that takes several files at once (Django's documented pattern)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ".pdf,.txt,.zip"}))
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile]:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(one, initial) for one in data]
        return [single(data, initial)]


class UploadLettersForm(forms.Form):
    letters = MultipleFileField(label="Letters", help_text="PDF or text letters, or .zip archives of them.")

    def clean_letters(self) -> list[UploadedFile]:
        uploads: list[UploadedFile] = self.cleaned_data["letters"]
        refusals = [reason for upload in uploads if (reason := upload_refusal(upload))]
        if refusals:
            raise forms.ValidationError([*refusals, "Nothing was stored: remove these files and upload again."])
        return uploads


@admin.register(SourceDocument)
class SourceDocumentAdmin(admin.ModelAdmin):
    list_display = (
        "filename",
        "status",
        "case_link",
        "short_error",
        "content_type",
        "size",
        "parser_version",
        "uploaded_by",
        "uploaded_at",
    )
    list_filter = ("status", "content_type", "parser_version")
    search_fields = ("filename", "=sha256", "error")
    list_select_related = ("case", "uploaded_by")
    readonly_fields = (
        "original",
        "filename",
        "case_link",
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
    actions = ["retry_with_current_parser"]
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        # New files arrive through the upload page, which runs the ingest service.
        return False

    def get_urls(self) -> list[URLPattern]:
        upload_urls = [
            path("upload/", self.admin_site.admin_view(self.upload_view), name="decisions_sourcedocument_upload"),
            path(
                "upload/<int:batch_id>/",
                self.admin_site.admin_view(self.upload_batch_view),
                name="decisions_uploadbatch_progress",
            ),
        ]
        return upload_urls + super().get_urls()

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        extra_context = {**(extra_context or {}), "can_upload": can_upload(request)}
        return super().changelist_view(request, extra_context)

    @admin.display(description="Case")
    def case_link(self, document: SourceDocument) -> str:
        case = getattr(document, "case", None)
        if case is None:
            return "-"
        return format_html('<a href="{}">{}</a>', case.get_absolute_url(), case.key)

    @admin.display(description="Error")
    def short_error(self, document: SourceDocument) -> str:
        return document.error if len(document.error) <= 100 else document.error[:97] + "..."

    @admin.action(description="Retry with the current parser", permissions=["change"])
    def retry_with_current_parser(self, request: HttpRequest, queryset: QuerySet[SourceDocument]) -> None:
        lookups = Lookups()
        results = [reparse_document(document=document, lookups=lookups) for document in queryset]
        self.message_user(request, reparse_summary(results) + f" (parser {parsing.PARSER_VERSION})")
        for result in results:
            if result.status == "failed":
                self.message_user(request, f"failed: {result.filename}: {result.message}", level=messages.WARNING)

    def upload_view(self, request: HttpRequest) -> HttpResponse:
        require_upload_permission(request)
        form = UploadLettersForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            # Parsing is the worker's: the request only stages the files and queues them.
            batch = stage_uploads(form.cleaned_data["letters"], uploaded_by=request.user)
            ingest_upload_batch.enqueue(batch.pk)
            return redirect("admin:decisions_uploadbatch_progress", batch_id=batch.pk)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Upload letters",
            "form": form,
            "max_file_mb": settings.IMR_MAX_FILE_BYTES // (1024 * 1024),
            "max_zip_mb": settings.IMR_MAX_ZIP_BYTES // (1024 * 1024),
        }
        return TemplateResponse(request, "admin/decisions/sourcedocument/upload.html", context)

    def upload_batch_view(self, request: HttpRequest, batch_id: int) -> HttpResponse:
        require_upload_permission(request)
        batch = get_object_or_404(UploadBatch, pk=batch_id)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": f"Upload {batch.pk}: {batch.get_status_display().lower()}",
            "batch": batch,
            "rows": [result_row(row) for row in batch.results],
            "refresh_seconds": None if batch.is_finished else PROGRESS_REFRESH_SECONDS,
        }
        return TemplateResponse(request, "admin/decisions/sourcedocument/upload_progress.html", context)


@admin.register(UploadBatch)
class UploadBatchAdmin(admin.ModelAdmin):
    list_display = (
        "__str__",
        "status",
        "processed",
        "total",
        "ingested",
        "duplicates",
        "failed",
        "created_by",
        "created_at",
        "progress_link",
    )
    list_filter = ("status",)
    readonly_fields = [field.name for field in UploadBatch._meta.fields]
    exclude = ("results", "staged_files")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.display(description="Progress")
    def progress_link(self, batch: UploadBatch) -> str:
        return format_html('<a href="{}">view</a>', reverse("admin:decisions_uploadbatch_progress", args=[batch.pk]))


PROGRESS_REFRESH_SECONDS = 2
UPLOAD_PERMISSION = "decisions.upload_letters"


def can_upload(request: HttpRequest) -> bool:
    return request.user.has_perm(UPLOAD_PERMISSION)


def require_upload_permission(request: HttpRequest) -> None:
    if not can_upload(request):
        raise PermissionDenied("Uploading letters needs the 'Can upload letters through the admin' permission.")


def result_row(row: dict[str, str | None]) -> dict[str, str | None]:
    """A results-table row with the link to the case page, where there is a case."""
    key = row.get("case_key")
    return {**row, "url": reverse("decisions:detail", args=[key]) if key else None}
