"""Backups (platform level) and restore tickets (tenant level).

BackupRun and DrillReport have no organization: one backup holds every
tenant, and only platform staff and the backup commands read them. Tickets,
their comments and support access grants belong to one organization and are
under row-level security like every tenant row.
"""

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from sites.models import Site
from tenancy.models import Organization


class RunStatus(models.TextChoices):
    RUNNING = "running", _("Running")
    OK = "ok", _("Complete")
    PARTIAL = "partial", _("Incomplete (some copies failed)")
    FAILED = "failed", _("Failed")


class BackupRun(models.Model):
    backup_id = models.CharField(max_length=64, unique=True)
    status = models.CharField(max_length=10, choices=RunStatus.choices, default=RunStatus.RUNNING)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    size_bytes = models.BigIntegerField(default=0)
    key_id = models.CharField(max_length=64, blank=True)
    copies = models.PositiveSmallIntegerField(default=0)
    copies_planned = models.PositiveSmallIntegerField(default=0)
    # Destinations (name, ok, error), the 3-2-1 report, the parts' checksums.
    report = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    verified_at = models.DateTimeField(null=True, blank=True)
    verified_ok = models.BooleanField(null=True)

    class Meta:
        ordering = ["-started_at"]
        verbose_name = _("backup")

    def __str__(self):
        return self.backup_id

    @property
    def duration(self):
        return (self.finished_at - self.started_at).total_seconds() if self.finished_at else None

    @property
    def destinations(self) -> list[str]:
        return [d["name"] for d in self.report.get("destinations", []) if d.get("ok")]


class DrillReport(models.Model):
    """One restore drill: each check, its timing, the measured RTO and RPO."""

    backup = models.ForeignKey(BackupRun, on_delete=models.CASCADE, related_name="drills", null=True)
    backup_label = models.CharField(max_length=64)
    kind = models.CharField(max_length=10, default="drill")  # drill, restore
    ok = models.BooleanField(default=False)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    rto_seconds = models.FloatField(null=True, blank=True)
    rpo_seconds = models.FloatField(null=True, blank=True)
    checks = models.JSONField(default=list, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at"]

    def __str__(self):
        return f"drill {self.pk} of {self.backup_label}"


class Environment(models.TextChoices):
    PRODUCTION = "production", _("Production")
    STAGING = "staging", _("Staging (recette)")


class Urgency(models.TextChoices):
    LOW = "low", _("Low")
    NORMAL = "normal", _("Normal")
    HIGH = "high", _("High")
    CRITICAL = "critical", _("Critical")


class TicketState(models.TextChoices):
    NEW = "new", _("New")
    NEEDS_INFO = "needs_info", _("Needs information")
    ACCEPTED = "accepted", _("Accepted")
    PREVIEW_READY = "preview_ready", _("Preview ready")
    APPLIED = "applied", _("Applied")
    VERIFIED = "verified", _("Verified")
    CLOSED = "closed", _("Closed")
    REFUSED = "refused", _("Refused")


class DataType(models.TextChoices):
    VISITS = "visits", _("Visits and visitors")
    DOCUMENTS = "documents", _("Documents and consents")
    SETTINGS = "settings", _("Settings")
    JOURNAL = "journal", _("Journal")


class RestoreTicket(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, db_index=True)
    environment = models.CharField(_("environment"), max_length=12, choices=Environment.choices)
    sites = models.ManyToManyField(Site, blank=True, related_name="+", verbose_name=_("sites"))
    period_start = models.DateTimeField(_("from"))
    period_end = models.DateTimeField(_("to"))
    data_types = ArrayField(
        models.CharField(max_length=20, choices=DataType.choices), verbose_name=_("data types")
    )
    point_in_time = models.DateTimeField(_("target point in time"))
    reason = models.TextField(_("reason"))
    urgency = models.CharField(_("urgency"), max_length=10, choices=Urgency.choices, default=Urgency.NORMAL)
    impact = models.TextField(_("impact"), blank=True)
    visit_ids = ArrayField(models.BigIntegerField(), default=list, blank=True, verbose_name=_("visit ids"))
    timestamps = models.TextField(_("timestamps"), blank=True)
    state = models.CharField(max_length=16, choices=TicketState.choices, default=TicketState.NEW)
    refusal_reason = models.TextField(blank=True)
    backup = models.ForeignKey(BackupRun, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    preview = models.JSONField(default=dict, blank=True)
    result = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedManager(organization="organization")

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("restore ticket")

    def __str__(self):
        return _("Restore ticket #%(id)s") % {"id": self.pk}


class TicketAttachment(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, db_index=True)
    ticket = models.ForeignKey(RestoreTicket, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to="restore-tickets/%Y/%m/")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager(organization="organization")

    def __str__(self):
        return self.file.name


class TicketComment(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, db_index=True)
    ticket = models.ForeignKey(RestoreTicket, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    by_support = models.BooleanField(default=False)
    body = models.TextField(_("comment"))
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager(organization="organization")

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"comment {self.pk}"


class SupportGrant(models.Model):
    """Time-boxed access of one support person to the organization's data, for
    one ticket. Support sees no tenant data without an active grant."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, db_index=True)
    ticket = models.ForeignKey(RestoreTicket, on_delete=models.CASCADE, related_name="grants")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    granted_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedManager(organization="organization")

    class Meta:
        ordering = ["-granted_at"]

    def __str__(self):
        return f"grant {self.pk}"
