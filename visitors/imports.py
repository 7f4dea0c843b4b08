"""CSV imports of visits as background jobs (the parsing and the rules are in
`csv_import`).

1. The request checks the limits (size, lines) before any parsing, stores the
   file in the configured storage (S3 in production, so a worker on another
   machine reads it), records the job and queues the task after commit.
2. The task claims the job with a conditional UPDATE (from `queued`, or from
   `running` whose worker stopped beating), so two deliveries of the same
   message never import twice.
3. It checks every line, then creates every visit, in ONE transaction that
   also marks the job done: a worker killed mid-way (SIGKILL, a lost machine)
   leaves no visit and a job still `running`; the message comes back (acks
   late) or the sweeper re-queues it, and the next attempt starts over. After
   MAX_ATTEMPTS the job is `failed`, visibly, with nothing imported.
4. Progress (lines checked, visits imported) goes to the cache, the only place
   the screen can read while the transaction is open; it is the heartbeat too.
5. The stored file is deleted once the job is over.

All or nothing, without holding up the desk: the visits' journal entries are
appended at the end of the transaction (`audit.deferred`), so the organization's
journal head (each entry is chained to the previous one; every arrival takes
it) is held for those appends only, not for the whole import (about 5 to 75 ms
a line depending on the machine's load: minutes for a file of MAX_ROWS).
"""

import datetime
import logging
import secrets
import time
import uuid
from collections import Counter

from django.conf import settings
from django.core.cache import cache
from django.core.files.storage import storages
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone, translation

from audit import services as audit
from tenancy.context import Actor, current_actor
from tenancy.scope import tenant_scope

from . import csv_import
from .models import ImportJob, ImportStatus

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 3
HEARTBEAT_STALE = 120  # seconds without progress: the worker is gone
KEEP_DAYS = 7  # finished jobs (their line errors may quote personal data)


def import_storage():
    return storages["default"]


def _progress_key(job_id) -> str:
    return f"visitors:import:{job_id}:progress"


def _beat(job_id, checked, imported):
    cache.set(_progress_key(job_id), {"checked": checked, "imported": imported, "at": time.time()}, 86400)


def _beat_age(job_id) -> float:
    live = cache.get(_progress_key(job_id))
    return time.time() - live["at"] if live else float("inf")


def progress(job: ImportJob) -> dict:
    """Lines checked and visits imported, with percentages, for the screen."""
    checked, imported = job.rows_checked, job.rows_imported
    if job.status == ImportStatus.RUNNING:
        live = cache.get(_progress_key(job.pk)) or {}
        checked, imported = live.get("checked", 0), live.get("imported", 0)
    total = job.rows_total or 0

    def percent(n):
        return min(100, int(n * 100 / total)) if total else (100 if job.over else 0)

    return {
        "total": total,
        "checked": checked,
        "imported": imported,
        "checked_percent": percent(checked),
        "imported_percent": percent(imported),
    }


@transaction.atomic
def start_import(*, membership, site, upload) -> ImportJob:
    """Step 1 (in the request): limits, storage, job, task after commit.
    Raises csv_import.TooLarge, naming the limit, before anything is stored."""
    rows = csv_import.check_limits(upload)
    key = f"imports/{membership.organization_id}/{uuid.uuid4().hex}.csv"
    stored = import_storage().save(key, upload)
    job = ImportJob.objects.create(
        organization_id=membership.organization_id,
        site=site,
        requested_by=membership,
        file_name=(upload.name or "")[:200],
        storage_key=stored,
        size=upload.size,
        rows_total=rows,
        language=translation.get_language() or settings.LANGUAGE_CODE,
    )
    org_id, job_id = job.organization_id, job.pk
    transaction.on_commit(lambda: enqueue(org_id, job_id))
    return job


def enqueue(org_id: int, job_id: int) -> None:
    from .tasks import run_import  # cycle: visitors.tasks imports this module

    options = {}
    if getattr(settings, "VISITORS_IMPORT_QUEUE", None):
        options["queue"] = settings.VISITORS_IMPORT_QUEUE
    run_import.apply_async((org_id, job_id), **options)


def claim(*, organization_id: int, job_id: int) -> str | None:
    """Step 2: this attempt's token if it owns the job now, else None. A job
    whose attempts are spent is marked failed here."""
    with tenant_scope(organization_id):
        job = ImportJob.objects.filter(pk=job_id).first()
        if job is None or job.over:
            return None
        stale = job.status == ImportStatus.RUNNING and _beat_age(job_id) > HEARTBEAT_STALE
        if job.status == ImportStatus.RUNNING and not stale:
            return None  # another worker is on it
        if job.attempts >= MAX_ATTEMPTS:
            _finish_failed(job)
            return None
        token = secrets.token_hex(8)
        claimable = Q(status=ImportStatus.QUEUED) | Q(
            status=ImportStatus.RUNNING, claim_token=job.claim_token
        )
        won = (
            ImportJob.objects.filter(pk=job_id)
            .filter(claimable)
            .update(
                status=ImportStatus.RUNNING,
                claim_token=token,
                attempts=F("attempts") + 1,
                started_at=timezone.now(),
            )
        )
    if won:
        _beat(job_id, 0, 0)
    return token if won else None


def _finish_failed(job: ImportJob) -> None:
    ImportJob.objects.filter(pk=job.pk, claim_token=job.claim_token).update(
        status=ImportStatus.FAILED,
        error="stopped",
        rows_checked=0,
        rows_imported=0,
        finished_at=timezone.now(),
    )
    _delete_file_after_commit(job.storage_key)


def _delete_file_after_commit(key: str) -> None:
    if key:
        transaction.on_commit(lambda: _delete_file(key))


def _delete_file(key: str) -> None:
    try:
        import_storage().delete(key)
    except Exception:  # the file is swept later; the import's outcome stands
        log.warning("import file %s not deleted", key, exc_info=True)


class _Acting:
    """Journal entries written by the import name the member who imported."""

    def __init__(self, membership):
        self.actor = Actor(user_id=membership.user_id if membership else None)

    def __enter__(self):
        self.reset = current_actor.set(self.actor)

    def __exit__(self, *exc):
        current_actor.reset(self.reset)


def run_import(*, organization_id: int, job_id: int) -> bool:
    """Steps 2 to 5. True when this call finished the job (done or refused)."""
    token = claim(organization_id=organization_id, job_id=job_id)
    if token is None:
        return False
    with tenant_scope(organization_id):
        job = ImportJob.objects.select_related("site", "requested_by__user").get(pk=job_id)
    with import_storage().open(job.storage_key, "rb") as handle:
        data = handle.read(csv_import.MAX_BYTES + 1)
    try:
        return _import(job, token, data)
    except Exception as exc:
        log.exception("import %s failed", job_id)
        _release(organization_id, job_id, token, exc)
        raise


def _release(organization_id, job_id, token, exc) -> None:
    """A failed attempt: back to the queue while attempts remain, else failed."""
    with tenant_scope(organization_id):
        job = ImportJob.objects.filter(pk=job_id, claim_token=token).first()
        if job is None:
            return
        if job.attempts >= MAX_ATTEMPTS:
            _finish_failed(job)
        else:
            ImportJob.objects.filter(pk=job_id, claim_token=token).update(
                status=ImportStatus.QUEUED, error=str(exc)[:1000]
            )


def _import(job: ImportJob, token: str, data: bytes) -> bool:
    organization_id, job_id, member = job.organization_id, job.pk, job.requested_by
    with translation.override(job.language), _Acting(member), tenant_scope(organization_id):
        if member is None or not member.is_active:
            result = csv_import.ImportResult(
                errors=[translation.gettext("The member who imported this file is no longer active.")]
            )
        else:
            # The visits' journal entries are appended at the end: until then the
            # organization's journal head, which every arrival takes, stays free.
            with audit.deferred():
                result = csv_import.import_visits(
                    data,
                    organization=organization_id,
                    site=job.site,
                    by=member,
                    progress=lambda checked, imported: _beat(job_id, checked, imported),
                )
        # In the visits' transaction: the job is done exactly when they exist.
        finished = ImportJob.objects.filter(pk=job_id, claim_token=token, status=ImportStatus.RUNNING).update(
            status=ImportStatus.DONE if result.ok else ImportStatus.REFUSED,
            rows_checked=job.rows_total,
            rows_imported=len(result.created),
            errors=result.errors,
            invitations=dict(Counter(getattr(v, "invitation", "") for v in result.created)),
            finished_at=timezone.now(),
        )
        if not finished:
            # Another attempt took the job over while this one ran: ours is
            # not the import of record.
            transaction.set_rollback(True)
        else:
            _delete_file_after_commit(job.storage_key)
    cache.delete(_progress_key(job_id))
    return bool(finished)


def stalled_jobs() -> list[int]:
    """Jobs whose worker vanished (no heartbeat) or never picked them up."""
    forgotten = timezone.now() - datetime.timedelta(minutes=5)
    return [
        job.pk
        for job in ImportJob.objects.filter(status__in=[ImportStatus.QUEUED, ImportStatus.RUNNING])
        if (job.status == ImportStatus.RUNNING and _beat_age(job.pk) > HEARTBEAT_STALE)
        or (job.status == ImportStatus.QUEUED and job.created_at < forgotten)
    ]


def forget_old_jobs(*, now=None) -> int:
    """Finished jobs older than KEEP_DAYS go, with their line errors."""
    cutoff = (now or timezone.now()) - datetime.timedelta(days=KEEP_DAYS)
    old = ImportJob.objects.filter(
        status__in=[ImportStatus.DONE, ImportStatus.REFUSED, ImportStatus.FAILED], created_at__lt=cutoff
    )
    count, _detail = old.delete()
    return count
