"""Saved searches and the record of the digests sent for them. Users are Django's own (the e-mail
address is the user name)."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qsl

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from decisions.search_params import PARAMS_BY_NAME


class Frequency(models.TextChoices):
    DAILY = "daily", "Daily"
    WEEKLY = "weekly", "Weekly"
    OFF = "off", "Off (no e-mail)"


INTERVALS = {Frequency.DAILY: timedelta(days=1), Frequency.WEEKLY: timedelta(days=7)}
# The scheduler runs send_alerts every few minutes: a digest due a little later than the last one's
# time of day still goes out on that run, so a daily digest does not creep later day after day.
DUE_SLACK = timedelta(minutes=10)


class SavedSearch(models.Model):
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_searches")
    name = models.CharField(max_length=120, help_text="The owner's name for the search.")
    query = models.TextField(blank=True, help_text="The search's query string, validated and normalised (no page).")
    frequency = models.CharField(max_length=6, choices=Frequency.choices, default=Frequency.DAILY)
    # Letters whose Case.entered_xact is at least this entered after the last digest (see accounts/alerts.py).
    digest_point = models.BigIntegerField(help_text="Where the next digest starts, in the archive's order of entry.")
    next_digest_at = models.DateTimeField(null=True, blank=True, help_text="When the next digest is due.")
    last_digest_at = models.DateTimeField(null=True, blank=True, help_text="When the last digest was made.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        indexes = [
            models.Index(fields=["next_digest_at"], condition=~Q(frequency=Frequency.OFF), name="saved_search_due"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("accounts:search", args=[self.pk])

    @property
    def search_url(self) -> str:
        return reverse("decisions:list") + (f"?{self.query}" if self.query else "")

    @property
    def described(self) -> list[str]:
        """The search as "Label: value" parts, in the registry's words."""
        pairs = parse_qsl(self.query)
        return [f"{PARAMS_BY_NAME[name].label}: {value}" for name, value in pairs if name in PARAMS_BY_NAME] or ["All letters"]

    @property
    def alerts_on(self) -> bool:
        return self.frequency != Frequency.OFF

    def schedule_next(self) -> None:
        """The next digest one interval after now (none when alerts are off)."""
        interval = INTERVALS.get(Frequency(self.frequency))
        self.next_digest_at = timezone.now() + interval - DUE_SLACK if interval else None


class Digest(models.Model):
    """One digest e-mailed for a saved search: written in the transaction that moves the search's
    digest point past its letters (a window without new letters moves the point and sends nothing)."""

    saved_search = models.ForeignKey(SavedSearch, on_delete=models.CASCADE, related_name="digests")
    made_at = models.DateTimeField(auto_now_add=True)
    from_point = models.BigIntegerField()
    to_point = models.BigIntegerField()
    letters = models.PositiveIntegerField(help_text="New letters matching the search in this window.")
    listed = models.PositiveSmallIntegerField(help_text="Letters listed in the e-mail (at most 50).")
    message_id = models.CharField(max_length=200, help_text="Message-ID of the e-mail.")

    class Meta:
        ordering = ["-made_at"]
        constraints = [models.UniqueConstraint(fields=["saved_search", "from_point"], name="digest_window_once")]

    def __str__(self) -> str:
        return f"{self.saved_search} @ {self.made_at:%Y-%m-%d %H:%M}"
