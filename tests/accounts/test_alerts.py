"""send_alerts: each due saved search gets the letters that entered since its last digest, once."""

from __future__ import annotations

import re
import threading
from datetime import date, timedelta
from typing import Any
from unittest import mock

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection, transaction
from django.test import Client
from django.utils import timezone

from accounts.alerts import Outcome, send_digest
from accounts.models import Digest, SavedSearch
from accounts.searches import save_search
from decisions.ingestion.prepare import prepare_document
from decisions.samples import generate_letters
from decisions.services import ingest_parsed_batch
from tests.accounts.conftest import Inbox
from tests.web.factories import Item, make_case

pytestmark = pytest.mark.django_db(transaction=True)
CASE = re.compile(r"CM\d\d-\d{7}")


def saved(query: dict[str, str], email: str = "ada@example.org", frequency: str = "daily") -> SavedSearch:
    owner = get_user_model().objects.filter(email=email).first() or get_user_model().objects.create_user(
        username=email, email=email, password="pass words 123"
    )
    return save_search(owner=owner, name=f"alert {query}", query=query, frequency=frequency)


def make_due(*searches: SavedSearch) -> None:
    SavedSearch.objects.filter(pk__in=[s.pk for s in searches]).update(next_digest_at=timezone.now() - timedelta(minutes=1))


def letter(request: str, outcome: str = "overturned", decided: date = date(2017, 3, 1), number: str | None = None) -> str:
    case = make_case([Item(request, outcome, "acupuncture", "acupuncture")], decided=decided, case_number=number)
    return str(case.case_number)


def listed(inbox: Inbox, message: Any) -> set[str]:
    return set(CASE.findall(inbox.text(message).split("All letters of this search")[0]))


def test_a_digest_lists_exactly_the_new_matching_letters_and_a_second_run_sends_nothing(smtp: Inbox) -> None:
    before = letter("Acupuncture 6 sessions")  # in the archive before the search was saved
    search = saved({"q": "acupuncture", "outcome": "overturned"})
    new = {letter("Acupuncture 12 sessions"), letter("Acupuncture 8 sessions")}
    letter("Acupuncture 4 sessions", outcome="upheld")
    letter("Norco 10/325 #60")
    make_due(search)

    call_command("send_alerts")

    [message] = smtp.messages
    assert message["To"] == "ada@example.org"
    assert message["Subject"] == f"2 new letters: {search.name}"
    assert listed(smtp, message) == new and before not in smtp.text(message)
    assert all(f"https://imr.example.org/decisions/{key}/" in smtp.html(message) for key in new)
    assert message["List-Unsubscribe"].strip().startswith("<https://imr.example.org/accounts/unsubscribe/")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    [digest] = Digest.objects.all()
    assert (digest.letters, digest.listed, digest.message_id) == (2, 2, message["Message-ID"])

    make_due(search)
    call_command("send_alerts")
    assert len(smtp.messages) == 1


def test_a_search_not_yet_due_or_switched_off_is_not_sent(smtp: Inbox) -> None:
    saved({"q": "acupuncture"})  # due a day after saving
    off = saved({"q": "acupuncture"}, frequency="off")
    make_due(off)
    letter("Acupuncture 6 sessions")
    call_command("send_alerts")
    assert smtp.messages == []


def test_letters_ingested_late_with_an_old_decision_date_reach_the_user(smtp: Inbox) -> None:
    """Through the real ingest path (COPY writer): letters decided years ago, ingested after letters
    decided last month, are new to the search all the same."""
    letter("Acupuncture 6 sessions", decided=date(2025, 9, 1))
    search = saved({"decided_to": "2016-12-31"})
    samples = [sample for sample in generate_letters(30, seed=7) if sample.case_number]
    results = ingest_parsed_batch([prepare_document(s.text.encode(), f"{s.case_number}.txt") for s in samples])
    assert {result.status for result in results} == {"ingested"}
    old = {s.case_number for s in samples if s.dates["decision"] and s.dates["decision"] <= date(2016, 12, 31)}
    assert 0 < len(old) < len(samples)
    make_due(search)

    call_command("send_alerts")

    [message] = smtp.messages
    assert listed(smtp, message) == old


def test_an_ingest_that_commits_after_a_digest_is_in_the_next_one(smtp: Inbox) -> None:
    search = saved({"q": "acupuncture"})
    inserted, release, finished = threading.Event(), threading.Event(), threading.Event()
    late: list[str] = []

    def slow_ingest() -> None:
        try:
            with transaction.atomic():
                late.append(letter("Acupuncture 10 sessions"))
                inserted.set()
                release.wait(30)
        finally:
            connection.close()
            finished.set()

    worker = threading.Thread(target=slow_ingest)
    worker.start()
    assert inserted.wait(30)
    early = letter("Acupuncture 3 sessions")  # committed now, after the slow ingest began
    make_due(search)
    call_command("send_alerts")
    release.set()
    worker.join(30)

    make_due(search)
    call_command("send_alerts")

    first, second = smtp.messages if len(smtp.messages) == 2 else (None, smtp.messages[0])
    sent = [listed(smtp, message) for message in (first, second) if message is not None]
    assert sorted(key for keys in sent for key in keys) == sorted([early, late[0]])  # each once, none skipped


def test_two_runs_at_once_send_each_digest_once(smtp: Inbox) -> None:
    searches = [saved({"q": "acupuncture"}, email=f"user{n}@example.org") for n in range(4)]
    letter("Acupuncture 6 sessions")
    make_due(*searches)
    smtp.delay = 0.4  # each send holds its search's lock a while, so the runs overlap
    errors: list[BaseException] = []

    def run() -> None:
        try:
            call_command("send_alerts")
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connection.close()

    runs = [threading.Thread(target=run) for _ in range(2)]
    for thread in runs:
        thread.start()
    for thread in runs:
        thread.join(60)

    assert errors == []
    assert sorted(message["To"] for message in smtp.messages) == [f"user{n}@example.org" for n in range(4)]
    assert Digest.objects.count() == 4


def test_a_run_killed_after_sending_and_before_recording_sends_the_digest_again(smtp: Inbox) -> None:
    """The guarantee is at least once: the window is moved only in the transaction that records the
    digest, so a run that dies before that commit leaves it to the next run."""
    search = saved({"q": "acupuncture"})
    key = letter("Acupuncture 6 sessions")
    make_due(search)
    with mock.patch("accounts.alerts.Digest.objects.create", side_effect=KeyboardInterrupt), pytest.raises(KeyboardInterrupt):
        send_digest(search.pk)
    assert len(smtp.messages) == 1
    assert Digest.objects.count() == 0

    assert send_digest(search.pk) is Outcome.SENT
    assert [listed(smtp, message) for message in smtp.messages] == [{key}, {key}]
    assert send_digest(search.pk) is Outcome.NOT_DUE


def test_a_run_killed_before_sending_loses_nothing(smtp: Inbox) -> None:
    search = saved({"q": "acupuncture"})
    key = letter("Acupuncture 6 sessions")
    make_due(search)
    with (
        mock.patch("accounts.mail.EmailMultiAlternatives.send", side_effect=ConnectionRefusedError),
        pytest.raises(ConnectionRefusedError),
    ):
        send_digest(search.pk)
    assert smtp.messages == []
    call_command("send_alerts")
    assert [listed(smtp, message) for message in smtp.messages] == [{key}]


def test_at_most_50_letters_are_listed_with_the_count_of_all(smtp: Inbox) -> None:
    search = saved({"q": "acupuncture"})
    for n in range(53):
        letter(f"Acupuncture {n} sessions")
    make_due(search)
    call_command("send_alerts")
    [message] = smtp.messages
    assert message["Subject"].startswith("53 new letters")
    assert len(listed(smtp, message)) == 50
    assert "…and 3 more." in smtp.text(message)
    assert "https://imr.example.org/decisions/?q=acupuncture" in smtp.text(message)


def test_the_one_click_unsubscribe_works_without_signing_in_and_only_when_signed(smtp: Inbox) -> None:
    search = saved({"q": "acupuncture"})
    letter("Acupuncture 6 sessions")
    make_due(search)
    call_command("send_alerts")
    url = smtp.messages[0]["List-Unsubscribe"].strip().strip("<>").removeprefix("https://imr.example.org")
    client = Client(enforce_csrf_checks=True)  # a mail client posts with no cookie and no token

    assert client.get(url).status_code == 200  # a page with a button: a link scanner changes nothing
    search.refresh_from_db()
    assert search.frequency == "daily"

    token = url.rstrip("/").rsplit("/", 1)[1]
    tampered = url.replace(token, token[:-2] + ("AA" if not token.endswith("AA") else "BB"))
    assert (
        client.post(tampered, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded").status_code == 404
    )
    search.refresh_from_db()
    assert search.frequency == "daily"

    response = client.post(url, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200
    search.refresh_from_db()
    assert (search.frequency, search.next_digest_at) == ("off", None)
