"""Account pages (sign-up, sign-in, password reset, deletion) and the saved-search pages.

No page tells whether an address has an account: sign-up and reset answer the same for any valid
address, and only the mail sent to that address differs. Sign-up, sign-in and reset are limited per
client and per address (decisions/throttling.py). Every form carries Django's CSRF token, except
the one-click unsubscribe, whose signed link is its own proof (RFC 8058 mail clients post to it
without a page).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model, login, logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import SetPasswordForm
from django.contrib.auth.models import User
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from accounts.forms import DeleteAccountForm, SavedSearchForm, SignInForm, SignupForm, user_exists
from accounts.mail import send_signup_mail
from accounts.models import SavedSearch
from accounts.searches import InvalidSearch, save_search, turn_alerts_off, update_search
from accounts.tokens import signup_email, unsubscribed_search_id
from decisions.throttling import attempt_allowed


def too_many(request: HttpRequest, wait: int) -> HttpResponse:
    response = render(request, "accounts/too_many.html", {"minutes": max(1, wait // 60)}, status=429)
    response["Retry-After"] = str(wait)
    return response


def throttled(scope: str, address_field: str) -> Callable[[Callable[..., HttpResponseBase]], Callable[..., HttpResponseBase]]:
    """POSTs of this view counted per client and per the address in ``address_field``."""

    def decorate(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if request.method == "POST":
                given = str(request.POST.get(address_field, ""))[:254]
                wait = attempt_allowed(request, scope, settings.IMR_ACCOUNT_RATE, address=given)
                if wait is not None:
                    return too_many(request, wait)
            return view(request, *args, **kwargs)

        wrapped.__name__ = view.__name__
        return wrapped

    return decorate


# --- sign-up ---------------------------------------------------------------------------------


@require_http_methods(["GET", "HEAD", "POST"])
@throttled("signup", "email")
def signup(request: HttpRequest) -> HttpResponse:
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"]
        send_signup_mail(email, base_url=request.build_absolute_uri("/")[:-1], already_registered=user_exists(email))
        return redirect("accounts:signup_sent")
    return render(request, "accounts/signup.html", {"form": form})


def signup_sent(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/signup_sent.html")


@require_http_methods(["GET", "HEAD", "POST"])
def signup_confirm(request: HttpRequest, token: str) -> HttpResponse:
    """The link proves the address; its owner chooses the password here, so no one can hold an
    account in another person's name waiting for them to click."""
    email = signup_email(token)
    if email is None:
        return render(request, "accounts/signup_invalid.html", status=400)
    if user_exists(email):
        messages.info(request, "This address already has an account: sign in.")
        return redirect("accounts:login")
    user = get_user_model()(username=email, email=email)
    form = SetPasswordForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            if user_exists(email):  # the link opened twice
                return redirect("accounts:login")
            form.save()
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, "Your account is ready. Save a search from the decisions page to get alerts.")
        return redirect("accounts:searches")
    return render(request, "accounts/signup_confirm.html", {"form": form, "email": email})


# --- sign-in, reset --------------------------------------------------------------------------

sign_in = throttled("signin", "username")(
    auth_views.LoginView.as_view(
        template_name="accounts/login.html", authentication_form=SignInForm, redirect_authenticated_user=True
    )
)
sign_out = auth_views.LogoutView.as_view()
password_reset = throttled("reset", "email")(
    auth_views.PasswordResetView.as_view(
        template_name="accounts/password_reset.html",
        email_template_name="accounts/email/password_reset.txt",
        subject_template_name="accounts/email/password_reset_subject.txt",
        success_url=reverse_lazy("accounts:password_reset_done"),
    )
)
password_reset_done = auth_views.PasswordResetDoneView.as_view(template_name="accounts/password_reset_done.html")
password_reset_confirm = auth_views.PasswordResetConfirmView.as_view(
    template_name="accounts/password_reset_confirm.html", success_url=reverse_lazy("accounts:password_reset_complete")
)
password_reset_complete = auth_views.PasswordResetCompleteView.as_view(template_name="accounts/password_reset_complete.html")


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def delete_account(request: HttpRequest) -> HttpResponse:
    form = DeleteAccountForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = request.user
        logout(request)
        user.delete()  # its saved searches and their digests with it (on_delete=CASCADE)
        messages.success(request, "Your account and your saved searches are deleted.")
        return redirect("decisions:list")
    return render(request, "accounts/delete.html", {"form": form})


# --- saved searches --------------------------------------------------------------------------


def signed_in_user(request: HttpRequest) -> User:
    """The user of a ``login_required`` view."""
    assert isinstance(request.user, User)
    return request.user


def owned(request: HttpRequest, pk: int) -> SavedSearch:
    """Another user's search is as missing as one that never was."""
    return get_object_or_404(SavedSearch, pk=pk, owner=signed_in_user(request))


@login_required
def search_list(request: HttpRequest) -> HttpResponse:
    searches = SavedSearch.objects.filter(owner=signed_in_user(request))
    return render(request, "accounts/searches.html", {"searches": searches})


@login_required
@require_POST
def search_save(request: HttpRequest) -> HttpResponse:
    """From the decisions list: the search as its page shows it (the ``query`` field), with a name."""
    form = SavedSearchForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        saved = save_search(
            owner=signed_in_user(request), name=data["name"], query=as_params(data["query"]), frequency=data["frequency"]
        )
        messages.success(request, f"Saved “{saved.name}”.")
        return redirect("accounts:searches")
    return render(request, "accounts/search_edit.html", {"form": form, "search": None}, status=400)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def search_edit(request: HttpRequest, pk: int) -> HttpResponse:
    search = owned(request, pk)
    form = SavedSearchForm.for_search(search, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            update_search(search, name=data["name"], query=as_params(data["query"]), frequency=data["frequency"])
        except InvalidSearch as error:  # cannot happen after the form's own check; kept for the message
            form.add_error("query", str(error))
        else:
            messages.success(request, f"Saved “{search.name}”.")
            return redirect("accounts:searches")
    return render(request, "accounts/search_edit.html", {"form": form, "search": search}, status=400 if form.errors else 200)


@login_required
@require_POST
def search_delete(request: HttpRequest, pk: int) -> HttpResponse:
    search = owned(request, pk)
    search.delete()
    messages.success(request, f"Deleted “{search.name}”.")
    return redirect("accounts:searches")


def as_params(query: str) -> dict[str, list[str]]:
    return parse_qs(query)


# --- one-click unsubscribe ---------------------------------------------------------------------


@csrf_exempt  # RFC 8058: the mail client POSTs "List-Unsubscribe=One-Click" to the signed link, no page, no cookie
@require_http_methods(["GET", "HEAD", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows a button (link scanners open links; they must not unsubscribe anyone); POST stops
    the alerts of that one search, signed in or not."""
    pk = unsubscribed_search_id(token)
    search = SavedSearch.objects.filter(pk=pk).first() if pk is not None else None
    if search is None:
        return render(request, "accounts/unsubscribe.html", {"invalid": True}, status=404)
    if request.method == "POST":
        turn_alerts_off(search)
        return render(request, "accounts/unsubscribe.html", {"search": search, "done": True})
    return render(
        request, "accounts/unsubscribe.html", {"search": search, "action": reverse("accounts:unsubscribe", args=[token])}
    )
