"""HTML: Rapports & exports (filters, column chooser, preview, exports and their
progress), scheduled exports, and the dashboard."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from config.exports import datasets, get_dataset
from sites.selectors import desks_for, sites_for
from tenancy.models import Membership
from tenancy.permissions import ADMIN, COMPLIANCE, get_for_member, member_required
from tenancy.replica import read_heavy

from . import charts, dashboard, previews, scheduling, services
from .api import download_response
from .filters import PERIODS, FilterError, choices_of, select
from .forms import ScheduleForm
from .selectors import jobs_for, schedules_for

LIST_FILTERS = ("sites", "desks", "visit_types", "statuses")
# Without a charset a browser reads the French message as Latin-1 (mojibake).
PLAIN_TEXT = "text/plain; charset=utf-8"


def filters_from(query) -> dict:
    """The filter form's fields (multi-valued where a filter takes several)."""
    filters = {name: query.getlist(name) for name in LIST_FILTERS if query.getlist(name)}
    for name in ("period", "from", "to", "host"):
        if query.get(name):
            filters[name] = query.get(name)
    return filters


def _choices(membership):
    return {
        "sites": sites_for(membership),
        "desks": desks_for(membership),
        "visit_types": choices_of("visit_types"),
        "hosts": Membership.objects.filter(role__in=["host", "admin"]).select_related("user"),
        "periods": PERIODS.items(),
        "datasets": datasets(),
    }


@member_required(ADMIN, COMPLIANCE)
def reports(request):
    key = request.GET.get("dataset") or "visits"
    dataset = get_dataset(key) or get_dataset("visits")
    filters = filters_from(request.GET)
    columns = request.GET.getlist("columns")
    preview, error = None, None
    try:
        preview = previews.preview(request.membership, dataset.key, filters, columns)
    except FilterError as exc:
        error = exc
    chosen = columns or dataset.default_columns()
    # "Download now" takes the dataset and columns shown, also on the page as
    # first opened (no query string yet).
    stream = [("dataset", dataset.key)]
    stream += [
        (name, v) for name, value in filters.items() for v in ([value] if isinstance(value, str) else value)
    ]
    stream += [("columns", key) for key in (preview.keys if preview else chosen)]
    context = {
        "dataset": dataset,
        "filters": filters,
        "chosen": chosen,
        "stream_query": urlencode(stream),
        "time_zones": sorted({s.timezone for s in sites_for(request.membership)}),
        "preview": preview,
        "error": error,
        "query": request.GET.urlencode(),
        "jobs": jobs_for(request.membership).select_related("requested_by__user")[:20],
        **_choices(request.membership),
    }
    template = "reports/_preview.html" if request.headers.get("HX-Request") else "reports/index.html"
    return render(request, template, context)


@require_POST
@member_required(ADMIN, COMPLIANCE)
def export_create(request):
    try:
        services.create_export(
            membership=request.membership,
            dataset=request.POST.get("dataset"),
            filters=filters_from(request.POST),
            columns=request.POST.getlist("columns"),
            delimiter=request.POST.get("delimiter") or ";",
        )
    except FilterError as exc:
        messages.error(request, exc.message)
        return redirect("reports")
    messages.success(request, _("Export queued: it appears below with its progress."))
    return redirect("reports")


@member_required(ADMIN, COMPLIANCE)
def export_detail(request, pk):
    job = get_for_member(jobs_for(request.membership), pk=pk)
    return render(request, "reports/_job.html", {"job": job, "progress": services.progress(job)})


@member_required(ADMIN, COMPLIANCE)
def export_download(request, pk):
    return download_response(get_for_member(jobs_for(request.membership), pk=pk))


@member_required(ADMIN, COMPLIANCE)
def export_stream(request):
    """Small exports straight back to the browser, without a job."""
    try:
        selection = select(
            request.GET.get("dataset") or "visits",
            request.membership,
            filters_from(request.GET),
            request.GET.getlist("columns"),
        )
    except FilterError as exc:
        return HttpResponse(exc.message, status=400, content_type=PLAIN_TEXT)
    delimiter = request.GET.get("delimiter") or ";"
    if delimiter not in (";", ","):
        return HttpResponse(_("Use ';' or ','."), status=400, content_type=PLAIN_TEXT)
    total = selection.queryset().count()
    if total > services.SMALL_EXPORT_ROWS:
        return HttpResponse(
            _("%(n)d rows: more than %(max)d, please use an export.")
            % {"n": total, "max": services.SMALL_EXPORT_ROWS},
            status=413,
            content_type=PLAIN_TEXT,
        )
    services.record_download_direct(selection=selection)
    response = StreamingHttpResponse(
        services.stream_small(
            selection,
            request.organization.pk,
            delimiter=delimiter,
            language=translation.get_language() or "fr",
        ),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="{selection.dataset.key}.csv"'
    return response


@member_required(ADMIN, COMPLIANCE)
def dashboard_view(request):
    # Read from the streaming replica when it is fresh (tenancy.replica).
    params = filters_from(request.GET)
    try:
        return read_heavy(lambda: _dashboard(request, params))
    except FilterError as exc:
        messages.error(request, exc.message)
        return read_heavy(lambda: _dashboard(request, {}))


def _dashboard(request, params):
    figures = dashboard.figures(request.membership, params)
    chart = charts.bar_chart
    context = {
        "figures": figures,
        "filters": figures["selection"].filters,
        "charts": [
            (
                _("Pre-registrations per day"),
                chart(figures["pre_registrations"], title=_("Pre-registrations")),
            ),
            (_("Arrivals per day"), chart(figures["arrivals"], title=_("Arrivals"))),
            (_("Departures per day"), chart(figures["departures"], title=_("Departures"))),
            (_("No-shows per day"), chart(figures["no_shows"], title=_("No-shows"))),
            (_("Arrivals per hour"), chart(figures["arrivals_per_hour"], title=_("Arrivals per hour"))),
        ],
        **_choices(request.membership),
    }
    return render(request, "reports/dashboard.html", context)


@member_required(ADMIN, COMPLIANCE)
def schedules(request):
    form = ScheduleForm(request.POST or None, membership=request.membership)
    if request.method == "POST":
        if request.membership.role != ADMIN:
            raise PermissionDenied  # compliance reads schedules, admins write them
        if form.is_valid():
            try:
                scheduling.create_schedule(membership=request.membership, **form.values())
            except FilterError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("Schedule saved."))
                return redirect("export_schedules")
    items = schedules_for(request.membership).prefetch_related("runs")
    return render(request, "reports/schedules.html", {"form": form, "schedules": items})


@member_required(ADMIN)
def schedule_edit(request, pk):
    schedule = get_for_member(schedules_for(request.membership), pk=pk)
    form = ScheduleForm(request.POST or None, membership=request.membership, instance=schedule)
    if request.method == "POST" and form.is_valid():
        try:
            fresh = schedules_for(request.membership).get(pk=schedule.pk)
            scheduling.update_schedule(schedule=fresh, membership=request.membership, **form.values())
        except FilterError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Schedule saved."))
            return redirect("export_schedules")
    runs = schedule.runs.select_related("job")[:50]
    return render(request, "reports/schedule_form.html", {"form": form, "schedule": schedule, "runs": runs})


@require_POST
@member_required(ADMIN)
def schedule_delete(request, pk):
    scheduling.delete_schedule(schedule=get_for_member(schedules_for(request.membership), pk=pk))
    messages.success(request, _("Schedule deleted."))
    return redirect("export_schedules")
