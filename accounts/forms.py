"""Forms of the account pages. The e-mail address, lower-cased, is the user name."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm
from django.db.models import Q
from django.http import QueryDict

from accounts.models import Frequency, SavedSearch
from accounts.searches import NAME_MAX, InvalidSearch, normalised_query


def address(value: str) -> str:
    return value.strip().lower()


class SignupForm(forms.Form):
    email = forms.EmailField(label="E-mail address", max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email"}))

    def clean_email(self) -> str:
        return address(self.cleaned_data["email"])


class SignInForm(AuthenticationForm):
    username = forms.EmailField(
        label="E-mail address", max_length=254, widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"})
    )

    def clean_username(self) -> str:
        return address(self.cleaned_data["username"])


class DeleteAccountForm(forms.Form):
    password = forms.CharField(
        label="Your password", strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )

    def __init__(self, user: Any, *args: Any, **kwargs: Any) -> None:
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError("That is not your password.")
        return str(password)


class SavedSearchForm(forms.Form):
    name = forms.CharField(label="Name", max_length=NAME_MAX)
    frequency = forms.ChoiceField(label="E-mail me new letters", choices=Frequency.choices, initial=Frequency.DAILY)
    query = forms.CharField(
        label="Search (query string)",
        required=False,
        max_length=4000,
        help_text="As in the address of the search page after “?”; empty for all letters.",
    )

    def clean_query(self) -> str:
        raw = self.cleaned_data["query"].strip().lstrip("?")
        try:
            return normalised_query(QueryDict(raw))
        except InvalidSearch as error:
            raise forms.ValidationError([f"{field}: {' '.join(messages)}" for field, messages in error.errors.items()]) from None

    @classmethod
    def for_search(cls, search: SavedSearch, data: QueryDict | None = None) -> SavedSearchForm:
        initial = {"name": search.name, "frequency": search.frequency, "query": search.query}
        return cls(data, initial=initial)


def user_exists(email: str) -> bool:
    email = address(email)
    return get_user_model().objects.filter(Q(username=email) | Q(email__iexact=email)).exists()
