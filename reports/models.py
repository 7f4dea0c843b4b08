"""Export jobs (one CSV file each), export schedules and their runs."""

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from tenancy.models import Membership, Organization


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Ready")
    FAILED = "failed", _("Failed")
    EXPIRED = "expired", _("Expired")


class ExportJob(models.Model):
    """One CSV export: what was asked (dataset, filters, columns), its progress,
    and the file once written (key, size, SHA-256, expiry).

    `claim_token` names the attempt that owns the job: a worker that lost its
    claim (killed, then retried by another) can no longer mark it done."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, db_index=True)
    requested_by = models.ForeignKey(
        Membership, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    dataset = models.CharField(_("dataset"), max_length=40)
    filters = models.JSONField(_("filters"), default=dict, blank=True)
    columns = ArrayField(models.CharField(max_length=60), default=list, verbose_name=_("columns"))
    delimiter = models.CharField(_("delimiter"), max_length=1, default=";")
    language = models.CharField(max_length=5, default="fr")
    status = models.CharField(_("status"), max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED)
    rows_done = models.PositiveIntegerField(_("rows written"), default=0)
    rows_total = models.PositiveIntegerField(_("rows to write"), null=True, blank=True)
    size = models.BigIntegerField(_("size (bytes)"), null=True, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    storage_key = models.CharField(max_length=300, blank=True)
    prefix = models.CharField(max_length=200, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    claim_token = models.CharField(max_length=32, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)
    # Why the file is empty or small, in the job's language, as the preview says
    # it (reports.diagnostics): written when the job ends with few rows.
    diagnostics = models.JSONField(_("why rows are missing"), default=list, blank=True)
    # The primary's WAL position when the job was asked for: the file is read
    # from the replica only once it has replayed that far, so it holds what the
    # member wrote just before (config/replica.py).
    read_after = models.CharField(max_length=32, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)

    objects = ScopedManager(organization="organization")

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["organization", "status", "expires_at"])]
        verbose_name = _("export")

    def __str__(self):
        return f"export {self.pk} ({self.dataset}, {self.status})"

    @property
    def filename(self) -> str:
        return f"{self.dataset}-{self.pk}.csv"

    @property
    def percent(self) -> int:
        if self.status == JobStatus.DONE:
            return 100
        if not self.rows_total:
            return 0
        return min(100, int(self.rows_done * 100 / self.rows_total))


class Frequency(models.TextChoices):
    DAILY = "daily", _("Daily")
    WEEKLY = "weekly", _("Weekly")
    MONTHLY = "monthly", _("Monthly")


class ExportSchedule(models.Model):
    """A recurring export. Its filters carry a relative period (previous day,
    week or month) resolved when it runs, in the organization's time zone."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, db_index=True)
    name = models.CharField(_("name"), max_length=100)
    dataset = models.CharField(_("dataset"), max_length=40)
    filters = models.JSONField(_("filters"), default=dict, blank=True)
    columns = ArrayField(models.CharField(max_length=60), default=list, blank=True, verbose_name=_("columns"))
    delimiter = models.CharField(_("delimiter"), max_length=1, default=";")
    frequency = models.CharField(_("frequency"), max_length=10, choices=Frequency.choices)
    time_of_day = models.TimeField(_("time of day"))
    recipients = ArrayField(models.EmailField(), default=list, blank=True, verbose_name=_("recipients"))
    prefix = models.CharField(_("destination prefix"), max_length=200, blank=True)
    language = models.CharField(_("language"), max_length=5, default="fr")
    active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        Membership, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager(organization="organization")

    class Meta:
        ordering = ["name"]
        verbose_name = _("export schedule")

    def __str__(self):
        return self.name


class RunStatus(models.TextChoices):
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class ScheduleRun(models.Model):
    """One period of one schedule. Unique per (schedule, period_start): running
    yesterday's export again finds this row instead of writing a second file."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, db_index=True)
    schedule = models.ForeignKey(ExportSchedule, on_delete=models.CASCADE, related_name="runs")
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    status = models.CharField(
        _("status"), max_length=10, choices=RunStatus.choices, default=RunStatus.RUNNING
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    job = models.ForeignKey(ExportJob, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    error = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    notified_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedManager(organization="organization")

    class Meta:
        ordering = ["-period_start", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["schedule", "period_start"], name="schedulerun_unique_period")
        ]
        verbose_name = _("schedule run")

    def __str__(self):
        return f"{self.schedule_id} {self.period_start}"
