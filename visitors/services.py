"""The verbs of visits. Every status change goes through here and is journaled
in the same transaction; invitations leave after commit.

State machine:
    pending_approval -> expected | refused | cancelled
    expected -> arrived | cancelled | no_show
    arrived -> departed
"""

import datetime
import zoneinfo

from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from audit import services as audit
from sites.models import Desk, Site
from tenancy.models import Membership, Role

from . import codes, invitations, watchlist
from .checks import arrival_findings
from .errors import DeskElsewhere, VisitError
from .models import Visit, Visitor, VisitStatus, VisitType
from .people import find_or_create_visitor

VISIT_FIELDS = ("site", "desk", "host", "visit_type", "expected_at", "expected_until", "notes")
# Changing one of these re-sends the invitation (the visitor must know).
INVITATION_FIELDS = {"site", "expected_at", "expected_until"}


# --- who is acting ----------------------------------------------------------------------
def _member(by) -> Membership | None:
    """`by` may be a Membership, a User (its membership in the current
    organization is looked up) or None (kiosk, scheduled task)."""
    if by is None or isinstance(by, Membership):
        return by
    return Membership.objects.filter(user=by, is_active=True).first()


def _user(by):
    if by is None:
        return None
    return by.user if isinstance(by, Membership) else by


def _user_id(by) -> int | None:
    """`_user(by)`'s id, without reading the user (a membership knows it)."""
    if by is None:
        return None
    return by.user_id if isinstance(by, Membership) else by.pk


def _is_admin(by) -> bool:
    member = _member(by)
    return member is not None and member.role == Role.ADMIN


def _data(visit: Visit, **extra) -> dict:
    data = {
        "visit_id": visit.pk,
        "visitor_id": visit.visitor_id,
        "host_id": visit.host_id,
        "visit_type_id": visit.visit_type_id,
    }
    data.update(extra)
    return data


def local_today(site, now=None) -> datetime.date:
    return timezone.localtime(now or timezone.now(), zoneinfo.ZoneInfo(site.timezone)).date()


# --- validation shared by create and update -----------------------------------------------
# Dates outside this window are typing mistakes (year 0001, 9999), not visits.
EARLIEST = datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)
YEARS_AHEAD = 10


def date_window(now=None) -> tuple[datetime.datetime, datetime.datetime]:
    now = now or timezone.now()
    return EARLIEST, now.replace(year=now.year + YEARS_AHEAD, month=1, day=1, hour=0, minute=0)


def check_moment(value: datetime.datetime, field: str = "expected_at") -> None:
    """Refuse a date outside `date_window()`, naming the window."""
    earliest, latest = date_window()
    if not earliest <= value < latest:
        raise VisitError(
            _("The date must be between the years %(earliest)s and %(latest)s.")
            % {"earliest": earliest.year, "latest": latest.year - 1},
            field=field,
        )


def _validate(*, site, desk, host, visit_type, expected_at, expected_until) -> None:
    check_moment(expected_at, "expected_at")
    check_moment(expected_until, "expected_until")
    if expected_until < expected_at:
        raise VisitError(_("The end of the visit must be after its start."), field="expected_until")
    if desk is not None and desk.site_id != site.pk:
        raise VisitError(_("This desk belongs to another site."), field="desk")
    if visit_type.host_required and host is None:
        raise VisitError(_("This visit type requires a host."), field="host")
    if not visit_type.active:
        raise VisitError(_("This visit type is no longer in use."), field="visit_type")


def _watchlist_gate(*, visitor_values: dict, visitor: Visitor | None, site, by, override_reason: str):
    """Refuse (and journal the refusal) a person on the watchlist unless an admin
    overrides with a reason. Returns the matching entries."""
    found = (
        watchlist.matches_for_visitor(visitor)
        if visitor is not None
        else watchlist.matches(
            **{k: visitor_values.get(k, "") for k in ("first_name", "last_name", "company", "email")}
        )
    )
    if found and not (override_reason.strip() and _is_admin(by)):
        audit.record(
            "visit.denied",
            target=visitor,
            site=site,
            data={
                "visitor_id": getattr(visitor, "pk", None),
                "watchlist_entry_ids": [e.pk for e in found],
                "stage": "pre_registration",
            },
        )
        raise VisitError(watchlist.problem_message(), overridable=True)
    return found


# --- pre-registration ---------------------------------------------------------------------
def pre_register(
    *,
    organization,
    site,
    visit_type: VisitType,
    expected_at,
    expected_until=None,
    visitor: Visitor | None = None,
    visitor_values: dict | None = None,
    host: Membership | None = None,
    desk=None,
    notes: str = "",
    by=None,
    override_reason: str = "",
    invite: bool = True,
) -> Visit:
    """A new visit, `expected` or `pending_approval` after its type's policy.

    1. Checks the period, desk, host and the watchlist (a refusal is journaled in
       the caller's transaction, so it stays even though nothing is created).
    2. Finds the returning visitor or creates one.
    3. Creates the visit and journals visit.pre_registered (+ pending_approval).
    4. After commit, e-mails the invitation (not while approval is pending);
       `visit.invitation` says what became of it (invitations.OUTCOMES)."""
    check_moment(expected_at)
    if expected_until is None:
        expected_until = expected_at + datetime.timedelta(minutes=visit_type.default_duration_minutes)
    _validate(
        site=site,
        desk=desk,
        host=host,
        visit_type=visit_type,
        expected_at=expected_at,
        expected_until=expected_until,
    )
    if visitor is None and not visitor_values:
        raise VisitError(_("A visitor is required."), field="visitor")
    matched = _watchlist_gate(
        visitor_values=visitor_values or {},
        visitor=visitor,
        site=site,
        by=by,
        override_reason=override_reason,
    )
    with transaction.atomic():
        if visitor is None:
            visitor = find_or_create_visitor(organization=organization, **visitor_values)
        status = VisitStatus.PENDING_APPROVAL if visit_type.approval_required else VisitStatus.EXPECTED
        visit = Visit.objects.create(
            organization_id=getattr(organization, "pk", organization),
            site=site,
            desk=desk,
            visitor=visitor,
            host=host,
            visit_type=visit_type,
            expected_at=expected_at,
            expected_until=expected_until,
            status=status,
            notes=notes,
            override_reason=override_reason.strip() if matched else "",
            created_by=_user(by),
        )
        if matched:
            audit.record(
                "visit.override",
                target=visit,
                site=site,
                data=_data(visit, watchlist_entry_ids=[e.pk for e in matched], stage="pre_registration"),
            )
        audit.record("visit.pre_registered", target=visit, site=site, data=_data(visit))
        # What the screens and the API tell about the invitation (invitations.OUTCOMES).
        visit.invitation = invitations.NOT_SENT
        if status == VisitStatus.PENDING_APPROVAL:
            audit.record("visit.pending_approval", target=visit, site=site, data=_data(visit))
            visit.invitation = invitations.AWAITING_APPROVAL
        elif invite:
            visit.invitation = invitations.schedule(visit, "created")
    return visit


@transaction.atomic
def update_visit(*, visit: Visit, by=None, **values) -> Visit:
    """Edit an expected (or pending) visit; the visitor gets an update."""
    if visit.status not in (VisitStatus.EXPECTED, VisitStatus.PENDING_APPROVAL):
        raise VisitError(_("Only a visit that has not started can be changed."))
    merged = {f: values.get(f, getattr(visit, f)) for f in VISIT_FIELDS}
    _validate(
        **{k: merged[k] for k in ("site", "desk", "host", "visit_type", "expected_at", "expected_until")}
    )
    changed = [f for f in VISIT_FIELDS if f in values and getattr(visit, f) != values[f]]
    for f in changed:
        setattr(visit, f, values[f])
    if changed:
        visit.save(update_fields=[*changed, "updated_at"])
        audit.record("visit.updated", target=visit, site=visit.site, data=_data(visit, fields=changed))
        if INVITATION_FIELDS & set(changed) and visit.status == VisitStatus.EXPECTED:
            invitations.schedule(visit, "updated")
    return visit


# The next number of the site's daily badge sequence. The upsert takes a row
# lock on the counter held until the arrival commits: concurrent desks queue on
# it, and a rolled-back arrival gives its number back, so there are no gaps. The
# ORM has no increment-on-conflict: this statement is the counter's only path.
_NEXT_BADGE_NUMBER = """
INSERT INTO visitors_badgecounter (organization_id, site_id, day, last)
VALUES (%(org)s, %(site)s, %(day)s, 1)
ON CONFLICT (site_id, day) DO UPDATE SET last = visitors_badgecounter.last + 1
RETURNING last
"""


def _next_badge_number(visit: Visit) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            _NEXT_BADGE_NUMBER, {"org": visit.organization_id, "site": visit.site_id, "day": visit.badge_day}
        )
        return cursor.fetchone()[0]


# --- the one locked read ------------------------------------------------------------------
def _read_locked(
    visit: Visit | int, visits=None, related=("site", "visitor"), desk_id: int | None = None
) -> tuple[Visit | None, Desk | None]:
    """The one read of every action on a visit: its row FOR UPDATE (its own
    row, not the joined ones) with what the action needs, taken from `visits`
    (what the caller may act upon: a member's perimeter,
    `selectors.in_perimeter`; a kiosk's site) or from every visit of the tenant.
    Of two desks acting on one visit, the second waits here for the first's
    commit and then sees its result.

    Hand-written, and the only read of its kind (issue 16: building the ORM's
    locked, joined queryset was a third of an arrival's server CPU): the joins
    are a statement prepared once per `related`, the reach is `visits` itself
    as a subquery (its rule stays where it is written, `in_perimeter`), and
    the rows become model instances without a second read.

    With `desk_id`, also the desk of that id if it is one of the visit's site
    (None otherwise): a desk where the visit is expected is within whatever
    perimeter reached the visit, so the API's arrival needs no read of its own
    for the desk, nor of the member's sites."""
    visits = Visit.objects.all() if visits is None else visits
    pk = visit.pk if isinstance(visit, Visit) else visit
    reach_sql, reach_params = visits.order_by().values("pk").query.sql_with_params()
    with_desk = desk_id is not None
    sql, models = _locked_statement(tuple(related), with_desk)
    with connection.cursor() as cursor:
        cursor.execute(sql % reach_sql, (*((desk_id,) if with_desk else ()), pk, *reach_params))
        row = cursor.fetchone()
    if row is None:
        return None, None
    db = visits.db
    start = 0
    found = desk = None
    for name, model, (attnames, converters) in models:
        values = list(row[start : start + len(attnames)])
        start += len(attnames)
        for i, (converting, expression) in converters.items():
            for convert in converting:
                values[i] = convert(values[i], expression, connection)
        instance = None if values[0] is None else model.from_db(db, attnames, values)
        if name is None:
            found = instance
        elif name == _DESK:
            desk = instance
        else:
            Visit._meta.get_field(name).set_cached_value(found, instance)
    if desk is not None and "site" in related:
        Desk.site.field.set_cached_value(desk, found.site)  # the visit's, by the join
    return found, desk


_LOCKED_STATEMENTS: dict = {}
_DESK = "desk given"  # the models' entry of the desk joined by id (not a field of Visit)


def _locked_statement(related: tuple[str, ...], with_desk: bool = False) -> tuple[str, list]:
    """`_read_locked`'s statement for `related` (FKs of Visit), with `%%s` for
    the visit's id (after the desk's, `with_desk`) and a `%s` left for the
    reach's subquery; and, per model, the columns it reads, in order."""
    if (related, with_desk) in _LOCKED_STATEMENTS:
        return _LOCKED_STATEMENTS[related, with_desk]
    qn = connection.ops.quote_name
    table = Visit._meta.db_table

    def columns(model, alias):
        fields = model._meta.concrete_fields
        attnames = [f.attname for f in fields]
        cols = [f"{qn(alias)}.{qn(f.column)}" for f in fields]
        # What the ORM would apply to each value read (JSON, custom fields...).
        converters = {}
        for i, f in enumerate(fields):
            expression = f.get_col(alias)
            converting = connection.ops.get_db_converters(expression) + expression.get_db_converters(
                connection
            )
            if converting:
                converters[i] = (converting, expression)
        return (attnames, converters), cols

    attnames, select = columns(Visit, table)
    models = [(None, Visit, attnames)]
    joins = []
    for index, name in enumerate(related):
        field = Visit._meta.get_field(name)
        model = field.related_model
        alias = f"r{index}"
        attnames, cols = columns(model, alias)
        models.append((name, model, attnames))
        select += cols
        join = "LEFT JOIN" if field.null else "JOIN"
        target = model._meta.pk.column
        joins.append(
            f"{join} {qn(model._meta.db_table)} {qn(alias)} "
            f"ON {qn(alias)}.{qn(target)} = {qn(table)}.{qn(field.column)}"
        )
    if with_desk:
        attnames, cols = columns(Desk, "rd")
        models.append((_DESK, Desk, attnames))
        select += cols
        site_column = qn(Visit._meta.get_field("site").column)
        joins.append(
            f"LEFT JOIN {qn(Desk._meta.db_table)} rd ON rd.{qn(Desk._meta.pk.column)} = %%s "
            f"AND rd.{qn(Desk._meta.get_field('site').column)} = {qn(table)}.{site_column}"
        )
    # Names from the models' metadata; values are parameters.
    listed = ", ".join(select)
    key = f"{qn(table)}.{qn(Visit._meta.pk.column)}"
    sql = f"SELECT {listed} FROM {qn(table)} {' '.join(joins)} WHERE {key} = %%s AND {key} IN (%s)"  # noqa: S608
    sql += f" FOR UPDATE OF {qn(table)}"
    _LOCKED_STATEMENTS[related, with_desk] = (sql, models)
    return sql, models


def _act_locked(
    visit: Visit | int, visits, act, *, related=("site", "visitor"), missing=None, desk_id: int | None = None
) -> Visit:
    """`act(row)` on the visit read by `_read_locked`, in a transaction (the
    caller's, when there is one: no savepoint); with `desk_id`,
    `act(row, desk)` with the desk read with it. A refusal (VisitError,
    PermissionDenied) is raised only once the block is left, so what it
    journaled (visit.denied) stays with the caller's transaction. A visit not
    found raises Visit.DoesNotExist (views answer 404), or what `missing()`
    raises."""
    refused = None
    with transaction.atomic(savepoint=False):
        current, desk = _read_locked(visit, visits, related, desk_id)
        if current is not None:
            try:
                act(current) if desk_id is None else act(current, desk)
            except (VisitError, PermissionDenied) as exc:
                refused = exc
    if current is None:
        if missing is not None:
            missing()
        raise Visit.DoesNotExist("No such visit within reach.")
    if refused is not None:
        if isinstance(refused, VisitError) and refused.visit is None:
            refused.visit = current
        raise refused
    return _refresh(visit, current) if isinstance(visit, Visit) else current


def _refresh(target: Visit, source: Visit) -> Visit:
    for field in source._meta.concrete_fields:
        setattr(target, field.attname, getattr(source, field.attname))
    return target


# --- the life cycle -----------------------------------------------------------------------
ARRIVAL_REFUSALS = {
    VisitStatus.ARRIVED: gettext_lazy("This visitor has already arrived."),
    VisitStatus.DEPARTED: gettext_lazy("This visit is over: the visitor has already left."),
    VisitStatus.CANCELLED: gettext_lazy("This visit was cancelled."),
    VisitStatus.REFUSED: gettext_lazy("This visit was refused."),
    VisitStatus.NO_SHOW: gettext_lazy("This visit is over (no-show)."),
    VisitStatus.PENDING_APPROVAL: gettext_lazy("This visit is still waiting for approval."),
}


def _can_arrive(visit: Visit, desk) -> None:
    if visit.status != VisitStatus.EXPECTED:
        raise VisitError(ARRIVAL_REFUSALS[visit.status])
    if desk is not None and desk.site_id != visit.site_id:
        raise VisitError(_elsewhere(visit))


def _elsewhere(visit: Visit) -> str:
    return _("This visit is expected at another site: %(site)s.") % {"site": visit.site.name}


def _kiosk_may_arrive(visit: Visit) -> None:
    if not visit.visit_type.kiosk_allowed:
        raise VisitError(_("Please go to the reception desk to be registered."))


def arrive(
    *,
    visit: Visit | int,
    visits=None,
    desk=None,
    desk_id: int | None = None,
    by=None,
    override_reason: str = "",
    kiosk: bool = False,
) -> Visit:
    """Register the arrival of `visit` (an instance, refreshed in place, or an
    id), read locked from `visits` (see `_read_locked`); every screen, the
    kiosk and the API come here.

    1. Refuses a visit type the kiosk may not arrive (`kiosk`), an illegal
       transition or a desk of another site (409).
    2. Runs the arrival checks (watchlist, documents...). Problems refuse the
       arrival, journaled as visit.denied. An admin's reason (journaled as
       visit.override) lifts the overridable ones (the watchlist), never a
       missing consent. An admin's override recorded on the visit at its
       pre-registration holds for its arrival by an admin.
    3. Takes the next badge number of the site's local day.
    A refusal carries the visit read (`VisitError.visit`).

    The desk is `desk`, or `desk_id` (the API), read with the visit: one that
    is not of the visit's site raises DeskElsewhere before any other check."""

    def act(current: Visit, *read_desk) -> None:
        if kiosk:
            _kiosk_may_arrive(current)
        given = read_desk[0] if read_desk else desk
        if desk_id is not None and given is None:
            try:
                _can_arrive(current, None)
            except VisitError as exc:
                raise DeskElsewhere(*exc.problems) from exc
            raise DeskElsewhere(_elsewhere(current))
        _arrival(current, desk=given, by=by, override_reason=override_reason)

    related = ("site", "visitor", "visit_type") if kiosk else ("site", "visitor")
    return _act_locked(visit, visits, act, related=related, desk_id=desk_id)


def _arrival(visit: Visit, *, desk, by, override_reason: str) -> None:
    """The arrival of a visit read locked by the caller: its checks, then its writes."""
    _can_arrive(visit, desk)
    found = arrival_findings(visit)
    problems = [message for message, _overridable in found]
    if found:
        admin = _is_admin(by)
        override_reason = override_reason.strip() or (visit.override_reason if admin else "")
        overridden = bool(override_reason.strip()) and admin
        blocking = [message for message, overridable in found if not overridable or not overridden]
        if blocking:
            audit.record(
                "visit.denied",
                target=visit,
                site=visit.site_id,
                data=_data(visit, desk_id=getattr(desk, "pk", None)),
            )
            raise VisitError(
                *blocking, overridable=all(overridable for _m, overridable in found), checks=True
            )
    _register_arrival(visit, desk, by, problems, override_reason)


ARRIVAL_FIELDS = [
    "status",
    "arrived_at",
    "arrived_desk",
    "arrived_by",
    "desk",
    "override_reason",
    "badge_day",
    "badge_number",
    "updated_at",
]


def _register_arrival(visit: Visit, desk, by, problems: list[str], override_reason: str) -> None:
    """The writes of an arrival, on a row locked and checked by the caller. The
    badge counter and the journal head are locked here until the commit, so
    they come last."""
    now = timezone.now()
    visit.status = VisitStatus.ARRIVED
    visit.arrived_at = now
    visit.arrived_desk = desk
    visit.arrived_by_id = _user_id(by)
    if desk is not None:
        visit.desk = desk
    if problems:
        visit.override_reason = override_reason.strip()
    visit.badge_day = local_today(visit.site, now)
    visit.badge_number = _next_badge_number(visit)
    visit.save(update_fields=ARRIVAL_FIELDS)
    desk_id = getattr(desk, "pk", None)
    if problems:
        audit.record("visit.override", target=visit, site=visit.site_id, data=_data(visit, desk_id=desk_id))
    audit.record("visit.arrived", target=visit, site=visit.site_id, data=_data(visit, desk_id=desk_id))


def depart(*, visit: Visit | int, visits=None, desk=None, by=None, automatic: bool = False, at=None) -> Visit:
    """Register the departure of `visit` (as `arrive` reads it)."""
    return _act_locked(
        visit, visits, lambda current: _departure(current, desk=desk, by=by, automatic=automatic, at=at)
    )


def _departure(visit: Visit, *, desk, by, automatic: bool = False, at=None) -> None:
    if visit.status == VisitStatus.DEPARTED:
        raise VisitError(_("This visitor has already left."))
    if visit.status != VisitStatus.ARRIVED:
        raise VisitError(_("This visitor never arrived: a departure needs an arrival first."))
    visit.status = VisitStatus.DEPARTED
    visit.departed_at = at or timezone.now()
    visit.departed_desk = desk
    visit.departed_by_id = _user_id(by)
    visit.departure_automatic = automatic
    visit.save(
        update_fields=[
            "status",
            "departed_at",
            "departed_desk",
            "departed_by",
            "departure_automatic",
            "updated_at",
        ]
    )
    audit.record(
        "visit.departed",
        target=visit,
        site=visit.site_id,
        data=_data(visit, desk_id=getattr(desk, "pk", None), automatic=automatic),
    )


def scan(
    *, code: str, visits=None, site=None, desk=None, by=None, override_reason: str = ""
) -> tuple[Visit, str]:
    """An invitation or badge code, read once with its visit locked. At a desk
    (`visits`: the member's perimeter) it arrives an expected visit or departs
    an arrived one; a code outside the perimeter is refused like a foreign
    one. At a kiosk (`site`) it only arrives, at that site. Returns the visit
    and "arrived" or "departed"."""
    scanned = codes.read_code(code)
    if site is not None:
        visits = Visit.objects.filter(site=site)
    done = []

    def act(current: Visit) -> None:
        codes.check_code(current, scanned)
        if site is not None:
            _kiosk_may_arrive(current)
        if site is None and current.status == VisitStatus.ARRIVED:
            _departure(current, desk=desk, by=by)
            done.append("departed")
        else:
            _arrival(current, desk=desk, by=by, override_reason=override_reason)
            done.append("arrived")

    def missing() -> None:
        # Out of reach, or gone: the code's own refusal first, as for any code.
        elsewhere = Visit.objects.select_related("site").filter(pk=scanned.visit_id).first()
        codes.check_code(elsewhere, scanned)
        if site is not None:
            raise VisitError(
                _("This visit is expected at another site: %(site)s.") % {"site": elsewhere.site.name}
            )
        raise VisitError(_("This visit is not in your perimeter."))

    related = ("site", "visitor", "visit_type") if site is not None else ("site", "visitor")
    visit = _act_locked(scanned.visit_id, visits, act, related=related, missing=missing)
    return visit, done[0]


def cancel(*, visit: Visit | int, visits=None, by=None, reason: str = "") -> Visit:
    """Cancel a visit that has not started (as `arrive` reads it); the visitor
    of an expected visit is told."""

    def act(locked: Visit) -> None:
        if locked.status not in (VisitStatus.EXPECTED, VisitStatus.PENDING_APPROVAL):
            raise VisitError(_("Only a visit that has not started can be cancelled."))
        was_expected = locked.status == VisitStatus.EXPECTED
        locked.status = VisitStatus.CANCELLED
        locked.cancellation_reason = (reason or "").strip()
        locked.save(update_fields=["status", "cancellation_reason", "updated_at"])
        audit.record("visit.cancelled", target=locked, site=locked.site_id, data=_data(locked))
        if was_expected:
            invitations.schedule(locked, "cancelled")

    return _act_locked(visit, visits, act)


def can_decide(visit: Visit, member: Membership | None) -> bool:
    if member is None:
        return False
    return member.role == Role.ADMIN or visit.visit_type.approvers.filter(pk=member.pk).exists()


def _decision(visit: Visit | int, visits, by, deciders_only: bool, decide) -> Visit:
    """An approval or a refusal (as `arrive` reads the visit). `deciders_only`:
    PermissionDenied unless `by` is an admin or an approver of the visit type."""

    def act(locked: Visit) -> None:
        if deciders_only and not can_decide(locked, _member(by)):
            raise PermissionDenied
        if locked.status != VisitStatus.PENDING_APPROVAL:
            raise VisitError(_("This visit is not waiting for approval."))
        decide(locked)

    return _act_locked(visit, visits, act, related=("site", "visitor", "visit_type"))


def approve(*, visit: Visit | int, visits=None, by=None, deciders_only: bool = False) -> Visit:
    def decide(locked: Visit) -> None:
        locked.status = VisitStatus.EXPECTED
        locked.decided_by_id = _user_id(by)
        locked.save(update_fields=["status", "decided_by", "updated_at"])
        audit.record("visit.approved", target=locked, site=locked.site_id, data=_data(locked))
        invitations.schedule(locked, "created")

    return _decision(visit, visits, by, deciders_only, decide)


def refuse(
    *, visit: Visit | int, visits=None, by=None, reason: str = "", deciders_only: bool = False
) -> Visit:
    """The host is told why (the reason is kept on the visit and shown)."""
    reason = (reason or "").strip()

    def decide(locked: Visit) -> None:
        if not reason:
            raise VisitError(_("Give the reason for the refusal: the host reads it."), field="reason")
        locked.status = VisitStatus.REFUSED
        locked.refusal_reason = reason
        locked.decided_by_id = _user_id(by)
        locked.save(update_fields=["status", "refusal_reason", "decided_by", "updated_at"])
        audit.record("visit.refused", target=locked, site=locked.site_id, data=_data(locked))

    return _decision(visit, visits, by, deciders_only, decide)


def walk_in(
    *, site, desk, visit_type, visitor_values: dict, host=None, by=None, override_reason: str = ""
) -> Visit:
    """A visitor with no pre-registration: created and arrived at once (or left
    waiting when the visit type needs an approval)."""
    now = timezone.now()
    with transaction.atomic():
        visit = pre_register(
            organization=site.organization_id,
            site=site,
            desk=desk,
            visit_type=visit_type,
            visitor_values=visitor_values,
            host=host,
            expected_at=now,
            by=by,
            override_reason=override_reason,
            invite=False,
        )
    if visit.status == VisitStatus.EXPECTED:
        try:
            visit = arrive(visit=visit, desk=desk, by=by, override_reason=override_reason)
        except VisitError as exc:
            # The walk-in stays registered (expected): the desk solves what
            # refused it (a consent to sign) and arrives it, with no retyping.
            exc.visit = visit
            raise
    return visit


# --- scheduled work (idempotent) ------------------------------------------------------------
def _end_of_day(site, day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, site.end_of_day, tzinfo=zoneinfo.ZoneInfo(site.timezone))


def checkout_cutoff(visit: Visit) -> datetime.datetime:
    """The end of day that ends this stay: that of the arrival's local day, or of
    the next day for someone who arrived after it (a night shift)."""
    site = visit.site
    arrived_local = timezone.localtime(visit.arrived_at, zoneinfo.ZoneInfo(site.timezone))
    cutoff = _end_of_day(site, arrived_local.date())
    if visit.arrived_at >= cutoff:
        cutoff = _end_of_day(site, arrived_local.date() + datetime.timedelta(days=1))
    return cutoff


def auto_checkout(*, now=None) -> int:
    """Depart every visit still arrived past its site's end of day, dated at that
    end of day and marked automatic. Running it twice departs nothing more."""

    now = now or timezone.now()
    count = 0
    for site in Site.objects.all():
        # Anyone arrived before today's end of day (local) may be due.
        horizon = _end_of_day(site, local_today(site, now))
        candidates = Visit.objects.filter(site=site, status=VisitStatus.ARRIVED, arrived_at__lt=horizon)
        for visit in candidates.select_related("site"):
            cutoff = checkout_cutoff(visit)
            if cutoff <= now:
                try:
                    depart(visit=visit, automatic=True, at=cutoff)
                    count += 1
                except VisitError:
                    continue  # departed meanwhile by a desk
    return count


def mark_no_shows(*, now=None) -> int:
    """Expected visits whose expected period ended on a past local day become
    no-shows. Idempotent: only `expected` rows are touched."""

    now = now or timezone.now()
    count = 0
    for site in Site.objects.all():
        start_of_today = datetime.datetime.combine(
            local_today(site, now), datetime.time(0), tzinfo=zoneinfo.ZoneInfo(site.timezone)
        )
        due = Visit.objects.filter(site=site, status=VisitStatus.EXPECTED, expected_until__lt=start_of_today)
        for visit in due:
            with transaction.atomic():
                locked, _desk = _read_locked(visit)
                if locked is None or locked.status != VisitStatus.EXPECTED:
                    continue
                locked.status = VisitStatus.NO_SHOW
                locked.save(update_fields=["status", "updated_at"])
                audit.record("visit.no_show", target=locked, site=site, data=_data(locked, automatic=True))
                count += 1
    return count
