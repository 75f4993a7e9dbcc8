"""The clients of ``benchmarks/load.py``: what each simulated reader asks the served archive, and how often.

Run by locust (headless) in its own process; load.py writes the plan (the addresses to ask, drawn
from the archive's own letters) to a JSON file named by IMR_LOAD_PLAN. The mix, by weight:
40% word searches with filters, 25% filters only, 20% letter pages, 10% API searches, 5% a narrow
CSV export. A response counts as an error when it is not a 200 or is not whole: an API answer
that is not JSON with a count, an export without its header line or cut short.
"""

from __future__ import annotations

import json
import os
import random
from pathlib import Path

from locust import HttpUser, between, constant, task

PLAN: dict[str, list[str]] = json.loads(Path(os.environ["IMR_LOAD_PLAN"]).read_text(encoding="utf-8"))
THINK_SECONDS = float(os.environ.get("IMR_LOAD_THINK_SECONDS", "0"))
REQUEST_TIMEOUT = float(os.environ.get("IMR_LOAD_REQUEST_TIMEOUT", "60"))


class Reader(HttpUser):
    # A pause drawn around the think time (half to one and a half of it), so that clients started in
    # the same second do not keep asking in step.
    wait_time = between(THINK_SECONDS / 2, THINK_SECONDS * 3 / 2) if THINK_SECONDS else constant(0)
    connection_timeout = REQUEST_TIMEOUT
    network_timeout = REQUEST_TIMEOUT

    @task(40)
    def word_search(self) -> None:
        self.ask("word search", "/decisions/?" + random.choice(PLAN["word_search"]))

    @task(25)
    def filters_only(self) -> None:
        self.ask("filters only", "/decisions/?" + random.choice(PLAN["filters_only"]))

    @task(20)
    def letter_page(self) -> None:
        self.ask("letter page", random.choice(PLAN["letter_page"]))

    @task(10)
    def api_search(self) -> None:
        with self.client.get("/api/decisions/?" + random.choice(PLAN["api"]), name="api search", catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"HTTP {response.status_code}")
            elif "count" not in response.json():
                response.failure("API answer without a count")

    @task(5)
    def narrow_csv(self) -> None:
        with self.client.get(
            "/decisions/export.csv?" + random.choice(PLAN["csv"]), name="narrow csv export", catch_response=True
        ) as response:
            if response.status_code != 200:
                response.failure(f"HTTP {response.status_code}")
            elif not response.text.startswith(PLAN["csv_header"]) or not response.text.endswith("\n"):
                response.failure("CSV export without its header line or cut short")

    def ask(self, name: str, path: str) -> None:
        with self.client.get(path, name=name, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"HTTP {response.status_code}")
