"""Scheduled exports: a database-backed schedule read by a beat task every few
minutes (`reports.tasks.run_schedules_all`).

One tick for one organization:
1. For each active schedule, the latest run moment at or before now (its time
   of day in the organization's time zone; Mondays for weekly, the 1st for
   monthly) gives a period (the schedule's relative period: previous day, week
   or month before that moment).
2. A ScheduleRun row is created for (schedule, period_start); the unique
   constraint makes this the idempotency key: a second tick, a second beat or a
   re-run finds the row and writes no second file.
3. A new run, or a failed one with attempts left, gets an export job (the
   export machinery in services.py writes the file, retries included).
4. When the job is done the run is done and recipients get an e-mail with a
   download link, sent after commit, once (`notified_at` claimed by UPDATE).
"""

import datetime
import logging
import re
import zoneinfo

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from audit import services as audit
from tenancy.scope import tenant_scope

from .filters import RELATIVE_PERIODS, FilterError, period_bounds, select
from .models import ExportSchedule, Frequency, JobStatus, RunStatus, ScheduleRun
from .services import create_export

log = logging.getLogger(__name__)

MAX_RUN_ATTEMPTS = 3
DEFAULT_PERIOD = {
    Frequency.DAILY: "previous_day",
    Frequency.WEEKLY: "previous_week",
    Frequency.MONTHLY: "previous_month",
}
PREFIX = re.compile(r"^[A-Za-z0-9_\-]+(/[A-Za-z0-9_\-]+)*$")
SCHEDULE_FIELDS = (
    "name",
    "dataset",
    "filters",
    "columns",
    "delimiter",
    "frequency",
    "time_of_day",
    "recipients",
    "prefix",
    "language",
    "active",
)


def clean_prefix(value: str) -> str:
    """A destination prefix inside the organization's export folder."""
    value = (value or "").strip().strip("/")
    if value and not PREFIX.match(value):
        raise FilterError("prefix", _("Use letters, digits, '-', '_' and '/' only."))
    return value


def validate(*, membership, values: dict) -> dict:
    """FilterError naming the field on bad input; the cleaned values otherwise."""

    values = dict(values)
    filters = dict(values.get("filters") or {})
    period = filters.get("period") or DEFAULT_PERIOD[values["frequency"]]
    if period not in RELATIVE_PERIODS:
        raise FilterError("period", _("A schedule needs a relative period: previous day, week or month."))
    filters.pop("from", None), filters.pop("to", None)
    filters["period"] = period
    selection = select(values["dataset"], membership, filters, values.get("columns"))
    # Stored relative: the dates are resolved at each run, not now.
    values["filters"] = {k: v for k, v in selection.filters.items() if k not in ("from", "to")}
    values["columns"] = [c.key for c in selection.columns]
    values["prefix"] = clean_prefix(values.get("prefix", ""))
    return values


@transaction.atomic
def create_schedule(*, membership, **values) -> ExportSchedule:
    values = validate(membership=membership, values=values)
    schedule = ExportSchedule.objects.create(
        organization_id=membership.organization_id,
        created_by=membership,
        **{k: values[k] for k in SCHEDULE_FIELDS if k in values},
    )
    audit.record("export_schedule.created", target=schedule, data={"dataset": schedule.dataset})
    return schedule


@transaction.atomic
def update_schedule(*, schedule: ExportSchedule, membership, **values) -> ExportSchedule:
    merged = {f: getattr(schedule, f) for f in SCHEDULE_FIELDS}
    merged.update(values)
    merged = validate(membership=membership, values=merged)
    for field in SCHEDULE_FIELDS:
        setattr(schedule, field, merged[field])
    schedule.save()
    audit.record("export_schedule.updated", target=schedule, data={"fields": sorted(values)})
    return schedule


@transaction.atomic
def delete_schedule(*, schedule: ExportSchedule) -> None:
    schedule_id = schedule.pk
    schedule.delete()
    audit.record("export_schedule.deleted", target=("reports.exportschedule", schedule_id))


def run_moment(schedule, now, tz: str) -> datetime.date:
    """The local day of the latest run at or before `now` (step 1)."""
    local = timezone.localtime(now, zoneinfo.ZoneInfo(tz))
    day = local.date() if local.time() >= schedule.time_of_day else local.date() - datetime.timedelta(days=1)
    if schedule.frequency == Frequency.WEEKLY:
        day -= datetime.timedelta(days=day.weekday())
    elif schedule.frequency == Frequency.MONTHLY:
        day = day.replace(day=1)
    return day


def due_period(schedule, now, tz) -> tuple[datetime.date, datetime.date]:
    period = schedule.filters.get("period") or DEFAULT_PERIOD[schedule.frequency]
    return period_bounds(period, run_moment(schedule, now, tz))


def tick(*, organization_id, now=None) -> int:
    """Steps 1-4 for one organization; returns how many runs were started."""
    started = 0
    with tenant_scope(organization_id) as org:
        now = now or timezone.now()
        for schedule in ExportSchedule.objects.filter(active=True):
            start, end = due_period(schedule, now, org.timezone)
            run, created = ScheduleRun.objects.get_or_create(
                schedule=schedule,
                period_start=start,
                defaults={"organization_id": org.pk, "period_end": end, "status": RunStatus.FAILED},
            )
            if created:
                started += _start(run)
        retry = ScheduleRun.objects.filter(
            status=RunStatus.FAILED, attempts__lt=MAX_RUN_ATTEMPTS, schedule__active=True
        ).select_related("schedule")
        for run in retry:
            started += _start(run)
        for run in ScheduleRun.objects.filter(status=RunStatus.RUNNING).select_related("job", "schedule"):
            _sync(run)
    return started


def _start(run: ScheduleRun) -> int:
    """Claim the run (conditional UPDATE on its attempts) and give it a job."""
    won = ScheduleRun.objects.filter(pk=run.pk, status=RunStatus.FAILED, attempts=run.attempts).update(
        status=RunStatus.RUNNING, attempts=run.attempts + 1, error=""
    )
    if not won:
        return 0

    schedule = run.schedule
    filters = {**schedule.filters, "period": "custom"}
    filters.update({"from": run.period_start.isoformat(), "to": run.period_end.isoformat()})
    try:
        if schedule.created_by is None or not schedule.created_by.is_active:
            raise FilterError("created_by", _("The member who created this schedule is no longer active."))
        with translation.override(schedule.language):
            job = create_export(
                membership=schedule.created_by,
                dataset=schedule.dataset,
                filters=filters,
                columns=schedule.columns,
                delimiter=schedule.delimiter,
                prefix=schedule.prefix,
                schedule_run=run.pk,
            )
    except FilterError as exc:
        ScheduleRun.objects.filter(pk=run.pk).update(
            status=RunStatus.FAILED, error=f"{exc.field}: {exc.message}"
        )
        return 0
    ScheduleRun.objects.filter(pk=run.pk).update(job=job)
    return 1


def _sync(run: ScheduleRun) -> None:
    job = run.job
    if job is None:
        return
    if job.status in (JobStatus.DONE, JobStatus.EXPIRED):
        ScheduleRun.objects.filter(pk=run.pk, status=RunStatus.RUNNING).update(
            status=RunStatus.DONE, finished_at=timezone.now()
        )
        _notify(run)
    elif job.status == JobStatus.FAILED:
        ScheduleRun.objects.filter(pk=run.pk, status=RunStatus.RUNNING).update(
            status=RunStatus.FAILED, error=job.error or "export failed", finished_at=timezone.now()
        )


def after_job(*, organization_id, job_id) -> None:
    """Called by the export when its job ends: finish its run without waiting
    for the next tick."""
    with tenant_scope(organization_id):
        for run in ScheduleRun.objects.filter(job_id=job_id, status=RunStatus.RUNNING).select_related(
            "job", "schedule"
        ):
            _sync(run)


def _notify(run: ScheduleRun) -> None:
    schedule = run.schedule
    if not schedule.recipients:
        return
    if not ScheduleRun.objects.filter(pk=run.pk, notified_at__isnull=True).update(notified_at=timezone.now()):
        return
    with translation.override(schedule.language):
        link = settings.PUBLIC_URL + reverse("export_download", kwargs={"pk": run.job_id})
        subject = _("Scheduled export “%(name)s” is ready") % {"name": schedule.name}
        body = _(
            "The export “%(name)s” from %(start)s to %(end)s is ready.\n\n"
            "Download it (sign-in required): %(link)s\n\nThe file expires on %(expires)s."
        ) % {
            "name": schedule.name,
            "start": run.period_start.isoformat(),
            "end": run.period_end.isoformat(),
            "link": link,
            "expires": run.job.expires_at.date().isoformat() if run.job.expires_at else "",
        }
        if run.job.diagnostics:
            # Written in the export's language when it ended; the schedule's is the same.
            body += (
                "\n\n"
                + _("Why rows may be missing:")
                + "\n"
                + "\n".join(f"- {n}" for n in run.job.diagnostics)
            )
    recipients = list(schedule.recipients)
    # No network call inside the transaction: the e-mail leaves after commit.
    transaction.on_commit(lambda: _send(subject, body, recipients))


def _send(subject, body, recipients):
    try:
        send_mail(subject, body, None, recipients)
    except Exception:
        log.exception("scheduled export e-mail failed")
