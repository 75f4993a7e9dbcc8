"""Thin views: each validates its input through the selector and renders what it returns."""

from __future__ import annotations

import re
from dataclasses import asdict
from urllib.parse import urlencode

from django.conf import settings
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponsePermanentRedirect,
    HttpResponseRedirect,
    JsonResponse,
    QueryDict,
    StreamingHttpResponse,
)
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_safe

from decisions.converters import canonical_key
from decisions.downloads import KINDS, downloads_dir, latest, listed_file, listed_files
from decisions.export import csv_lines, prepare_export, statistics_csv_lines, statistics_filename
from decisions.facets import current_index
from decisions.feeds import SearchFeed
from decisions.models import Case, Guideline, SourceDocument
from decisions.selectors import (
    MAX_PAGES,
    Search,
    case_for_detail,
    guideline_summaries,
    guideline_summary,
    highlight_letter,
    lookups,
    neighbours,
    search_cases,
    validate_search,
)
from decisions.similar import similar_letters
from decisions.statistics import cited_sections, guideline_years, requests_like, statistics_by, statistics_of
from decisions.throttling import SharedAnonRateThrottle


@require_safe
def case_list(request: HttpRequest) -> HttpResponse:
    result = search_cases(request.GET)
    context = {"result": result, "page": result.page, "max_pages": MAX_PAGES, "export_cap": settings.IMR_EXPORT_MAX_ROWS}
    response = render(request, "decisions/list.html", context, status=200 if result.is_valid else 400)
    if request.headers.get("IMR-Typing"):  # live search while typing (static/js/site.js): one history entry
        response["HX-Replace-Url"] = request.get_full_path()
    return response


PDF = "application/pdf"


def canonical_redirect(request: HttpRequest, view_name: str, key: str) -> HttpResponsePermanentRedirect | None:
    """A key typed in another case (cm17-0005418) moves to the letter's one address, query kept."""
    canonical = canonical_key(key)
    if canonical == key:
        return None
    query = request.META.get("QUERY_STRING", "")
    return HttpResponsePermanentRedirect(reverse(view_name, args=[canonical]) + (f"?{query}" if query else ""))


@require_safe
def case_detail(request: HttpRequest, key: str) -> HttpResponse:
    moved = canonical_redirect(request, "decisions:detail", key)
    if moved is not None:
        return moved
    try:
        case = case_for_detail(key)
    except Case.DoesNotExist:
        raise Http404(f"No letter {key}") from None
    # Opened from a list (``from`` holds its query string, empty for the unfiltered list), or not.
    from_search = "from" in request.GET
    origin = request.GET.get("from", "")
    search = validate_search(QueryDict(origin)) if from_search else None
    if search is not None and search.is_valid:
        highlight_letter(case, search.query)  # the words searched for, marked in the letter
    index = current_index()
    labels = lookups(index)
    for item in case.items.all():
        item.like_this = requests_like(item, index, labels)  # type: ignore[attr-defined]
    context = {
        "case": case,
        "permalink": request.build_absolute_uri(case.get_absolute_url()),  # by case number, no search kept
        "similar": similar_letters(case, index, labels),
        "from_search": from_search,
        "origin": origin,
        "origin_param": urlencode({"from": origin}),
        "neighbours": neighbours(search, case) if search is not None else None,
    }
    return render(request, "decisions/detail.html", context)


@require_safe
def case_original(request: HttpRequest, key: str) -> HttpResponse | FileResponse:
    """The file the letter was read from, shown in the browser; ``?download=1`` saves it instead."""
    moved = canonical_redirect(request, "decisions:original", key)
    if moved is not None:
        return moved
    document = get_object_or_404(Case.objects.select_related("document"), key=key).document
    as_attachment = request.GET.get("download", "") not in ("", "0")
    if document.content_type == PDF:
        return FileResponse(
            document.original.open("rb"), as_attachment=as_attachment, filename=download_name(document), content_type=PDF
        )
    return text_original(document, as_attachment)


def download_name(document: SourceDocument) -> str:
    """The file's own name, without the folders or zip it was ingested from (which are the server's)."""
    return re.split(r"[/\\!]", document.filename)[-1] or "letter"


def text_original(document: SourceDocument, as_attachment: bool) -> HttpResponse:
    """A text letter with the charset it was read in (UTF-8, else Windows-1252 as the parser does),
    so the browser shows its accents and dashes as the archive read them."""
    with document.original.open("rb") as original:
        data = original.read()
    disposition = content_disposition_header(as_attachment, download_name(document)) or "inline"
    return HttpResponse(
        data, content_type=f"text/plain; charset={text_charset(data)}", headers={"Content-Disposition": disposition}
    )


def text_charset(data: bytes) -> str:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return "windows-1252"
    return "utf-8"


def throttled(request: HttpRequest) -> HttpResponse | None:
    """The API's limit for anonymous clients, for the export (the same search, every row of it)."""
    throttle = SharedAnonRateThrottle()
    if throttle.allow_request(request, None):  # type: ignore[arg-type]  # reads only META and user
        return None
    response = HttpResponse("Too many requests: try again in a minute.\n", status=429, content_type="text/plain")
    response["Retry-After"] = str(int(throttle.wait() or 60))
    return response


@require_safe
def export_csv(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    refused = throttled(request)
    if refused is not None:
        return refused
    result = validate_search(request.GET)
    if not result.is_valid:
        return refusal(result, "This search cannot be exported:")
    export = prepare_export(result)
    response = StreamingHttpResponse(csv_lines(export, request.build_absolute_uri("/").rstrip("/")), content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="{export.filename}"'
    # Known before the first row: a client can tell a file cut short from a complete one.
    response["X-Total-Rows"] = str(export.rows)
    response["X-Search-Rows"] = str(export.total)
    if export.capped:  # the whole search is in the bulk files
        response["Link"] = f'<{request.build_absolute_uri(reverse("decisions:downloads"))}>; rel="alternate"'
    return response


def refusal(search: Search, heading: str) -> HttpResponse:
    """A 400 for a script as much as a person: plain text, one line per field naming it."""
    lines = [f"{field}: {'; '.join(messages)}" for field, messages in search.errors.items()]
    return HttpResponse("\n".join([heading, *lines, ""]), status=400, content_type="text/plain")


search_feed = SearchFeed()


@require_safe
def case_feed(request: HttpRequest) -> HttpResponse:
    """The search's newest letters as Atom; an invalid search is refused, naming its parameters."""
    search = validate_search(request.GET)
    if not search.is_valid:
        return refusal(search, "This search has no feed:")
    return search_feed(request, search=search)


@require_safe
def downloads(request: HttpRequest) -> HttpResponse:
    context = {"files": listed_files(), "export_cap": settings.IMR_EXPORT_MAX_ROWS}
    return render(request, "decisions/downloads.html", context)


@require_safe
def download_manifest(request: HttpRequest) -> JsonResponse:
    """The listing for scripts: every file with its rows, bytes, sha256, creation time and address."""
    files = [
        {**asdict(file), "url": request.build_absolute_uri(reverse("decisions:download", args=[file.name]))}
        for file in listed_files()
    ]
    return JsonResponse({"files": files})


@require_safe
def download_latest(request: HttpRequest, kind: str) -> HttpResponse:
    """A stable address for the newest file of a kind (``letters`` or ``items``): a redirect to it."""
    file = latest(kind) if kind in KINDS else None
    if file is None:
        raise Http404(f"No {kind} file has been built yet")
    return HttpResponseRedirect(reverse("decisions:download", args=[file.name]))


@require_safe
def download_file(request: HttpRequest, name: str) -> HttpResponse | FileResponse:
    """A listed file, sent by nginx (X-Accel-Redirect, when configured) or by Django's FileResponse."""
    file = listed_file(name)  # only names the manifest lists: no other path can be asked for
    if file is None:
        raise Http404(f"No download named {name}")
    if settings.IMR_DOWNLOADS_ACCEL_REDIRECT:
        response = HttpResponse(content_type="application/gzip")
        response["X-Accel-Redirect"] = settings.IMR_DOWNLOADS_ACCEL_REDIRECT.rstrip("/") + "/" + file.name
        response["Content-Disposition"] = content_disposition_header(True, file.name)
        return response
    try:
        opened = (downloads_dir() / file.name).open("rb")
    except FileNotFoundError:  # pruned by a build that listed newer files meanwhile
        raise Http404(f"{name} was replaced by a newer build: see /downloads/") from None
    return FileResponse(opened, as_attachment=True, filename=file.name)


@require_safe
def guideline_list(request: HttpRequest) -> HttpResponse:
    return render(request, "decisions/guidelines.html", {"guidelines": guideline_summaries()})


@require_safe
def guideline_detail(request: HttpRequest, slug: str) -> HttpResponse:
    try:
        guideline = guideline_summary(slug)
    except Guideline.DoesNotExist:
        raise Http404(f"No guideline {slug}") from None
    params = QueryDict(mutable=True)
    params["guideline"] = guideline.slug
    result = search_cases(params)
    context = {
        "guideline": guideline,
        "years": guideline_years(guideline),
        "sections": cited_sections(guideline),
        "result": result,
        "page": result.page,
        "search_query": params.urlencode(),
        "origin_params": params,  # letters opened here step through this guideline's search
    }
    return render(request, "decisions/guideline.html", context)


@require_safe
def statistics_page(request: HttpRequest) -> HttpResponse:
    result = statistics_of(request.GET)
    context = {"result": result, "chips": result.chips}
    return render(request, "decisions/statistics.html", context, status=200 if result.is_valid else 400)


@require_safe
def statistics_csv(request: HttpRequest) -> HttpResponse:
    refused = throttled(request)
    if refused is not None:
        return refused
    result = statistics_by(request.GET, request.GET.get("by") or "year")
    if result.errors:
        lines = [f"{field}: {'; '.join(messages)}" for field, messages in result.errors.items()]
        return HttpResponse("\n".join(["These statistics cannot be exported:", *lines, ""]), status=400, content_type="text/plain")
    response = HttpResponse("".join(statistics_csv_lines(result)), content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="{statistics_filename(result)}"'
    return response
