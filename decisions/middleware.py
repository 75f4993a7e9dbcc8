"""A request whose counts cannot be brought to the archive's version in time gets a 503 to retry.

The facet index of a web process is kept current by its own thread (``decisions.facets.IndexKeeper``);
a request that finds it behind waits for it a bounded time (IMR_INDEX_WAIT_SECONDS). Past that it is
answered 503 with ``Retry-After`` rather than with counts of another version of the archive.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse

from decisions.facets import IndexNotReady

RETRY_AFTER_SECONDS = 5
MESSAGE = "The archive has just changed and its counts are being brought up to date. Please try again in a moment."


class CountsNotReady:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, IndexNotReady):
            return None
        response: HttpResponse
        if request.path.startswith("/api/"):
            response = JsonResponse({"errors": {"counts": [MESSAGE]}}, status=503)
        else:
            response = HttpResponse(
                f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Counts being updated</title></head>'
                f"<body><h1>Counts being updated</h1><p>{MESSAGE}</p></body></html>",
                status=503,
            )
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
