"""Fuzzing: thousands of damaged letters, each parsed or refused with ParseError, never slowly.

The mutants (tests/parsing/mutations.py) are a fixed function of the seed, so a failure here
names the index that rebuilds its input: `mutant(source_letters(), SEED, index)`.
benchmarks/parser_fuzz.py runs the same mutants by the hundred thousand.
"""

from __future__ import annotations

import time

from decisions.parsing.drugs import general_dictionary
from tests.parsing.mutations import Mutant, mutant, parse_mutant, source_letters

SEED = 20240601
COUNT = 3000
# Parsing runs at a few MB a second; these bounds are ten times that and more, in CPU time
# so that a busy machine does not fail the test. A quadratic path on these mutants (up to a
# few hundred KB) takes seconds.
SECONDS_PER_INPUT = 0.25
SECONDS_PER_MB = 3.0


def describe(index: int, item: Mutant) -> str:
    return f"mutant {index} ({item.kind}: {item.steps}, from {item.source}, {item.size} bytes)"


def test_mutated_letters_parse_or_raise_parse_error_and_never_take_long() -> None:
    sources = source_letters()
    # Loaded once per process by the first medication request naming no known drug: a cost
    # of the process, not of the input that happens to come first.
    general_dictionary()
    crashes: list[str] = []
    slow: list[str] = []
    parsed = 0
    for index in range(COUNT):
        item = mutant(sources, SEED, index)
        started = time.process_time()
        try:
            parsed += parse_mutant(item) is not None
        except Exception as exc:  # anything but ParseError is a parser bug
            crashes.append(f"{describe(index, item)}: {type(exc).__name__}: {exc}")
        seconds = time.process_time() - started
        if seconds > SECONDS_PER_INPUT + SECONDS_PER_MB * item.size / 1e6:
            slow.append(f"{describe(index, item)}: {seconds:.2f}s")
    assert not crashes, "\n".join(crashes[:10])
    assert not slow, "\n".join(slow[:10])
    assert parsed > COUNT // 2, "most mutants should still read as letters: the mutations are too destructive"


def test_the_same_seed_makes_the_same_mutants() -> None:
    sources = source_letters()
    assert [mutant(sources, SEED, index) for index in range(50)] == [mutant(sources, SEED, index) for index in range(50)]
    assert mutant(sources, SEED, 1) != mutant(sources, SEED + 1, 1)


def test_every_kind_of_mutation_is_made() -> None:
    from tests.parsing.mutations import KINDS

    sources = source_letters()
    made = {mutant(sources, SEED, index).kind for index in range(1000)}
    assert made == set(KINDS)
