"""The archive's data: source documents, cases (letters), reviewers, disputed items, guidelines.

Full-text search reads ``Case.search_vector``, a stored generated column that PostgreSQL keeps
up to date by itself; the ingest service fills the plain text columns it is computed from.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import F, Q
from django.db.models.expressions import RawSQL
from django.urls import reverse

from decisions.parsing.body import BODY_REGIONS, LATERALITIES

# How many characters of each text a letter's search vector reads (see Case.search_vector).
SEARCHED_CHARS = {"requests": 20_000, "clinical_summary": 50_000, "rationales": 30_000}

# Who decided every letter: the DWC has contracted one independent review organisation for all of
# California's IMR since the program began in 2013, MAXIMUS Federal Services (every layout the
# parser reads is on its letterhead), so the archive stores no organisation per letter. Written as a
# citation abbreviates it (Bluebook T6: Federal → Fed., Services → Servs.).
REVIEWING_ORGANISATION = "Maximus Fed. Servs."
# Months as a citation writes them (Bluebook T12): four-letter and shorter names in full, Sept.
CITATION_MONTHS = ("Jan.", "Feb.", "Mar.", "Apr.", "May", "June", "July", "Aug.", "Sept.", "Oct.", "Nov.", "Dec.")


class Outcome(models.TextChoices):
    UPHELD = "upheld", "Upheld"
    OVERTURNED = "overturned", "Overturned"


class Sex(models.TextChoices):
    MALE = "male", "Male"
    FEMALE = "female", "Female"


class Source(models.TextChoices):
    MTUS = "MTUS", "MTUS"
    ODG = "ODG", "ODG"
    OTHER = "other", "Other"


class CitedBy(models.TextChoices):
    REVIEWER = "reviewer", "IMR reviewer"
    CLAIMS_ADMINISTRATOR = "claims_administrator", "Claims administrator"


def document_path(instance: SourceDocument, filename: str) -> str:
    """Originals are stored by content, so the same bytes always land at the same path."""
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"{instance.sha256[:2]}/{instance.sha256}.{suffix[:8]}"


class SourceDocument(models.Model):
    class Status(models.TextChoices):
        PARSED = "parsed", "Parsed"
        FAILED = "failed", "Failed"

    original = models.FileField(upload_to=document_path, max_length=200, help_text="The file's original bytes, kept for good.")
    filename = models.CharField(max_length=500, help_text="The name the file had when it was ingested or uploaded.")
    sha256 = models.CharField(
        max_length=64, unique=True, help_text="SHA-256 of the original bytes; the same bytes are stored once."
    )
    size = models.PositiveBigIntegerField(help_text="Size of the original in bytes.")
    content_type = models.CharField(max_length=100, help_text="Sniffed media type, e.g. application/pdf or text/plain.")
    text = models.TextField(blank=True, help_text="Text extracted from the original (empty when extraction failed).")
    status = models.CharField(max_length=10, choices=Status.choices, db_index=True, help_text="Whether the parser could read it.")
    error = models.TextField(blank=True, help_text="Why parsing failed (empty when parsed).")
    warnings = ArrayField(
        models.TextField(), default=list, blank=True, help_text="What the parser could not read with confidence."
    )
    parser_version = models.CharField(max_length=20, blank=True, help_text="Parser version that produced the current result.")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        help_text="Staff user who uploaded it; empty for the command line.",
    )
    uploaded_at = models.DateTimeField(auto_now_add=True, db_index=True, help_text="When it was first stored.")
    parsed_at = models.DateTimeField(null=True, blank=True, help_text="When the parser last ran on it.")

    class Meta:
        ordering = ["-uploaded_at"]
        permissions = [("upload_letters", "Can upload letters through the admin")]

    def __str__(self) -> str:
        return self.filename


class Reviewer(models.Model):
    """A credentials profile. Reviewer names are confidential by law (Labor Code 4610.6(f))."""

    credentials_key = models.CharField(
        max_length=500,
        unique=True,
        help_text="Normalised credentials (too long for the column: their start and a digest of the whole); equal credentials are one reviewer.",
    )
    specialties = ArrayField(
        models.CharField(max_length=120), default=list, help_text="Certifications/specialties as the letters list them."
    )
    specialty_slugs = ArrayField(
        models.SlugField(max_length=120), default=list, help_text="Slugs of the specialties, for filtering."
    )
    licensed_states = ArrayField(models.CharField(max_length=2), default=list, help_text="Two-letter postal codes of licensure.")
    board_certified = models.BooleanField(null=True, help_text="True where a letter says Board Certified; empty where none says.")

    class Meta:
        indexes = [
            GinIndex(fields=["specialty_slugs"], name="reviewer_specialty_gin"),
            GinIndex(fields=["licensed_states"], name="reviewer_states_gin"),
        ]

    def __str__(self) -> str:
        specialties = ", ".join(self.specialties) or "Unknown specialty"
        states = ", ".join(self.licensed_states) or "unknown state"
        return f"{specialties} ({states})"


class Guideline(models.Model):
    """One canonical guideline, however letters spell it."""

    source = models.CharField(
        max_length=10, choices=Source.choices, db_index=True, help_text="MTUS (with its ACOEM chapters), ODG or other."
    )
    title = models.CharField(max_length=300, help_text="Canonical title, the same across letters and editions.")
    chapter = models.PositiveSmallIntegerField(null=True, blank=True, help_text="ACOEM chapter number where it is one.")
    slug = models.SlugField(max_length=200, unique=True, help_text="Stable identifier used in URLs and filters.")

    class Meta:
        ordering = ["source", "title"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("decisions:guideline", args=[self.slug])


class Case(models.Model):
    """One final determination letter."""

    class Layout(models.TextChoices):
        A = "A", "A: Case Number header"
        B = "B", "B: numbered notice"
        C = "C", "C: Independent Medical Review header"
        D = "D", "D: Medical Professional Review"
        S = "S", "S: no header block"

    key = models.CharField(
        max_length=40,
        unique=True,
        help_text="Public identifier in URLs: the case number, or a stable id for letters without one.",
    )
    case_number = models.CharField(  # noqa: DJ001 - NULL lets the unique constraint skip letters without one
        max_length=20, null=True, blank=True, help_text="IMR case number as printed, e.g. CM16-0213037."
    )
    layout = models.CharField(max_length=2, choices=Layout.choices, help_text="Letter layout the parser recognised.")
    document = models.OneToOneField(
        SourceDocument, on_delete=models.PROTECT, related_name="case", help_text="The file this letter was read from."
    )
    reviewer = models.ForeignKey(
        Reviewer, null=True, blank=True, on_delete=models.PROTECT, related_name="cases", help_text="The reviewer's credentials."
    )
    date_of_injury = models.DateField(null=True, blank=True, db_index=True, help_text="Date of injury.")
    date_assigned = models.DateField(null=True, blank=True, help_text="Date the case was assigned to the reviewer.")
    ur_denial_date = models.DateField(null=True, blank=True, help_text="Date of the utilization review denial.")
    decision_date = models.DateField(null=True, blank=True, help_text="Date of the final determination.")
    application_received = models.DateField(null=True, blank=True, help_text="Date the IMR application was received.")
    patient_age = models.PositiveSmallIntegerField(
        null=True, blank=True, db_index=True, help_text="Age as the clinical summary states it."
    )
    patient_sex = models.CharField(
        max_length=6,
        choices=Sex.choices,
        blank=True,
        db_index=True,
        help_text="Sex as the clinical summary states it; empty when not said.",
    )
    diagnoses = ArrayField(models.TextField(), default=list, blank=True, help_text="Diagnoses named in the clinical summary.")
    determination_method = models.TextField(blank=True, help_text="Section: how the determination was made.")
    documents_reviewed = models.TextField(blank=True, help_text="Section: documents reviewed, where the layout has it.")
    clinical_summary = models.TextField(blank=True, help_text="Section: the clinical case summary, reflowed.")
    other_sections = models.JSONField(default=dict, blank=True, help_text="Any further sections of the letter, by name.")
    item_count = models.PositiveSmallIntegerField(default=0, help_text="Number of disputed items.")
    overturned_count = models.PositiveSmallIntegerField(default=0, help_text="Number of items overturned.")
    # Written by the ingest service from the items, so the generated search vector can weigh them.
    search_requests = models.TextField(blank=True, help_text="Requests and diagnoses, the most weighted search text.")
    search_rationales = models.TextField(blank=True, help_text="Rationales, the least weighted search text.")
    # Each text is searched up to a cap, so that no letter's vector passes PostgreSQL's 1 MB limit
    # (which would refuse the whole letter): together 100,000 characters, at worst ~7 bytes of
    # vector a character. Real letters search a few thousand; the stored texts stay whole.
    # imr_search_text (migration 0012) parts words glued by extraction ("spine.Acupuncture",
    # "Hydrocodone/APAP", which PostgreSQL would index as one token) and joins words hyphenated
    # across a line end.
    search_vector = models.GeneratedField(
        expression=RawSQL(
            f"setweight(to_tsvector('english'::regconfig, imr_search_text(left(coalesce(case_number, '') || ' ' || search_requests, {SEARCHED_CHARS['requests']}))), 'A')"
            f" || setweight(to_tsvector('english'::regconfig, imr_search_text(left(clinical_summary, {SEARCHED_CHARS['clinical_summary']}))), 'B')"
            f" || setweight(to_tsvector('english'::regconfig, imr_search_text(left(search_rationales, {SEARCHED_CHARS['rationales']}))), 'C')",
            [],
        ),
        output_field=SearchVectorField(),
        db_persist=True,
        help_text="Weighted full-text vector, kept by PostgreSQL.",
    )
    created_at = models.DateTimeField(auto_now_add=True, help_text="When the letter entered the archive.")
    updated_at = models.DateTimeField(auto_now=True, help_text="When it was last (re)parsed.")
    # Set by the database (migration 0018), never by the application: PostgreSQL's id of the
    # transaction that inserted the row (pg_current_xact_id, 64 bits, never wraps), kept on updates.
    # Alerts read letters in the order of these ids up to the oldest transaction still running, so a
    # letter whose ingest commits late is listed in the next digest rather than skipped, and once
    # (a timestamp taken before the commit could not tell them that). 0: entered before alerts existed.
    entered_xact = models.BigIntegerField(
        default=0, editable=False, help_text="The database transaction that added the letter (for alerts)."
    )

    class Meta:
        # The order of case_search_newest, so lists in the admin and the site share one index.
        ordering = [F("decision_date").desc(nulls_last=True), "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["case_number"], condition=Q(case_number__isnull=False), name="case_number_unique_where_present"
            ),
        ]
        indexes = [
            GinIndex(fields=["search_vector"], name="case_search_gin"),
            # The list's orders (decision date, undated letters last, then id) read straight off these.
            models.Index(F("decision_date").desc(nulls_last=True), F("id").desc(), name="case_search_newest"),
            models.Index(F("decision_date").asc(nulls_last=True), F("id").asc(), name="case_search_oldest"),
            # The letter-level facets and filters, read index-only instead of from the wide rows.
            models.Index(
                fields=["id"],
                include=["reviewer", "patient_sex", "decision_date", "patient_age", "date_of_injury", "item_count"],
                name="case_facets_cover",
            ),
            # Part of the archive version that tells the in-memory facet index to rebuild (decisions/facets.py).
            models.Index(fields=["updated_at"], name="case_updated"),
            # Alerts: the letters that entered between two digests.
            models.Index(fields=["entered_xact"], name="case_entered"),
        ]

    def __str__(self) -> str:
        return self.key

    def get_absolute_url(self) -> str:
        return reverse("decisions:detail", args=[self.key])

    def citation(self) -> str:
        """How a brief cites the letter: ``Cal. IMR Case No. CM17-0002892 (Maximus Fed. Servs. Feb. 10,
        2017)``; ``n.d.`` when the letter states no decision date, and the archive's key (which its
        permanent link resolves) for a letter without a case number."""
        named = f"Case No. {self.case_number}" if self.case_number else f"Letter {self.key}"
        decided = self.decision_date
        when = f"{CITATION_MONTHS[decided.month - 1]} {decided.day}, {decided.year}" if decided else "n.d."
        return f"Cal. IMR {named} ({REVIEWING_ORGANISATION} {when})"


class ItemManager(models.Manager["DisputedItem"]):
    """Items without their search vector, which only the database reads (PostgreSQL matches it)."""

    def get_queryset(self) -> models.QuerySet[DisputedItem]:
        return super().get_queryset().defer("search_vector")


class DisputedItem(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="items", help_text="The letter that decided it.")
    position = models.PositiveSmallIntegerField(help_text="Order in the letter, from 1.")
    request = models.TextField(help_text="The request decided, as written (for a modified request: the remaining portion).")
    header = models.TextField(blank=True, help_text="The item's whole header paragraph as written.")
    outcome = models.CharField(
        max_length=10, choices=Outcome.choices, help_text="upheld: the denial stands; overturned: medically necessary."
    )
    treatment_category = models.CharField(
        max_length=40, blank=True, help_text="Top level of the treatment taxonomy, e.g. medication."
    )
    treatment_subcategory = models.CharField(max_length=40, blank=True, help_text="Second level, e.g. opioid.")
    quantity = models.PositiveIntegerField(null=True, blank=True, help_text="Sessions or units where the request states them.")
    rationale = models.TextField(blank=True, help_text="The reviewer's decision rationale.")
    ingredients = ArrayField(
        models.CharField(max_length=100),
        default=list,
        blank=True,
        help_text="Generic active ingredients of a medication, lower case (Norco: hydrocodone, acetaminophen).",
    )
    body_region = models.CharField(
        max_length=20,
        blank=True,
        choices=list(BODY_REGIONS.items()),
        help_text="The body region the request names; multiple where it names several; blank where none.",
    )
    laterality = models.CharField(
        max_length=10, blank=True, choices=list(LATERALITIES.items()), help_text="The side the request names, if any."
    )
    # Copies of the item's citations (written with them by the ingest service), so that the
    # item-level filters and the facets read one narrow row per item instead of joining Citation.
    reviewer_guideline_ids = ArrayField(
        models.BigIntegerField(), default=list, blank=True, help_text="Guidelines the IMR reviewer cited (copy of citations)."
    )
    reviewer_sources = ArrayField(
        models.CharField(max_length=10), default=list, blank=True, help_text="Their distinct sources (MTUS, ODG, other)."
    )
    claims_guideline_ids = ArrayField(
        models.BigIntegerField(), default=list, blank=True, help_text="Guidelines the claims administrator cited (copy)."
    )
    claims_sources = ArrayField(
        models.CharField(max_length=10), default=list, blank=True, help_text="Their distinct sources (MTUS, ODG, other)."
    )

    # The item's own words, for a word search's items (``q`` counts the items whose text holds the
    # words): its request and, for a medication, its class words (as the letter's vector reads
    # them), weighted A; its rationale, weighted C. Capped as the letter's texts are.
    search_vector = models.GeneratedField(
        expression=RawSQL(
            f"setweight(to_tsvector('english'::regconfig, imr_search_text(left(request, {SEARCHED_CHARS['requests']})"
            " || coalesce(E'\\n' || imr_class_words(treatment_category, treatment_subcategory), ''))), 'A')"
            f" || setweight(to_tsvector('english'::regconfig, imr_search_text(left(rationale, {SEARCHED_CHARS['rationales']}))), 'C')",
            [],
        ),
        output_field=SearchVectorField(),
        db_persist=True,
        help_text="The item's request (with its class words) and rationale as a full-text vector, kept by PostgreSQL.",
    )

    objects = ItemManager()

    class Meta:
        ordering = ["case", "position"]
        constraints = [models.UniqueConstraint(fields=["case", "position"], name="item_position_unique")]
        indexes = [
            models.Index(fields=["outcome", "case"], name="item_outcome_case"),
            GinIndex(fields=["search_vector"], name="item_search_gin"),
            models.Index(fields=["treatment_category", "treatment_subcategory"], name="item_treatment"),
            # Everything the facets and item filters read, so they are index-only scans in letter order.
            models.Index(
                fields=["case"],
                include=[
                    "outcome",
                    "treatment_category",
                    "treatment_subcategory",
                    "reviewer_guideline_ids",
                    "reviewer_sources",
                    "claims_guideline_ids",
                    "claims_sources",
                    "ingredients",
                    "body_region",
                    "quantity",
                ],
                name="item_facets_cover",
            ),
            # The body-region vocabulary is read by skipping through this index.
            models.Index(fields=["body_region"], name="item_body_region"),
            GinIndex(fields=["reviewer_guideline_ids"], name="item_reviewer_guidelines_gin"),
            GinIndex(fields=["ingredients"], name="item_ingredients_gin"),
        ]

    def __str__(self) -> str:
        return f"{self.case.key} #{self.position}: {self.request[:60]}"


class Citation(models.Model):
    """A guideline cited for one item, by the IMR reviewer or by the claims administrator."""

    item = models.ForeignKey(DisputedItem, on_delete=models.CASCADE, related_name="citations", help_text="The disputed item.")
    guideline = models.ForeignKey(
        Guideline, on_delete=models.PROTECT, related_name="citations", help_text="The canonical guideline."
    )
    role = models.CharField(
        max_length=24, choices=CitedBy.choices, help_text="Who relied on it: the IMR reviewer or the claims administrator."
    )
    position = models.PositiveSmallIntegerField(default=1, help_text="Order on its line, from 1.")
    edition = models.PositiveSmallIntegerField(null=True, blank=True, help_text="Edition year where cited, e.g. 2016.")
    topic = models.CharField(max_length=500, blank=True, help_text="Section or topic within the guideline.")
    pages = models.CharField(max_length=100, blank=True, help_text="Pages as cited, e.g. 303-305.")
    text = models.TextField(blank=True, help_text="The citation as written in the letter.")

    class Meta:
        ordering = ["item", "role", "position"]
        indexes = [
            models.Index(fields=["guideline", "role", "item"], name="citation_guideline_role"),
            models.Index(fields=["item", "role"], name="citation_item_role"),
        ]

    def __str__(self) -> str:
        return f"{self.guideline.title} ({self.get_role_display()})"


class UploadBatch(models.Model):
    """A large admin upload: its files are staged on disk and ingested by a background worker."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, help_text="Staff user who uploaded the files."
    )
    created_at = models.DateTimeField(auto_now_add=True, help_text="When the upload was received.")
    finished_at = models.DateTimeField(null=True, blank=True, help_text="When the worker finished it.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED, help_text="Where the batch stands.")
    staged_files = models.JSONField(
        default=list, blank=True, help_text="Staged uploads waiting for the worker: [{'path': ..., 'name': ...}]."
    )
    total = models.PositiveIntegerField(default=0, help_text="Letters found so far (zip entries counted once opened).")
    processed = models.PositiveIntegerField(default=0, help_text="Letters written so far.")
    ingested = models.PositiveIntegerField(default=0, help_text="New letters.")
    duplicates = models.PositiveIntegerField(default=0, help_text="Letters already in the archive.")
    failed = models.PositiveIntegerField(default=0, help_text="Files that could not be read or were refused.")
    results = models.JSONField(default=list, blank=True, help_text="One row per file: filename, status, message, case key.")
    error = models.TextField(blank=True, help_text="Why the whole batch stopped, when it did.")

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "upload batches"

    def __str__(self) -> str:
        return f"Upload {self.pk} ({self.get_status_display()})"

    @property
    def is_finished(self) -> bool:
        return self.status in {self.Status.DONE, self.Status.FAILED}
