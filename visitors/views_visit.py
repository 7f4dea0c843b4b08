"""HTML: the visit page (everything about one visit: who, where, when, its
documents and badge through other apps' sections, its history in words) and
the cancellation's confirmation."""

import datetime
import zoneinfo

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from audit.sentences import history, history_of
from tenancy.permissions import ADMIN, COMPLIANCE, HOST, RECEPTION, get_for_member, member_required

from . import selectors, services, visit_page
from .errors import VisitError
from .models import Visit, VisitStatus

NOT_STARTED = (VisitStatus.EXPECTED, VisitStatus.PENDING_APPROVAL)


def _visit(request, pk):
    visits = selectors.daily_visits(request.membership).select_related(
        "departed_desk", "arrived_by", "departed_by", "decided_by", "created_by"
    )
    return get_for_member(visits, pk=pk)


@require_safe
@member_required(ADMIN, RECEPTION, HOST, COMPLIANCE)
def visit_detail(request, pk):
    visit = _visit(request, pk)
    zone = visit.site.timezone
    tz = zoneinfo.ZoneInfo(zone)
    member = request.membership
    context = {
        "visit": visit,
        "zone": zone,
        "starts": timezone.localtime(visit.expected_at, tz),
        "ends": timezone.localtime(visit.expected_until, tz),
        "arrived": timezone.localtime(visit.arrived_at, tz) if visit.arrived_at else None,
        "departed": timezone.localtime(visit.departed_at, tz) if visit.departed_at else None,
        "can_change": member.role != COMPLIANCE and visit.status in NOT_STARTED,
        "can_decide": visit.status == VisitStatus.PENDING_APPROVAL and services.can_decide(visit, member),
        "sections": visit_page.sections(request, visit),
        "history": history(
            history_of(
                "visitors.visit",
                visit.pk,
                # A little before: the visit's row and its first entry share a transaction.
                since=visit.created_at - datetime.timedelta(minutes=5),
            ),
            tz=zone,
        ),
    }
    return render(request, "visitors/visit_detail.html", context)


@member_required(ADMIN, RECEPTION, HOST)
def visit_cancel(request, pk):
    """GET asks for confirmation (and an optional reason the visitor's message
    may carry); POST cancels."""
    if request.method == "POST":
        try:
            services.cancel(
                visit=pk,
                visits=selectors.daily_visits(request.membership),
                by=request.membership,
                reason=request.POST.get("reason", "").strip(),
            )
        except Visit.DoesNotExist as exc:
            raise Http404 from exc
        except VisitError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Visit cancelled."))
        return redirect("visit_detail", pk=pk)
    visit = _visit(request, pk)
    if visit.status not in NOT_STARTED:
        messages.error(request, _("Only a visit that has not started can be cancelled."))
        return redirect("visit_detail", pk=visit.pk)
    zone = visit.site.timezone
    starts = timezone.localtime(visit.expected_at, zoneinfo.ZoneInfo(zone))
    return render(
        request,
        "visitors/visit_cancel.html",
        {"visit": visit, "starts": starts, "time_label": f"{starts:%H:%M} ({zone})"},
    )


@require_POST
@member_required(ADMIN, RECEPTION, HOST, COMPLIANCE)
def visit_decide(request, pk):
    """Approve or refuse (a refusal needs its reason)."""
    within = {
        "visit": pk,
        "visits": selectors.daily_visits(request.membership),
        "by": request.membership,
        "deciders_only": True,
    }
    try:
        if request.POST.get("decision") == "approve":
            services.approve(**within)
            messages.success(request, _("Visit approved; the host is told."))
        else:
            services.refuse(**within, reason=request.POST.get("reason", ""))
            messages.success(request, _("Visit refused; the host is told."))
    except Visit.DoesNotExist as exc:
        raise Http404 from exc
    except VisitError as exc:
        messages.error(request, exc.message)
    return redirect("visit_detail", pk=pk)
