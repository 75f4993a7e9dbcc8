"""The body region a request is for, and the side it names.

Slugs are parsed-decision.schema.json's. A request naming several regions ("the lumbar spine
and left shoulder", "neck, back") is `multiple`; the spine's own word ("lumbar spine") belongs
to its region, while a bare "back" or "spine" next to another region counts as one more.
Limbs named as a whole ("upper extremities", "lower leg") have no slug and name no region.
The sacroiliac joint and a caudal (sacral) approach read as the lumbar spine, as the MTUS low
back chapter treats them; the pelvis reads as the hip.
"""

from __future__ import annotations

import re

from .textutil import keyword_view

# The schema's slugs and how a page names them.
BODY_REGIONS: dict[str, str] = {
    "cervical-spine": "Cervical spine",
    "thoracic-spine": "Thoracic spine",
    "lumbar-spine": "Lumbar spine",
    "spine": "Spine",
    "shoulder": "Shoulder",
    "elbow": "Elbow",
    "wrist-hand": "Wrist and hand",
    "hip": "Hip",
    "knee": "Knee",
    "ankle-foot": "Ankle and foot",
    "head": "Head",
    "multiple": "Multiple regions",
}
LATERALITIES: dict[str, str] = {"left": "Left", "right": "Right", "bilateral": "Bilateral"}

# (slug, pattern) in the order a phrase is claimed: a specific spine region before "spine".
_REGION_PATTERNS: tuple[tuple[str, str], ...] = (
    ("cervical-spine", r"cervical(?:\s+spine)?|c-spine|neck|c[1-7](?:\s*[-/]\s*c?[1-7])?"),
    ("thoracic-spine", r"thoracic(?:\s+spine)?|t-spine|mid[-\s]?back|upper\s+back|t(?:1[0-2]|[1-9])(?:\s*[-/]\s*t?\d+)?"),
    (
        "lumbar-spine",
        r"lumbo-?sacral(?:\s+spine)?|lumbar(?:\s+spine)?|l-spine|low(?:er)?\s+back|l[1-5](?:\s*[-/]\s*[ls]?[1-5])?|s1"
        r"|sacroiliac|si\s+joints?|caudal|sacrum|sacral|lso",
    ),
    ("spine", r"spine|back"),
    ("spinal", r"spinal|paraspinal"),
    ("shoulder", r"shoulders?|rotator\s+cuff|subacromial|slap|acromioclavicular|ac\s+joint|glenohumeral|clavicle"),
    ("elbow", r"elbows?|epicondyl\w*|cubital\s+tunnel|olecranon"),
    (
        "wrist-hand",
        r"wrists?|hands?|fingers?|thumbs?|carpal\s+tunnel|trigger\s+finger|de\s*quervain'?s?|cmc|digits?|palm|metacarpal\w*",
    ),
    ("hip", r"hips?|pelvis|pelvic"),
    ("knee", r"knees?|menisc\w*|acl|patella\w*|genicular"),
    ("ankle-foot", r"ankles?|foot|feet|heels?|toes?|plantar|achilles|bunion\w*"),
    ("head", r"head|brain|skull|occipital|facial|face|jaw|tmj|temporomandibular|cranial"),
)
_REGIONS = re.compile("|".join(rf"\b(?P<r{index}>{pattern})\b" for index, (_slug, pattern) in enumerate(_REGION_PATTERNS)))
_SLUGS = {f"r{index}": slug for index, (slug, _pattern) in enumerate(_REGION_PATTERNS)}
_PAIRED = r"sides|knees|shoulders|hands|wrists|feet|ankles|hips|elbows|legs|arms|upper|lower"
_SIDES = re.compile(rf"\b(?:(?P<both>bilateral(?:ly)?|both\s+(?:{_PAIRED}))|(?P<left>left|lt)|(?P<right>right|rt))\b")

# The part of a request read: regions are named near its beginning.
READ_LENGTH = 400


def body_region_of(request: str) -> str | None:
    """The schema's body region slug for a request, or None where it names none."""
    view = keyword_view(request[:READ_LENGTH])
    found: list[str] = []
    for match in _REGIONS.finditer(view):
        slug = _SLUGS[match.lastgroup or ""]
        if slug not in found:
            found.append(slug)
    # "spinal"/"paraspinal" describe a named region ("lumbar paraspinal muscles"); a bare
    # "back" or "spine" beside one is another region ("neck, back").
    named = [slug for slug in found if slug != "spinal"]
    if not named:
        return "spine" if found else None
    return named[0] if len(named) == 1 else "multiple"


def laterality_of(request: str) -> str | None:
    """'left', 'right' or 'bilateral' where the request names a side; both sides are bilateral."""
    view = keyword_view(request[:READ_LENGTH])
    sides = {match.lastgroup for match in _SIDES.finditer(view)}
    if "both" in sides or {"left", "right"} <= sides:
        return "bilateral"
    if "left" in sides:
        return "left"
    if "right" in sides:
        return "right"
    return None


def region_and_side(request: str, header: str = "") -> tuple[str | None, str | None]:
    """Body region and laterality of a request; where the request names no region, its header's.

    The header differs from the request only for a modified request, whose remaining portion
    ("Physical therapy 6 sessions") often leaves out the region the original request named.
    """
    region, side = body_region_of(request), laterality_of(request)
    if region is None and header and header != request:
        region = body_region_of(header)
        side = side or (laterality_of(header) if region else None)
    return region, side
