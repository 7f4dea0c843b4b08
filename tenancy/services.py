"""Organizations and memberships: creation, roles, sign-in events."""

from django.contrib.auth import get_user_model
from django.db import transaction
from django_scopes import scopes_disabled

from .journal import journal
from .models import Membership, Organization
from .scope import tenant_scope, user_context

User = get_user_model()


def create_organization(
    *,
    name: str,
    slug: str,
    admin_email: str,
    admin_password: str | None,
    language: str = "fr",
    timezone: str = "Europe/Paris",
) -> Organization:
    with transaction.atomic():
        org = Organization.objects.create(name=name, slug=slug, default_language=language, timezone=timezone)
        user = User.objects.filter(email=admin_email.lower()).first()
        if user is None:
            user = User.objects.create_user(admin_email, admin_password)
        with tenant_scope(org):
            journal.record("organization.created", target=org)
            add_member(organization=org, user=user, role="admin")
    return org


def add_member(*, organization, user, role: str, sites=()) -> Membership:
    membership = Membership.objects.create(organization=organization, user=user, role=role)
    if sites:
        membership.sites.set(sites)
    journal.record(
        "membership.created",
        target=membership,
        data={"user_id": user.pk, "role": role, "site_ids": sorted(s.pk for s in sites)},
    )
    return membership


@transaction.atomic
def change_membership(
    *, membership: Membership, role: str | None = None, sites=None, is_active: bool | None = None
) -> Membership:
    before = {
        "role": membership.role,
        "site_ids": sorted(membership.site_ids),
        "is_active": membership.is_active,
    }
    if role is not None:
        membership.role = role
    if is_active is not None:
        membership.is_active = is_active
    membership.save(update_fields=["role", "is_active"])
    if sites is not None:
        membership.sites.set(sites)
        membership._site_ids = frozenset(s.pk for s in sites)
    after = {
        "role": membership.role,
        "site_ids": sorted(membership.site_ids),
        "is_active": membership.is_active,
    }
    if before != after:
        journal.record("membership.changed", target=membership, data={"before": before, "after": after})
    return membership


def memberships_of(user) -> list[Membership]:
    """A user's memberships across organizations (organization switcher). Read
    through the row-level security policy that lets a user see their own rows."""
    with user_context(user):
        return list(
            Membership.objects.select_related("organization")
            .filter(user=user, is_active=True)
            .order_by("organization__name")
        )


def journal_for_user_orgs(user, verb: str, data: dict | None = None) -> None:
    """Journal a sign-in event in every organization the user belongs to: each
    tenant's admins see attempts on their own people."""
    for membership in memberships_of(user):
        with tenant_scope(membership.organization):
            journal.record(verb, target=("tenancy.user", user.pk), data=data or {})


def find_user(email: str):
    with scopes_disabled():
        return User.objects.filter(email=(email or "").strip().lower()).first()
