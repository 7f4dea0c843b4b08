"""HTML: visits (list, pre-registration, group, CSV import, edit) and the
on-site roll call."""

import io
import zoneinfo
from collections import Counter

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext_lazy

from sites.selectors import sites_for
from tenancy.permissions import ADMIN, COMPLIANCE, HOST, RECEPTION, get_for_member, member_required

from . import csv_import, imports, invitations, people, selectors, services
from .errors import VisitError
from .forms import GroupForm, ImportForm, VisitForm, default_start
from .models import ImportJob, VisitStatus
from .roll_call_pdf import render_roll_call

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


# What each invitation outcome tells the person who registered the visit: "sent"
# only when a message is in the send log.
REGISTERED = {
    invitations.QUEUED: gettext_lazy("Visit registered; the invitation is on its way."),
    invitations.AWAITING_APPROVAL: gettext_lazy(
        "Visit registered; it awaits approval: the invitation will be sent once it is approved."
    ),
    invitations.NO_EMAIL: gettext_lazy(
        "Visit registered; no invitation is sent: the visitor has no e-mail address."
    ),
    invitations.NOT_SENT: gettext_lazy(
        "Visit registered; no invitation is sent (invitations are turned off)."
    ),
}


# The same for several visits (group, import): one sentence per outcome met.
SUMMARY = (
    (
        invitations.QUEUED,
        ngettext_lazy("%(n)d invitation is on its way.", "%(n)d invitations are on their way.", "n"),
    ),
    (
        invitations.AWAITING_APPROVAL,
        ngettext_lazy(
            "%(n)d visit awaits approval (its invitation leaves once approved).",
            "%(n)d visits await approval (their invitations leave once approved).",
            "n",
        ),
    ),
    (
        invitations.NO_EMAIL,
        ngettext_lazy(
            "%(n)d visitor has no e-mail address: no invitation.",
            "%(n)d visitors have no e-mail address: no invitation.",
            "n",
        ),
    ),
    (
        invitations.NOT_SENT,
        ngettext_lazy(
            "%(n)d invitation is not sent (invitations are turned off).",
            "%(n)d invitations are not sent (invitations are turned off).",
            "n",
        ),
    ),
)


def invitation_summary(counts: dict) -> str:
    """`counts`: invitation outcome -> number of visits."""
    return " ".join(
        str(message % {"n": counts[outcome]}) for outcome, message in SUMMARY if counts.get(outcome)
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
            visit = services.pre_register(
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
            messages.success(request, REGISTERED[visit.invitation])
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
            created = []
            with transaction.atomic():
                for person in data["people"]:
                    visit = services.pre_register(
                        organization=request.organization,
                        site=data["site"],
                        visit_type=data["visit_type"],
                        expected_at=data["expected_at"],
                        expected_until=data.get("expected_until"),
                        visitor_values=person,
                        host=_host(request, data),
                        by=request.membership,
                    )
                    created.append(visit)
        except VisitError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(
                request,
                " ".join(
                    [
                        _("%(n)d visits registered.") % {"n": len(created)},
                        invitation_summary(Counter(v.invitation for v in created)),
                    ]
                ),
            )
            return redirect("visit_list")
    return render(request, "visitors/visit_group.html", {"form": form})


@member_required(ADMIN, RECEPTION, HOST)
def visit_import(request):
    """The file is checked against the limits and stored; a worker imports it
    (visitors.imports) while the next page shows the progress."""
    form = ImportForm(request.POST or None, request.FILES or None, membership=request.membership)
    if request.method == "POST" and form.is_valid():
        try:
            job = imports.start_import(
                membership=request.membership,
                site=form.cleaned_data["site"],
                upload=form.cleaned_data["file"],
            )
        except csv_import.TooLarge as exc:
            form.add_error("file", str(exc))
        else:
            return redirect("visit_import_job", pk=job.pk)
    return render(
        request,
        "visitors/visit_import.html",
        {"form": form, "max_rows": csv_import.MAX_ROWS, "max_mb": csv_import.MAX_BYTES // 1024 // 1024},
    )


def _import_job(request, pk):
    jobs = ImportJob.objects.select_related("site")
    if request.membership.role != ADMIN:
        jobs = jobs.filter(requested_by=request.membership)
    return get_for_member(jobs, pk=pk)


def _import_context(job) -> dict:
    return {
        "job": job,
        "info": imports.progress(job),
        "invitations": invitation_summary(job.invitations or {}),
    }


@member_required(ADMIN, RECEPTION, HOST)
def visit_import_job(request, pk):
    job = _import_job(request, pk)
    return render(request, "visitors/import_job.html", _import_context(job))


@member_required(ADMIN, RECEPTION, HOST)
def visit_import_progress(request, pk):
    """The progress block alone, polled by htmx until the job is over."""
    job = _import_job(request, pk)
    return render(request, "visitors/_import_progress.html", _import_context(job))


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
                people.update_visitor(visitor=visit.visitor, **{k: data.get(k, "") for k in VISITOR_KEYS})
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
    site = get_for_member(sites_for(request.membership), pk=site_pk)
    out = io.BytesIO()
    render_roll_call(out, site, list(selectors.on_site(site)))
    response = HttpResponse(out.getvalue(), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="on-site-{site.pk}.pdf"'
    return response
