"""Heavy reads on the streaming replica, with the tenant's row-level security.

    with reading_replica():                       # in a request or tenant_scope
        rows = list(queryset)                     # read from the replica (or primary)

    with reading_replica(organization_id=org, since=job.read_after):   # an export

The block reads from `config.replica.choose()`'s alias. On the replica it opens
a transaction of its own and sets there the same transaction-local settings
(`app.organization_id`, `app.user_id`) that the primary's transaction has: a
standby runs the same policies on replicated rows, and without the setting it
shows none of them. The caller stays in its primary transaction (and
django-scopes scope) for its writes.
"""

import contextlib

from django.db import DatabaseError, connections, transaction

from config import replica

from .scope import ORG_SETTING, USER_SETTING, activate

_UNSET = object()


def _primary_state():
    """The tenant settings of the primary's current transaction, and its WAL position."""
    with connections[replica.PRIMARY].cursor() as cursor:
        cursor.execute(
            "SELECT NULLIF(current_setting(%s, true), ''), NULLIF(current_setting(%s, true), ''),"
            " pg_current_wal_insert_lsn()::text",
            [ORG_SETTING, USER_SETTING],
        )
        return cursor.fetchone()


@contextlib.contextmanager
def reading_replica(*, organization_id=_UNSET, user_id=None, since=_UNSET):
    """Yield the alias the block reads from.

    Without `organization_id`, the tenant settings are copied from the primary's
    current transaction (a request's or a `tenant_scope`'s). Without `since`,
    the block must see everything committed so far (the reader's own writes
    included): the replica must have replayed the primary's current position.
    """
    if not replica.configured():
        yield replica.PRIMARY
        return
    org, user, position = _primary_state()
    if organization_id is not _UNSET:
        org, user = organization_id, user_id
    alias = replica.choose(since=position if since is _UNSET else (since or None), current=position)
    if alias == replica.PRIMARY:
        yield alias
        return
    opened = contextlib.ExitStack()
    try:
        opened.enter_context(transaction.atomic(using=alias))
        activate(org, user, using=alias)
    except replica.CONNECTION_ERRORS as exc:
        # Gone between the check and the first statement: the primary reads.
        with contextlib.suppress(DatabaseError):
            opened.__exit__(type(exc), exc, exc.__traceback__)
        replica.mark_down(exc)
        yield replica.PRIMARY
        return
    with opened, replica.routing(alias):
        yield alias


def read_heavy(read, **options):
    """`read()` on the replica (`reading_replica(**options)`); run again on the
    primary when the replica fails during it (stopped, or a query cancelled by
    a conflict with recovery). `read` must only read and build its result:
    nothing of a failed first run is kept."""
    alias = replica.PRIMARY
    try:
        with reading_replica(**options) as alias:
            return read()
    except replica.CONNECTION_ERRORS as exc:
        if alias == replica.PRIMARY:
            raise
        replica.mark_down(exc)
    return read()
