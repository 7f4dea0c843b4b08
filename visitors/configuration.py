"""Writes of what admins configure: visit types, the watchlist, kiosk tokens.
Each change is journaled (ids only)."""

import hashlib
import secrets

from django.db import transaction
from django.utils import timezone

from audit import services as audit
from config import translated

from .models import KioskToken, VisitType, WatchlistEntry

VISIT_TYPE_FIELDS = (
    "color",
    "host_required",
    "approval_required",
    "default_duration_minutes",
    "kiosk_allowed",
    "active",
)
WATCHLIST_FIELDS = ("first_name", "last_name", "company", "email", "reason", "expires_at")


@transaction.atomic
def save_visit_type(
    *, organization, visit_type: VisitType | None = None, approvers=None, **values
) -> VisitType:
    # The name: `name={"fr": ..., "en": ...}` or `name_fr=..., name_en=...`.
    names = translated.collect(values, ["name"]).get("name", {})
    values = {k: v for k, v in values.items() if k in VISIT_TYPE_FIELDS}
    if visit_type is None:
        visit_type = VisitType(organization_id=getattr(organization, "pk", organization), **values)
        translated.assign(visit_type, "name", names)
        visit_type.save()
        audit.record("visit_type.created", target=visit_type)
    else:
        changed = [k for k, v in values.items() if getattr(visit_type, k) != v]
        for k in changed:
            setattr(visit_type, k, values[k])
        before = translated.translations(visit_type, "name")
        if translated.assign(visit_type, "name", names):
            # Journaled as before: which language's name changed (`name_en`).
            after = translated.translations(visit_type, "name")
            changed += [f"name_{code}" for code in after if after[code] != before.get(code)]
        if changed:
            columns = {"name" if k.startswith("name_") else k for k in changed}
            if any(k.startswith("name_") and k != f"name_{translated.default_language()}" for k in changed):
                columns.add("i18n")
            visit_type.save(update_fields=sorted(columns))
            audit.record("visit_type.updated", target=visit_type, data={"fields": changed})
    if approvers is not None:
        visit_type.approvers.set(approvers)
    return visit_type


@transaction.atomic
def add_watchlist_entry(*, organization, by=None, **values) -> WatchlistEntry:
    entry = WatchlistEntry.objects.create(
        organization_id=getattr(organization, "pk", organization),
        created_by=by,
        **{k: v for k, v in values.items() if k in WATCHLIST_FIELDS},
    )
    audit.record("watchlist.added", target=entry, data={"watchlist_entry_id": entry.pk})
    return entry


@transaction.atomic
def update_watchlist_entry(*, entry: WatchlistEntry, **values) -> WatchlistEntry:
    changed = [k for k, v in values.items() if k in WATCHLIST_FIELDS and getattr(entry, k) != v]
    for k in changed:
        setattr(entry, k, values[k])
    if changed:
        entry.save(update_fields=changed)
        audit.record(
            "watchlist.updated", target=entry, data={"watchlist_entry_id": entry.pk, "fields": changed}
        )
    return entry


@transaction.atomic
def remove_watchlist_entry(*, entry: WatchlistEntry) -> None:
    entry_id = entry.pk
    entry.delete()
    audit.record(
        "watchlist.removed",
        target=("visitors.watchlistentry", entry_id),
        data={"watchlist_entry_id": entry_id},
    )


def hash_kiosk_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def create_kiosk_token(*, site, name: str = "") -> tuple[KioskToken, str]:
    """The key is returned once; only its hash is stored."""
    key = "kiosk_" + secrets.token_urlsafe(24)
    token = KioskToken.objects.create(
        organization_id=site.organization_id, site=site, name=name, key_hash=hash_kiosk_key(key)
    )
    audit.record("kiosk.token_created", target=token, site=site, data={"kiosk_token_id": token.pk})
    return token, key


@transaction.atomic
def revoke_kiosk_token(*, token: KioskToken) -> KioskToken:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit.record(
            "kiosk.token_revoked", target=token, site=token.site_id, data={"kiosk_token_id": token.pk}
        )
    return token
