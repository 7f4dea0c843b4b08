"""Consent texts and their immutable versions, signed consents, attachments kept
in object storage, the per-organization document policy and document archives.

Files are never FileFields: rows keep a random storage key and the services pass
the storage explicitly, so the same code serves the local disk and S3 (and tests
can point one call at a live S3 endpoint without touching settings)."""

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager
from modeltrans.fields import TranslationField

from config import translated
from sites.models import Site
from tenancy.models import Organization, language_choices
from visitors.models import Visit, Visitor, VisitType


class ConsentKind(models.TextChoices):
    SAFETY = "safety", _("Safety rules")
    NDA = "nda", _("Non-disclosure agreement")
    PRIVACY = "privacy", _("Privacy notice")
    OTHER = "other", _("Other")


class ConsentText(models.Model):
    """A text visitors sign. Its wording lives in versions; this row holds what
    may change without changing what people signed."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, db_index=True)
    kind = models.CharField(_("kind"), max_length=20, choices=ConsentKind.choices, default=ConsentKind.OTHER)
    visit_types = models.ManyToManyField(
        VisitType,
        through="ConsentRequirement",
        blank=True,
        related_name="consent_texts",
        verbose_name=_("visit types that require it"),
    )
    # A returning visitor who signed the same version within this period is not
    # asked again; empty means "sign at every visit".
    validity_months = models.PositiveIntegerField(_("validity (months)"), null=True, blank=True)
    active = models.BooleanField(_("active"), default=True)
    current_version = models.ForeignKey(
        "ConsentVersion", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager(organization="organization")

    class Meta:
        ordering = ["kind", "pk"]
        verbose_name = _("consent text")

    def __str__(self):
        return self.current_version.title_in() if self.current_version else f"#{self.pk}"


class ConsentRequirement(models.Model):
    """Visit type → consent text. An explicit table so that it carries the
    organization and falls under row-level security like every tenant row."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, db_index=True)
    consent_text = models.ForeignKey(ConsentText, on_delete=models.CASCADE)
    visit_type = models.ForeignKey(VisitType, on_delete=models.CASCADE)

    objects = ScopedManager(organization="organization")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["consent_text", "visit_type"], name="consent_requirement_unique")
        ]

    def __str__(self):
        return f"{self.visit_type_id} requires {self.consent_text_id}"


class ConsentVersion(models.Model):
    """One wording of a consent text. Once signed it never changes: the services
    refuse, and a database trigger refuses any UPDATE of a signed version."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, db_index=True)
    consent_text = models.ForeignKey(ConsentText, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    # In settings.LANGUAGE_CODE; the other languages in `i18n` (config/translated.py),
    # frozen with the rest of the row once signed (the trigger covers every column).
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    i18n = TranslationField(fields=("title", "body"))

    objects = ScopedManager(organization="organization")

    class Meta:
        ordering = ["consent_text", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["consent_text", "number"], name="consent_version_unique_number")
        ]
        verbose_name = _("consent text version")

    def __str__(self):
        return f"{self.title_in()} (v{self.number})"

    def shown_language(self, language: str | None = None) -> str:
        """The language the text is shown in: the one asked for (else the active
        one) when this version has it, else settings.LANGUAGE_CODE."""
        code = translated.supported(language) if language else translated.current_language()
        if code and translated.has(self, "title", code) and translated.has(self, "body", code):
            return code
        return translated.default_language()

    def title_in(self, language: str | None = None) -> str:
        return translated.get(self, "title", self.shown_language(language))

    def body_in(self, language: str | None = None) -> str:
        return translated.get(self, "body", self.shown_language(language))

    def shown_text(self, language: str) -> str:
        """Exactly what the signing page shows; its SHA-256 is the proof."""
        return f"{self.title_in(language)}\n\n{self.body_in(language)}"


class SigningChannel(models.TextChoices):
    DESK = "desk", _("Reception desk")
    KIOSK = "kiosk", _("Kiosk")
    INVITATION = "invitation", _("Invitation page")


class SignedConsent(models.Model):
    """Proof that one person accepted one exact version of a text."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, db_index=True)
    # SET_NULL: the proof may have to outlive the visit row (purged by retention).
    visit = models.ForeignKey(Visit, on_delete=models.SET_NULL, null=True, related_name="signed_consents")
    visitor = models.ForeignKey(Visitor, on_delete=models.SET_NULL, null=True, related_name="signed_consents")
    site = models.ForeignKey(Site, on_delete=models.SET_NULL, null=True, related_name="+")
    version = models.ForeignKey(ConsentVersion, on_delete=models.PROTECT, related_name="signatures")
    text_sha256 = models.CharField(max_length=64)
    language = models.CharField(_("language"), max_length=5, choices=language_choices)
    signer_name = models.CharField(_("signer's name"), max_length=200)
    signature_key = models.CharField(max_length=200, blank=True)
    certificate_key = models.CharField(max_length=200, blank=True)
    certificate_sha256 = models.CharField(max_length=64, blank=True)
    channel = models.CharField(_("signed at"), max_length=20, choices=SigningChannel.choices)
    signed_at = models.DateTimeField(_("signed on"))
    ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=400, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Set by retention: personal fields blanked, files dropped, the row kept for counts.
    anonymised_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedManager(organization="organization")

    class Meta:
        ordering = ["-signed_at"]
        indexes = [
            models.Index(fields=["organization", "visitor", "version"]),
            models.Index(fields=["organization", "signed_at"]),
        ]
        verbose_name = _("signed consent")

    def __str__(self):
        return f"consent {self.pk} v{self.version_id}"


class AttachmentKind(models.TextChoices):
    ID_DOCUMENT = "id_document", _("ID document")
    PERMIT = "permit", _("Permit")
    INSURANCE = "insurance", _("Insurance certificate")
    PHOTO = "photo", _("Photo")
    OTHER = "other", _("Other")


class UploadChannel(models.TextChoices):
    DESK = "desk", _("Reception desk")
    HOST = "host", _("Host")
    INVITATION = "invitation", _("Invitation page")
    API = "api", _("API")


class Attachment(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, db_index=True)
    visit = models.ForeignKey(Visit, on_delete=models.SET_NULL, null=True, related_name="attachments")
    visitor = models.ForeignKey(Visitor, on_delete=models.SET_NULL, null=True, related_name="attachments")
    site = models.ForeignKey(Site, on_delete=models.SET_NULL, null=True, related_name="+")
    kind = models.CharField(
        _("kind"), max_length=20, choices=AttachmentKind.choices, default=AttachmentKind.OTHER
    )
    # Random, never derived from the client's file name.
    storage_key = models.CharField(max_length=200, unique=True)
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    channel = models.CharField(max_length=20, choices=UploadChannel.choices)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)
    # Set by retention when the file was dropped and the name blanked.
    purged_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedManager(organization="organization")

    class Meta:
        ordering = ["-uploaded_at"]
        indexes = [models.Index(fields=["organization", "uploaded_at"])]
        verbose_name = _("attachment")

    def __str__(self):
        return f"attachment {self.pk}"


class FileType(models.TextChoices):
    PDF = "application/pdf", "PDF"
    JPEG = "image/jpeg", "JPEG"
    PNG = "image/png", "PNG"
    WEBP = "image/webp", "WebP"


def default_allowed_types() -> list[str]:
    return [FileType.PDF, FileType.JPEG, FileType.PNG]


class DocumentPolicy(models.Model):
    """Per organization: which file types and sizes attachments may have."""

    organization = models.OneToOneField(Organization, on_delete=models.CASCADE, db_index=True)
    allowed_types = ArrayField(
        models.CharField(max_length=100, choices=FileType.choices),
        default=default_allowed_types,
        verbose_name=_("allowed file types"),
    )
    max_size_mb = models.PositiveIntegerField(_("maximum file size (MB)"), default=10)

    objects = ScopedManager(organization="organization")

    def __str__(self):
        return f"document policy of {self.organization_id}"

    @property
    def max_size_bytes(self) -> int:
        return self.max_size_mb * 1024 * 1024


class ArchiveStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Being built")
    READY = "ready", _("Ready")
    FAILED = "failed", _("Failed")
    EXPIRED = "expired", _("Expired")


class DocumentArchive(models.Model):
    """A ZIP of documents and consent certificates for sites and a period."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, db_index=True)
    requested_by = models.ForeignKey(
        "tenancy.Membership", on_delete=models.SET_NULL, null=True, related_name="+"
    )
    site_ids = ArrayField(models.BigIntegerField())
    date_from = models.DateField(_("from"))
    date_to = models.DateField(_("to"))
    status = models.CharField(max_length=20, choices=ArchiveStatus.choices, default=ArchiveStatus.QUEUED)
    storage_key = models.CharField(max_length=200, blank=True)
    size = models.PositiveBigIntegerField(null=True, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    included = models.PositiveIntegerField(default=0)
    left_out = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedManager(organization="organization")

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("document archive")

    def __str__(self):
        return f"archive {self.pk}"
