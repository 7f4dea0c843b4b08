"""Reads of visits and visitors, narrowed to what a membership may see.

Perimeter: admins and compliance (empty perimeter) see everything, reception the
visits of its sites, hosts their own visits. Lists, search and detail screens
also leave out what is past its consultation period (`daily_visits`,
`daily_visitors`); compliance reads that in the retention archive."""

import datetime
import zoneinfo

from django.db import connection
from django.db.models import Case, F, Q, QuerySet, Value, When
from django.db.models.expressions import RawSQL
from django.utils import timezone

from config.registries import consultation
from tenancy.models import Membership, Role

from .models import KioskToken, Visit, Visitor, VisitStatus, VisitType, WatchlistEntry
from .watchlist import Fold


def _words(q: str) -> list[str]:
    return [w for w in (q or "").split() if w][:6]


def matching_visitor_ids(word: str) -> RawSQL:
    """Ids of this organization's visitors whose folded name or company contains
    `word`, found through the trigram index (migration 0005 says why a function)."""
    return RawSQL("SELECT vestibule_visitor_search_ids(%s)", [word])


def _matching_hosts(word: str):
    return (
        Membership.objects.alias(folded=Fold(F("user__full_name")))
        .filter(folded__contains=Fold(Value(word)))
        .values("pk")
    )


def search_visitors(queryset: QuerySet[Visitor], q: str) -> QuerySet[Visitor]:
    """Every word must appear in the name or company, accents and case ignored."""
    for word in _words(q):
        queryset = queryset.filter(pk__in=matching_visitor_ids(word))
    return queryset


def search_visits(queryset: QuerySet[Visit], q: str, *, hosts: bool = True) -> QuerySet[Visit]:
    """Every word must appear in the visitor's name or company, or (`hosts`) in
    the host's name."""
    for word in _words(q):
        condition = Q(visitor_id__in=matching_visitor_ids(word))
        if hosts:
            condition |= Q(host__in=_matching_hosts(word))
        queryset = queryset.filter(condition)
    return queryset


def in_perimeter(membership: Membership, visits: QuerySet[Visit] | None = None) -> QuerySet[Visit]:
    """The perimeter's rule, once: `visits` (every visit of the tenant by
    default) narrowed to what `membership` may see. The actions (arrive,
    depart, scan...) read their visit locked from it, with only what they
    need joined (`visitors.services`)."""
    visits = Visit.objects.all() if visits is None else visits
    if membership.sees_all_sites:
        return visits
    if membership.role == Role.HOST:
        return visits.filter(host=membership)
    return visits.filter(site_id__in=membership.site_ids_inline)


def visits_for(membership: Membership) -> QuerySet[Visit]:
    return in_perimeter(
        membership,
        Visit.objects.select_related("visitor", "site", "visit_type", "host__user", "desk", "arrived_desk"),
    )


def visitors_for(membership: Membership) -> QuerySet[Visitor]:
    """People reach a member through a visit of the member's perimeter: hosts the
    guests they invited, reception the visitors of its sites' visits. A visitor
    with no visit there answers 404 (a walk-in or a pre-registration creates
    that visit). Admins and compliance without a perimeter see everyone."""
    visitors = Visitor.objects.all()
    if membership.sees_all_sites:
        return visitors
    # Hosts see the people they have invited, nobody else's guests.
    return visitors.filter(pk__in=in_perimeter(membership).values("visitor_id"))


def daily_visits(membership: Membership) -> QuerySet[Visit]:
    """The perimeter's visits still in their consultation period, for every role.
    The desk (its day, arrive/depart, scans) and the roll call keep `visits_for`:
    they only deal with today's visits or people on site, and must not read the
    retention policies on their hot path."""
    return consultation.within(visits_for(membership), "visits")


def daily_visitors(membership: Membership) -> QuerySet[Visitor]:
    """`visitors_for` without the archived identities (see `daily_visits`). Choosing
    a returning visitor by id keeps `visitors_for`: a new visit brings them back."""
    return consultation.within(visitors_for(membership), "visitor_identities")


def day_bounds(site, day: datetime.date | None = None) -> tuple[datetime.datetime, datetime.datetime]:
    tz = zoneinfo.ZoneInfo(site.timezone)
    day = day or timezone.localtime(timezone.now(), tz).date()
    start = datetime.datetime.combine(day, datetime.time(0), tzinfo=tz)
    return start, start + datetime.timedelta(days=1)


def desk_visits(membership: Membership, site, q: str = "") -> QuerySet[Visit]:
    """The desk's day: today's visits at the site that are still to come or on
    site, plus whoever is still on site from earlier; expected ones first."""
    start, end = day_bounds(site)
    today = Q(expected_at__lt=end, expected_until__gte=start)
    live = Q(status__in=[VisitStatus.EXPECTED, VisitStatus.PENDING_APPROVAL]) & today
    on_site = Q(status=VisitStatus.ARRIVED)
    left_today = Q(status=VisitStatus.DEPARTED, departed_at__gte=start)
    visits = visits_for(membership).filter(site=site).filter(live | on_site | left_today)
    # Enter with nothing selected acts on the first row: the next arrival.
    rank = Case(
        When(status=VisitStatus.EXPECTED, then=Value(0)),
        When(status=VisitStatus.PENDING_APPROVAL, then=Value(1)),
        When(status=VisitStatus.ARRIVED, then=Value(2)),
        default=Value(3),
    )
    return search_visits(visits, q).order_by(rank, "expected_at", "pk")


def desk_counts(site) -> dict[str, int]:
    start, end = day_bounds(site)
    visits = Visit.objects.filter(site=site)
    return {
        "expected": visits.filter(
            status=VisitStatus.EXPECTED, expected_at__lt=end, expected_until__gte=start
        ).count(),
        "arrived": visits.filter(status=VisitStatus.ARRIVED).count(),
        "departed": visits.filter(status=VisitStatus.DEPARTED, departed_at__gte=start).count(),
    }


def on_site(site) -> QuerySet[Visit]:
    """Everyone arrived and not departed: the roll call for an evacuation."""
    return (
        Visit.objects.filter(site=site, status=VisitStatus.ARRIVED)
        .select_related("visitor", "host__user", "arrived_desk")
        .order_by("visitor__last_name", "visitor__first_name", "pk")
    )


ON_SITE_JSON = """
SELECT coalesce(json_agg(json_build_object(
    'id', v.id,
    'visitor', trim(coalesce(p.first_name, '') || ' ' || coalesce(p.last_name, '')),
    'company', coalesce(p.company, ''),
    'host', coalesce(u.full_name, ''),
    'arrived_at', to_char(v.arrived_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
    'desk', coalesce(d.name, ''),
    'badge_number', v.badge_number
) ORDER BY p.last_name, p.first_name, v.id), '[]')::text
FROM visitors_visit v
-- A lateral probe per person on site (OFFSET 0 keeps it from being flattened):
-- otherwise the planner hashes the whole visitor table to join a few thousand.
LEFT JOIN LATERAL (
    SELECT first_name, last_name, company FROM visitors_visitor WHERE id = v.visitor_id OFFSET 0
) p ON true
LEFT JOIN tenancy_membership m ON m.id = v.host_id
LEFT JOIN tenancy_user u ON u.id = m.user_id
LEFT JOIN sites_desk d ON d.id = v.arrived_desk_id
WHERE v.site_id = %s AND v.status = 'arrived'
"""


def on_site_json(site) -> str:
    """The roll call as a JSON array built by PostgreSQL: at thousands of people
    building and rendering Python objects took most of the time. Row-level
    security applies to this query like to any other."""

    with connection.cursor() as cursor:
        cursor.execute(ON_SITE_JSON, [site.pk])
        return cursor.fetchone()[0]


def visit_types(active_only: bool = False) -> QuerySet[VisitType]:
    types = VisitType.objects.all()
    return types.filter(active=True) if active_only else types


def watchlist_entries() -> QuerySet[WatchlistEntry]:
    return WatchlistEntry.objects.all()


def kiosk_tokens() -> QuerySet[KioskToken]:
    return KioskToken.objects.select_related("site").order_by("-created_at")
