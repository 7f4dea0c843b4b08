"""Archive access: data past its consultation period leaves daily screens,
search and exports for every role; compliance reads it in the archive view,
after stating why (journaled).

The lifecycle apps filter with `within_consultation`; the daily-work apps,
which never import retention, through `config.registries.consultation`, which
`install()` (called in RetentionConfig.ready) wires to it:

    from config.registries import consultation
    visits = consultation.within(visits, "visits")

These are reads; they import nothing from the domain apps and are cheap (one
query for the policies of the type, then constant comparisons in the WHERE
clause).
"""

import datetime

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from audit import services as audit
from config.registries import consultation, retention_types
from tenancy.models import Role

from .models import ArchiveAccess, RetentionPolicy
from .policies import defaults_for

ACCESS_MINUTES = 60


def _policies(data_type):
    """(site id, consultation days) pairs; the shipped default when the
    organization has not stored its policies yet (they are created lazily)."""
    rows = list(
        RetentionPolicy.objects.filter(data_type=data_type).values_list("site_id", "consultation_days")
    )
    rtype = retention_types.get(data_type)
    if rtype is not None and not any(site_id is None for site_id, _days in rows):
        rows.append((None, defaults_for(rtype)[0]))
    return rows


def consultation_cutoff(organization, data_type: str, *, site=None, now=None) -> datetime.datetime | None:
    """Rows older than this are archived; None when the type has no policy."""
    now = now or timezone.now()
    site_id = getattr(site, "pk", site)
    found = dict(_policies(data_type))
    days = found.get(site_id) if site_id in found else found.get(None)
    return None if days is None else now - datetime.timedelta(days=days)


def _split(data_type, now):
    rtype = retention_types.get(data_type)
    found = dict(_policies(data_type))
    if rtype is None or None not in found:
        return None, None, {}
    base = now - datetime.timedelta(days=found.pop(None))
    sites = {site_id: now - datetime.timedelta(days=days) for site_id, days in found.items()}
    return rtype, base, sites if rtype.site_field else {}


def _recent_q(rtype, cutoff) -> Q:
    """Rows still in consultation at `cutoff`. A type may say what that means
    (`consultation_q`): a visitor identity stays while its visits do."""
    custom = getattr(rtype, "consultation_q", None)
    return custom(cutoff) if custom else Q(**{f"{rtype.timestamp_field}__gte": cutoff})


def _visible_q(rtype, base, sites) -> Q:
    q = _recent_q(rtype, base)
    if sites:
        q &= ~Q(**{f"{rtype.site_field}__in": list(sites)})
        for site_id, cutoff in sites.items():
            q |= Q(**{rtype.site_field: site_id}) & _recent_q(rtype, cutoff)
    return q


def within_consultation(queryset, organization, data_type: str, *, now=None):
    """The rows of `queryset` still in their consultation period."""
    rtype, base, sites = _split(data_type, now or timezone.now())
    if rtype is None:
        return queryset
    return queryset.filter(_visible_q(rtype, base, sites))


def past_consultation(queryset, organization, data_type: str, *, now=None):
    """The archived rows of `queryset` (for the compliance archive view)."""
    rtype, base, sites = _split(data_type, now or timezone.now())
    if rtype is None:
        return queryset.none()
    return queryset.exclude(_visible_q(rtype, base, sites))


def install() -> None:
    """Daily-work apps hide archived rows through `config.registries.consultation`;
    the organization is that of the tenant scope the query runs in."""
    consultation.install(
        lambda queryset, data_type: within_consultation(queryset, None, data_type),
        archive_open=archive_is_open,
    )


def archive_is_open(membership, data_type: str) -> bool:
    """Compliance opened this type's archive, with a reason, less than an hour ago."""
    return membership.role == Role.COMPLIANCE and open_access(membership.user, data_type) is not None


@transaction.atomic
def open_archive(*, organization, user, data_type: str, reason: str) -> ArchiveAccess:
    access = ArchiveAccess.objects.create(
        organization=organization,
        user=user,
        data_type=data_type,
        reason=reason,
        expires_at=timezone.now() + datetime.timedelta(minutes=ACCESS_MINUTES),
    )
    # The reason the DPO stated is the point of this entry: it shows in the journal.
    audit.record(
        "retention.archive_opened",
        target=access,
        data={"data_type": data_type, "reason": reason, "expires_at": access.expires_at.isoformat()},
    )
    return access


def open_access(user, data_type: str):
    return (
        ArchiveAccess.objects.filter(user=user, data_type=data_type, expires_at__gt=timezone.now())
        .order_by("-created_at")
        .first()
    )
