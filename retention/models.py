"""Retention policies, legal holds, purge runs with their proof, the erasure
ledger, data-subject requests and archive accesses.

None of these rows holds personal data except an open data-subject request's
search terms, which are blanked once an erasure request is carried out.
"""

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from sites.models import Site
from tenancy.models import Organization


class Action(models.TextChoices):
    ANONYMISE = "anonymise", _("Anonymise")
    DELETE = "delete", _("Delete")


class RetentionPolicy(models.Model):
    """How long one data type stays in daily screens (consultation) and in the
    database (retention), for the organization or one of its sites.

    A shortened retention waits in `pending_*` until `effective_at` (the first
    nightly run at least 24 hours after the change), so that a typo cannot
    erase three years of visits the same night."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, db_index=True)
    data_type = models.CharField(_("data type"), max_length=40)
    site = models.ForeignKey(
        Site, on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("site")
    )
    consultation_days = models.IntegerField(_("consultation period (days)"))
    retention_days = models.IntegerField(_("retention period (days)"))
    action = models.CharField(_("action"), max_length=10, choices=Action.choices)
    pending_retention_days = models.IntegerField(null=True, blank=True)
    pending_action = models.CharField(max_length=10, choices=Action.choices, blank=True)
    effective_at = models.DateTimeField(_("takes effect on"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = ScopedManager(organization="organization")

    class Meta:
        ordering = ["data_type", "site_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "data_type"],
                condition=models.Q(site__isnull=True),
                name="retentionpolicy_unique_type",
            ),
            models.UniqueConstraint(
                fields=["organization", "data_type", "site"], name="retentionpolicy_unique_site"
            ),
        ]
        verbose_name = _("retention policy")

    def __str__(self):
        return f"{self.data_type} {self.retention_days}d"


class LegalHold(models.Model):
    """Data a purge or an erasure must not touch: every row matching all the
    given criteria (empty criteria match everything)."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, db_index=True)
    reason = models.TextField(_("reason"))
    sites = models.ManyToManyField(Site, blank=True, related_name="+", verbose_name=_("sites"))
    data_types = ArrayField(models.CharField(max_length=40), default=list, blank=True)
    period_start = models.DateField(_("period from"), null=True, blank=True)
    period_end = models.DateField(_("period to"), null=True, blank=True)
    visitor = models.ForeignKey(
        "visitors.Visitor", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    ends_on = models.DateField(_("end date"), null=True, blank=True)
    released_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager(organization="organization")

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("legal hold")

    def __str__(self):
        return _("Legal hold #%(id)s") % {"id": self.pk}


def person_model():
    """The model of the people a hold or a request names (the visitors app's),
    read from the hold's foreign key rather than imported: this app imports no
    domain app, and the key is what protects a held person from deletion."""
    return LegalHold._meta.get_field("visitor").related_model


class RunKind(models.TextChoices):
    NIGHTLY = "nightly", _("Nightly")
    MANUAL = "manual", _("Manual")
    REQUEST = "request", _("Erasure request")


class RunStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class PurgeRun(models.Model):
    """One purge: the proof of what was anonymised or deleted, and its progress
    (so that a killed worker's run is finished by the next one)."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, db_index=True)
    kind = models.CharField(max_length=10, choices=RunKind.choices)
    status = models.CharField(max_length=10, choices=RunStatus.choices, default=RunStatus.QUEUED)
    # The organization's local date of a nightly run: one nightly run per day.
    local_date = models.DateField(null=True, blank=True)
    subject_request = models.ForeignKey(
        "SubjectRequest", on_delete=models.PROTECT, null=True, blank=True, related_name="runs"
    )
    policy = models.JSONField(default=dict)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    digest = models.CharField(max_length=64, blank=True)
    error = models.TextField(blank=True)

    objects = ScopedManager(organization="organization")

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "local_date"],
                condition=models.Q(kind="nightly"),
                name="purgerun_one_nightly_per_day",
            )
        ]
        verbose_name = _("purge run")

    def __str__(self):
        return f"purge run {self.pk}"


class PurgeProgress(models.Model):
    """One data type (and site, for a per-site policy) within a run: its cut-off
    or target ids, its cursor and the figures of its proof."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, db_index=True)
    run = models.ForeignKey(PurgeRun, on_delete=models.CASCADE, related_name="progress")
    data_type = models.CharField(max_length=40)
    site = models.ForeignKey(Site, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    # Sites with their own policy, left to their own progress row.
    excluded_site_ids = ArrayField(models.BigIntegerField(), default=list, blank=True)
    action = models.CharField(max_length=10, choices=Action.choices)
    cutoff = models.DateTimeField(null=True, blank=True)
    target_ids = ArrayField(models.BigIntegerField(), null=True, blank=True)
    position = models.PositiveIntegerField(default=0)
    # Where the next batch starts: after (cursor_at, cursor) when the run follows
    # the type's timestamp, after the id `cursor` alone otherwise (purge.py).
    cursor = models.BigIntegerField(default=0)
    cursor_at = models.DateTimeField(null=True, blank=True)
    total = models.PositiveIntegerField(default=0)
    done = models.BooleanField(default=False)
    rows_anonymised = models.PositiveIntegerField(default=0)
    rows_deleted = models.PositiveIntegerField(default=0)
    objects_deleted = models.PositiveIntegerField(default=0)
    rows_held = models.PositiveIntegerField(default=0)
    object_failures = models.JSONField(default=list, blank=True)
    oldest = models.DateTimeField(null=True, blank=True)
    newest = models.DateTimeField(null=True, blank=True)
    digest = models.CharField(max_length=64, blank=True)

    objects = ScopedManager(organization="organization")

    class Meta:
        ordering = ["position"]

    def __str__(self):
        return f"{self.data_type} of run {self.run_id}"

    @property
    def processed(self) -> int:
        return self.rows_anonymised + self.rows_deleted


class PurgeBatch(models.Model):
    """The ids one small transaction touched: the digest is computed over these,
    so a resumed run counts each row exactly once."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, db_index=True)
    progress = models.ForeignKey(PurgeProgress, on_delete=models.CASCADE, related_name="batches")
    ids = ArrayField(models.BigIntegerField())
    created_at = models.DateTimeField(auto_now_add=True)
    seconds = models.FloatField(default=0)

    objects = ScopedManager(organization="organization")

    def __str__(self):
        return f"batch {self.pk}"


class ErasureRecord(models.Model):
    """The erasure ledger: which rows of which type were erased, when, by which
    run or request. Ids only, so it can be replayed after a restore (a restore
    must never bring back erased personal data)."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, db_index=True)
    data_type = models.CharField(max_length=40)
    action = models.CharField(max_length=10, choices=Action.choices)
    ids = ArrayField(models.BigIntegerField())
    run = models.ForeignKey(PurgeRun, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    subject_request = models.ForeignKey(
        "SubjectRequest", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    objects = ScopedManager(organization="organization")

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"erasure {self.pk} {self.data_type}"


class RequestKind(models.TextChoices):
    ACCESS = "access", _("Access")
    ERASURE = "erasure", _("Erasure")


class RequestStatus(models.TextChoices):
    OPEN = "open", _("Open")
    DONE = "done", _("Done")
    REFUSED = "refused", _("Refused")


class SubjectRequest(models.Model):
    """A data-subject request (GDPR Art. 15 access, Art. 17 erasure)."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, db_index=True)
    kind = models.CharField(_("kind"), max_length=10, choices=RequestKind.choices)
    reference = models.CharField(_("reference"), max_length=100, blank=True)
    received_on = models.DateField(_("received on"))
    deadline = models.DateField(_("deadline"))
    status = models.CharField(_("status"), max_length=10, choices=RequestStatus.choices, default="open")
    # Search terms; blanked when an erasure request is carried out.
    full_name = models.CharField(_("name"), max_length=200, blank=True)
    email = models.CharField(_("e-mail address"), max_length=254, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    # The visitors compliance confirmed as the person (a search can find namesakes).
    visitor_ids = ArrayField(models.BigIntegerField(), default=list, blank=True)
    refused_hold = models.ForeignKey(
        LegalHold, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    completed_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager(organization="organization")

    class Meta:
        ordering = ["deadline", "id"]
        verbose_name = _("data-subject request")

    def __str__(self):
        return _("Request #%(id)s") % {"id": self.pk}


class ArchiveAccess(models.Model):
    """A compliance member opened the archive of one data type, and why."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, db_index=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    data_type = models.CharField(max_length=40)
    reason = models.TextField(_("reason"))
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()

    objects = ScopedManager(organization="organization")

    def __str__(self):
        return f"archive access {self.pk}"
