"""Reads of visits and visitors, narrowed to what a membership may see.

Perimeter: admins and compliance (empty perimeter) see everything, reception the
visits of its sites, hosts their own visits. Lists, search and detail screens
also leave out what is past its consultation period (`daily_visits`,
`daily_visitors`); compliance reads that in the retention archive."""

import datetime
import functools
import zoneinfo

from django.db import connection
from django.db.models import Case, F, Q, QuerySet, Value, When
from django.db.models.expressions import RawSQL
from django.utils import timezone

from config.registries import consultation
from config.rows import JoinedRow
from sites.models import Desk, Site
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


def visits_for(membership: Membership) -> QuerySet[Visit]:
    visits = Visit.objects.select_related(
        "visitor", "site", "visit_type", "host__user", "desk", "arrived_desk"
    )
    if membership.sees_all_sites:
        return visits
    if membership.role == Role.HOST:
        return visits.filter(host=membership)
    return visits.filter(site_id__in=membership.site_ids)


@functools.cache
def _arrival_read() -> tuple[JoinedRow, str]:
    """The columns and the statement of `visit_to_arrive`, built once."""
    row = JoinedRow((Visit, "v"), (Site, "s"), (Visitor, "p"), (Desk, "d"))
    # Names and columns from the models; the values travel as parameters.
    visits, sites, visitors, desks = (m._meta.db_table for m in (Visit, Site, Visitor, Desk))
    sql = (
        f"SELECT {row.columns} FROM {visits} v JOIN {sites} s ON s.id = v.site_id "  # noqa: S608
        f"LEFT JOIN {visitors} p ON p.id = v.visitor_id "
        f"LEFT JOIN {desks} d ON d.id = %(desk)s AND d.organization_id = v.organization_id "
        f"AND {Membership.perimeter_sql('d.site_id')} "
        f"WHERE v.id = %(visit)s AND v.organization_id = %(org)s AND {Membership.perimeter_sql('v.site_id')} "
        "FOR UPDATE OF v"
    )
    return row, sql


def visit_to_arrive(
    membership: Membership, visit_id: int, desk_id: int | None
) -> tuple[Visit | None, Desk | None]:
    """For reception and admins: the visit read FOR UPDATE in the caller's
    transaction, with its site and visitor, and the desk asked for; each None
    when it is another tenant's or outside the member's perimeter (the rule of
    `visits_for` and `desks_for`). The desk's busiest action: one statement
    where the ORM took three (perimeter, visit, desk) and more CPU to build them
    than PostgreSQL to run them. Like the desk's day, it reads no retention
    policy: only today's visits arrive."""
    if membership.role not in (Role.ADMIN, Role.RECEPTION):
        raise ValueError("hosts and compliance do not register arrivals")
    row, sql = _arrival_read()
    params = {
        **membership.perimeter_params(),
        "visit": visit_id,
        "desk": desk_id,
        "org": membership.organization_id,
    }
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        found = cursor.fetchone()
    if found is None:
        return None, None
    visit, site, visitor, desk = row.instances(found)
    Visit.site.field.set_cached_value(visit, site)
    Visit.visitor.field.set_cached_value(visit, visitor)
    return visit, desk


def visitors_for(membership: Membership) -> QuerySet[Visitor]:
    """People reach a member through a visit of the member's perimeter: hosts the
    guests they invited, reception the visitors of its sites' visits. A visitor
    with no visit there answers 404 (a walk-in or a pre-registration creates
    that visit). Admins and compliance without a perimeter see everyone."""
    visitors = Visitor.objects.all()
    if membership.sees_all_sites:
        return visitors
    if membership.role == Role.HOST:
        # Hosts see the people they have invited, nobody else's guests.
        return visitors.filter(pk__in=Visit.objects.filter(host=membership).values("visitor_id"))
    return visitors.filter(pk__in=Visit.objects.filter(site_id__in=membership.site_ids).values("visitor_id"))


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
