"""Recording events: `record()` writes the journal row in the caller's
transaction; subscribers react in the transaction (outboxes) or after commit."""

import hashlib
import json
import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone
from django_scopes import get_scope

from tenancy.context import current_actor

from .models import JournalEntry, JournalHead

log = logging.getLogger(__name__)

Handler = Callable[[JournalEntry], None]
_in_transaction: dict[str, list[Handler]] = defaultdict(list)
_after_commit: dict[str, list[Handler]] = defaultdict(list)

# Keys of `data` that would put personal data in the journal.
FORBIDDEN_KEYS = {"name", "first_name", "last_name", "email", "phone", "company", "full_name"}


def on(verb: str, handler: Handler, *, in_transaction: bool = False) -> None:
    """Subscribe to a verb ("*" for all). In-transaction handlers write what must
    not be lost (outbox rows) atomically with the event; the others run after
    commit, each in its own tenant scope, and may talk to the network."""
    (_in_transaction if in_transaction else _after_commit)[verb].append(handler)


def canonical(entry: JournalEntry) -> bytes:
    payload = {
        "organization": entry.organization_id,
        "seq": entry.seq,
        "created_at": entry.created_at.isoformat(),
        "verb": entry.verb,
        "actor_kind": entry.actor_kind,
        "actor_id": entry.actor_id,
        "token_id": entry.token_id,
        "target_type": entry.target_type,
        "target_id": entry.target_id,
        "site_id": entry.site_id,
        "data": entry.data,
        "ip": entry.ip,
    }
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str).encode()


def chain_hash(prev_hash: str, entry: JournalEntry) -> str:
    return hashlib.sha256(prev_hash.encode() + canonical(entry)).hexdigest()


def _target_ref(target) -> tuple[str, str]:
    if target is None:
        return "", ""
    if isinstance(target, tuple):
        return str(target[0]), str(target[1])
    return target._meta.label_lower, str(target.pk)


def _organization():
    org = get_scope().get("organization")
    if org is None:
        raise RuntimeError("audit.record() needs a tenant scope")
    return org


def record(verb: str, *, target=None, site=None, data: dict | None = None, actor=None) -> JournalEntry:
    """Append an entry to the current organization's journal, in the caller's
    transaction. `actor` defaults to whoever the request or task acts for."""
    data = dict(data or {})
    leaked = FORBIDDEN_KEYS & set(data)
    if leaked:
        raise ValueError(f"personal data in journal data: {sorted(leaked)}")
    org = _organization()
    org_id = org if isinstance(org, int) else org.pk
    who = actor or current_actor.get()
    target_type, target_id = _target_ref(target)
    site_id = site if isinstance(site, int) or site is None else site.pk
    # No savepoint: a journal write that fails must fail the caller's change too,
    # and skipping SAVEPOINT/RELEASE saves two round trips on every action.
    with transaction.atomic(savepoint=False):
        head_seq, head_hash = _lock_head(org_id)
        entry = JournalEntry(
            organization_id=org_id,
            seq=head_seq + 1,
            created_at=timezone.now(),
            verb=verb,
            actor_kind=who.kind,
            actor_id=who.user_id,
            token_id=who.token_id,
            target_type=target_type,
            target_id=target_id,
            site_id=site_id,
            data=json.loads(json.dumps(data, default=str)),
            ip=who.ip,
            prev_hash=head_hash,
        )
        entry.hash = chain_hash(head_hash, entry)
        entry.save(force_insert=True)
        JournalHead.objects.filter(organization_id=org_id).update(seq=entry.seq, hash=entry.hash)
        for handler in _in_transaction.get(verb, []) + _in_transaction.get("*", []):
            handler(entry)
    if _after_commit.get(verb) or _after_commit.get("*"):
        transaction.on_commit(lambda: _dispatch_after_commit(entry))
    return entry


def _lock_head(org_id: int) -> tuple[int, str]:
    """Create the chain head if needed and lock it, in one round trip: the no-op
    DO UPDATE takes the row lock that serialises this organization's writers
    until the caller's transaction ends, and returns the current end of chain."""
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO audit_journalhead (organization_id, seq, hash, checkpoint_seq, checkpoint_hash) "
            "VALUES (%s, 0, '', 0, '') ON CONFLICT (organization_id) "
            "DO UPDATE SET seq = audit_journalhead.seq RETURNING seq, hash",
            [org_id],
        )
        return cursor.fetchone()


def _dispatch_after_commit(entry: JournalEntry) -> None:
    from tenancy.scope import tenant_scope

    for handler in _after_commit.get(entry.verb, []) + _after_commit.get("*", []):
        try:
            with tenant_scope(entry.organization_id):
                handler(entry)
        except Exception:
            # One failing subscriber must not hide the event from the others; what
            # must not be lost is written in-transaction (outbox), not here.
            log.exception("journal subscriber %r failed for %s", handler, entry.verb)


@dataclass
class Verification:
    ok: bool
    checked: int
    last_seq: int
    broken_seq: int | None = None
    reason: str = ""

    def as_dict(self) -> dict:
        return {
            "ok": self.ok,
            "checked": self.checked,
            "last_seq": self.last_seq,
            "broken_seq": self.broken_seq,
            "reason": self.reason,
        }


def verify(organization) -> Verification:
    """Walk the chain from the checkpoint; report the first broken link."""
    org_id = organization if isinstance(organization, int) else organization.pk
    head = JournalHead.objects.filter(organization_id=org_id).first()
    expected_seq = (head.checkpoint_seq if head else 0) + 1
    prev = head.checkpoint_hash if head else ""
    checked = 0
    rows = (
        JournalEntry.objects.filter(organization_id=org_id, seq__gte=expected_seq)
        .order_by("seq")
        .iterator(chunk_size=2000)
    )
    for entry in rows:
        if entry.seq != expected_seq:
            return Verification(False, checked, expected_seq - 1, expected_seq, "missing entry")
        if entry.prev_hash != prev:
            return Verification(False, checked, entry.seq - 1, entry.seq, "previous hash does not match")
        if chain_hash(prev, entry) != entry.hash:
            return Verification(False, checked, entry.seq - 1, entry.seq, "content does not match its hash")
        prev = entry.hash
        expected_seq += 1
        checked += 1
    if head and head.seq != expected_seq - 1:
        return Verification(False, checked, expected_seq - 1, expected_seq, "entries missing at the end")
    return Verification(True, checked, expected_seq - 1)
