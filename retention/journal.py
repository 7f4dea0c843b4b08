"""The journal's own purge.

Journal rows are append-only in the database: a trigger refuses UPDATE and
DELETE except inside `audit_purge_journal(org, before)`, a SECURITY DEFINER
function that deletes a prefix of one organization's chain and moves its
checkpoint so that `verify_journal` still verifies what remains.

Why the `owner` connection rather than granting EXECUTE to the application
role: the application role serves every web request, so a bug or an injection
there must never be able to erase proof. Only this module, run by the purge
worker, opens the owner connection (which bypasses row-level security), and it
always names the organization explicitly in every statement. The batch's proof
rows are written in the same owner transaction as the deletion, so a worker
killed between the two cannot lose ids from the digest.
"""

import datetime

from django.db import connections, transaction
from django.db.models import BooleanField, Case, Value, When
from django_scopes import scopes_disabled

from audit.models import JournalEntry, JournalHead

OWNER = "owner"


def purge_journal_batch(progress, held, size: int) -> bool:
    """Delete the next prefix of at most `size` entries older than the cut-off
    and not held. Returns True when nothing is left to do.

    1. Read the checkpoint and the next `size` entries after it, in chain order.
    2. Keep the prefix of entries older than the cut-off and not held: the chain
       can only lose its beginning, so the first held or recent entry stops it.
    3. Compute exactly the rows the function will delete, then call it.
    4. Record the batch (ids, counts) in the same owner transaction.
    """
    from .purge import record_batch

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
        from config.registries import PurgeResult

        record_batch(
            progress,
            [(pk, created_at) for pk, created_at, _seq in doomed],
            [pk for pk, _created_at, _seq in doomed],
            PurgeResult(rows_deleted=removed),
            using=OWNER,
        )
    return len(prefix) < size
