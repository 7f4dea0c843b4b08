"""The sweep of orphaned objects: personal data that no row points to.

The services write an object before its row, so that a row never points to a
missing object. The price: when the caller's transaction rolls back after the
service returned, or the process dies between the two writes, the object stays
in storage and retention, which starts from rows, never reaches it. Once a day
the sweep removes such attachments, signatures and certificates once they are
older than a grace period. Archives (`archives/`) expire on their own
(documents.archive) and other prefixes belong to other apps: neither is read."""

import datetime
import logging

from django.utils import timezone

from audit import services as audit
from tenancy.scope import tenant_scope

from . import storage
from .models import Attachment, SignedConsent

log = logging.getLogger(__name__)

PREFIXES = ("attachments", "signatures", "certificates")
KEY_FIELDS = (
    (Attachment, "storage_key"),
    (SignedConsent, "signature_key"),
    (SignedConsent, "certificate_key"),
)
# Far longer than any request or task between writing an object and committing
# its row: an upload in flight is never taken for an orphan.
GRACE = datetime.timedelta(hours=24)


def _referenced(among: list[str] | None = None) -> set[str]:
    """Keys the current organization's rows point to (only those in `among` if given)."""
    found = set()
    for model, field in KEY_FIELDS:
        rows = model.objects.all() if among is None else model.objects.filter(**{f"{field}__in": among})
        found.update(rows.values_list(field, flat=True))
    return found


def _listed(store, organization_id: int) -> list[str]:
    keys = []
    for prefix in PREFIXES:
        # The trailing org id is a folder (S3 lists with a "/" delimiter), so
        # organization 1 never lists organization 10's objects.
        folder = f"{prefix}/{organization_id}"
        try:
            # Sub-folders are ignored: files.random_key never nests, so they are not ours.
            _folders, names = store.listdir(folder)
        except FileNotFoundError:
            continue  # the local disk has no folder until a first object is written
        except storage.STORAGE_ERRORS as exc:
            log.warning("listing %s failed: %s", folder, exc)
            continue
        keys += [f"{folder}/{name}" for name in names]
    return keys


def _older_than(store, keys: list[str], cutoff: datetime.datetime) -> list[str]:
    old = []
    for key in keys:
        try:
            if store.get_modified_time(key) < cutoff:
                old.append(key)
        except storage.STORAGE_ERRORS as exc:  # gone meanwhile, or the store refused: next run
            log.warning("reading the date of %s failed: %s", key, exc)
    return old


def sweep_orphans(*, organization_id: int, store=None, grace=GRACE, now=None) -> int:
    """Remove the organization's objects no row references; returns how many went.

    1. In the tenant scope: the keys the organization's rows point to.
    2. Outside any transaction: list the prefixes, keep the unreferenced objects
       last modified before `now - grace`.
    3. In the tenant scope again: drop the candidates a row committed since
       step 1 points to.
    4. Outside any transaction: remove each; a failure is logged and left for
       the next run.
    5. Journal the count, when anything was removed.
    """
    store = store or storage.document_storage()
    cutoff = (now or timezone.now()) - grace
    with tenant_scope(organization_id):
        referenced = _referenced()
    unreferenced = [key for key in _listed(store, organization_id) if key not in referenced]
    candidates = _older_than(store, unreferenced, cutoff)
    if not candidates:
        return 0
    with tenant_scope(organization_id):
        referenced = _referenced(candidates)
    removed = sum(storage.remove(store, key) for key in candidates if key not in referenced)
    if removed:
        with tenant_scope(organization_id):
            audit.record("document.orphans_removed", data={"count": removed})
    return removed
