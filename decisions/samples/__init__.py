"""Sample IMR letters for demos, tests and benchmarks: text and minimal PDFs."""

from decisions.samples.generator import SampleCitation, SampleItem, SampleLetter, generate_letters
from decisions.samples.pdf import render_pdf

__all__ = ["SampleCitation", "SampleItem", "SampleLetter", "generate_letters", "render_pdf"]
