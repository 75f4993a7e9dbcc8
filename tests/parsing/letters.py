"""Fixture letters written for these tests, in the real layouts, with invented wording.

None of this text comes from a real letter. Each letter comes with the values a correct
parse must find, so tests (and mutation tests) can share them.
"""

from __future__ import annotations

LAYOUT_A = """Case Number: CM16-0999001\r
Date Assigned: 11/02/2016 Date of Injury: 09/14/2016\r
Decision Date: 12/01/2016 UR Denial Date: 10/20/2016\r
Priority: Standard Application \r
Received: \r
10/28/2016\r
HOW THE IMR FINAL DETERMINATION WAS MADE\r
MAXIMUS Federal Services passed the file to an outside reviewer with no ties to any party in \r
the dispute, who practises medicine and knows the rules on weighing evidence.\r
The Expert Reviewer has the following credentials:\r
State(s) of Licensure: Oregon,California, New York\r
Certification(s)/Specialty: Physical Medicine & Rehabilitation, Sports Medicinea\r
CLINICAL CASE SUMMARY\r
The expert reviewer developed the following account of the case from the file and its medical \r
records:\r
The injured worker is a now 61-year-old gentleman who hurt his back lifting crates on 9-14-16. \r
Diagnoses include lumbar strain, left sciatica and sleep disturbance. He has tried rest and \r
pills with little relief.\fIMR ISSUES, DECISIONS AND RATIONALES\r
The Final Determination was based on the decisions about each disputed item listed below:\r
Norco 5/325mg #60: Upheld\r
Claims Administrator guideline: Decision based on MTUS Chronic Pain Medical Treatment 2009, \r
Section(s): Opioids, criteria for use.\r
MAXIMUS guideline: Decision based on MTUS Opioid Treatment 2016, Section(s): 3.3 Opioids \r
for Chronic Pain and Chronic Opioid Treatment: Starting Treatment.\r
Decision rationale: The notes show no measured gain from the drug so far. The request is not \r
medically necessary.\r
Lumbar support brace: Upheld\r
Physical therapy to the lumbar spine eight sessions was the original request. Physical therapy \r
to the lumbar spine four sessions was authorized by the Claims Administrator. The remaining IMR \r
eligible portion of the original request, Physical therapy to the lumbar spine four sessions is:\r
Overturned\r
Claims Administrator guideline: The Claims Administrator did not cite any medical evidence for its decision.\r
MAXIMUS guideline: Decision based on MTUS Low Back Complaints 2004, Section(s): Physical \r
Methods, and Chronic Pain Medical Treatment 2009, Section(s): Physical medicine treatment. \r
Decision based on Non-MTUS Citation Official Disability Guidelines (ODG), Low Back Chapter.\r
Decision rationale: Some therapy has helped and more is within the guideline counts, so the \r
remaining sessions are medically necessary.\r
MRI of the lumbar spine without contrast: Upheld\r
Claims Administrator guideline: The Claims Administrator based their decision on recommendation(s) outside of the MTUS Guidelines. Decision based on Non-MTUS Citation Official Disability Guidelines, 2016, Web Version, Low Back - MRIs.\r
MAXIMUS guideline: The Expert Reviewer did not cite any medical evidence for its decision.\r
Decision rationale: No red flags are described, so imaging is not medically necessary.\r
"""
# The brace item has no guideline lines of its own: two headers follow each other.

EXPECTED_A = {
    "layout": "A",
    "case_number": "CM16-0999001",
    "dates": {
        "injury": "2016-09-14",
        "assigned": "2016-11-02",
        "ur_denial": "2016-10-20",
        "decision": "2016-12-01",
        "application_received": "2016-10-28",
    },
    "age": 61,
    "sex": "male",
    "states": ["CA", "NY", "OR"],
    "specialties": ["Physical Medicine and Rehabilitation", "Sports Medicine"],
    "board_certified": None,
    "items": [
        ("upheld", "Norco 5/325mg #60", 60),
        ("upheld", "Lumbar support brace", None),
        ("overturned", "Physical therapy to the lumbar spine four sessions", 4),
        ("upheld", "MRI of the lumbar spine without contrast", None),
    ],
}

# Layout S: no header table, a blank line after every line, prose credentials.
_S_LINES = """ HOW THE IMR FINAL DETERMINATION WAS MADE
MAXIMUS Federal Services sent the file to a physician reviewer who has no link to the parties. The physician
reviewer is Board Certified in Orthopaedic Surgery and is licensed to practice in California and
Nevada. He/she keeps an active practice.

CLINICAL CASE SUMMARY
The expert reviewer developed the following account of the case from the file and its medical
records:

This 44 year old woman slipped at work and reported an injury on 3/5/2013.  She has pain in the
right knee.  Her diagnoses included medial meniscus tear, knee effusion, and gait
disturbance.  She asks for more treatment.

IMR ISSUES, DECISIONS AND RATIONALES
The Final Determination was based on the decisions about each disputed item listed below:

Knee injection with cortisone:  Overturned

Claims Administrator guideline: Decision based on MTUS ACOEM Chapter 13 Knee Complaints
Page(s): 339-340.

MAXIMUS guideline: Decision based on MTUS ACOEM Chapter 13 Knee Complaints, Chapter 12 Low
Back Complaints,Acupuncture Treatment Guidelines.

Decision rationale: An injection is a fair next step here and is medically necessary.

Physical therapy 3 times a week for 4 weeks:  Upheld

Claims Administrator guideline: The Claims Administrator did not base their decision on the
MTUS.  Decision based on Non-MTUS Citation Official Disability Guidelines (ODG).

MAXIMUS guideline: Decision based on MTUS Chronic Pain Treatment Guidelines Physical Medicine
Page(s): 98-99.

Decision rationale: Past therapy gave no lasting gain, so more is not medically necessary.
"""
# Extraction left a trailing space on every line and a blank line after it.
LAYOUT_S = "\n\n".join(f"{line} " for line in _S_LINES.split("\n"))

EXPECTED_S = {
    "layout": "S",
    "case_number": None,
    "dates": {"injury": "2013-03-05", "decision": None},
    "age": 44,
    "sex": "female",
    "states": ["CA", "NV"],
    "specialties": ["Orthopedic Surgery"],
    "board_certified": True,
    "items": [
        ("overturned", "Knee injection with cortisone", None),
        ("upheld", "Physical therapy 3 times a week for 4 weeks", 12),
    ],
}

LAYOUT_B = """MAXIMUS FEDERAL SERVICES, INC.
Independent Medical Review
Notice of Independent Medical Review Determination
Dated: 9/26/2013
Employee: [redacted]
Date of UR Decision: 8/30/2013
Date of Injury: 2/11/11
IMR Application Received: 9/9/2013
MAXIMUS Case Number: CM13-0012345
MAXIMUS Federal Services, Inc. has finished its review. The results for each item follow.
1) MAXIMUS Federal Services, Inc. has determined the request for a 28 day functional
restoration program is notmedically necessary and appropriate.
2) MAXIMUS Federal Services, Inc. has determined the request for six sessions of aquatic
therapy is medically necessary and appropriate.
INDEPENDENT MEDICAL REVIEW DECISION AND RATIONALE
Medical Qualifications of the Expert Reviewer:
The expert reviewer is Board Certified in Anesthesiology and is licensed to practice in
California, Arizona. He/she keeps an active practice.
Expert Reviewer Case Summary:
The patient is a 39 year old lady with neck and back pain after a fall in February 2011. Diagnoses
are cervical strain; lumbar strain.
1) Regarding the request for a 28 day functional restoration program:
Medical Treatment Guideline(s) Used by the Claims Administrator (CA):
The Claims Administrator based its decision on the Chronic Pain Medical Treatment Guidelines
(2009), page 49, part of the MTUS.
Medical Treatment Guideline(s) Used by the Expert Reviewer (ER):
The Expert Reviewer based his/her decision on the Chronic Pain Medical Treatment Guidelines,
Functional restoration programs, pages 30-32, part of the MTUS, and the Official Disability
Guidelines (ODG), Pain chapter.
Rationale for the Decision:
No baseline testing was done, so the program is not medically necessary.
2) Regarding the request for six sessions of aquatic therapy:
Medical Treatment Guideline(s) Used by the Claims Administrator (CA):
None cited.
Medical Treatment Guideline(s) Used by the Expert Reviewer (ER):
The Expert Reviewer based his/her decision on the Chronic Pain Medical Treatment Guidelines,
Aquatic therapy, page 22, part of the MTUS.
Rationale for the Decision:
Her weight limits land exercise, so water therapy is medically necessary.
"""

EXPECTED_B = {
    "layout": "B",
    "case_number": "CM13-0012345",
    "dates": {"decision": "2013-09-26", "injury": "2011-02-11", "ur_denial": "2013-08-30", "application_received": "2013-09-09"},
    "age": 39,
    "sex": "female",
    "states": ["AZ", "CA"],
    "specialties": ["Anesthesiology"],
    "board_certified": True,
    "items": [
        ("upheld", "28 day functional restoration program", None),
        ("overturned", "six sessions of aquatic therapy", 6),
    ],
}

LAYOUT_C = """MAXIMUS FEDERAL SERVICES, INC.
Independent Medical Review
Final Determination Letter
Case Number: CM14-0077007 Date of Injury: 01/07/2012
Date Assigned: 04/01/2014 UR Denial Date: 03/15/2014
Decision Date: 05/02/2014 Application Received: 03/25/2014
HOW THE IMR FINAL DETERMINATION WAS MADE
MAXIMUS Federal Services sent the file to an expert reviewer without ties to the parties.
The Expert Reviewer has the following credentials:
State(s) of Licensure: Texas and California
Certification(s)/Specialty: Internal Medicine
DOCUMENTS REVIEWED
Utilization review letter, treating physician notes, and the application for review.
CLINICAL CASE SUMMARY
The injured worker is a 50 year old man with wrist pain since 1/7/12. Diagnoses include carpal
tunnel syndrome.
IMR DECISION(S) AND RATIONALE(S)
The Final Determination was based on the decisions about each disputed item listed below:
EMG/NCV of both upper extremities: Overturned
Claims Administrator guideline: Decision based on MTUS Forearm, Wrist, and Hand Complaints
2004, Section(s): Special Studies.
MAXIMUS guideline: Decision based on MTUS Forearm, Wrist, and Hand Complaints 2004,
Section(s): Special Studies.
Decision rationale: Numbness persists after splinting, so the study is medically necessary.
"""

EXPECTED_C = {
    "layout": "C",
    "case_number": "CM14-0077007",
    "dates": {
        "injury": "2012-01-07",
        "assigned": "2014-04-01",
        "ur_denial": "2014-03-15",
        "decision": "2014-05-02",
        "application_received": "2014-03-25",
    },
    "age": 50,
    "sex": "male",
    "states": ["CA", "TX"],
    "specialties": ["Internal Medicine"],
    "board_certified": None,
    "items": [("overturned", "EMG/NCV of both upper extremities", None)],
}

LAYOUT_D = """MEDICAL PROFESSIONAL REVIEW
Independent Medical Review Final Determination
Case Number: CM14-0054321
Date of Injury: 06/02/2012
UR Denial Date: 03/10/2014
Decision Date: 04/22/2014
ISSUE AT DISPUTE:
1. Lumbar epidural steroid injection at L4-L5
2. Twelve (12) sessions of chiropractic care
CASE SUMMARY:
The injured worker is a 47-year-old male who hurt his low back on 6/2/12. He was diagnosed with
lumbar radiculopathy.
DOCUMENTS REVIEWED FOR DETERMINATION:
Treating physician reports and the utilization review letter.
MEDICAL TREATMENT GUIDELINE(S) RELIED UPON BY
PROFESSIONAL REVIEWER AND WHY:
MTUS Chronic Pain Medical Treatment Guidelines, Epidural steroid injections, Page(s): 46, as they
address the request directly.
RATIONALE FOR WHY THE REQUESTED TREATMENT/SERVICE IS/WAS NOT
MEDICALLY NECESSARY:
1. The exam shows no clear root signs, so the injection is not medically necessary.
2. Prior manipulation gave relief and a short course is medically necessary.
MEDICAL REVIEWER QUALIFICATIONS:
The reviewer is Board Certified in Neurology and is licensed in Washington.
"""

EXPECTED_D = {
    "layout": "D",
    "case_number": "CM14-0054321",
    "dates": {"injury": "2012-06-02", "ur_denial": "2014-03-10", "decision": "2014-04-22"},
    "age": 47,
    "sex": "male",
    "states": ["WA"],
    "specialties": ["Neurology"],
    "board_certified": True,
    "items": [
        ("upheld", "Lumbar epidural steroid injection at L4-L5", None),
        ("overturned", "Twelve (12) sessions of chiropractic care", 12),
    ],
}

LETTERS = {
    "A": (LAYOUT_A, EXPECTED_A),
    "S": (LAYOUT_S, EXPECTED_S),
    "B": (LAYOUT_B, EXPECTED_B),
    "C": (LAYOUT_C, EXPECTED_C),
    "D": (LAYOUT_D, EXPECTED_D),
}
