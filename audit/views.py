"""HTML: Journal d'activité & audit."""

from django.core.paginator import Paginator
from django.shortcuts import render

from tenancy.models import Membership
from tenancy.perimeter import perimeter
from tenancy.permissions import ADMIN, COMPLIANCE, member_required
from tenancy.replica import read_heavy

from . import services
from .filters import journal_entries
from .labels import verb_choices, verb_label
from .names import Names
from .selectors import FilterError
from .sentences import local_time


@member_required(ADMIN, COMPLIANCE)
def journal(request):
    # Read from the streaming replica when it is fresh (tenancy.replica).
    return read_heavy(lambda: _journal(request))


def _journal(request):
    error = None
    try:
        entries = journal_entries(request.membership, request.GET)
    except FilterError as exc:
        error = exc
        entries = journal_entries(request.membership, {})
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    names = Names(page)
    rows = [
        {
            "entry": e,
            "time": local_time(e, names),
            "action": verb_label(e.verb),
            "actor": names.actor(e),
            "object": names.target(e),
            "site": names.site(e),
            "details": names.details(e),
        }
        for e in page
    ]
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "audit/journal.html",
        {
            "page": page,
            "rows": rows,
            "verbs": verb_choices(),
            "people": Membership.objects.select_related("user").order_by("user__full_name"),
            "error": error,
            "filters": request.GET,
            "query": query.urlencode(),
            "sites": perimeter.sites_for(request.membership),
        },
    )


@member_required(ADMIN, COMPLIANCE)
def journal_verify(request):
    return render(request, "audit/verify.html", {"result": services.verify(request.organization)})
