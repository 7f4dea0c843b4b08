"""Reads: which template prints a visit's badge, and what a member may print."""

from django.db.models import Q, QuerySet

from config.registries import consultation
from sites.selectors import sites_for
from tenancy.models import Membership
from visitors.models import Visit

from .models import BadgeAssignment, BadgePrint, BadgeTemplate

# Weights of a matching assignment field. The desk outweighs the visit type
# because the desk decides the printer, hence the label stock: a visit-type
# template on the wrong media prints cut. A desk + visit-type row beats both.
WEIGHTS = {"desk": 4, "visit_type": 2, "site": 1}


def resolve_template(*, site, desk=None, visit_type=None) -> BadgeTemplate | None:
    """The template for a badge printed at `desk` (of `site`) for `visit_type`.

    1. Keep assignments whose set fields all match (an empty field matches all).
    2. The highest weight wins: desk 4, visit type 2, site 1 (ties: newest row).
    3. Without any matching assignment, the organization's first active template,
       so a new organization can print before configuring assignments.
    """
    site_id = getattr(site, "pk", site)
    desk_id = getattr(desk, "pk", desk)
    type_id = getattr(visit_type, "pk", visit_type)
    rows = (
        BadgeAssignment.objects.filter(template__active=True)
        .filter(Q(site__isnull=True) | Q(site_id=site_id))
        .filter(Q(desk__isnull=True) | Q(desk_id=desk_id))
        .filter(Q(visit_type__isnull=True) | Q(visit_type_id=type_id))
        .select_related("template__current", "template__current__logo")
    )

    def weight(row):
        return (sum(w for f, w in WEIGHTS.items() if getattr(row, f"{f}_id")), row.pk)

    best = max(rows, key=weight, default=None)
    if best is not None:
        return best.template
    return (
        BadgeTemplate.objects.filter(active=True)
        .select_related("current", "current__logo")
        .order_by("name", "pk")
        .first()
    )


def printable_visits(membership: Membership) -> QuerySet[Visit]:
    """Visits whose badge this member may print or view: those of the sites in
    the perimeter (the role check comes first, in the view). A badge shows the
    visitor's name: visits past their consultation period are left out, as on
    every daily screen."""
    visits = consultation.within(Visit.objects.filter(site__in=sites_for(membership)), "visits")
    return visits.select_related("visitor", "visit_type", "site", "host__user", "desk", "arrived_desk")


def prints_for(membership: Membership) -> QuerySet[BadgePrint]:
    """Recorded prints, redrawn on demand with the visitor's name: only those of
    visits still in their consultation period."""
    current = consultation.within(Visit.objects.all(), "visits").values("pk")
    return BadgePrint.objects.filter(site__in=sites_for(membership), visit__in=current).select_related(
        "template_version", "desk"
    )


def templates() -> QuerySet[BadgeTemplate]:
    return BadgeTemplate.objects.select_related("current", "logo")
