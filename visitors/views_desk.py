"""HTML: the reception desk screen (htmx). Every action answers the refreshed
visit table, so the screen updates without a page load."""

from urllib.parse import urlencode

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from sites.selectors import desks_for
from tenancy.permissions import ADMIN, RECEPTION, get_for_member, member_required

from . import selectors, services
from .checks import desk_steps
from .errors import VisitError
from .forms import WalkInForm
from .models import Visit


def _desk(request, site=None):
    """The desk chosen on the screen (?desk= / desk=), else the member's first
    (at the visit's site when acting on one)."""
    desks = desks_for(request.membership).filter(active=True)
    wanted = request.POST.get("desk") or request.GET.get("desk")
    if wanted:
        return get_for_member(desks, pk=wanted), desks
    if site is not None:
        return desks.filter(site=site).first() or desks.first(), desks
    return desks.first(), desks


def _return_path(desk, visit_id) -> str:
    """The desk again, this visit selected: where a step taken on another page
    (signing) comes back to, so that one Enter then registers the arrival."""
    return f"{reverse('desk_screen')}?{urlencode({'desk': desk.pk, 'visit': visit_id})}"


def _step_links(desk, visits) -> dict[int, list[tuple[str, str]]]:
    """The steps (signing...) each visit needs before its arrival, as links that
    come back to this desk."""
    return {
        visit_id: [
            (label, f"{url}?{urlencode({'next': _return_path(desk, visit_id)})}") for label, url in links
        ]
        for visit_id, links in desk_steps(visits).items()
    }


def _table(request, desk, q=""):
    visits = list(selectors.desk_visits(request.membership, desk.site, q)[:200]) if desk else []
    steps = _step_links(desk, visits) if desk else {}
    for visit in visits:
        visit.desk_steps = steps.get(visit.pk, [])
    return visits


def _rows(request, desk, *, message="", error="", visit=None, refused=None, status=200):
    q = request.POST.get("q", request.GET.get("q", ""))
    context = {
        "desk": desk,
        "visits": _table(request, desk, q),
        "counts": selectors.desk_counts(desk.site) if desk else {},
        "message": message,
        "error": error,
        # What would let a refused arrival through (a consent to sign).
        "error_links": _step_links(desk, [refused]).get(refused.pk, []) if refused and desk else [],
        "arrived_visit": visit,
        "q": q,
    }
    return render(request, "visitors/desk/_rows.html", context, status=status)


@member_required(ADMIN, RECEPTION)
def desk_screen(request):
    desk, desks = _desk(request)
    visits = _table(request, desk)
    wanted = request.GET.get("visit", "")
    context = {
        "desk": desk,
        "desks": desks,
        "walk_in": WalkInForm(membership=request.membership),
        "visits": visits,
        "counts": selectors.desk_counts(desk.site) if desk else {},
        # Back from a step (signing): that visit's row is selected, Enter acts on it.
        "selected_visit": int(wanted)
        if wanted.isdigit() and any(v.pk == int(wanted) for v in visits)
        else None,
    }
    return render(request, "visitors/desk/screen.html", context)


@member_required(ADMIN, RECEPTION)
def desk_rows(request):
    desk, _desks = _desk(request)
    return _rows(request, desk)


def _acting_desk(request, pk):
    """The desk an action on visit `pk` is made from: the screen's (it always
    sends it), else the member's first at the visit's site, read for that
    alone. 404 for a visit out of reach, as for the action itself."""
    if request.POST.get("desk") or request.GET.get("desk"):
        return _desk(request)[0]
    sites = selectors.in_perimeter(request.membership).values_list("site_id", flat=True)
    return _desk(request, get_for_member(sites, pk=pk))[0]


@require_POST
@member_required(ADMIN, RECEPTION)
def desk_arrive(request, pk):
    desk = _acting_desk(request, pk)
    try:
        visit = services.arrive(
            visit=pk,
            visits=selectors.in_perimeter(request.membership),
            desk=desk,
            by=request.membership,
            override_reason=request.POST.get("override_reason", ""),
        )
    except Visit.DoesNotExist as exc:
        raise Http404 from exc
    except VisitError as exc:
        return _rows(request, desk, error=exc.message, refused=exc.visit if exc.checks else None, status=409)
    return _rows(
        request,
        desk,
        message=_("%(name)s has arrived — badge %(n)s.") % {"name": visit.visitor, "n": visit.badge_number},
        visit=visit,
    )


@require_POST
@member_required(ADMIN, RECEPTION)
def desk_depart(request, pk):
    desk = _acting_desk(request, pk)
    try:
        visit = services.depart(
            visit=pk, visits=selectors.in_perimeter(request.membership), desk=desk, by=request.membership
        )
    except Visit.DoesNotExist as exc:
        raise Http404 from exc
    except VisitError as exc:
        return _rows(request, desk, error=exc.message, status=409)
    return _rows(request, desk, message=_("%(name)s has left.") % {"name": visit.visitor})


@require_POST
@member_required(ADMIN, RECEPTION)
def desk_scan(request):
    desk, _desks = _desk(request)
    try:
        visit, done = services.scan(
            code=request.POST.get("code", ""),
            visits=selectors.in_perimeter(request.membership),
            desk=desk,
            by=request.membership,
            override_reason=request.POST.get("override_reason", ""),
        )
    except VisitError as exc:
        return _rows(request, desk, error=exc.message, status=409)
    if done == "departed":
        return _rows(request, desk, message=_("%(name)s has left.") % {"name": visit.visitor})
    return _rows(
        request,
        desk,
        message=_("%(name)s has arrived — badge %(n)s.") % {"name": visit.visitor, "n": visit.badge_number},
        visit=visit,
    )


@require_POST
@member_required(ADMIN, RECEPTION)
def desk_walk_in(request):
    desk, _desks = _desk(request)
    if desk is None:
        return HttpResponse(status=400)
    form = WalkInForm(request.POST, membership=request.membership)
    if not form.is_valid():
        errors = "; ".join(
            f"{form.fields[f].label if f in form.fields else ''}: {' '.join(e)}"
            for f, e in form.errors.items()
        )
        return _rows(request, desk, error=errors, status=400)
    data = form.cleaned_data
    try:
        visit = services.walk_in(
            site=desk.site,
            desk=desk,
            visit_type=data["visit_type"],
            host=data.get("host"),
            visitor_values={
                k: data.get(k, "") for k in ("first_name", "last_name", "company", "email", "phone")
            },
            by=request.membership,
            override_reason=data.get("override_reason", ""),
        )
    except VisitError as exc:
        steps = _step_links(desk, [exc.visit]).get(exc.visit.pk) if exc.visit is not None else None
        if steps:
            # Registered, and only a step away from arriving (its consents): the
            # desk's screen goes to that step, then comes back to arrive it.
            response = HttpResponse(status=204)
            response["HX-Redirect"] = steps[0][1]
            return response
        return _rows(request, desk, error=exc.message, refused=exc.visit, status=409)
    if visit.status != "arrived":
        return _rows(request, desk, message=_("%(name)s is waiting for approval.") % {"name": visit.visitor})
    return _rows(
        request,
        desk,
        message=_("%(name)s has arrived — badge %(n)s.") % {"name": visit.visitor, "n": visit.badge_number},
        visit=visit,
    )
