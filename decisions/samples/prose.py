"""Prose for sample letters: boilerplate, clinical summaries and decision rationales.

All of it was written for this project. Only the headings, labels and fixed formulas that mark
the layouts (and that a parser keys on) follow the real letters.
"""

from __future__ import annotations

# How the determination was made, in two wordings.
METHOD_INTRO: tuple[str, ...] = (
    "MAXIMUS Federal Services forwarded the entire case file to {who}, who has no ties to the "
    "employer, the employee, the providers or the claims administrator.",
    "MAXIMUS Federal Services assigned the case file, complete, to {who} with no connection to "
    "the employer, the employee, the treating providers or the claims administrator.",
)
METHOD_BODY: tuple[str, ...] = (
    "The reviewer has more than five years of clinical practice, still sees patients no fewer "
    "than 24 hours each week, and was chosen for training and experience in specialties that "
    "evaluate or treat the condition and the disputed items/services. The reviewer knows the "
    "statutes and rules behind this process, the ranking of medical evidence that Independent "
    "Medical Review decisions must follow among them.",
    "The reviewer was picked for clinical experience, schooling and a specialty matching or close "
    "to the one that treats this condition, has practiced for over five years and currently "
    "spends at least a full 24-hour week with patients. The reviewer is familiar with the "
    "statutes and regulations that apply, including how evidence is ranked in Independent "
    "Medical Review.",
)
CREDENTIALS_LABEL = "The Expert Reviewer has the following credentials:"
# The two section intros, in our own words; the parser drops any intro of this shape.
SUMMARY_INTRO = (
    "The expert reviewer developed the following summary of the clinical case after reading the whole "
    "case file and the medical records:"
)
ISSUES_INTRO = "The Final Determination was based on the reviewer's decision on each disputed item or service listed below:"

# ---------------------------------------------------------------------------------------------
# Clinical summary sentences. Slots: {a} age, {s} sex word, {d} injury date, {p} place,
# {P} subject (He/She/The injured worker), {p1} the same inside a sentence, {p2} possessive,
# {o} occupation, {m} mechanism, {v} visit date, {w} pain word, {n} pain score, {dx}
# diagnoses, {t} treatments, {r} requests, {u} utilization review date.

OPENERS_FULL: tuple[str, ...] = (
    "The injured worker is a {a} year old {s} who was hurt at work on {d}.",
    "The injured worker is a {a} year old {s}; the industrial injury was reported on {d}.",
    "This case concerns a now {a}-year-old {s} whose occupational claim dates from {d}.",
    "The applicant is a {a}-year-old {s} {o} who filed a claim for {p} pain after an injury on {d}.",
    "The {a} year old {s} injured worker was hurt on the job on {d}.",
    "Per the file, this injured worker is a {a} year old {s} whose date of injury is {d}.",
    "This is a {a} year old {s} injured at work on {d}.",
)
OPENERS_MAN_WOMAN: tuple[str, ...] = (
    "This {a} year old {s} reports an industrial injury on {d}.",
    "The claimant, a {a} year old {s}, was injured at work on {d}.",
)
OPENERS_NO_SEX: tuple[str, ...] = (
    "The injured worker is a {a} year old patient who was hurt at work on {d}.",
    "The claimant is a {a} year old patient whose date of injury is {d}.",
)
OPENERS_NO_AGE: tuple[str, ...] = (
    "The injured worker is a {s} who was hurt at work on {d}.",
    "Injured worker is a {s} with date of injury {d}.",
)
MECHANISM: tuple[str, ...] = (
    "The injury happened while {m}.",
    "{P} was injured while {m}.",
    "The records attribute the injury to {m}.",
    "The mechanism of injury is described as {m}.",
)
OCCUPATION: tuple[str, ...] = (
    "{P} worked as a {o} at the time.",
    "At the time of injury {p2} job was {o}.",
)
COMPLAINT: tuple[str, ...] = (
    "At the visit of {v}, {p1} reported {w} {p} pain rated {n}/10.",
    "A progress note dated {v} documents ongoing {p} pain, rated {n} on a 10-point scale.",
    "On {v}, the primary treating physician noted {w} pain in the {p} at {n}/10 without medication.",
    "Complaints on {v} were of {w} {p} pain that worsens with prolonged activity, rated {n}/10.",
)
EXAM: tuple[str, ...] = (
    "Examination showed {f1} and {f2}.",
    "On examination there was {f1}; the physician also recorded {f2}.",
    "Objective findings included {f1} and {f2}.",
)
DIAGNOSES: tuple[str, ...] = (
    "Diagnoses include {dx}.",
    "The diagnoses are {dx}.",
    "{P} is being treated for {dx}.",
    "The working diagnoses are {dx}.",
)
TREATMENT: tuple[str, ...] = (
    "Treatment to date has included {t}.",
    "Prior care consisted of {t}.",
    "{P} has already tried {t}.",
)
PLAN_UR: tuple[str, ...] = (
    "The treating physician asked for {r}. On {u}, utilization review declined to certify it.",
    "A request for authorization of {r} followed. Utilization review denied it on {u}.",
    "The plan called for {r}, which utilization review did not certify on {u}.",
    "On {u}, utilization review found {r} not medically necessary.",
)
PLAN_NO_DATE: tuple[str, ...] = (
    "The provider requested {r}, and utilization review did not approve it.",
    "The current request is for {r}.",
)

# ---------------------------------------------------------------------------------------------
# Rationales: per kind of request, what the guidelines ask for, and findings either way.

RULES: dict[str, tuple[str, ...]] = {
    "opioid": (
        "The guidelines allow continued opioid therapy only when the chart records the current pain level, how much the medication lowers it, measurable gains in function, and monitoring for misuse.",
        "Long-term opioid use calls for regular review of analgesia, activity, side effects and aberrant behavior, with a plan to taper when function does not improve.",
        "Opioids are not favored as a first-line option for chronic non-malignant pain and should be continued only with objective evidence that they help the patient do more.",
    ),
    "nsaid": (
        "Anti-inflammatory drugs are advised at the lowest effective dose for the shortest period, because long courses raise gastrointestinal, renal and cardiovascular risk.",
        "The guidelines support NSAIDs for short-term relief of flares, but they do not find good evidence for long-term use in chronic pain.",
    ),
    "muscle-relaxant": (
        "Muscle relaxants are suggested only as a short second-line option for acute flares of low back pain; their benefit fades after the first few weeks.",
        "The guidelines advise against prolonged use of muscle relaxants because sedation and dependence outweigh any added benefit over NSAIDs.",
    ),
    "topical-compound": (
        "Topical analgesics are mostly experimental, and a compound is not supported when any one of its ingredients is not supported.",
        "A lidocaine patch may be considered for localized neuropathic pain once first-line agents, an antidepressant or an anticonvulsant, have been tried without success.",
    ),
    "anticonvulsant": (
        "Anti-epilepsy drugs are a first-line choice for neuropathic pain, and continued use depends on at least a moderate reduction in pain and an improvement in function.",
        "Gabapentin has shown benefit for diabetic neuropathy and postherpetic neuralgia and is considered for other neuropathic pain when a response is documented.",
    ),
    "proton-pump-inhibitor": (
        "A proton pump inhibitor is reasonable with an NSAID when the patient has an intermediate or high risk of gastrointestinal events, such as age over 65, prior ulcer or bleeding, or use of steroids or anticoagulants.",
        "The guidelines reserve gastric protection for patients whose history puts them at real risk of an ulcer or bleeding while taking anti-inflammatory drugs.",
    ),
    "sleep-aid": (
        "Zolpidem is approved for short-term treatment of insomnia, usually two to six weeks, and the guidelines discourage long-term use because of tolerance and next-day impairment.",
        "Sleep medication should follow an evaluation of the cause of the insomnia and is meant for brief use alongside sleep hygiene measures.",
    ),
    "antidepressant": (
        "Antidepressants are a first-line option for neuropathic pain and a possible option for non-neuropathic pain, with assessment of pain relief, function, sleep and side effects.",
        "Duloxetine is recommended as an option for neuropathic pain, and its continued use depends on documented benefit.",
    ),
    "pt": (
        "The guidelines allow roughly nine or ten supervised visits spread over eight weeks for muscle pain conditions, tapering into independent exercise at home.",
        "Passive therapy helps in the early phase of treatment; afterwards active, self-directed exercise is expected, and more supervised visits need evidence of functional gains.",
    ),
    "pt-post": (
        "For the post-operative period the guidelines set a number of visits for each procedure, with the initial course being half of the general course.",
        "After surgery, an initial course of therapy is allowed, and further visits depend on documented gains during that course.",
    ),
    "chiro": (
        "Manual therapy and manipulation are recommended for chronic musculoskeletal pain as a trial of 6 visits over 2 weeks, with up to 18 visits over 6 to 8 weeks only when objective functional improvement is shown.",
        "Elective or maintenance manipulation is not considered necessary, and a recurrence warrants re-evaluation before more care is given.",
    ),
    "acupuncture": (
        "The acupuncture guidelines expect functional improvement within 3 to 6 treatments given 1 to 3 times a week, and extend care only when that improvement is documented.",
        "Acupuncture may be used when medication is cut back or poorly tolerated, or alongside a rehabilitation program, usually over one to two months.",
    ),
    "imaging": (
        "Imaging is reserved for red flags, for a neurologic deficit that persists or progresses, or for planning surgery or an invasive procedure.",
        "Imaging becomes reasonable when the examination clearly shows nerve involvement, conservative care has failed, and the patient is willing to consider an operation.",
        "Repeat imaging is not routinely advised and should be kept for a significant change in symptoms or findings that suggest new pathology.",
    ),
    "emg": (
        "Electrodiagnostic testing can help when the neurologic examination is unclear and symptoms last more than three or four weeks despite conservative care.",
        "Nerve studies are not needed when radiculopathy is already clinically obvious or when the examination shows no neurologic findings at all.",
    ),
    "lab": (
        "Urine drug testing is an option to check for illegal drugs or adherence during opioid therapy, with frequency set by the patient's risk of misuse.",
        "Laboratory monitoring is reasonable for long-term use of medications that can affect the liver or kidneys.",
    ),
    "injection": (
        "Injections are considered when there is objective evidence of the target pathology and a failure of conservative care, and repeat injections require documented lasting relief.",
        "Radiculopathy must be documented on examination and corroborated by imaging or electrodiagnostic studies before an epidural steroid injection is considered.",
        "The guidelines do not recommend injection procedures without clear findings that point to the structure being treated.",
    ),
    "dme": (
        "Durable equipment is supported when it serves a medical purpose, is used within a program of functional restoration and can withstand repeated use.",
        "Braces and similar supports have not been shown to help beyond the acute phase of symptom relief.",
        "Cold and heat units are options for a few days after surgery; longer rentals are not supported.",
    ),
    "tens": (
        "A one-month home trial of TENS may be considered as an adjunct to a program of functional restoration for neuropathic pain, spasticity or CRPS.",
        "Purchase of a TENS unit requires documentation of how often it was used during the trial and what it achieved in pain relief and function.",
    ),
    "surgery": (
        "Surgical referral is indicated for severe and disabling limitations, clear imaging evidence of a lesion that benefits from repair, and failure of an adequate course of conservative care.",
        "The guidelines ask for clinical findings and imaging that agree with each other before an operation is considered.",
    ),
    "psych": (
        "Psychological treatment is recommended for appropriately identified patients with chronic pain, starting with an initial trial of 3 to 4 sessions and continuing with evidence of objective improvement.",
        "A psychological evaluation is a recognized option for patients whose pain persists and whose recovery may be delayed by psychosocial factors.",
    ),
    "frp": (
        "A functional restoration program requires an adequate evaluation, failure of other treatments, significant loss of function, motivation to change, and no pending surgery.",
        "Program treatment beyond two weeks is not suggested without demonstrated subjective and objective gains.",
    ),
    "home-health": (
        "Home health services are recommended only for medical treatment of patients who are homebound, and do not cover homemaker help or personal care when that is the only care needed.",
    ),
    "evaluation": (
        "Office visits and consultations are determined by the patient's concerns, signs, symptoms and clinical stability, and a referral is appropriate when the diagnosis is uncertain or complex.",
        "A specialist consultation helps when additional expertise would aid in diagnosis or in management of the case.",
    ),
    "transportation": (
        "Transportation to appointments is recommended when the patient has a disability that prevents self-transport and no other means of travel is available.",
    ),
    "other": (
        "The guidelines do not support this service as a medical treatment, because studies have not shown a benefit for function or pain.",
        "Evidence for this treatment is limited, and it is not part of the recommended care for this condition.",
    ),
}

UPHELD_FINDINGS: dict[str, tuple[str, ...]] = {
    "opioid": (
        "The records give no pain scores with and without the medication, no change in activities of daily living, and no recent urine drug screen or signed agreement.",
        "The injured worker has taken this medication for many months without any measurable return of function, and a taper has not been discussed.",
    ),
    "nsaid": (
        "The injured worker has used this drug well beyond the short term, and the notes describe no functional benefit from it.",
        "There is no documentation of an acute flare, and the medication has already been taken for longer than the guidelines suggest.",
    ),
    "muscle-relaxant": (
        "The notes show use of this medication for months rather than weeks, with no acute spasm documented on recent examinations.",
        "No flare of symptoms is recorded, and the prescription extends treatment beyond the short course the guidelines allow.",
    ),
    "topical-compound": (
        "The product contains ingredients that are not recommended for topical use, and there is no record of failed first-line oral agents.",
        "The records do not describe localized neuropathic pain or a trial of an antidepressant or anticonvulsant.",
    ),
    "anticonvulsant": (
        "The records describe no neuropathic findings, and there is no note of a reduction in pain from earlier use of the drug.",
        "Objective signs of neuropathic pain are absent, and the response to prior doses was not reported.",
    ),
    "proton-pump-inhibitor": (
        "The injured worker is under 65, has no history of ulcer or bleeding, and takes no steroids or anticoagulants.",
        "No gastrointestinal complaints or risk factors are recorded in the notes submitted for review.",
    ),
    "sleep-aid": (
        "The medication has been used well past the short term, and the records contain no assessment of the sleep disturbance.",
        "There is no documentation of sleep hygiene measures or of the response to the medication so far.",
    ),
    "antidepressant": (
        "The notes do not describe depression or neuropathic pain, and no benefit from prior use is recorded.",
        "There is no documented improvement in pain, function or sleep with this medication.",
    ),
    "pt": (
        "The injured worker has already completed a course of therapy that meets or exceeds the guideline number of visits, and the records do not show objective functional gains from it.",
        "There is no explanation of why the exercises could not be continued in a home program, and the number of visits requested goes beyond the guideline course.",
    ),
    "pt-post": (
        "The operation has not been authorized or performed, so post-operative therapy is premature.",
        "The number of visits requested exceeds the initial post-operative course, and no progress from earlier visits is described.",
    ),
    "chiro": (
        "Prior chiropractic visits were completed without any documented improvement in function, and the request exceeds the number of visits allowed for a trial.",
        "The records do not identify a recurrence or flare, which makes this maintenance care.",
    ),
    "acupuncture": (
        "The injured worker has had acupuncture before, and the notes give no measurable improvement in function or reduction in medication from those visits.",
        "The number of sessions requested exceeds the 3 to 6 visit trial, and no extraordinary circumstances are described.",
    ),
    "imaging": (
        "The neurologic examination is normal, no red flags are described, and nothing suggests an operation is planned.",
        "The injured worker has not completed a course of conservative care, and the records do not show a change in symptoms since earlier studies.",
    ),
    "emg": (
        "The examination documents no sensory or motor deficit, and symptoms have not been present long enough to warrant testing.",
        "The clinical findings already point to the diagnosis, so testing would not change the treatment plan.",
    ),
    "lab": (
        "A recent screen was consistent with the prescribed medications, and no aberrant behavior is described that would justify testing again so soon.",
        "The records give no clinical reason for the test and no plan for how the result would be used.",
    ),
    "injection": (
        "The examination does not show findings that point to the structure to be injected, and imaging does not corroborate the complaints.",
        "A prior injection was not followed by documented lasting relief or reduced medication use.",
    ),
    "dme": (
        "The records do not show how the equipment would support an active program of functional restoration.",
        "The injured worker is well past the acute phase, and the notes give no specific medical need for this equipment.",
    ),
    "tens": (
        "There is no record of a one-month home trial or of the results of one.",
        "The notes describe no functional restoration program that the unit would support.",
    ),
    "surgery": (
        "Imaging does not show a lesion that matches the examination, and conservative care has not been exhausted.",
        "The records do not document the severe, persistent limitation or the failed conservative treatment the guidelines require.",
    ),
    "psych": (
        "The injured worker has already attended psychological sessions, and the records show no objective improvement from them.",
        "No psychological screening or symptoms are documented that would support the request.",
    ),
    "frp": (
        "The records do not include an adequate baseline evaluation, and other treatment options have not been exhausted.",
        "The injured worker has not shown the motivation to change that the program requires, and surgery remains under consideration.",
    ),
    "home-health": (
        "The injured worker is not homebound, and the help requested is personal care rather than medical treatment.",
    ),
    "evaluation": (
        "The notes do not describe a diagnostic question that the primary treating physician cannot address.",
        "No change in condition is documented that would call for the visit or consultation requested.",
    ),
    "transportation": ("The records do not show a disability that prevents the injured worker from arranging travel.",),
    "other": ("The records give no reason to depart from the guidelines in this case.",),
}

OVERTURNED_FINDINGS: dict[str, tuple[str, ...]] = {
    "default": (
        "The records document the findings and the failed conservative care that the guidelines ask for, and the request fits within the recommended limits.",
        "The treating physician documented objective improvement from earlier care and a clear plan for how this treatment will restore function.",
        "The examination and the studies on file agree, and the guideline criteria are met in this case.",
    ),
    "opioid": (
        "The notes record pain falling from 8/10 to 4/10 with the medication, a return to modified work, consistent urine drug screens and a signed agreement.",
    ),
    "imaging": (
        "The injured worker has a progressive neurologic deficit on examination despite conservative care, and the study would guide a decision about surgery.",
    ),
    "acupuncture": ("This is an initial trial within the 3 to 6 visit range, requested after medication was poorly tolerated.",),
}

CLOSING_UPHELD: tuple[str, ...] = (
    "Therefore, the request for {r} is not medically necessary.",
    "As a result, the request for {r} is not medically necessary.",
    "For these reasons, the request for {r} is determined to be not medically necessary.",
    "The request for {r} is not medically necessary and appropriate.",
    "Consequently, {r} is not medically necessary.",
)
CLOSING_OVERTURNED: tuple[str, ...] = (
    "Therefore, the request for {r} is medically necessary.",
    "As a result, the request for {r} is medically necessary.",
    "For these reasons, the request for {r} is determined to be medically necessary.",
    "The request for {r} is medically necessary and appropriate.",
)
OPENING_UPHELD = "The requested {r} is not medically necessary."
OPENING_OVERTURNED = "The requested {r} is medically necessary."
