"""`python manage.py parse FILE... [--json]`: parse letters without touching the database."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from decisions.parsing import ParsedDecision, ParseError, parse_bytes


class Command(BaseCommand):
    help = "Parse IMR letters (PDF or text) and print what was read; needs no database."
    # Parsing is pure: no system checks or migration checks, so no database connection.
    requires_system_checks: list[str] = []  # type: ignore[assignment]
    requires_migrations_checks = False

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("files", nargs="+", type=Path, metavar="FILE")
        parser.add_argument("--json", action="store_true", help="print a JSON array, one object per file")

    def handle(self, *args: Any, **options: Any) -> None:
        parsed: list[ParsedDecision] = []
        failed = 0
        for path in options["files"]:
            try:
                parsed.append(parse_bytes(path.read_bytes(), path.name))
            except ParseError as error:
                failed += 1
                self.stderr.write(str(error))
            except OSError as error:
                failed += 1
                self.stderr.write(f"{path.name}: cannot read file ({error.strerror})")
        if options["json"]:
            self.stdout.write(json.dumps([d.to_dict() for d in parsed], indent=2))
        else:
            for decision in parsed:
                self.stdout.write(summary_of(decision))
        if failed:
            raise SystemExit(1)


def summary_of(decision: ParsedDecision) -> str:
    """A few lines a person can read: case, patient, items and warnings."""
    lines = [
        f"{decision.filename}: layout {decision.layout}, case {decision.case_number or '-'}, "
        f"decided {decision.dates.decision or '-'}, patient {decision.patient_age or '?'} "
        f"{decision.patient_sex or '?'}",
    ]
    for item in decision.items:
        lines.append(f"  {item.position}. {item.outcome:<10} [{item.treatment_category}] {item.request}")
    lines += [f"  warning: {warning}" for warning in decision.warnings]
    return "\n".join(lines)
