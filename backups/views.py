"""HTML: Sauvegardes & restauration (customers) and the support console."""

import datetime
import json
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from sites.selectors import sites_for
from tenancy.models import Organization
from tenancy.permissions import ADMIN, COMPLIANCE, get_for_member, member_required
from tenancy.scope import tenant_scope

from . import capture, scoped, tickets
from .forms import CommentForm, TicketForm
from .models import BackupRun, DataType, DrillReport, RestoreTicket, TicketState, Urgency


def next_backup():
    """When beat runs the nightly backup next (None when it is not scheduled)."""
    entry = settings.CELERY_BEAT_SCHEDULE.get("backups-daily")
    if entry is None:
        return None
    now = timezone.now()
    # Beat's estimate ends a fraction of a second early: the minute it is set for.
    due = now + entry["schedule"].remaining_estimate(now) + datetime.timedelta(seconds=30)
    return due.replace(second=0, microsecond=0)


def _summary() -> dict:
    oldest, newest = tickets.backup_window()
    drill = DrillReport.objects.filter(kind="drill").select_related("backup").order_by("-started_at").first()
    return {
        "oldest": oldest,
        "newest": newest,
        "last_run": BackupRun.objects.order_by("-started_at").first(),
        "runs": BackupRun.objects.order_by("-started_at")[:7],
        "last_drill": drill,
        "drill_checks": [
            {**c, "label": tickets.check_label(c["name"])} for c in (drill.checks if drill else [])
        ],
        "next_backup": next_backup(),
    }


@member_required(ADMIN, COMPLIANCE)
def backups(request):
    """The customer's view: the backup window, the last drill, their tickets."""
    return render(
        request,
        "backups/backups.html",
        {**_summary(), "tickets": RestoreTicket.objects.prefetch_related("sites")[:50]},
    )


@member_required(ADMIN)
def ticket_create(request):
    sites = sites_for(request.membership)
    form = TicketForm(request.POST or None, request.FILES or None, sites=sites)
    errors, moment = {}, None
    if request.method == "POST" and form.is_valid():
        values = dict(form.cleaned_data)
        moment = values.get("point_in_time")
        chosen = list(values.pop("sites"))
        screenshot = values.pop("screenshot")
        try:
            ticket = tickets.open_ticket(
                organization=request.organization,
                by=request.user,
                sites=chosen,
                attachments=[screenshot] if screenshot else [],
                **values,
            )
        except tickets.TicketError as exc:
            errors = exc.args[0]
            for field, message in errors.items():
                form.add_error(field if field in form.fields else None, message)
        else:
            messages.success(request, _("Your restore request was sent to support."))
            return redirect("restore_ticket", pk=ticket.pk)
    # Refused only because no backup covers the moment: the request is complete,
    # and the heading says what is really wrong.
    uncovered = list(errors) == ["point_in_time"] and bool(moment and tickets.not_covered(moment))
    return render(request, "backups/ticket_form.html", {"form": form, "uncovered": uncovered, **_summary()})


def _ticket_context(ticket) -> dict:
    """The ticket's preview, result and checks with words for tables and checks."""
    preview = ticket.preview or {}
    result = ticket.result or {}
    erased = preview.get("stays_erased", {})
    return {
        "ticket": ticket,
        "data_types": [DataType(t).label for t in ticket.data_types if t in DataType.values],
        "preview_rows": [
            {"label": tickets.table_label(table), "erased": erased.get(table, 0), **counts}
            for table, counts in preview.get("counts", {}).items()
        ],
        "stays_erased_total": sum(erased.values()),
        "applied_rows": [
            {"label": tickets.table_label(table), **counts}
            for table, counts in result.get("applied", {}).items()
        ],
        "replayed_total": sum(result.get("erasures", {}).get("replayed", {}).values()),
        "checks": [{**c, "label": tickets.check_label(c["name"])} for c in result.get("checks", [])],
        "others_untouched": result.get("others_untouched"),
        "grants": list(ticket.grants.all()),
        "now": timezone.now(),
    }


@member_required(ADMIN, COMPLIANCE)
def ticket_detail(request, pk):
    ticket = get_for_member(RestoreTicket.objects.prefetch_related("sites", "comments", "grants"), pk=pk)
    form = CommentForm(request.POST or None)
    if request.method == "POST":
        if request.membership.role != ADMIN:
            raise PermissionDenied
        if request.POST.get("action") == "grant":
            try:
                tickets.grant_by_customer(
                    ticket=ticket, by=request.user, hours=int(request.POST.get("hours") or 4)
                )
            except (tickets.TicketError, ValueError) as exc:
                detail = exc.args[0] if exc.args and isinstance(exc.args[0], dict) else {"": str(exc)}
                for message in detail.values():
                    messages.error(request, message)
            else:
                messages.success(request, _("Support may now open your data for this ticket."))
            return redirect("restore_ticket", pk=ticket.pk)
        if form.is_valid():
            tickets.comment(ticket=ticket, by=request.user, body=form.cleaned_data["body"], by_support=False)
            return redirect("restore_ticket", pk=ticket.pk)
    return render(
        request, "backups/ticket_detail.html", {**_ticket_context(ticket), "form": form, "support": False}
    )


@member_required(ADMIN)
def ticket_end_access(request, pk):
    """An admin ends support's access to the ticket's data before it expires:
    a confirmation page, then the POST (journaled as `support.access_revoked`)."""
    ticket = get_for_member(RestoreTicket.objects.all(), pk=pk)
    if request.method == "POST":
        if tickets.end_access(ticket=ticket):
            messages.success(request, _("Support's access to your data for this ticket has ended."))
        else:
            messages.info(request, _("Support had no access in force for this ticket."))
        return redirect("restore_ticket", pk=ticket.pk)
    return render(
        request,
        "backups/end_access.html",
        {"ticket": ticket, "in_force": tickets.access_in_force(ticket), "back": "restore_ticket"},
    )


@member_required(ADMIN)
def config_export(request):
    response = JsonResponse(capture.export_config(), json_dumps_params={"ensure_ascii": False, "indent": 2})
    response["Content-Disposition"] = f'attachment; filename="configuration-{request.organization.slug}.json"'
    return response


@member_required(ADMIN)
def config_import(request):
    """Replace the organization's settings by those of a capture (all or nothing)."""
    if request.method == "POST":
        upload = request.FILES.get("document")
        try:
            document = read_document(upload)
            summary = capture.import_config(organization=request.organization, document=document)
        except capture.CaptureError as exc:
            messages.error(request, str(exc))
        else:
            if not any(summary.values()):
                messages.success(request, _("No change: the settings are already those of this file."))
            else:
                messages.success(
                    request,
                    _("Settings imported: %(created)s created, %(updated)s changed, %(removed)s removed.")
                    % summary,
                )
            return redirect("backups")
    return render(request, "backups/config_import.html")


MAX_DOCUMENT_BYTES = 20 * 1024 * 1024


def read_document(upload) -> dict:
    """The uploaded JSON document, or CaptureError in words a person reads."""
    if upload is None:
        raise capture.CaptureError(_("Choose a configuration file to import."))
    if upload.size > MAX_DOCUMENT_BYTES:
        raise capture.CaptureError(
            _("This file is larger than %(limit)d MB: it is not a configuration document.")
            % {"limit": MAX_DOCUMENT_BYTES // 1024 // 1024}
        )
    try:
        return json.loads(upload.read().decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise capture.CaptureError(
            _("This file is not a configuration document (it is not UTF-8 text).")
        ) from None
    except json.JSONDecodeError:
        raise capture.CaptureError(
            _("This file is not a complete configuration document (its JSON is invalid or cut short).")
        ) from None
    except RecursionError:
        raise capture.CaptureError(
            _("This configuration document is damaged: its structure is not the expected one.")
        ) from None


# --- support console -------------------------------------------------------------------


def support_required(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect(f"/login/?next={request.path}")
        if not request.user.is_platform_support:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def _ticket_index() -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, organization_id, state, urgency, updated_at FROM backups_ticket_index()")
        return cursor.fetchall()


@support_required
def support_console(request):
    orgs = dict(Organization.objects.values_list("pk", "name"))
    rows = [
        {
            "id": i,
            "organization": orgs.get(o),
            "state": TicketState(s).label,
            "urgency": Urgency(u).label if u in Urgency.values else u,
            "updated_at": t,
        }
        for i, o, s, u, t in _ticket_index()
    ]
    return render(
        request,
        "backups/support.html",
        {"tickets": rows, "runs": BackupRun.objects.all()[:30], "drills": DrillReport.objects.all()[:10]},
    )


def _org_of(pk: int) -> int:
    for ticket_id, org_id, *_rest in _ticket_index():
        if ticket_id == pk:
            return org_id
    raise Http404


@support_required
def support_ticket(request, pk):
    org_id = _org_of(pk)
    with tenant_scope(org_id, user=request.user):
        ticket = RestoreTicket.objects.prefetch_related("sites", "comments", "grants").get(pk=pk)
        grant = tickets.active_grant(ticket, request.user)
        if request.method == "POST":
            _support_action(request, ticket, grant)
            return redirect("support_ticket", pk=pk)
        context = {
            **_ticket_context(ticket),
            "grant": grant,
            "form": CommentForm(),
            "support": True,
            "next_states": [TicketState(s) for s in tickets.TRANSITIONS[ticket.state]],
        }
        return render(request, "backups/ticket_detail.html", context)


@support_required
def support_end_access(request, pk):
    """Support ends its own access to the ticket's data once done (a
    confirmation page, then the POST, journaled in the customer's journal)."""
    org_id = _org_of(pk)
    with tenant_scope(org_id, user=request.user):
        ticket = RestoreTicket.objects.get(pk=pk)
        if request.method == "POST":
            if tickets.end_access(ticket=ticket, user=request.user):
                messages.success(request, _("Your access to this organization's data has ended."))
            else:
                messages.info(request, _("You had no access in force for this ticket."))
            return redirect("support_ticket", pk=pk)
        in_force = tickets.access_in_force(ticket, request.user)
        return render(
            request,
            "backups/end_access.html",
            {"ticket": ticket, "in_force": in_force, "back": "support_ticket", "support": True},
        )


def _support_action(request, ticket, grant) -> None:
    action = request.POST.get("action")
    try:
        if action == "comment":
            tickets.comment(
                ticket=ticket, by=request.user, body=request.POST.get("body", ""), by_support=True
            )
        elif action == "state":
            tickets.change_state(
                ticket=ticket,
                to=request.POST.get("to", ""),
                by=request.user,
                reason=request.POST.get("reason", ""),
            )
        elif action in ("preview", "apply"):
            if grant is None:
                raise tickets.TicketError(
                    {"grant": tickets.refuse_data_access(ticket=ticket, user=request.user, action=action)}
                )
            _preview_or_apply(request, ticket, action)
        else:
            raise tickets.TicketError({"action": _("Unknown action.")})
    except (tickets.TicketError, ValueError) as exc:
        detail = exc.args[0] if exc.args and isinstance(exc.args[0], dict) else {"": str(exc)}
        for message in detail.values():
            messages.error(request, message)


def _preview_or_apply(request, ticket, action) -> None:
    if ticket.backup_id is None:
        uncovered = tickets.not_covered(ticket.point_in_time, later_is_newest=True)
        if uncovered:
            raise tickets.TicketError({"backup": uncovered})
        ticket.backup = scoped.backup_for(ticket.point_in_time)
        ticket.save(update_fields=["backup"])
    scope = scoped.scope_of(ticket)
    if action == "preview":
        ticket.preview = scoped.preview(scope=scope, run=ticket.backup)
        ticket.save(update_fields=["preview"])
        if ticket.state == TicketState.ACCEPTED:
            tickets.change_state(ticket=ticket, to=TicketState.PREVIEW_READY, by=request.user)
    else:
        if ticket.state != TicketState.PREVIEW_READY:
            raise tickets.TicketError({"state": _("Prepare and check the preview first.")})
        before = scoped.others_checksum(ticket.organization_id)
        ticket.result = scoped.apply(scope=scope, run=ticket.backup)
        ticket.result["others_untouched"] = scoped.others_checksum(ticket.organization_id) == before
        ticket.save(update_fields=["result"])
        tickets.change_state(ticket=ticket, to=TicketState.APPLIED, by=request.user)
