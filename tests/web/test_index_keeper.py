"""A web process keeps its facet index current from a thread of its own, off the request path.

Requests never count with an index of an older archive version: they wait for the thread a bounded
time (IMR_INDEX_WAIT_SECONDS) and past it are answered 503 with Retry-After.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from decisions import facets
from tests.web.factories import Item, make_case

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def keeper(monkeypatch: pytest.MonkeyPatch) -> Iterator[facets.IndexKeeper]:
    monkeypatch.setattr(facets, "_current", None)
    builders: list[str] = []
    real_build = facets.build_index

    def recorded_build(previous=None):  # type: ignore[no-untyped-def]
        builders.append(threading.current_thread().name)
        return real_build(previous)

    monkeypatch.setattr(facets, "build_index", recorded_build)
    started = facets.keep_index_current()
    started.builders = builders  # type: ignore[attr-defined]
    yield started
    facets.stop_keeping_index_current()


def letter(request: str = "MRI of the knee", outcome: str = "upheld") -> None:
    make_case([Item(request, outcome, "imaging", "mri")])


def wait_until(condition, seconds: float = 10) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def test_the_thread_brings_the_index_to_a_new_version_without_any_request(keeper):
    letter()
    assert wait_until(lambda: facets._current is not None and facets._current[0] == facets.archive_version())
    assert facets._current[1].n == 1
    assert set(keeper.builders) == {"imr-facet-index"}


def test_the_thread_prepares_the_first_page_counts_and_kind_lists_of_a_new_index_before_any_request(keeper):
    from decisions import kind_lists, kind_rates

    letter()
    assert wait_until(lambda: facets._current is not None and facets._current[0] == facets.archive_version())
    index = facets._current[1]
    assert wait_until(lambda: index in kind_lists.kind_lists.held and index in kind_rates.kind_rates.held and "unfiltered_counts" in vars(index))
    assert [counts.letters for counts in index.unfiltered_counts.values()] == [1]


def test_requests_count_at_the_version_they_read_and_build_nothing_themselves(client, keeper):
    letter()
    assert client.get("/api/decisions/").json()["count"] == 1
    letter("Physical therapy 8 visits", "overturned")
    assert client.get("/api/decisions/").json()["count"] == 2
    assert client.get("/api/decisions/", {"outcome": "overturned"}).json()["count"] == 1
    assert set(keeper.builders) == {"imr-facet-index"}, "a request built the index itself"


def test_past_the_wait_a_request_gets_503_not_counts_of_another_version(client, keeper, monkeypatch):
    letter()
    assert client.get("/api/decisions/").json()["count"] == 1
    slow_build = facets.build_index

    def slower(previous=None):  # type: ignore[no-untyped-def]
        time.sleep(1.5)
        return slow_build(previous)

    monkeypatch.setattr(facets, "build_index", slower)
    monkeypatch.setattr(keeper, "wait_seconds", 0.3)
    letter("Chiropractic 6 visits")
    response = client.get("/api/decisions/")
    assert response.status_code == 503 and response["Retry-After"] == "5"
    assert "being brought up to date" in response.json()["errors"]["counts"][0]
    page = client.get("/decisions/")
    assert page.status_code == 503 and b"Counts being updated" in page.content
    monkeypatch.setattr(keeper, "wait_seconds", 10)
    assert client.get("/api/decisions/").json()["count"] == 2
