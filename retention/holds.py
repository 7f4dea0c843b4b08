"""Legal holds: which rows of a data type a hold covers.

A hold covers the rows matching all its criteria (sites, period, visitor, data
types); an empty criterion matches everything. Where a data type cannot tell
(no site column for a site-scoped hold), the hold covers the whole type:
keeping too much under a hold is a nuisance, erasing held data is a breach.
"""

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from config.registries import retention_types, subject_sources

from .models import LegalHold


def active_holds(today=None) -> list[LegalHold]:
    today = today or timezone.localdate()
    holds = (
        LegalHold.objects.filter(released_at__isnull=True)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=today))
        .prefetch_related("sites")
    )
    return list(holds)


def visitor_q(rtype, visitor_ids) -> Q | None:
    """Rows of `rtype` about these visitors, as the type's app finds them
    (its subject source, else its `visitor_field`), or None when the type holds
    no link to a person (the journal)."""
    source = subject_sources.get(rtype.key)
    if source is not None:
        return source.about(visitor_ids)
    if rtype.visitor_field:
        return Q(**{f"{rtype.visitor_field}__in": list(visitor_ids)})
    return None


def hold_q(rtype, hold: LegalHold) -> Q | None:
    """The rows of `rtype` under `hold`; None when the hold does not concern it."""
    if hold.data_types and rtype.key not in hold.data_types:
        return None
    if hasattr(rtype, "hold_q"):
        return rtype.hold_q(hold)
    q = Q()
    site_ids = [site.pk for site in hold.sites.all()]
    if site_ids and rtype.site_field:
        q &= Q(**{f"{rtype.site_field}__in": site_ids})
    stamp = rtype.timestamp_field
    if hold.period_start:
        q &= Q(**{f"{stamp}__date__gte": hold.period_start})
    if hold.period_end:
        q &= Q(**{f"{stamp}__date__lte": hold.period_end})
    if hold.visitor_id:
        about = visitor_q(rtype, [hold.visitor_id])
        if about is None:
            return None
        q &= about
    return q


def held_q(rtype, holds) -> Q | None:
    """Rows under any of the holds, or None when no hold concerns the type."""
    combined = None
    for hold in holds:
        q = hold_q(rtype, hold)
        if q is None:
            continue
        combined = q if combined is None else combined | q
    return combined


def hold_on(rows, rtype, holds) -> LegalHold | None:
    """The first hold covering any of `rows` (a queryset of `rtype`)."""
    for hold in holds:
        q = hold_q(rtype, hold)
        if q is not None and rows.filter(q).exists():
            return hold
    return None


def describe(hold: LegalHold) -> str:
    return _("legal hold #%(id)s (%(reason)s)") % {"id": hold.pk, "reason": hold.reason}


def validate_data_types(values) -> list[str]:
    return [value for value in values if value not in retention_types]
