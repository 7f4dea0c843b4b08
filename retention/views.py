"""HTML: Conservation & RGPD (retention & GDPR)."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from audit.names import name_of
from config.registries import retention_types
from sites.models import Site
from sites.selectors import sites_for
from tenancy.permissions import ADMIN, COMPLIANCE, get_for_member, member_required
from tenancy.replica import read_heavy

from . import archive, policies, purge, reports, services, subjects
from .forms import ArchiveForm, HoldForm, PolicyForm, SubjectRequestForm
from .holds import active_holds
from .models import LegalHold, PurgeRun, RequestKind, SubjectRequest


def _label(key):
    rtype = retention_types.get(key)
    return rtype.label if rtype else key


@member_required(ADMIN, COMPLIANCE)
def retention(request):
    rows = list(policies.policies(request.organization))
    for policy in rows:
        policy.label = _label(policy.data_type)
    runs = list(PurgeRun.objects.prefetch_related("progress")[:10])
    for run in runs:
        run.progress_info = purge.progress_of(run)
    context = {
        "policies": rows,
        "runs": runs,
        "holds": active_holds(),
        "open_requests": SubjectRequest.objects.filter(status="open").count(),
    }
    return render(request, "retention/retention.html", context)


@member_required(ADMIN, COMPLIANCE)
def policy_edit(request, pk):
    policy = get_for_member(policies.policies(request.organization), pk=pk)
    initial = {
        "consultation_days": policy.consultation_days,
        "retention_days": policy.pending_retention_days or policy.retention_days,
        "action": policy.pending_action or policy.action,
    }
    form = PolicyForm(request.POST or None, initial=initial, policy=policy)
    if request.method == "POST" and form.is_valid():
        policies.update_policy(policy=policy, by=request.user, **form.cleaned_data)
        if policy.effective_at:
            messages.success(
                request,
                _("Shorter retention saved: it takes effect on %(date)s.")
                % {"date": policy.effective_at.strftime("%Y-%m-%d %H:%M UTC")},
            )
        else:
            messages.success(request, _("Policy saved."))
        return redirect("retention")
    policy.label = _label(policy.data_type)
    return render(request, "retention/policy_form.html", {"form": form, "policy": policy})


@member_required(ADMIN, COMPLIANCE)
def policy_preview(request, pk):
    """htmx: what the next purge would touch with the stored and the typed values."""
    policy = get_for_member(policies.policies(request.organization), pk=pk)
    current = [e for e in purge.dry_run(request.organization) if e["data_type"] == policy.data_type]
    edited = None
    try:
        days = int(request.GET.get("retention_days", ""))
    except ValueError:
        days = None
    if days and days > 0:
        override = {"retention_days": days, "action": request.GET.get("action") or policy.action}
        edited = [
            e
            for e in purge.dry_run(
                request.organization,
                overrides={(policy.data_type, policy.site_id): override},
                apply_pending=True,
            )
            if e["data_type"] == policy.data_type
        ]
    return render(request, "retention/_preview.html", {"current": current, "edited": edited})


@require_POST
@member_required(ADMIN, COMPLIANCE)
def run_start(request):
    run = services.request_purge(organization=request.organization, by=request.user)
    messages.success(request, _("Purge queued."))
    return redirect("retention_run_detail", pk=run.pk)


@member_required(ADMIN, COMPLIANCE)
def run_detail(request, pk):
    run = get_for_member(PurgeRun.objects.prefetch_related("progress"), pk=pk)
    proof = purge.figures(run)
    site_names = dict(
        Site.objects.filter(pk__in=[t["site"] for t in proof["types"] if t["site"]]).values_list("pk", "name")
    )
    for row in proof["types"]:
        row["site_name"] = site_names.get(row["site"], "")
    return render(
        request, "retention/run_detail.html", {"run": run, "proof": proof, "info": purge.progress_of(run)}
    )


@member_required(ADMIN, COMPLIANCE)
def run_progress(request, pk):
    run = get_for_member(PurgeRun.objects.prefetch_related("progress"), pk=pk)
    return render(request, "retention/_progress.html", {"run": run, "info": purge.progress_of(run)})


@member_required(ADMIN, COMPLIANCE)
def run_report_csv(request, pk):
    run = get_for_member(PurgeRun.objects.all(), pk=pk)
    response = HttpResponse(reports.report_csv(run), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="purge-{run.pk}.csv"'
    return response


@member_required(ADMIN, COMPLIANCE)
def run_report_pdf(request, pk):
    run = get_for_member(PurgeRun.objects.all(), pk=pk)
    response = HttpResponse(reports.report_pdf(run), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="purge-{run.pk}.pdf"'
    return response


@member_required(ADMIN, COMPLIANCE)
def dry_run(request):
    """What the next purge would do with the policies in force and the pending
    ones, per data type, without touching anything."""
    return render(
        request,
        "retention/dry_run.html",
        {"current": purge.dry_run(request.organization, apply_pending=True)},
    )


@member_required(ADMIN, COMPLIANCE)
def holds(request):
    form = HoldForm(request.POST or None, sites=sites_for(request.membership))
    if request.method == "POST" and form.is_valid():
        services.place_hold(organization=request.organization, by=request.user, **form.cleaned_data)
        messages.success(request, _("Legal hold placed."))
        return redirect("retention_holds")
    rows = LegalHold.objects.select_related("visitor").prefetch_related("sites")
    return render(request, "retention/holds.html", {"form": form, "holds": rows})


@require_POST
@member_required(ADMIN, COMPLIANCE)
def hold_release(request, pk):
    hold = get_for_member(LegalHold.objects.all(), pk=pk)
    services.release_hold(hold=hold)
    messages.success(request, _("Legal hold released."))
    return redirect("retention_holds")


@member_required(COMPLIANCE)
def requests(request):
    form = SubjectRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        created = subjects.create_request(
            organization=request.organization, by=request.user, **form.cleaned_data
        )
        return redirect("retention_request_detail", pk=created.pk)
    rows = SubjectRequest.objects.all()
    return render(request, "retention/requests.html", {"form": form, "requests": rows})


@member_required(COMPLIANCE)
def request_detail(request, pk):
    subject = get_for_member(SubjectRequest.objects.all(), pk=pk)
    if request.method == "POST" and subject.status == "open":
        subject.visitor_ids = [int(v) for v in request.POST.getlist("visitor") if v.isdigit()]
        subject.save(update_fields=["visitor_ids"])
        messages.success(request, _("Selection saved."))
        return redirect("retention_request_detail", pk=pk)
    # The searches read from the streaming replica when it is fresh (tenancy.replica).
    return read_heavy(lambda: _request_detail(request, subject))


def _request_detail(request, subject):
    found = subjects.targets(subject) if subject.status == "open" else {}
    context = {
        "subject": subject,
        "visitors": subjects.candidates(subject) if subject.status == "open" else [],
        "found": {_label(k): len(v) for k, v in found.items()},
    }
    return render(request, "retention/request_detail.html", context)


@member_required(COMPLIANCE)
def request_export(request, pk):
    subject = get_for_member(SubjectRequest.objects.filter(kind=RequestKind.ACCESS), pk=pk)
    response = HttpResponse(subjects.export_zip(subject, by=request.user), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="subject-request-{subject.pk}.zip"'
    return response


@member_required(COMPLIANCE)
def request_erase(request, pk):
    """GET: what the erasure would remove, counted per data type, and a
    confirmation; POST with `confirm`: the erasure."""
    subject = get_for_member(SubjectRequest.objects.filter(kind=RequestKind.ERASURE, status="open"), pk=pk)
    if request.method != "POST" or request.POST.get("confirm") != "yes":
        preview = subjects.erasure_preview(subject)
        return render(
            request,
            "retention/erase_confirm.html",
            {
                "subject": subject,
                "preview": preview,
                "refusal": str(subjects.SubjectHeld(preview["hold"])) if preview["hold"] else "",
            },
        )
    try:
        run = subjects.erase(subject, by=request.user)
    except subjects.SubjectHeld as held:
        messages.error(request, str(held))
        return redirect("retention_request_detail", pk=pk)
    messages.success(request, _("The person's data was erased."))
    return redirect("retention_run_detail", pk=run.pk)


@member_required(COMPLIANCE)
def archive_view(request):
    """Archived rows, for compliance, after a stated reason (journaled)."""
    form = ArchiveForm(request.POST or request.GET or None)
    data_type = request.GET.get("data_type")
    access = archive.open_access(request.user, data_type) if data_type else None
    if request.method == "POST" and form.is_valid():
        data_type = form.cleaned_data["data_type"]
        archive.open_archive(
            organization=request.organization,
            user=request.user,
            data_type=data_type,
            reason=form.cleaned_data["reason"],
        )
        return redirect(f"{request.path}?data_type={data_type}")
    page = None
    if access is not None:
        rtype = retention_types[data_type]
        rows = archive.past_consultation(rtype.queryset(), request.organization, data_type)
        page = Paginator(rows.order_by(f"-{rtype.timestamp_field}"), 50).get_page(request.GET.get("page"))
        page.rows = [
            (row.pk, name_of(row), getattr(row, rtype.timestamp_field, None), rtype.archive_link(row))
            for row in page
        ]
    elif request.method == "GET":
        form = ArchiveForm(initial={"data_type": data_type})
    return render(
        request,
        "retention/archive.html",
        {"form": form, "page": page, "access": access, "label": _label(data_type) if data_type else ""},
    )
