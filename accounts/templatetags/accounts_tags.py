"""``{% save_search_form %}``: the decisions list's "Save this search" form."""

from __future__ import annotations

from typing import Any

from django import template

from accounts.models import Frequency

register = template.Library()


@register.inclusion_tag("accounts/_save_search.html", takes_context=True)
def save_search_form(context: dict[str, Any]) -> dict[str, Any]:
    request = context["request"]
    cleaned = context["result"].cleaned
    return {
        "request": request,
        "user": context.get("user"),
        "csrf_token": context.get("csrf_token"),
        "suggested_name": cleaned.get("q") or "All letters",
        "frequencies": Frequency.choices,
    }
