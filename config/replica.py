"""Which database heavy reads go to: the streaming replica when it is up and
fresh enough, else the primary.

`DATABASE_REPLICA_URL` adds the `replica` alias (the application role on a hot
standby: the same roles and row-level security policies, replicated). Nothing is
routed there by default: a request's reads stay on the primary, which always has
the request's own writes. Only a block that asks for it explicitly reads from the
replica (`tenancy.replica.reading_replica`, around exports, dashboards, the
journal and subject searches); the router below acts inside such a block only.

The choice (`choose`) takes the replica when:
- it answers (a failed connection keeps it aside for `DATABASE_REPLICA_RETRY`
  seconds, so a dead replica costs one connection attempt, not one per read);
- it is a standby (`pg_is_in_recovery()`: a promoted one has left the primary's
  timeline);
- it has replayed `since`, the primary's WAL position when the reader's own
  writes were committed (read-your-writes), within `DATABASE_REPLICA_WAIT`
  seconds;
- it is not behind by more than `DATABASE_REPLICA_MAX_LAG` seconds: replayed up
  to the primary's current position, or else its last replayed transaction is
  that recent. (A primary that was idle a long time and has just written gives
  a large figure: the read goes to the primary, the safe side.)
"""

import contextlib
import contextvars
import logging
import time

import psycopg
from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError, connections

log = logging.getLogger(__name__)

REPLICA = "replica"
PRIMARY = "default"

# A lost connection, or a query cancelled by a conflict with recovery: through
# the ORM (Django's classes) or a raw psycopg cursor (exports stream with one).
CONNECTION_ERRORS = (OperationalError, InterfaceError, psycopg.OperationalError, psycopg.InterfaceError)

_reading: contextvars.ContextVar[str | None] = contextvars.ContextVar("replica_reading", default=None)
_down_until = 0.0  # per process: the next connection attempt after a failure


def configured() -> bool:
    return REPLICA in connections.settings


def max_lag() -> float:
    return float(getattr(settings, "DATABASE_REPLICA_MAX_LAG", 5))


def max_wait() -> float:
    return float(getattr(settings, "DATABASE_REPLICA_WAIT", 2))


def retry_after() -> float:
    return float(getattr(settings, "DATABASE_REPLICA_RETRY", 10))


def primary_position(using: str = PRIMARY) -> str:
    """The primary's WAL insert position: every transaction committed so far
    lies before it, so a replica that has replayed it has them all."""
    with connections[using].cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_insert_lsn()::text")
        return cursor.fetchone()[0]


def mark_down(reason) -> None:
    global _down_until
    _down_until = time.monotonic() + retry_after()
    with contextlib.suppress(Exception):
        connections[REPLICA].close()
    log.warning("read replica set aside for %ss: %s", retry_after(), reason)


def _status(since: str | None, current: str) -> tuple[bool, bool, float | None]:
    """(standby, has replayed `since`, seconds behind) in one round trip."""
    with connections[REPLICA].cursor() as cursor:
        cursor.execute(
            "SELECT pg_is_in_recovery(),"
            " COALESCE(pg_last_wal_replay_lsn() >= %s::pg_lsn, false),"
            " CASE WHEN pg_last_wal_replay_lsn() >= %s::pg_lsn THEN 0"
            " ELSE EXTRACT(epoch FROM now() - pg_last_xact_replay_timestamp()) END",
            [since or "0/0", current],
        )
        standby, replayed, behind = cursor.fetchone()
    return standby, replayed, None if behind is None else float(behind)


def choose(since: str | None = None, current: str | None = None) -> str:
    """The alias to read from (the module docstring says when it is the replica).
    `current`: the primary's position now, when the caller already has it."""
    if not configured() or time.monotonic() < _down_until:
        return PRIMARY
    if connections[REPLICA].in_atomic_block:
        # A replica block is open already: the nested one opens nothing, and its
        # reads follow the outer block's routing.
        return PRIMARY
    current = current or primary_position()
    deadline = time.monotonic() + max_wait()
    try:
        while True:
            standby, replayed, behind = _status(since, current)
            if not standby:
                log.warning("DATABASE_REPLICA_URL is not a standby: reading from the primary")
                return PRIMARY
            if replayed or since is None:
                break
            if time.monotonic() >= deadline:
                log.info("replica has not replayed %s within %ss: primary", since, max_wait())
                return PRIMARY
            time.sleep(0.02)
    except DatabaseError as exc:
        mark_down(exc)
        return PRIMARY
    if behind is None or behind > max_lag():
        log.info("replica %s s behind (bound %s s): primary", behind, max_lag())
        return PRIMARY
    return REPLICA


@contextlib.contextmanager
def routing(alias: str):
    """Reads of the ORM inside the block go to `alias`; writes stay on the primary."""
    reset = _reading.set(alias if alias != PRIMARY else None)
    try:
        yield alias
    finally:
        _reading.reset(reset)


def reading_alias() -> str | None:
    return _reading.get()


class ReplicaRouter:
    """Inert outside a `routing()` block: requests read from the primary."""

    def db_for_read(self, model, **hints):
        return _reading.get()

    def db_for_write(self, model, **hints):
        instance = hints.get("instance")
        if _reading.get() or (instance is not None and instance._state.db == REPLICA):
            return PRIMARY  # a standby is read-only; an object read there is saved here
        return None

    def allow_relation(self, obj1, obj2, **hints):
        if {obj1._state.db, obj2._state.db} <= {PRIMARY, REPLICA}:
            return True
        return None

    def allow_migrate(self, db, app_label, **hints):
        return False if db == REPLICA else None
