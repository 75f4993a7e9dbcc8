"""Damaged letters for fuzzing the parser: the fuzz test and benchmarks/parser_fuzz.py share them.

`mutant(sources, seed, index)` is a pure function of its arguments, so any input the fuzzer
reports can be rebuilt from its seed and index alone. Sources are the generated sample letters
(decisions.samples) and the letters written for the parser tests (tests/parsing/letters.py).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

from decisions.parsing import ParsedDecision, ParseError, parse_bytes, parse_text


@dataclass(frozen=True)
class Mutant:
    kind: str
    source: str  # which letter it was made from
    steps: str  # the mutations applied, in order
    data: str | bytes  # bytes go through parse_bytes (extraction included), text through parse_text

    @property
    def size(self) -> int:
        return len(self.data) if isinstance(self.data, bytes) else len(self.data.encode("utf-8", "surrogatepass"))


def source_letters(generated: int = 40, seed: int = 1) -> list[tuple[str, str]]:
    """(name, text) of the test letters and of `generated` sample letters."""
    from decisions.samples import generate_letters
    from tests.parsing.letters import LETTERS

    letters = [(f"test-{layout}", text) for layout, (text, _expected) in sorted(LETTERS.items())]
    letters += [(f"sample-{seed}-{index}", letter.text) for index, letter in enumerate(generate_letters(generated, seed=seed))]
    return letters


def parse_mutant(mutant: Mutant) -> ParsedDecision | None:
    """The parse, or None for a ParseError (the parser's one documented error); others propagate."""
    try:
        if isinstance(mutant.data, bytes):
            decision = parse_bytes(mutant.data, "mutant.txt")
        else:
            decision = parse_text(mutant.data, filename="mutant.txt")
    except ParseError:
        return None
    decision.to_dict()  # the JSON shape must build too
    return decision


# ---------------------------------------------------------------- mutations

Lines = list[str]

# Characters that have broken text handling somewhere: case-folding twins, invisible and
# direction marks, other line breaks, combining marks, ligatures, full-width digits, a lone
# surrogate, private-use code points, the replacement character and a BOM.
ODDITIES = [
    "\u0130",
    "\u0131",
    "\u017f",
    "\u212a",
    "\u200b",
    "\u200d",
    "\u200e",
    "\u202e",
    "\u2028",
    "\u2029",
    "\u0085",
    "\u0301",
    "\ufb01",
    "\uff11",
    "\uff0f",
    "\ud800",
    "\ue000",
    "\uf8ff",
    "\ufffd",
    "\ufffe",
    "\ufeff",
    "\u00a0",
    "\u3000",
    "\U0001f600",
    "\u00ad",
    "\u2010",
]
CONTROLS = [chr(code) for code in (*range(0, 32), 127)]
# Words the parser keys on, and values at the edge of what it reads (impossible dates, zero
# and huge numbers), so that mutants reach its branches and not only its refusals.
TOKENS = [
    ": Upheld",
    ": Overturned",
    "Upheld",
    "1) ",
    "2. ",
    "(3) ",
    "Decision rationale:",
    "MAXIMUS guideline:",
    "Claims Administrator guideline:",
    "Decision based on MTUS",
    "Decision based on Non-MTUS Citation:",
    "Section(s):",
    "Page(s): 1-2, 3 and",
    "HOW THE IMR FINAL DETERMINATION WAS MADE",
    "IMR ISSUES, DECISIONS AND RATIONALES",
    "CLINICAL CASE SUMMARY",
    "DOCUMENTS REVIEWED",
    "The Expert Reviewer has the following credentials:",
    "State(s) of Licensure:",
    "Certification(s)/Specialty:",
    "Board Certified in",
    "licensed in",
    "Date of Injury:",
    "Decision Date:",
    "13/45/2016",
    "02/30/2015",
    "February 30, 2016",
    "0/0/00",
    "99999999999999999999",
    "CM16-",
    "CM16-0000000",
    "#0",
    "0 sessions",
    "x0",
    "a 999 year old",
    "a 0-year-old",
    "ODG",
    "Official Disability Guidelines",
    "Chapter 99",
    "the remaining IMR eligible portion of the original request",
    "was the original request",
    "is not medically necessary",
    "Regarding the request for",
    "MAXIMUS Federal Services, Inc. has determined the request for",
    "INDEPENDENT MEDICAL REVIEW DECISION AND RATIONALE",
    "ISSUE AT DISPUTE:",
    "MEDICAL PROFESSIONAL REVIEW",
    "http://",
    "www.",
    "(",
    ")",
    ":",
    ";",
    ",",
    "-",
    "/",
    "\\",
    "*",
    "[",
]


def _lines(text: str) -> Lines:
    return text.split("\n")


def byte_flips(rng: random.Random, text: str) -> bytes:
    data = bytearray(text.encode("utf-8"))
    for _ in range(rng.randint(1, 40) if data else 0):
        data[rng.randrange(len(data))] ^= 1 << rng.randrange(8)
    return bytes(data)


def line_duplication(rng: random.Random, text: str) -> str:
    lines = _lines(text)
    for _ in range(rng.randint(1, 10)):
        at = rng.randrange(len(lines))
        lines[at:at] = [rng.choice(lines)] * rng.randint(1, 5)
    return "\n".join(lines)


def line_deletion(rng: random.Random, text: str) -> str:
    keep = rng.random()
    return "\n".join(line for line in _lines(text) if rng.random() < keep)


def line_shuffle(rng: random.Random, text: str) -> str:
    lines = _lines(text)
    start = rng.randrange(len(lines))
    window = lines[start : start + rng.randint(2, max(2, len(lines)))]
    rng.shuffle(window)
    lines[start : start + len(window)] = window
    return "\n".join(lines)


def truncation(rng: random.Random, text: str) -> str:
    cut = rng.randrange(len(text) + 1)
    return text[:cut] if rng.random() < 0.7 else text[cut:]


def line_repeated_1000(rng: random.Random, text: str) -> str:
    lines = _lines(text)
    at = rng.randrange(len(lines))
    lines[at : at + 1] = [lines[at]] * 1000
    return "\n".join(lines)


def words_repeated_1000_on_one_line(rng: random.Random, text: str) -> str:
    """A few words of one line, repeated a thousand times on that line."""
    lines = _lines(text)
    at = rng.randrange(len(lines))
    words = lines[at].split() or ["x"]
    start = rng.randrange(len(words))
    piece = " ".join(words[start : start + rng.randint(1, 4)])
    lines[at] = " ".join([piece] * 1000)
    return "\n".join(lines)


def huge_line(rng: random.Random, text: str) -> str:
    """The letter on one line, or a line of ~200 KB of its words inserted somewhere."""
    if rng.random() < 0.5:
        return " ".join(_lines(text))
    words = text.split() or ["x"]
    lines = _lines(text)
    lines.insert(rng.randrange(len(lines) + 1), " ".join(rng.choice(words) for _ in range(30_000)))
    return "\n".join(lines)


def unicode_oddities(rng: random.Random, text: str) -> str:
    chars = list(text)
    for _ in range(rng.randint(1, 60)):
        chars.insert(rng.randrange(len(chars) + 1), rng.choice(ODDITIES) * rng.choice((1, 1, 2, 50)))
    if rng.random() < 0.2:
        chars = [char.upper() if rng.random() < 0.5 else char for char in chars]
    return "".join(chars)


# Non-ASCII letters that case-insensitive regexes match as ASCII ones ("ſix" matches "six").
CASE_TWINS = {
    "i": ["\u0130", "\u0131"],
    "s": ["\u017f"],
    "k": ["\u212a"],
    "I": ["\u0130", "\u0131"],
    "S": ["\u017f"],
    "K": ["\u212a"],
}


def case_twins(rng: random.Random, text: str) -> str:
    """Some i, s and k replaced by the letters that match them case-insensitively."""
    share = rng.choice((0.05, 0.3, 1.0))
    return "".join(rng.choice(CASE_TWINS[char]) if char in CASE_TWINS and rng.random() < share else char for char in text)


def nuls_and_controls(rng: random.Random, text: str) -> str:
    chars = list(text)
    for _ in range(rng.randint(1, 60)):
        chars.insert(rng.randrange(len(chars) + 1), rng.choice(CONTROLS) * rng.choice((1, 1, 3, 100)))
    return "".join(chars)


def token_insertion(rng: random.Random, text: str) -> str:
    """Parser keywords and edge values dropped at random places, on their own line or inline."""
    chars = list(text)
    for _ in range(rng.randint(1, 30)):
        token = rng.choice(TOKENS)
        token = f"\n{token}\n" if rng.random() < 0.3 else token
        chars.insert(rng.randrange(len(chars) + 1), token * rng.choice((1, 1, 1, 20)))
    return "".join(chars)


def splice(rng: random.Random, text: str, other: str) -> str:
    """Lines of another letter (often another layout) pasted into this one."""
    lines, others = _lines(text), _lines(other)
    start = rng.randrange(len(others))
    at = rng.randrange(len(lines) + 1)
    lines[at:at] = others[start : start + rng.randint(1, 30)]
    return "\n".join(lines)


MUTATIONS: dict[str, Callable[[random.Random, str], str | bytes]] = {
    "byte_flips": byte_flips,
    "line_duplication": line_duplication,
    "line_deletion": line_deletion,
    "line_shuffle": line_shuffle,
    "truncation": truncation,
    "line_repeated_1000": line_repeated_1000,
    "words_repeated_1000": words_repeated_1000_on_one_line,
    "huge_line": huge_line,
    "unicode_oddities": unicode_oddities,
    "nuls_and_controls": nuls_and_controls,
    "case_twins": case_twins,
    "token_insertion": token_insertion,
}
# Big inputs are rarer, so that a run covers many more small ones in the same time.
WEIGHTS = {name: 1.0 for name in MUTATIONS} | {"line_repeated_1000": 0.25, "words_repeated_1000": 0.25, "huge_line": 0.1}
KINDS = [*MUTATIONS, "splice", "stacked"]
_STACKABLE = [
    "line_duplication",
    "line_deletion",
    "line_shuffle",
    "truncation",
    "unicode_oddities",
    "nuls_and_controls",
    "token_insertion",
]
_KIND_WEIGHTS = [*(WEIGHTS[name] for name in MUTATIONS), 1.0, 1.0]


def mutant(sources: list[tuple[str, str]], seed: int, index: int) -> Mutant:
    """The index-th mutant of a run with this seed (string seeds hash the same in every run)."""
    rng = random.Random(f"{seed}:{index}")
    name, text = rng.choice(sources)
    kind = rng.choices(KINDS, _KIND_WEIGHTS)[0]
    if kind == "splice":
        other, other_text = rng.choice(sources)
        return Mutant(kind, name, f"splice of {other}", splice(rng, text, other_text))
    if kind == "stacked":  # two or three small mutations on top of each other, as text
        steps = rng.sample(_STACKABLE, rng.randint(2, 3))
        for step in steps:
            text = MUTATIONS[step](rng, text)  # type: ignore[assignment]  # the stackable ones give text
        return Mutant(kind, name, "+".join(steps), text)
    return Mutant(kind, name, kind, MUTATIONS[kind](rng, text))
