"""Body region and side read from requests (decisions/parsing/body.py)."""

from __future__ import annotations

import pytest

from decisions.parsing.body import body_region_of, laterality_of, region_and_side
from decisions.parsing.items import build_item


@pytest.mark.parametrize(
    ("request_text", "region", "side"),
    [
        ("MRI of the lumbar spine without contrast", "lumbar-spine", None),
        ("Right L5-S1 transforaminal epidural steroid injection", "lumbar-spine", "right"),
        ("Cervical ESI C6-7", "cervical-spine", None),
        ("Acupuncture for the cervical and thoracic spine", "multiple", None),
        ("Chiro with modalities for neck, back", "multiple", None),
        ("Trigger point injections to the lumbar paraspinal muscles", "lumbar-spine", None),
        ("Spinal cord stimulator trial", "spine", None),
        ("Back support", "spine", None),
        ("SLAP repair, left shoulder", "shoulder", "left"),
        ("Right carpal tunnel release", "wrist-hand", "right"),
        ("Bilateral knee x-rays", "knee", "bilateral"),
        ("Physical therapy for the left shoulder and right knee", "multiple", "bilateral"),
        ("Plantar fascia release left foot", "ankle-foot", "left"),
        ("CT scan of head", "head", None),
        ("EMG/NCV of the bilateral upper extremities", None, "bilateral"),
        ("Norco 10/325mg #60", None, None),
    ],
)
def test_it_reads_the_region_and_side_a_request_names(request_text: str, region: str | None, side: str | None) -> None:
    assert body_region_of(request_text) == region
    assert laterality_of(request_text) == side


def test_both_without_a_paired_body_part_is_no_side() -> None:
    assert laterality_of("Therapy for both the neck and the back") is None
    assert laterality_of("Orthotics for both feet") == "bilateral"


def test_a_modified_request_without_a_region_takes_its_headers() -> None:
    header = (
        "Physical therapy to the left knee 12 sessions was the original request. Physical therapy 6 sessions was "
        "authorized by the Claims Administrator. The remaining IMR eligible portion of the original request, "
        "Physical therapy 6 sessions is: Upheld"
    )
    assert region_and_side("Physical therapy 6 sessions", header) == ("knee", "left")
    assert region_and_side("MRI of the right shoulder", header) == ("shoulder", "right")


def test_a_parsed_item_carries_region_side_and_surgery_by_region() -> None:
    item = build_item(1, "Arthroscopy of the left knee", "", "upheld", [], [], "")
    assert (item.treatment_category, item.treatment_subcategory) == ("surgery", "knee")
    assert (item.body_region, item.laterality) == ("knee", "left")
    assert item.to_dict()["body_region"] == "knee"
    assert item.to_dict()["ingredients"] == []
