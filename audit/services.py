"""Recording events: `record()` writes the journal row in the caller's
transaction; subscribers react in the transaction (outboxes) or after commit."""

import hashlib
import json
import logging
import secrets
from collections import defaultdict
from collections.abc import Callable
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone
from django_scopes import get_scope

from tenancy.context import current_actor
from tenancy.scope import tenant_scope

from .models import JournalEntry, JournalHead

log = logging.getLogger(__name__)

Handler = Callable[[JournalEntry], None]
_in_transaction: dict[str, list[Handler]] = defaultdict(list)
_after_commit: dict[str, list[Handler]] = defaultdict(list)

# Keys of `data` that would put personal data in the journal.
FORBIDDEN_KEYS = {"name", "first_name", "last_name", "email", "phone", "company", "full_name"}


def on(verb: str, handler: Handler, *, in_transaction: bool = False) -> None:
    """Subscribe to a verb ("*" for all). In-transaction handlers write what must
    not be lost (outbox rows) atomically with the event, and nothing slow: they
    run while the organization's journal head is locked (rendering and sending
    belong after commit). The others run after commit, each in its own tenant
    scope, and may talk to the network."""
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
    entry = JournalEntry(
        organization_id=org_id,
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
    )
    pending = _deferred.get()
    if pending is not None:
        pending.append(entry)
    else:
        _write(entry)
    return entry


def _write(entry: JournalEntry) -> None:
    # No savepoint: a journal write that fails must fail the caller's change too,
    # and skipping SAVEPOINT/RELEASE saves two round trips on every action.
    with transaction.atomic(savepoint=False):
        _append(entry)
        for handler in _in_transaction.get(entry.verb, []) + _in_transaction.get("*", []):
            handler(entry)
    if _after_commit.get(entry.verb) or _after_commit.get("*"):
        transaction.on_commit(lambda: _dispatch_after_commit(entry))


_deferred: ContextVar[list | None] = ContextVar("journal_deferred", default=None)


@contextmanager
def deferred():
    """Entries recorded inside the block are appended when it ends without an
    error, in the same transaction, in their order, dated then. The first
    append locks the organization's journal head until the commit, and every
    journaled write of the organization (an arrival at the desk) waits on
    that lock: a long transaction (a CSV import of thousands of visits) takes
    it for its last moments only, not for its whole length. Nested blocks
    append with the outermost."""
    if _deferred.get() is not None:
        yield
        return
    pending: list[JournalEntry] = []
    token = _deferred.set(pending)
    try:
        yield
    finally:
        _deferred.reset(token)
    # Reached only when the block did not raise: a failed block journals nothing.
    now = timezone.now()
    for entry in pending:
        entry.created_at = now  # what they record is true from the commit on
        _write(entry)


# One statement appends an entry: it locks the organization's head row (held
# until the caller commits, which keeps the chain linear), moves it one step,
# computes the new hash in PostgreSQL from the canonical bytes around the
# sequence number, and inserts the entry. A single round trip keeps the time
# other writers wait on that lock short.
_APPEND = """
WITH head AS (
  INSERT INTO audit_journalhead AS h (organization_id, seq, prev_hash, hash, checkpoint_seq, checkpoint_hash)
  VALUES (%(org)s, 1, '', encode(sha256(%(before)s || convert_to('1', 'UTF8') || %(after)s), 'hex'), 0, '')
  ON CONFLICT (organization_id) DO UPDATE SET
    seq = h.seq + 1,
    prev_hash = h.hash,
    hash = encode(
      sha256(convert_to(h.hash, 'UTF8') || %(before)s || convert_to((h.seq + 1)::text, 'UTF8') || %(after)s),
      'hex')
  RETURNING seq, prev_hash, hash),
entry AS (
  INSERT INTO audit_journalentry (organization_id, seq, created_at, verb, actor_kind, actor_id, token_id,
                                  target_type, target_id, site_id, data, ip, prev_hash, hash)
  SELECT %(org)s, seq, %(created_at)s, %(verb)s, %(actor_kind)s, %(actor_id)s, %(token_id)s, %(target_type)s,
         %(target_id)s, %(site_id)s, %(data)s::jsonb, %(ip)s::inet, prev_hash, hash
  FROM head
  RETURNING id, seq, prev_hash, hash)
SELECT id, seq, prev_hash, hash FROM entry
"""


class _Seq:
    """Stands for the sequence number in the canonical bytes, which are hashed in
    the database once the number is known; unique, so it cannot be confused with
    anything in the entry's data."""

    def __init__(self):
        self.mark = f"@@seq-{secrets.token_hex(16)}@@"

    def __str__(self):
        return self.mark


def _append(entry: JournalEntry) -> None:
    seq = _Seq()
    entry.seq = seq
    before, _mark, after = canonical(entry).partition(f'"{seq.mark}"'.encode())
    with connection.cursor() as cursor:
        cursor.execute(
            _APPEND,
            {
                "org": entry.organization_id,
                "before": before,
                "after": after,
                "created_at": entry.created_at,
                "verb": entry.verb,
                "actor_kind": entry.actor_kind,
                "actor_id": entry.actor_id,
                "token_id": entry.token_id,
                "target_type": entry.target_type,
                "target_id": entry.target_id,
                "site_id": entry.site_id,
                "data": json.dumps(entry.data),
                "ip": entry.ip,
            },
        )
        entry.pk, entry.seq, entry.prev_hash, entry.hash = cursor.fetchone()
    entry._state.adding = False


def _dispatch_after_commit(entry: JournalEntry) -> None:
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
