"""The audit app's retention data types (config.registries; registered at
import, which the retention app does at start-up):

- the change history: field values of configuration objects, kept a year by
  default, then deleted;
- the activity journal, whose entries are removed only as a prefix of the chain.

The journal's own purge: journal rows are append-only in the database: a
trigger refuses UPDATE and DELETE except inside `audit_purge_journal(org,
before)`, a function that deletes a prefix of one organization's chain and
moves its checkpoint so that `verify_journal` still verifies what remains.

Why the `owner` connection rather than granting EXECUTE to the application
role: the application role serves every web request, so a bug or an injection
there must never be able to erase proof. Only `purge_journal_batch`, run by the
purge worker, opens the owner connection (which bypasses row-level security),
and it always names the organization explicitly in every statement. The
batch's proof rows are written (by the retention app's `record`) in the same
owner transaction as the deletion, so a worker killed between the two cannot
lose ids from the digest.
"""

import datetime

from django.db import connections, transaction
from django.db.models import BooleanField, Case, Value, When
from django.utils.translation import gettext_lazy as _
from django_scopes import scopes_disabled

from config.registries import PurgeResult, RetentionType, retention_types

from .models import ChangeEntry, JournalEntry, JournalHead

OWNER = "owner"


class ChangeHistoryRetention(RetentionType):
    key = "change_history"
    label = _("Change history")
    order = 10
    timestamp_field = "timestamp"
    default_consultation_days = 365
    default_retention_days = 365
    default_action = "delete"
    actions = ("delete",)

    def queryset(self):
        return ChangeEntry.objects.all()

    def anonymise(self, ids) -> PurgeResult:  # pragma: no cover - refused by the policy
        raise NotImplementedError("change history entries are deleted, not anonymised")

    def delete(self, ids) -> PurgeResult:
        count, _by_model = self.queryset().filter(pk__in=list(ids)).delete()
        return PurgeResult(rows_deleted=count)


class JournalRetention(RetentionType):
    """The activity journal. Entries are removed only as a prefix of the chain,
    through the database's `audit_purge_journal` (`purge_batch`)."""

    key = "journal"
    label = _("Activity journal")
    order = 90  # last: a purge run's own entries are not in it
    timestamp_field = "created_at"
    site_field = "site_id"
    default_consultation_days = 365
    default_retention_days = 365
    default_action = "delete"
    actions = ("delete",)

    def __init__(self):
        self.model = JournalEntry

    def queryset(self):
        return self.model.objects.all()

    def purge_batch(self, progress, held_q, size, record):
        return purge_journal_batch(progress, held_q, size, record)

    def anonymise(self, ids) -> PurgeResult:  # pragma: no cover - refused by the policy
        raise NotImplementedError("journal entries are deleted, never rewritten")

    def delete(self, ids) -> PurgeResult:  # pragma: no cover - the purge calls purge_batch
        raise NotImplementedError("journal entries are deleted through purge_batch")


def purge_journal_batch(progress, held, size: int, record) -> bool:
    """Delete the next prefix of at most `size` entries older than the cut-off
    and not held. Returns True when nothing is left to do.

    1. Read the checkpoint and the next `size` entries after it, in chain order.
    2. Keep the prefix of entries older than the cut-off and not held: the chain
       can only lose its beginning, so the first held or recent entry stops it.
    3. Compute exactly the rows the function will delete, then call it.
    4. Record the batch (ids, counts) in the same owner transaction (`record`,
       the retention app's proof writer).
    """
    org_id = progress.organization_id
    with scopes_disabled(), transaction.atomic(using=OWNER):
        head = JournalHead.objects.using(OWNER).filter(organization_id=org_id).first()
        checkpoint = head.checkpoint_seq if head else 0
        entries = JournalEntry.objects.using(OWNER).filter(organization_id=org_id, seq__gt=checkpoint)
        if held is not None:
            entries = entries.annotate(
                held=Case(When(held, then=Value(True)), default=Value(False), output_field=BooleanField())
            )
        else:
            entries = entries.annotate(held=Value(False, output_field=BooleanField()))
        prefix = []
        for entry_id, seq, created_at, is_held in entries.order_by("seq").values_list(
            "pk", "seq", "created_at", "held"
        )[:size]:
            if is_held or created_at >= progress.cutoff:
                break
            prefix.append((entry_id, seq, created_at))
        if not prefix:
            return True
        before = prefix[-1][2] + datetime.timedelta(microseconds=1)
        # What the function deletes: every entry up to the last one older than
        # `before` (the same query as in the function, in the same transaction).
        last_seq = (
            JournalEntry.objects.using(OWNER)
            .filter(organization_id=org_id, created_at__lt=before)
            .order_by("-seq")
            .values_list("seq", flat=True)
            .first()
        )
        doomed = list(
            JournalEntry.objects.using(OWNER)
            .filter(organization_id=org_id, seq__gt=checkpoint, seq__lte=last_seq)
            .values_list("pk", "created_at", "seq")
        )
        if last_seq != prefix[-1][1]:
            # Clocks went backwards around the cut: deleting would take entries
            # outside the prefix we checked. Stop here; nothing is lost.
            return True
        with connections[OWNER].cursor() as cursor:
            # The function purges only the organization the transaction names.
            cursor.execute("SELECT set_config('app.organization_id', %s, true)", [str(org_id)])
            cursor.execute("SELECT audit_purge_journal(%s, %s)", [org_id, before])
            removed = cursor.fetchone()[0]
        if removed != len(doomed):
            raise RuntimeError(f"journal purge removed {removed} rows, expected {len(doomed)}")
        record(
            progress,
            [(pk, created_at) for pk, created_at, _seq in doomed],
            [pk for pk, _created_at, _seq in doomed],
            PurgeResult(rows_deleted=removed),
            using=OWNER,
        )
    return len(prefix) < size


retention_types.register(ChangeHistoryRetention())
retention_types.register(JournalRetention())
