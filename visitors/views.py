"""HTML: visits (list, pre-registration, group, CSV import, edit) and the
on-site roll call."""

import io
import zoneinfo

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from sites.selectors import sites_for
from tenancy.permissions import ADMIN, COMPLIANCE, HOST, RECEPTION, get_for_member, member_required

from . import csv_import, selectors, services
from .errors import VisitError
from .forms import GroupForm, ImportForm, VisitForm, default_start
from .models import VisitStatus

VISITOR_KEYS = ("first_name", "last_name", "company", "email", "phone")


@member_required(ADMIN, RECEPTION, HOST, COMPLIANCE)
def visit_list(request):
    visits = selectors.daily_visits(request.membership)
    status = request.GET.get("status", "")
    if status in VisitStatus.values:
        visits = visits.filter(status=status)
    site = request.GET.get("site", "")
    if site.isdigit():
        visits = visits.filter(site_id=int(site))
    visits = selectors.search_visits(visits, request.GET.get("q", "")).order_by("-expected_at", "-pk")
    page = Paginator(visits, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "visitors/visit_list.html",
        {
            "page": page,
            "statuses": VisitStatus.choices,
            "sites": sites_for(request.membership),
            "filters": request.GET,
        },
    )


def _host(request, data):
    return request.membership if request.membership.role == HOST else data.get("host")


@member_required(ADMIN, RECEPTION, HOST)
def visit_create(request):
    form = VisitForm(
        request.POST or None, membership=request.membership, initial={"expected_at": default_start()}
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.pre_register(
                organization=request.organization,
                site=data["site"],
                visit_type=data["visit_type"],
                expected_at=data["expected_at"],
                expected_until=data.get("expected_until"),
                visitor_values={k: data.get(k, "") for k in VISITOR_KEYS},
                host=_host(request, data),
                notes=data.get("notes", ""),
                by=request.membership,
                override_reason=data.get("override_reason", ""),
            )
        except VisitError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, _("Visit registered; the invitation is on its way."))
            return redirect("visit_list")
    return render(request, "visitors/visit_form.html", {"form": form, "visit": None})


@member_required(ADMIN, RECEPTION, HOST)
def visit_group_create(request):
    form = GroupForm(
        request.POST or None, membership=request.membership, initial={"expected_at": default_start()}
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            from django.db import transaction

            with transaction.atomic():
                for person in data["people"]:
                    services.pre_register(
                        organization=request.organization,
                        site=data["site"],
                        visit_type=data["visit_type"],
                        expected_at=data["expected_at"],
                        expected_until=data.get("expected_until"),
                        visitor_values=person,
                        host=_host(request, data),
                        by=request.membership,
                    )
        except VisitError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, _("%(n)d visits registered.") % {"n": len(data["people"])})
            return redirect("visit_list")
    return render(request, "visitors/visit_group.html", {"form": form})


@member_required(ADMIN, RECEPTION, HOST)
def visit_import(request):
    form = ImportForm(request.POST or None, request.FILES or None, membership=request.membership)
    result = None
    if request.method == "POST" and form.is_valid():
        result = csv_import.import_visits(
            form.cleaned_data["file"].read(),
            organization=request.organization,
            site=form.cleaned_data["site"],
            by=request.membership,
        )
        if result.ok:
            messages.success(request, _("%(n)d visits imported.") % {"n": len(result.created)})
            return redirect("visit_list")
    return render(request, "visitors/visit_import.html", {"form": form, "result": result})


@member_required(ADMIN, RECEPTION, HOST, COMPLIANCE)
def visit_edit(request, pk):
    visit = get_for_member(selectors.daily_visits(request.membership), pk=pk)
    editable = request.membership.role != COMPLIANCE and visit.status in (
        VisitStatus.EXPECTED,
        VisitStatus.PENDING_APPROVAL,
    )
    initial = {k: getattr(visit.visitor, k, "") for k in VISITOR_KEYS}
    tz = zoneinfo.ZoneInfo(visit.site.timezone)
    initial.update(
        site=visit.site,
        visit_type=visit.visit_type,
        host=visit.host,
        notes=visit.notes,
        expected_at=timezone.localtime(visit.expected_at, tz),
        expected_until=timezone.localtime(visit.expected_until, tz),
    )
    form = VisitForm(request.POST or None, membership=request.membership, initial=initial)
    if request.method == "POST":
        if not editable:
            raise PermissionDenied
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.update_visitor(visitor=visit.visitor, **{k: data.get(k, "") for k in VISITOR_KEYS})
                values = {k: data[k] for k in ("site", "visit_type", "expected_at", "notes")}
                values["expected_until"] = data.get("expected_until") or visit.expected_until
                if request.membership.role != HOST:
                    values["host"] = data.get("host")
                services.update_visit(visit=visit, by=request.membership, **values)
            except VisitError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                messages.success(request, _("Visit saved."))
                return redirect("visit_detail", pk=visit.pk)
    return render(
        request,
        "visitors/visit_form.html",
        {
            "form": form,
            "visit": visit,
            "editable": editable,
        },
    )


# --- on site now ---------------------------------------------------------------------------
@member_required(ADMIN, RECEPTION, COMPLIANCE)
def on_site_index(request):
    sites = list(sites_for(request.membership))
    counts = {s.pk: selectors.on_site(s).count() for s in sites}
    return render(request, "visitors/on_site_index.html", {"sites": [(s, counts[s.pk]) for s in sites]})


@member_required(ADMIN, RECEPTION, COMPLIANCE)
def on_site(request, site_pk):
    site = get_for_member(sites_for(request.membership), pk=site_pk)
    visits = list(selectors.on_site(site))
    return render(
        request,
        "visitors/on_site.html",
        {
            "site": site,
            "visits": visits,
            "now": timezone.localtime(timezone.now(), zoneinfo.ZoneInfo(site.timezone)),
        },
    )


@member_required(ADMIN, RECEPTION, COMPLIANCE)
def on_site_pdf(request, site_pk):
    from .roll_call_pdf import render_roll_call

    site = get_for_member(sites_for(request.membership), pk=site_pk)
    out = io.BytesIO()
    render_roll_call(out, site, list(selectors.on_site(site)))
    response = HttpResponse(out.getvalue(), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="on-site-{site.pk}.pdf"'
    return response
