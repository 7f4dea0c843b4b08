"""The tenant scope: django-scopes for the ORM, a transaction-local PostgreSQL
setting for row-level security.

Both are needed: django-scopes makes a forgotten scope a loud error in Python,
and row-level security makes a query that slips past the ORM (raw SQL, a bug in a
manager) return nothing rather than another tenant's rows.
"""

from contextlib import contextmanager

from django.db import connections, transaction
from django_scopes import scope, scopes_disabled

from .models import Organization

ORG_SETTING = "app.organization_id"
USER_SETTING = "app.user_id"


def _set_local(name: str, value, using: str = "default") -> None:
    """Transaction-local (`is_local = true`): the value disappears at commit or
    rollback, so a pooled connection never carries a tenant into its next use."""
    with connections[using].cursor() as cursor:
        cursor.execute("SELECT set_config(%s, %s, true)", [name, "" if value is None else str(value)])


def current_setting(name: str, using: str = "default") -> str | None:
    with connections[using].cursor() as cursor:
        cursor.execute("SELECT NULLIF(current_setting(%s, true), '')", [name])
        return cursor.fetchone()[0]


@contextmanager
def tenant_scope(organization, *, user=None, using: str = "default", savepoint: bool = True):
    """Run the block as work for one organization, in one transaction.

    1. Opens (or joins) a transaction on `using`.
    2. Sets `app.organization_id` (and `app.user_id`) for that transaction only.
    3. Activates the django-scopes scope so tenant managers filter by organization.
    On leaving, the previous organization is put back, so scopes nest.
    """
    org = organization
    if isinstance(organization, int):
        org = Organization.objects.get(pk=organization)
    nested = transaction.get_connection(using).in_atomic_block
    with transaction.atomic(using=using, savepoint=savepoint):
        previous = current_setting(ORG_SETTING, using) if nested else None
        _set_local(ORG_SETTING, org.pk, using)
        if user is not None:
            _set_local(USER_SETTING, user.pk, using)
        with scope(organization=org):
            yield org
        if previous is not None and not transaction.get_connection(using).needs_rollback:
            _set_local(ORG_SETTING, previous, using)


@contextmanager
def user_context(user, *, using: str = "default"):
    """For reads of a user's own memberships before any organization is chosen
    (sign-in, organization switcher). Row-level security lets a user read their own
    membership rows and nothing else; django-scopes is visibly disabled."""
    with transaction.atomic(using=using), scopes_disabled():
        _set_local(USER_SETTING, user.pk, using)
        yield


def activate(org_id: int | None, user_id: int | None, using: str = "default") -> None:
    """Set both settings in one round trip (the middleware does this per request)."""
    with connections[using].cursor() as cursor:
        cursor.execute(
            "SELECT set_config(%s, %s, true), set_config(%s, %s, true)",
            [
                ORG_SETTING,
                "" if org_id is None else str(org_id),
                USER_SETTING,
                "" if user_id is None else str(user_id),
            ],
        )
