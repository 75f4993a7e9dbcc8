"""Guideline lines to canonical citations."""

from __future__ import annotations

from decisions.parsing.citations import parse_guideline_text


def titles(text: str) -> list[tuple[str, str]]:
    return [(c.source, c.title) for c in parse_guideline_text(text)]


def test_layout_a_mtus_part_with_year_and_sections() -> None:
    [citation] = parse_guideline_text("Decision based on MTUS Low Back Complaints 2004, Section(s): Special Studies, Summary.")
    assert citation.title == "ACOEM Chapter 12: Low Back Complaints"
    assert (citation.chapter, citation.edition, citation.topic) == (12, 2004, "Special Studies, Summary")
    assert citation.slug == "acoem-chapter-12-low-back-complaints"


def test_chronic_pain_spellings_share_one_title_and_slug() -> None:
    spellings = [
        "Decision based on MTUS Chronic Pain Medical Treatment 2016.",
        "Decision based on MTUS Chronic Pain Treatment Guidelines Opioids Page(s): 78.",
        "Decision based on MTUS Chronic Pain Medical Treatment Guidelines.",
    ]
    cited = [parse_guideline_text(text)[0] for text in spellings]
    assert {c.title for c in cited} == {"Chronic Pain Medical Treatment Guidelines"}
    assert {c.slug for c in cited} == {"mtus-chronic-pain-medical-treatment-guidelines"}
    assert [c.edition for c in cited] == [2016, None, None]


def test_seed_page_form_gives_topic_and_pages() -> None:
    [citation] = parse_guideline_text(
        "Decision based on MTUS Chronic Pain Treatment Guidelines Epidural steroid injections Page(s): 46."
    )
    assert (citation.topic, citation.pages) == ("Epidural steroid injections", "46")


def test_one_line_citing_three_guidelines_gives_three_citations() -> None:
    assert titles(
        "Decision based on MTUS ACOEM Chapter 8 Neck and Upper Back Complaints, Chapter 12 Low "
        "Back Complaints,Acupuncture Treatment Guidelines."
    ) == [
        ("MTUS", "ACOEM Chapter 8: Neck and Upper Back Complaints"),
        ("MTUS", "ACOEM Chapter 12: Low Back Complaints"),
        ("MTUS", "Acupuncture Treatment Guidelines"),
    ]


def test_topic_naming_another_part_is_not_a_new_citation() -> None:
    assert titles(
        "Decision based on MTUS Opioid Treatment 2016, Section(s): 3.3 Opioids for Chronic Pain "
        "and Chronic Opioid Treatment: Starting."
    ) == [("MTUS", "Opioid Treatment Guidelines")]


def test_parts_joined_by_and_with_non_mtus_odg() -> None:
    cited = parse_guideline_text(
        "Decision based on MTUS Shoulder Complaints 2004, Section(s): Initial Care, and Forearm, "
        "Wrist, and Hand Complaints 2004. Decision based on Non-MTUS Citation Official Disability "
        "Guidelines (ODG), Shoulder Chapter, Physical therapy."
    )
    assert [(c.source, c.title, c.chapter) for c in cited] == [
        ("MTUS", "ACOEM Chapter 9: Shoulder Complaints", 9),
        ("MTUS", "ACOEM Chapter 11: Forearm, Wrist, and Hand Complaints", 11),
        ("ODG", "Official Disability Guidelines", None),
    ]
    assert cited[2].topic == "Shoulder Chapter, Physical therapy"


def test_general_approaches_and_stress_chapters() -> None:
    assert titles("Decision based on MTUS General Approaches 2004.") == [("MTUS", "ACOEM General Approaches")]
    assert titles("Decision based on MTUS Stress-Related Conditions 2004.") == [
        ("MTUS", "ACOEM Chapter 15: Stress-Related Conditions")
    ]


def test_odg_spellings_are_all_odg() -> None:
    for text in (
        "Decision based on Non-MTUS Citation ODG Chiropractic guidelines.",
        "Decision based on Non-MTUS Citation Official Disability Guidelines, 2015, Web Version, Criteria.",
        "The Claims Administrator did not base their decision on the MTUS. Decision based on "
        "Non-MTUS Citation Official Disability Guidelines (ODG).",
    ):
        assert titles(text) == [("ODG", "Official Disability Guidelines")]


def test_odg_edition_and_topic() -> None:
    [citation] = parse_guideline_text(
        "Decision based on Non-MTUS Citation Official Disability Guidelines, 2015, Web Version, Knee."
    )
    assert (citation.edition, citation.topic) == (2015, "Web Version, Knee")


def test_other_citations_get_normalised_titles() -> None:
    cited = parse_guideline_text(
        "The Expert Reviewer based their decision on recommendation(s) outside of the MTUS "
        "Guidelines. Decision based on Non-MTUS Citation Naproxen: Drug information, accessed "
        "from UpToDate.com on 1/2/2017."
    )
    assert [(c.source, c.title, c.topic) for c in cited] == [("other", "UpToDate", "Naproxen")]
    urls = parse_guideline_text("Decision based on Non-MTUS Citation http://example.org/a-page, https://www.sample.net/b")
    assert [c.title for c in urls] == ["example.org", "sample.net"]


def test_odg_with_trailing_other_work_gives_two_citations() -> None:
    cited = parse_guideline_text(
        "Decision based on Non-MTUS Citation Official Disability Guidelines (ODG) Low Back, "
        "Manipulation Harris J. Occupational medicine practice guidelines, 2nd edition (2004) p 301."
    )
    assert [(c.source, c.title) for c in cited] == [
        ("ODG", "Official Disability Guidelines"),
        ("other", "ACOEM Occupational Medicine Practice Guidelines, 2nd Edition"),
    ]


def test_no_medical_evidence_gives_empty_list() -> None:
    assert parse_guideline_text("The Expert Reviewer did not cite any medical evidence for its decision.") == []


def test_citation_text_is_as_written() -> None:
    [citation] = parse_guideline_text("Decision based on MTUS Knee Complaints 2004, Section(s): Special Studies.")
    assert citation.text == "Knee Complaints 2004, Section(s): Special Studies"
