"""Middleware guarding every response: NUL bytes refused before any view, and the Content-Security-Policy.

PostgreSQL cannot store or compare text holding a NUL byte (psycopg refuses to send it), so a NUL
that reaches a query is a server error wherever it comes from: a letter's key in the path, a search
parameter, an admin list filter. No address or parameter of this site can hold one, so it is refused
here once for every view: 404 in the path, 400 naming the parameter in the query string.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest, QueryDict

NUL = "\x00"
NUL_MESSAGE = "contains a NUL byte (%00), which no value here can hold"


class RefuseNulBytes:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if NUL in request.path:
            raise Http404("No page has a NUL byte in its address")
        refused = parameters_with_nul(request.GET)
        if refused:
            return nul_refusal(request, refused)
        return self.get_response(request)


def parameters_with_nul(params: QueryDict) -> list[str]:
    """The query parameters whose name or any value holds a NUL byte (a NUL in a name shown as %00)."""
    return [name.replace(NUL, "%00") for name, values in params.lists() if NUL in name or any(NUL in v for v in values)]


def nul_refusal(request: HttpRequest, names: list[str]) -> HttpResponse:
    """400 naming each parameter: as JSON for the API (its error shape), as plain text elsewhere."""
    if request.path.startswith("/api/"):
        errors = {name: [NUL_MESSAGE] for name in names}
        return HttpResponseBadRequest(json.dumps({"errors": errors}), content_type="application/json")
    lines = [f"{name}: {NUL_MESSAGE}" for name in names]
    return HttpResponseBadRequest("\n".join(["This request cannot be answered:", *lines, ""]), content_type="text/plain")


class ContentSecurityPolicy:
    """Sets settings.CONTENT_SECURITY_POLICY on every response, or the policy of the first
    settings.CONTENT_SECURITY_POLICY_EXCEPTIONS path prefix the request falls under."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.default = policy_header(settings.CONTENT_SECURITY_POLICY)
        self.exceptions = [
            (prefix, policy_header(policy)) for prefix, policy in settings.CONTENT_SECURITY_POLICY_EXCEPTIONS.items()
        ]

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", self.policy_for(request.path))
        return response

    def policy_for(self, path: str) -> str:
        return next((policy for prefix, policy in self.exceptions if path.startswith(prefix)), self.default)


def policy_header(directives: Mapping[str, list[str]]) -> str:
    return "; ".join(" ".join([name, *sources]) for name, sources in directives.items())
