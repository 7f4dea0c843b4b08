"""API token creation and lookup."""

from django.db import connection
from django.utils import timezone

from .journal import journal
from .models import ApiToken, hash_token


def lookup_token(key: str) -> tuple[int, int] | None:
    """(token id, organization id) of an active token, before any scope exists.

    The database function runs with the owner's rights: it reveals which
    organization a presented key belongs to and nothing else."""
    if not key or len(key) > 200:
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT token_id, organization_id FROM vestibule_token_lookup(%s)", [hash_token(key)])
        row = cursor.fetchone()
    return (row[0], row[1]) if row else None


def create_token(*, membership, name: str = "") -> tuple[ApiToken, str]:
    key = ApiToken.generate_key()
    token = ApiToken.objects.create(
        organization=membership.organization,
        membership=membership,
        name=name,
        prefix=key[:12],
        key_hash=hash_token(key),
    )
    journal.record("auth.token_created", target=token, data={"membership_id": membership.pk})
    return token, key


def revoke_token(*, token: ApiToken) -> None:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        journal.record("auth.token_revoked", target=token, data={"membership_id": token.membership_id})
