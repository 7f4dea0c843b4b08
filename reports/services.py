"""On-demand exports: create a job, write its file, serve it, expire it.

Writing a job (`run_export`), safe to run twice and to be killed at any point:
1. Claim: a conditional UPDATE moves the job from `queued` (or from `running`
   whose worker stopped beating) to `running` with a fresh claim token; whoever
   loses that race does nothing.
2. The previous attempt's object, if any, is removed, and this attempt's key is
   committed on the row before any byte is written, so a later attempt can
   always find and remove what a killed one left.
3. PostgreSQL writes the CSV records through COPY when it gives the same bytes
   as the Python writer (reports.streaming.copy_values: every cell rendered in
   SQL, as for the visits dataset); otherwise rows stream from a named
   server-side cursor (the next batch fetched while this one is written)
   through the Python CSV writer. Either way into a local temporary file
   (constant memory), hashing as they go; progress and a heartbeat go to the
   cache (the export's own transaction is not visible).
4. The file is stored under its final key through Django's storage API, its
   size checked, and the job marked done by an UPDATE that requires our claim
   token: a file is "done" only once complete, and only by its owner.
"""

import contextlib
import datetime
import hashlib
import logging
import secrets
import tempfile
import threading
import time

from django.conf import settings
from django.core.cache import cache
from django.core.files import File
from django.core.files.storage import storages
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone, translation

from audit import services as audit
from config import replica
from tenancy.context import Actor, current_actor
from tenancy.replica import reading_replica
from tenancy.scope import tenant_scope

from . import csvwriter
from .diagnostics import SMALL, diagnose
from .filters import FilterError, select
from .models import ExportJob, JobStatus
from .streaming import copy_records, copy_values, server_rows

log = logging.getLogger(__name__)

CHUNK_ROWS = 5000
LEASE = datetime.timedelta(hours=2)
HEARTBEAT_STALE = 120  # seconds without progress: the worker is gone
HEARTBEAT_EVERY = 20  # seconds between beats while an export is being written
MAX_ATTEMPTS = 3
SMALL_EXPORT_ROWS = 10_000


class WorkerKilled(BaseException):
    """Tests raise it to stand for SIGKILL: nothing after it runs."""


def export_storage():
    return storages["default"]


def export_days() -> int:
    return getattr(settings, "REPORTS_EXPORT_DAYS", 7)


def _progress_key(job_id) -> str:
    return f"reports:export:{job_id}:progress"


def progress(job: ExportJob) -> dict:
    """Rows done / total: from the cache while running, from the row after."""
    if job.status == JobStatus.RUNNING:
        live = cache.get(_progress_key(job.pk))
        if live:
            return {"done": live["done"], "total": live["total"]}
    return {"done": job.rows_done, "total": job.rows_total}


def _beat(job_id, done, total):
    cache.set(_progress_key(job_id), {"done": done, "total": total, "at": time.time()}, 86400)


def _beat_age(job_id) -> float:
    live = cache.get(_progress_key(job_id))
    return time.time() - live["at"] if live else float("inf")


@transaction.atomic
def create_export(
    *, membership, dataset, filters=None, columns=None, delimiter=";", prefix="", schedule_run=None
):
    """Validate (FilterError on bad input), record the job and `export.created`,
    and queue the task after commit."""
    if delimiter not in csvwriter.DELIMITERS:
        raise FilterError("delimiter", "Use ';' or ','.")
    selection = select(dataset, membership, filters, columns)
    job = ExportJob.objects.create(
        organization_id=membership.organization_id,
        requested_by=membership,
        dataset=selection.dataset.key,
        filters=selection.filters,
        columns=[c.key for c in selection.columns],
        delimiter=delimiter,
        language=translation.get_language() or "fr",
        prefix=prefix,
        read_after=replica.primary_position() if replica.configured() else "",
    )
    audit.record(
        "export.created",
        target=job,
        data={
            "dataset": job.dataset,
            "filters": job.filters,
            "columns": job.columns,
            "schedule_run": schedule_run,
        },
    )
    org_id, job_id = job.organization_id, job.pk
    transaction.on_commit(lambda: _enqueue(org_id, job_id))
    return job


def _enqueue(org_id, job_id):
    from .tasks import run_export  # cycle: reports.tasks imports this module

    run_export.delay(org_id, job_id)


def claim(*, organization_id, job_id) -> str | None:
    """Step 1: the claim token if this attempt owns the job now, else None."""
    with tenant_scope(organization_id):
        job = ExportJob.objects.filter(pk=job_id).first()
        if job is None:
            return None
        token, now = secrets.token_hex(8), timezone.now()
        claimable = Q(status=JobStatus.QUEUED)
        if job.status == JobStatus.RUNNING and (
            (job.lease_until and job.lease_until < now) or _beat_age(job_id) > HEARTBEAT_STALE
        ):
            claimable = Q(status=JobStatus.RUNNING, claim_token=job.claim_token)
        won = (
            ExportJob.objects.filter(pk=job_id, attempts__lt=MAX_ATTEMPTS)
            .filter(claimable)
            .update(
                status=JobStatus.RUNNING,
                claim_token=token,
                attempts=F("attempts") + 1,
                lease_until=now + LEASE,
                started_at=now,
                error="",
            )
        )
        if not won and job.status in (JobStatus.QUEUED, JobStatus.RUNNING) and job.attempts >= MAX_ATTEMPTS:
            ExportJob.objects.filter(pk=job_id, claim_token=job.claim_token).update(
                status=JobStatus.FAILED, error=job.error or "too many attempts"
            )
    if won:
        _beat(job_id, 0, None)
    return token if won else None


def run_export(*, organization_id, job_id, on_chunk=None) -> bool:
    """Write one job's file (the numbered steps in the module docstring).
    True when this call finished the job."""
    token = claim(organization_id=organization_id, job_id=job_id)
    if token is None:
        return False
    store = export_storage()
    with tenant_scope(organization_id):
        job = ExportJob.objects.select_related("requested_by__organization").get(pk=job_id)
        # Step 2: the previous attempt's object goes, this attempt's key is known.
        if job.storage_key:
            store.delete(job.storage_key)
        folder = "/".join(p for p in ("exports", str(organization_id), job.prefix) if p)
        key = f"{folder}/{job.dataset}-{job.pk}-{token}.csv"
        ExportJob.objects.filter(pk=job_id, claim_token=token).update(storage_key=key)
    try:
        rows, size, digest, stored, notes = _write(job, token, key, store, on_chunk)
    except Exception as exc:
        log.exception("export %s failed", job_id)
        _release(organization_id, job_id, token, exc)
        from .scheduling import after_job  # cycle: reports.scheduling imports this module

        after_job(organization_id=organization_id, job_id=job_id)
        raise
    with tenant_scope(organization_id):
        now = timezone.now()
        done = ExportJob.objects.filter(pk=job_id, claim_token=token, status=JobStatus.RUNNING).update(
            status=JobStatus.DONE,
            storage_key=stored,
            rows_done=rows,
            rows_total=rows,
            size=size,
            sha256=digest,
            diagnostics=notes,
            finished_at=now,
            lease_until=None,
            expires_at=now + datetime.timedelta(days=export_days()),
        )
        if not done:
            # Another attempt took the job over: ours is not the file of record.
            transaction.on_commit(lambda: store.delete(stored))
    cache.delete(_progress_key(job_id))
    if done:
        from .scheduling import after_job  # cycle: reports.scheduling imports this module

        after_job(organization_id=organization_id, job_id=job_id)
    return bool(done)


def _write(job, token, key, store, on_chunk):
    """Steps 3 and 4: one consistent snapshot streamed to a temporary file,
    then stored; returns (rows, size, sha256, stored key).

    The rows are read from the replica when it has the member's writes
    (`job.read_after`) and is fresh; should it fail during the export, the
    temporary file is dropped and the export written again from the primary:
    no part of a file is ever stored."""
    used = {}
    try:
        return _write_from(job, token, key, store, on_chunk, used, replica_first=True)
    except replica.CONNECTION_ERRORS as exc:
        if used.get("alias") != replica.REPLICA:
            raise
        log.warning("export %s: the replica failed during the export, written again from the primary", job.pk)
        replica.mark_down(exc)
    return _write_from(job, token, key, store, on_chunk, used, replica_first=False)


def _write_from(job, token, key, store, on_chunk, used, *, replica_first):
    membership = job.requested_by
    if membership is None or not membership.is_active:
        raise RuntimeError("the member who asked for this export is no longer active")
    digest, size, done = hashlib.sha256(), 0, 0
    with (
        tenant_scope(job.organization_id),
        translation.override(job.language),
        _acting(membership),
        _reading(job, replica_first) as alias,
    ):
        used["alias"] = alias
        selection = select(job.dataset, membership, job.filters, job.columns)
        total = selection.queryset().count()
        ExportJob.objects.filter(pk=job.pk, claim_token=token).update(rows_total=total)
        _beat(job.pk, 0, total)

        def report(count):
            nonlocal done
            done = count
            _beat(job.pk, count, total)
            if on_chunk is not None:
                on_chunk(count)

        with _heartbeat(job.pk, lambda: (done, total)), tempfile.TemporaryFile() as tmp:
            with contextlib.closing(_csv_chunks(selection, job.delimiter, report)) as chunks:
                for chunk in chunks:
                    tmp.write(chunk)
                    digest.update(chunk)
                    size += len(chunk)
            tmp.seek(0)
            stored = store.save(key, File(tmp, name=key))
        # An empty or small file says why, in the words of the preview.
        notes = diagnose(selection, done) if done < SMALL else []
    if store.size(stored) != size:
        store.delete(stored)
        raise RuntimeError(f"stored {store.size(stored)} bytes of {size}")
    return done, size, digest.hexdigest(), stored, notes


def _reading(job, replica_first):
    """The replica once it has replayed the primary's position when the job was
    asked for (a job from before the replica was configured: the position now);
    the primary after the replica failed."""
    if not replica_first:
        return contextlib.nullcontext(replica.PRIMARY)
    if job.read_after:
        return reading_replica(organization_id=job.organization_id, since=job.read_after)
    return reading_replica(organization_id=job.organization_id)


@contextlib.contextmanager
def _heartbeat(job_id, state):
    """Beats while the file is written and stored, between chunks too: COPY sends
    its first row only once PostgreSQL has sorted them all (a quarter of a
    minute for a million visits, more beyond), and storing a large file takes a
    while. Without a fresh heartbeat another worker would take the job over
    (`claim`). `state()` gives (rows done, total); the thread touches the cache
    only, never the database."""
    stop = threading.Event()

    def beat():
        while not stop.wait(HEARTBEAT_EVERY):
            try:
                _beat(job_id, *state())
            except Exception:  # a cache hiccup must not end the beats, nor the export
                log.warning("export %s: heartbeat not recorded", job_id, exc_info=True)

    thread = threading.Thread(target=beat, name="export-heartbeat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def _csv_chunks(selection, delimiter, report):
    """The file's bytes: written by PostgreSQL's COPY when it writes exactly what
    the Python writer would (about twice as fast on large exports), else rows
    from a server-side cursor through the Python writer."""
    values = copy_values(selection)
    if values is not None:
        source = copy_records(values, delimiter=delimiter, chunk_rows=CHUNK_ROWS)
        chunks = csvwriter.encode_records(selection.header, source, delimiter=delimiter, progress=report)
    else:
        source = server_rows(selection.values(), chunk_size=CHUNK_ROWS)
        chunks = csvwriter.encode(
            selection.header,
            source,
            delimiter=delimiter,
            kinds=selection.kinds,
            transforms=selection.transforms,
            chunk_rows=CHUNK_ROWS,
            progress=report,
        )
    try:
        yield from chunks
    finally:
        # The source holds the connection (a COPY in progress, or a cursor and
        # its helper thread): it must let go now, when writing stopped early,
        # not whenever the garbage collector gets to it, after the transaction
        # it runs in has been rolled back.
        chunks.close()
        source.close()


class _acting:
    """Journal entries written during the export name the member who asked."""

    def __init__(self, membership):
        self.actor = Actor(user_id=membership.user_id)

    def __enter__(self):
        self.reset = current_actor.set(self.actor)

    def __exit__(self, *exc):
        current_actor.reset(self.reset)


def _release(organization_id, job_id, token, exc):
    """A failed attempt: back to the queue while attempts remain, else failed."""
    with tenant_scope(organization_id):
        job = ExportJob.objects.filter(pk=job_id, claim_token=token).first()
        if job is None:
            return
        status = JobStatus.FAILED if job.attempts >= MAX_ATTEMPTS else JobStatus.QUEUED
        ExportJob.objects.filter(pk=job_id, claim_token=token).update(
            status=status, error=str(exc)[:1000], lease_until=None
        )


def stalled_jobs() -> list[int]:
    """Jobs whose worker vanished (no heartbeat) or that were never picked up."""
    forgotten = timezone.now() - datetime.timedelta(minutes=5)
    return [
        job.pk
        for job in ExportJob.objects.filter(status__in=[JobStatus.QUEUED, JobStatus.RUNNING])
        if (job.status == JobStatus.RUNNING and _beat_age(job.pk) > HEARTBEAT_STALE)
        or (job.status == JobStatus.QUEUED and job.created_at < forgotten)
    ]


def record_download(*, job: ExportJob, direct=False):
    audit.record(
        "export.downloaded",
        target=job,
        data={"dataset": job.dataset, "filters": job.filters, "columns": job.columns, "direct": direct},
    )


def is_expired(job: ExportJob) -> bool:
    return job.status == JobStatus.EXPIRED or (
        job.expires_at is not None and job.expires_at <= timezone.now()
    )


def expire_exports() -> int:
    """Delete the files of expired exports (checked gone) in the current scope."""
    store, count = export_storage(), 0
    due = ExportJob.objects.filter(status=JobStatus.DONE, expires_at__lte=timezone.now())
    for job in due:
        if job.storage_key:
            store.delete(job.storage_key)
            if store.exists(job.storage_key):
                log.warning("export file %s still present after deletion", job.storage_key)
                continue
        ExportJob.objects.filter(pk=job.pk, status=JobStatus.DONE).update(status=JobStatus.EXPIRED)
        audit.record("export.expired", target=job, data={"dataset": job.dataset})
        count += 1
    return count


def stream_small(selection, organization_id, *, delimiter=";", language="fr"):
    """Generator for a StreamingHttpResponse. It runs after the request's
    transaction (and tenant scope) has ended, so it opens its own."""
    with tenant_scope(organization_id), translation.override(language):
        rows = selection.values().iterator(chunk_size=2000)
        yield from csvwriter.encode(
            selection.header,
            rows,
            delimiter=delimiter,
            kinds=selection.kinds,
            transforms=selection.transforms,
        )


def record_download_direct(*, selection):
    """A small export streamed from the screen: journaled like a download."""
    audit.record(
        "export.downloaded",
        data={
            "dataset": selection.dataset.key,
            "filters": selection.filters,
            "columns": [c.key for c in selection.columns],
            "direct": True,
        },
    )
