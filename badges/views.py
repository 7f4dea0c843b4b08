"""HTML: badge templates (admin editor with a live preview) and printing at the desk."""

import json
import time

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from sites.selectors import desks_for, sites_for
from tenancy.permissions import ADMIN, RECEPTION, get_for_member, member_required
from tenancy.responses import finish
from tenancy.scope import tenant_scope
from visitors import kiosk
from visitors.models import Visit

from . import capture, compose, selectors, services
from .api import pdf_response
from .forms import (
    AssignmentForm,
    ElementFormSet,
    ImportForm,
    ReprintForm,
    TemplateForm,
    layout_from,
    layout_initial,
)
from .models import BadgeAssignment, BadgePrint

DRAFT_KEY = "badge_draft"
MAX_IMPORT_BYTES = 4 * 1024 * 1024  # a 2 MB logo in base64, and the layout


def _add_errors(form, exc: ValidationError):
    for field, errors in (exc.message_dict if hasattr(exc, "error_dict") else {None: exc.messages}).items():
        form.add_error(field if field in form.fields else None, errors)


@member_required(ADMIN)
def template_list(request):
    templates = selectors.templates().annotate(assignment_count=Count("assignments"))
    return render(request, "badges/template_list.html", {"templates": templates})


@member_required(ADMIN)
def template_create(request):
    initial = {"preset": "brother_ql_62x100", "orientation": "portrait", "active": True}
    form = TemplateForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            template = services.create_template(
                organization=request.organization, by=request.user, name=data["name"],
                preset=data["preset"], orientation=data["orientation"], logo=data["logo"],
            )  # fmt: skip
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("Template created from the default layout: adjust it below."))
            return redirect("badge_template_edit", pk=template.pk)
    return render(request, "badges/template_create.html", {"form": form})


def _editor_forms(request, template):
    initial = {
        "name": template.name,
        "preset": template.preset,
        "orientation": template.orientation,
        "active": template.active,
    }
    data = request.POST if request.method == "POST" else None
    form = TemplateForm(data, request.FILES or None, initial=initial)
    formset = ElementFormSet(data, initial=layout_initial(template.layout), prefix="el")
    return form, formset


@member_required(ADMIN)
def template_edit(request, pk):
    template = get_for_member(selectors.templates(), pk=pk)
    form, formset = _editor_forms(request, template)
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        data = form.cleaned_data
        try:
            services.update_template(
                template=template, by=request.user, name=data["name"], preset=data["preset"],
                orientation=data["orientation"], active=data["active"], layout=layout_from(formset),
                logo=data["logo"], remove_logo=data["remove_logo"],
            )  # fmt: skip
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("Template saved."))
            return redirect("badge_template_edit", pk=template.pk)
    membership = request.membership
    context = {
        "template": template,
        "form": form,
        "formset": formset,
        "assignments": template.assignments.select_related("site", "desk", "visit_type"),
        "assignment_form": AssignmentForm(sites=sites_for(membership), desks=desks_for(membership)),
        "versions": template.versions.select_related("created_by")[:10],
        "preview_url": reverse("badge_template_preview", kwargs={"pk": template.pk})
        + f"?v={template.version}",
    }
    return render(request, "badges/template_edit.html", context)


@member_required(ADMIN)
def template_preview(request, pk):
    template = get_for_member(selectors.templates(), pk=pk)
    design = compose.design_of(template.current)
    badges = compose.preview_badges(design, design.preset.per_page)
    return pdf_response(compose.drawing(badges, _("Badge preview")), f"badge-{template.pk}.pdf", api=False)


@require_POST
@member_required(ADMIN)
def template_draft_preview(request, pk):
    """htmx: the editor's form, drawn without saving; errors name the element."""
    template = get_for_member(selectors.templates(), pk=pk)
    form, formset = _editor_forms(request, template)
    errors = []
    if form.is_valid() and formset.is_valid():
        data = form.cleaned_data
        try:
            layout = services.check_design(data["preset"], data["orientation"], layout_from(formset))
        except ValidationError as exc:
            errors = [m for ms in exc.message_dict.values() for m in ms]
        else:
            request.session[DRAFT_KEY] = {
                "template": template.pk, "preset": data["preset"],
                "orientation": data["orientation"], "layout": layout,
            }  # fmt: skip
    else:
        errors = [_("Some fields are not valid: see the form.")]
    # With errors the saved template stays in view, so the admin keeps a reference.
    url = (
        reverse("badge_template_preview", kwargs={"pk": template.pk})
        if errors
        else reverse("badge_template_draft_pdf")
    )
    url += f"?t={time.time_ns()}"
    return render(request, "badges/_preview.html", {"errors": errors, "preview_url": url})


@member_required(ADMIN)
def template_draft_pdf(request):
    draft = request.session.get(DRAFT_KEY)
    if not draft:
        raise Http404
    template = get_for_member(selectors.templates(), pk=draft.get("template"))
    try:
        layout = services.check_design(draft["preset"], draft["orientation"], draft["layout"])
    except ValidationError as exc:
        raise Http404 from exc
    logo = bytes(template.logo.data) if template.logo_id else None
    design = compose.draft_design(
        preset=draft["preset"], orientation=draft["orientation"], layout=layout, logo=logo
    )
    badges = compose.preview_badges(design, design.preset.per_page)
    return pdf_response(compose.drawing(badges, _("Badge preview")), "badge-preview.pdf", api=False)


@member_required(ADMIN)
def template_export(request, pk):
    template = get_for_member(selectors.templates(), pk=pk)
    response = JsonResponse(
        capture.export_template(template), json_dumps_params={"ensure_ascii": False, "indent": 2}
    )
    response["Content-Disposition"] = f'attachment; filename="badge-template-{template.pk}.json"'
    return response


@member_required(ADMIN)
def template_import(request):
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        raw = form.cleaned_data["file"].read(MAX_IMPORT_BYTES + 1)
        try:
            if len(raw) > MAX_IMPORT_BYTES:
                raise ValidationError({"file": _("The file is too large.")})
            try:
                document = json.loads(raw)
            except (UnicodeDecodeError, ValueError) as exc:
                raise ValidationError({"file": _("The file is not JSON.")}) from exc
            template = capture.import_template(
                organization=request.organization, by=request.user, document=document,
                name=form.cleaned_data["name"] or None,
            )  # fmt: skip
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("Template imported."))
            return redirect("badge_template_edit", pk=template.pk)
    return render(request, "badges/template_import.html", {"form": form})


@require_POST
@member_required(ADMIN)
def assignment_create(request, pk):
    template = get_for_member(selectors.templates(), pk=pk)
    form = AssignmentForm(
        request.POST, sites=sites_for(request.membership), desks=desks_for(request.membership)
    )
    if form.is_valid():
        try:
            services.assign_template(template=template, **form.cleaned_data)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Assignment saved."))
    else:
        messages.error(request, _("This assignment is not valid."))
    return redirect("badge_template_edit", pk=template.pk)


@require_POST
@member_required(ADMIN)
def assignment_delete(request, pk):
    assignment = get_for_member(BadgeAssignment.objects.all(), pk=pk)
    template_id = assignment.template_id
    services.unassign_template(assignment=assignment)
    messages.success(request, _("Assignment removed."))
    return redirect("badge_template_edit", pk=template_id)


def _desk(request):
    desk_id = request.GET.get("desk") or request.POST.get("desk")
    if desk_id:
        return get_for_member(desks_for(request.membership), pk=desk_id)
    return None


def _print_page(request, *, visits, prints, autoprint, status=200, error="", form=None):
    ids = ",".join(str(p.pk) for p in prints)
    context = {
        "visits": visits,
        "prints": prints,
        "pdf_url": reverse("badge_prints_pdf") + f"?ids={ids}" if prints else "",
        "autoprint": autoprint,
        "error": error,
        "form": form or ReprintForm(),
    }
    return render(request, "badges/print.html", context, status=status)


@member_required(ADMIN, RECEPTION)
def badge_print(request, pk):
    """The page the desk opens after an arrival: the badge in an iframe and the
    print dialog. The first visit records the print; a reload shows it again
    without recording a second one; a reprint is a POST with a reason."""
    visit = get_for_member(selectors.printable_visits(request.membership), pk=pk)
    desk = _desk(request)
    form = ReprintForm(request.POST or None)
    try:
        if request.method == "POST":
            if not form.is_valid():
                last = list(visit.badge_prints.all()[:1])
                return _print_page(
                    request, visits=[visit], prints=last, autoprint=False, status=400, form=form
                )
            services.print_badges(
                visits=[visit], desk=desk, by=request.user, reprint_reason=form.cleaned_data["reason"]
            )
            messages.success(request, _("Badge reprinted."))
            return redirect(reverse("badge_print", kwargs={"pk": visit.pk}) + "?just=1")
        new = services.print_badges(visits=[visit], desk=desk, by=request.user, first_only=True)
    except services.BadgeError as exc:
        return _print_page(request, visits=[visit], prints=[], autoprint=False, status=409, error=exc.message)
    last = list(visit.badge_prints.select_related("printed_by")[:1])
    return _print_page(request, visits=[visit], prints=last, autoprint=bool(new) or "just" in request.GET)


@member_required(ADMIN, RECEPTION)
def badge_group_print(request):
    """A group arrival: `?visits=1&visits=2`; one PDF with every badge."""
    ids = [int(v) for v in request.GET.getlist("visits") if v.isdigit()]
    if not ids:
        return _print_page(request, visits=[], prints=[], autoprint=False, status=400,
                           error=_("Choose the visits to print."))  # fmt: skip
    visits = list(selectors.printable_visits(request.membership).filter(pk__in=ids))
    if len(visits) != len(set(ids)):
        raise Http404
    visits.sort(key=lambda v: ids.index(v.pk))
    try:
        new = services.print_badges(visits=visits, desk=_desk(request), by=request.user, first_only=True)
    except services.BadgeError as exc:
        return _print_page(request, visits=visits, prints=[], autoprint=False, status=409, error=exc.message)
    latest = {}
    for badge in BadgePrint.objects.filter(visit__in=visits).order_by("printed_at", "pk"):
        latest[badge.visit_id] = badge
    prints = [latest[v.pk] for v in visits if v.pk in latest]
    return _print_page(request, visits=visits, prints=prints, autoprint=bool(new))


@member_required(ADMIN, RECEPTION)
def prints_pdf(request):
    """The PDF of recorded prints (`?ids=1,2`), drawn with the version each recorded."""
    ids = [int(i) for i in request.GET.get("ids", "").split(",") if i.strip().isdigit()]
    prints = {p.pk: p for p in selectors.prints_for(request.membership).filter(pk__in=ids).select_related(
        "visit__visitor", "visit__visit_type", "visit__site", "visit__host__user", "template_version__logo"
    )}  # fmt: skip
    if not ids or len(prints) != len(set(ids)):
        raise Http404
    ordered = [prints[i] for i in dict.fromkeys(ids)]
    return pdf_response(
        compose.drawing(compose.recorded_badges(ordered), _("Badges")), "badges.pdf", api=False
    )


# --- the kiosk: the badge of the visit it has just arrived ---------------------------------------
def kiosk_badge(request, key, token):
    """The PDF the kiosk's welcome page prints, when the site's badge policy
    prints badges at the kiosk. Opened by the kiosk key (no login) and a signed,
    short-lived token naming the visit just arrived; the first fetch records the
    print, a reload shows the same badge without recording it twice."""
    found = kiosk.lookup(key)
    payload = kiosk.read_badge_token(token)
    if found is None or payload is None or payload["o"] != found[1]:
        raise Http404
    _token_id, org_id, site_id = found
    with tenant_scope(org_id):
        visit = (
            Visit.objects.filter(pk=payload["v"], site_id=site_id, site__kiosk_badge=True)
            .select_related("site")
            .first()
        )
        if visit is None or visit.token[:12] != payload["s"]:
            raise Http404
        try:
            services.print_badges(visits=[visit], desk=None, by=None, first_only=True)
        except services.BadgeError as exc:
            raise Http404 from exc
        last = visit.badge_prints.select_related(
            "visit__visitor",
            "visit__visit_type",
            "visit__site",
            "visit__host__user",
            "template_version__logo",
        ).first()
        badges = compose.recorded_badges([last])
    # Drawn once the print is committed (the kiosk's request has no transaction
    # of its own: the scope above was it).
    return finish(pdf_response(compose.drawing(badges, _("Badges")), "badge.pdf", api=False))
