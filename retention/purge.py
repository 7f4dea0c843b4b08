"""The purge: runs, their small transactions, their proof.

A run is planned once (policy values and cut-offs frozen in its progress
rows), then executed batch by batch. Each batch is one short transaction that
selects the next ids after the cursor, anonymises or deletes them through the
data type, and records in the same transaction the ids it touched, the counts
and the new cursor. A worker killed anywhere loses at most the batch in flight,
which rolls back; the next run resumes after the cursor, and the digest is
computed from the recorded ids, so it equals an uninterrupted run's.

A batch costs the same whatever the size of the tables: the cursor is a
(timestamp, id) key that an index of pending rows serves (migration 0004), and
the batch's SQL (batches.py) sends its ids as one array and writes its proof in
one statement.
"""

import hashlib
import logging
import time
from contextlib import contextmanager

import psycopg
from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.db import connections
from django.db.models import Max, Min
from django.utils import timezone
from django_scopes import scope

from audit import services as audit
from config.lookups import IdArray, id_array
from config.registries import ANONYMISED_MARKERS, PurgeResult, RetentionType, retention_types
from tenancy.scope import tenant_scope

from . import batches, policies
from .holds import active_holds, held_q
from .models import Action, ErasureRecord, PurgeProgress, PurgeRun, RunKind, RunStatus

log = logging.getLogger(__name__)
LOCK_NAMESPACE = 8_000_001  # pg_advisory_lock(namespace, organization id)


def batch_size() -> int:
    return getattr(settings, "RETENTION_BATCH_SIZE", 1000)


def digest(ids) -> str:
    return hashlib.sha256("\n".join(str(i) for i in sorted(ids)).encode()).hexdigest()


def candidates(rtype, *, action, cutoff=None, site_id=None, excluded_site_ids=(), target_ids=None):
    """The rows this step has to process (held ones included)."""
    if target_ids is not None:
        rows = rtype.pending() if action == Action.ANONYMISE else rtype.queryset()
        rows = rows.filter(pk__any_of=list(target_ids))
    else:
        rows = rtype.expired(cutoff, action)
    if rtype.site_field and site_id:
        rows = rows.filter(**{rtype.site_field: site_id})
    if rtype.site_field and excluded_site_ids:
        rows = rows.exclude(**{f"{rtype.site_field}__in": list(excluded_site_ids)})
    return rows


def tracks_anonymisation(rtype) -> bool:
    """Whether an anonymised row can be told from a pending one. When it cannot
    (a type without a marker), the type's own word is taken for what it did."""
    if type(rtype).pending is not RetentionType.pending or rtype.anonymised_field:
        return True
    names = {f.name for f in rtype.queryset().model._meta.get_fields()}
    return any(marker in names for marker in ANONYMISED_MARKERS)


def _remaining(rtype, action, ids_text):
    """The rows of a batch the action has not done (a file that could not be
    removed keeps its row pending): the proof leaves them out. None when the
    type cannot tell (its own word is taken)."""
    if action == Action.ANONYMISE and not tracks_anonymisation(rtype):
        return None
    rows = rtype.pending() if action == Action.ANONYMISE else rtype.queryset()
    return batches.remaining(rows, ids_text)


def _on_time(progress, rtype) -> bool:
    """Whether the batches follow (timestamp, id), the key the purge indexes, or
    the id alone: an erasure's given rows (none may be left behind because an
    edit moved its timestamp behind the cursor), a type whose timestamp can be
    empty (such a row would never compare greater than a cursor)."""
    if progress.target_ids is not None:
        return False
    try:
        field = rtype.queryset().model._meta.get_field(rtype.timestamp_field)
    except FieldDoesNotExist:  # a path through a relation: no index of ours
        return False
    return not field.null


def _progress_rows(progress: PurgeProgress, rtype):
    return candidates(
        rtype,
        action=progress.action,
        cutoff=progress.cutoff,
        site_id=progress.site_id,
        excluded_site_ids=progress.excluded_site_ids,
        target_ids=progress.target_ids,
    )


# --- planning -----------------------------------------------------------------------


def create_run(*, organization, kind=RunKind.MANUAL, by=None, local_date=None) -> PurgeRun:
    """A queued run; the worker plans it when it starts (counting rows is work)."""
    return PurgeRun.objects.create(organization=organization, kind=kind, local_date=local_date, created_by=by)


def plan_run(run: PurgeRun, *, now=None) -> None:
    """Freeze the policies in force now into the run's progress rows (inside the
    tenant scope): a resumed run keeps the cut-offs it started with."""
    now = now or timezone.now()
    organization = run.organization
    policies.apply_due(organization, now)
    entries = policies.plan(organization, now=now)
    run.policy = {"at": now.isoformat(), "entries": [_entry_json(e) for e in entries]}
    run.save(update_fields=["policy"])
    holds = active_holds()
    for position, entry in enumerate(entries):
        rtype = retention_types[entry["data_type"]]
        progress = PurgeProgress(
            organization=organization,
            run=run,
            position=position,
            data_type=entry["data_type"],
            site_id=entry["site_id"],
            excluded_site_ids=entry["excluded_site_ids"],
            action=entry["action"],
            cutoff=entry["cutoff"],
        )
        progress.total = _count_unheld(_progress_rows(progress, rtype), rtype, holds)
        progress.save()


def start_run(*, organization, kind=RunKind.MANUAL, by=None, local_date=None, now=None) -> PurgeRun:
    run = create_run(organization=organization, kind=kind, by=by, local_date=local_date)
    plan_run(run, now=now)
    return run


def start_erasure(*, organization, subject_request, targets: dict, by=None) -> PurgeRun:
    """A run that anonymises given rows of each type (a data-subject erasure)."""
    run = PurgeRun.objects.create(
        organization=organization,
        kind=RunKind.REQUEST,
        subject_request=subject_request,
        created_by=by,
        policy={"at": timezone.now().isoformat(), "request": subject_request.pk},
    )
    for position, rtype in enumerate(policies.ordered_types()):
        ids = sorted(targets.get(rtype.key, []))
        if not ids:
            continue
        action = Action.ANONYMISE if Action.ANONYMISE in rtype.actions else Action.DELETE
        PurgeProgress.objects.create(
            organization=organization,
            run=run,
            position=position,
            data_type=rtype.key,
            action=action,
            target_ids=ids,
            total=len(ids),
        )
    return run


def _entry_json(entry) -> dict:
    return {**entry, "cutoff": entry["cutoff"].isoformat()}


def _count_unheld(rows, rtype, holds) -> int:
    held = held_q(rtype, holds)
    return (rows.exclude(held) if held is not None else rows).count()


# --- execution ----------------------------------------------------------------------


@contextmanager
def organization_lock(organization_id: int):
    """True when this worker holds the organization's purge lock for the block.

    The lock is taken in a transaction of a connection of its own, kept open for
    the block: behind a transaction-mode pooler (PgBouncer), a session lock taken
    in one statement and released in another may meet two server connections and
    stay held by the first (tests/test_pgbouncer.py). That transaction keeps no
    snapshot past its statement and writes nothing: it holds back no vacuum."""
    params = connections["default"].get_connection_params()
    with psycopg.connect(**params) as holder:
        taken = holder.execute("SELECT pg_try_advisory_xact_lock(%s, %s)", [LOCK_NAMESPACE, organization_id])
        yield taken.fetchone()[0]


def run_pending(organization_id: int, *, on_batch=None) -> list[int]:
    """Execute every unfinished run of the organization, oldest first. A lock per
    organization keeps a redelivered task from running beside a live worker."""
    with organization_lock(organization_id) as locked:
        if not locked:
            return []
        with tenant_scope(organization_id):
            pending = list(
                PurgeRun.objects.filter(status__in=[RunStatus.QUEUED, RunStatus.RUNNING])
                .order_by("created_at", "pk")
                .values_list("pk", flat=True)
            )
        for run_id in pending:
            execute(organization_id, run_id, on_batch=on_batch)
        return pending


def execute(organization_id: int, run_id: int, *, on_batch=None) -> None:
    """Carry out (or resume) one run.

    1. Mark it running (planning it first if the scheduler only queued it).
    2. For each progress row in order, take batches until the type is done.
    3. Compute the digest from the recorded ids and journal `retention.purged`.
    An exception leaves the run `running`: the next call resumes it.
    """
    with tenant_scope(organization_id) as organization:
        run = PurgeRun.objects.get(pk=run_id)
        if run.status == RunStatus.DONE:
            return
        if not run.policy:
            plan_run(run)
        PurgeRun.objects.filter(pk=run_id).update(
            status=RunStatus.RUNNING, started_at=run.started_at or timezone.now(), heartbeat_at=timezone.now()
        )
        steps = list(run.progress.filter(done=False).values_list("pk", flat=True))
    try:
        for progress_id in steps:
            while not _step(organization, progress_id, on_batch):
                pass
    except Exception as exc:
        with tenant_scope(organization):
            PurgeRun.objects.filter(pk=run_id).update(error=str(exc)[:2000])
        raise
    _finish_run(organization, run_id)


def _step(organization, progress_id, on_batch) -> bool:
    """One batch of one progress row, in one transaction; True when that row is done."""
    started = time.monotonic()
    with tenant_scope(organization):
        progress = PurgeProgress.objects.select_for_update().select_related("run").get(pk=progress_id)
        if progress.done:
            return True
        rtype = retention_types.get(progress.data_type)
        if rtype is None:  # its app is gone: nothing to do, and say so
            PurgeProgress.objects.filter(pk=progress_id).update(done=True, digest=digest([]))
            return True
        holds = active_holds()
        held = held_q(rtype, holds)
        rows = _progress_rows(progress, rtype)
        special = hasattr(rtype, "purge_batch") and progress.target_ids is None
        if special and not rows.exists():
            # Most nights the journal has nothing old enough: no need to open
            # the owner connection at all.
            _finish_progress(progress, rtype, held)
            return True
        if not special:
            finished = _batch(progress, rtype, rows, holds, held, started)
    if special:
        # Outside any transaction of ours: the owner connection's transaction
        # must not wait on a row lock this connection holds.
        with scope(organization=organization):
            finished = rtype.purge_batch(progress, held, batch_size(), record_batch)
        if finished:
            with tenant_scope(organization):
                _finish_progress(PurgeProgress.objects.select_for_update().get(pk=progress_id), rtype, held)
    if on_batch is not None:
        on_batch(time.monotonic() - started)
    return finished


def _batch(progress, rtype, rows, holds, held, started) -> bool:
    if held is not None:
        rows = rows.exclude(held)
    picked = batches.pick(
        rows,
        stamp=rtype.timestamp_field,
        on_time=_on_time(progress, rtype),
        cursor=progress.cursor,
        cursor_at=progress.cursor_at,
        size=batch_size(),
    )
    if picked is None:
        _finish_progress(progress, rtype, held)
        return True
    result = PurgeResult()
    cascaded = _cascade(progress, rtype, picked, holds, result)
    ids = picked.ids
    done = rtype.anonymise(ids) if progress.action == Action.ANONYMISE else rtype.delete(ids)
    _merge(result, done)
    result.rows_anonymised += done.rows_anonymised
    result.rows_deleted += done.rows_deleted
    batches.write_proof(
        progress,
        subject_request_id=progress.run.subject_request_id,
        ids_text=picked.ids_text,
        stamps_text=picked.stamps_text,
        remaining_rows=_remaining(rtype, progress.action, picked.ids_text),
        result=result,
        cascaded=cascaded,
        cursor=picked.cursor,
        cursor_at=picked.cursor_at,
        seconds=time.monotonic() - started,
        object_failures=_failures(progress, result),
    )
    return False


def _merge(into: PurgeResult, part: PurgeResult) -> None:
    into.objects_deleted += part.objects_deleted
    into.object_failures.extend(part.object_failures)


def _failures(locked, result: PurgeResult):
    """The progress row's storage failures with this batch's (the last 500), or
    None when the batch had none."""
    if not result.object_failures:
        return None
    return [*locked.object_failures, *result.object_failures][-500:]


def _cascade(progress, rtype, picked, holds, result) -> list:
    """Purge the rows of other types that belong to these rows (a visit's
    attachments, signatures and messages), through those types' own code.
    One query finds them all; each type then does its part."""
    steps = []
    ids = IdArray(picked.ids_text)
    for key, field in getattr(rtype, "cascades", ()):
        other = retention_types.get(key)
        if other is None:
            continue
        action = progress.action if progress.action in other.actions else other.default_action
        rows = other.pending() if action == Action.ANONYMISE else other.queryset()
        rows = rows.filter(**{f"{field}__any_of": ids})
        held = held_q(other, holds)
        if held is not None:
            rows = rows.exclude(held)
        steps.append((key, other, action, rows))
    erased = []
    found = batches.linked([rows for *_, rows in steps])
    for (key, other, action, _rows), linked in zip(steps, found, strict=True):
        if not linked:
            continue
        part = other.anonymise(linked) if action == Action.ANONYMISE else other.delete(linked)
        _merge(result, part)
        text = id_array(linked)
        erased.append(batches.Erased(key, action, text, _remaining(other, action, text)))
    return erased


def record_batch(
    progress, batch, touched, result: PurgeResult, *, cursor=None, using="default", locked=None
) -> None:
    """Write the proof of a batch done outside `_batch` (the journal's own purge)
    in the caller's transaction on `using`: `batch` the (id, timestamp) pairs,
    `touched` the ids really removed (`locked`: the progress row, already
    locked by the caller)."""
    if locked is None:
        locked = (
            PurgeProgress.objects.using(using).select_for_update().select_related("run").get(pk=progress.pk)
        )
    touched_set = set(touched)
    done = [(pk, stamp) for pk, stamp in batch if pk in touched_set]
    batches.write_proof(
        locked,
        subject_request_id=locked.run.subject_request_id,
        ids_text=id_array(pk for pk, _stamp in done),
        stamps_text=batches.stamp_array(stamp for _pk, stamp in done),
        remaining_rows=None,
        result=result,
        cursor=cursor,
        object_failures=_failures(locked, result),
        using=using,
    )


def _finish_progress(progress, rtype, held) -> None:
    progress.digest = batches.stored_digest(progress)
    if held is not None:
        progress.rows_held = _progress_rows(progress, rtype).filter(held).count()
    progress.done = True
    progress.save()


def _finish_run(organization, run_id) -> None:
    with tenant_scope(organization):
        run = PurgeRun.objects.select_for_update().get(pk=run_id)
        if run.status == RunStatus.DONE:
            return
        rows = list(run.progress.all())
        run.digest = hashlib.sha256(
            "\n".join(f"{p.data_type}:{p.site_id or ''}:{p.digest}" for p in rows).encode()
        ).hexdigest()
        run.status = RunStatus.DONE
        run.finished_at = timezone.now()
        run.error = ""
        run.save()
        audit.record("retention.purged", target=run, data=figures(run, rows))
        if run.subject_request_id:
            from .subjects import erasure_completed  # cycle: retention.subjects imports this module

            erasure_completed(run)


def figures(run, rows=None) -> dict:
    """The proof of a run, as the journal entry, the API and the reports give it."""
    rows = rows if rows is not None else list(run.progress.all())
    return {
        "run": run.pk,
        "kind": run.kind,
        "started_at": run.started_at.isoformat() if run.started_at else None,
        "finished_at": run.finished_at.isoformat() if run.finished_at else None,
        "digest": run.digest,
        "policy": run.policy,
        "types": [
            {
                "data_type": p.data_type,
                "site": p.site_id,
                "action": p.action,
                "cutoff": p.cutoff.isoformat() if p.cutoff else None,
                "rows_anonymised": p.rows_anonymised,
                "rows_deleted": p.rows_deleted,
                "objects_deleted": p.objects_deleted,
                "rows_held": p.rows_held,
                "object_failures": len(p.object_failures),
                "oldest": p.oldest.isoformat() if p.oldest else None,
                "newest": p.newest.isoformat() if p.newest else None,
                "digest": p.digest,
            }
            for p in rows
        ],
    }


def progress_of(run) -> dict:
    rows = list(run.progress.all())
    total = sum(p.total for p in rows)
    processed = sum(p.processed for p in rows)
    percent = 100 if run.status == RunStatus.DONE else (min(99, processed * 100 // total) if total else 0)
    return {"status": run.status, "total": total, "processed": processed, "percent": percent}


# --- dry run ------------------------------------------------------------------------


def dry_run(organization, *, overrides=None, now=None, sample_size=5, apply_pending=False) -> list[dict]:
    """What the next purge would touch, without touching anything."""
    now = now or timezone.now()
    holds = active_holds()
    out = []
    for entry in policies.plan(organization, now=now, overrides=overrides, apply_pending=apply_pending):
        rtype = retention_types[entry["data_type"]]
        rows = candidates(
            rtype,
            action=entry["action"],
            cutoff=entry["cutoff"],
            site_id=entry["site_id"],
            excluded_site_ids=entry["excluded_site_ids"],
        )
        held = held_q(rtype, holds)
        free = rows.exclude(held) if held is not None else rows
        stamp = rtype.timestamp_field
        span = free.aggregate(oldest=Min(stamp), newest=Max(stamp))
        sample_fields = ["pk", stamp] + ([rtype.site_field] if rtype.site_field else [])
        out.append(
            {
                "data_type": rtype.key,
                "label": str(rtype.label),
                "site": entry["site_id"],
                "action": entry["action"],
                "retention_days": entry["retention_days"],
                "cutoff": entry["cutoff"],
                "count": free.count(),
                "held": rows.filter(held).count() if held is not None else 0,
                "oldest": span["oldest"],
                "newest": span["newest"],
                "sample": [
                    {"id": values[0], "timestamp": values[1], "site": values[2] if len(values) > 2 else None}
                    for values in free.order_by(stamp).values_list(*sample_fields)[:sample_size]
                ],
            }
        )
    return out


def erasures_since(organization, moment):
    """The erasure ledger from `moment` on, oldest first: what a restore of a
    backup taken at `moment` must erase again (ids only)."""
    org_id = organization if isinstance(organization, int) else organization.pk
    return ErasureRecord.objects.filter(organization_id=org_id, created_at__gte=moment).order_by(
        "created_at", "pk"
    )
