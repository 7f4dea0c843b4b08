"""The public self check-in kiosk: /kiosk/<key>/, no staff login.

The key in the URL is looked up through a SECURITY DEFINER function (only its
hash is stored); everything after runs in that organization's scope and only at
that site. The key is no API token: presented to any other URL it opens nothing.
"""

from django.db import connection
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt

from tenancy.scope import tenant_scope

from . import selectors, services
from .checks import self_service_links
from .codes import resolve_code
from .configuration import hash_kiosk_key
from .errors import VisitError
from .models import Visit, VisitStatus


def lookup(key: str):
    if not key or len(key) > 200:
        return None
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT token_id, organization_id, site_id FROM vestibule_kiosk_lookup(%s)", [hash_kiosk_key(key)]
        )
        return cursor.fetchone()


def _short_name(visit: Visit) -> str:
    """First name and initial: enough to recognise oneself, little to a passer-by."""
    last = (visit.visitor.last_name or "")[:1]
    return f"{visit.visitor.first_name} {last}." if last else visit.visitor.first_name


def _arrive(visit: Visit, context: dict) -> None:
    """Arrive the visit, or say why not in `context` (with links the visitor can
    follow alone, such as signing a missing consent)."""
    if not visit.visit_type.kiosk_allowed:
        context["error"] = _("Please go to the reception desk to be registered.")
        return
    try:
        services.arrive(visit=visit, desk=None, by=None)
    except VisitError as exc:
        if exc.overridable:
            context["links"] = self_service_links(visit)
            context["error"] = (
                _("Some documents must be signed before your arrival.")
                if context["links"]
                else _("Please go to the reception desk.")
            )
        else:
            context["error"] = exc.message
        return
    context["message"] = _("Welcome, %(name)s! Your host has been told you are here.") % {
        "name": visit.visitor.first_name
    }


# The kiosk has no session to protect: a CSRF token would add nothing and the
# tablet's page may stay open for days (tokens would expire).
@csrf_exempt
@never_cache
def kiosk(request, key):
    found = lookup(key)
    if found is None:
        return HttpResponse(_("This kiosk link is not valid or has been revoked."), status=404)
    _token_id, org_id, site_id = found
    language = request.GET.get("lang") or request.POST.get("lang") or ""
    if language not in ("fr", "en"):
        language = translation.get_language() or "fr"
    with translation.override(language), tenant_scope(org_id):
        from sites.models import Site

        site = Site.objects.get(pk=site_id)
        context = {
            "site": site,
            "key": key,
            "lang": language,
            "results": None,
            "message": "",
            "error": "",
            "links": [],
        }
        if request.method == "POST":
            action = request.POST.get("action")
            if action == "scan":
                try:
                    visit, _purpose = resolve_code(request.POST.get("code", ""))
                    if visit.site_id != site.pk:
                        raise VisitError(
                            _("This visit is expected at another site: %(site)s.") % {"site": visit.site.name}
                        )
                    _arrive(visit, context)
                except VisitError as exc:
                    context["error"] = exc.message
            elif action == "search":
                name = request.POST.get("name", "").strip()
                if len(name) < 2:
                    context["error"] = _("Type at least two letters of your last name.")
                else:
                    start, end = selectors.day_bounds(site)
                    visits = Visit.objects.filter(
                        site=site, status=VisitStatus.EXPECTED, expected_at__lt=end, expected_until__gte=start
                    ).select_related("visitor", "visit_type")
                    found_visits = selectors.search_visits(visits, name, hosts=False)[:10]
                    context["results"] = [(v.pk, _short_name(v), v.expected_at) for v in found_visits]
            elif action == "confirm":
                visit = Visit.objects.filter(site=site, pk=request.POST.get("visit") or 0).select_related(
                    "visitor", "visit_type", "site"
                )
                visit = visit.first() if str(request.POST.get("visit", "")).isdigit() else None
                if visit is None:
                    context["error"] = _("Visit not found. Please go to the reception desk.")
                else:
                    _arrive(visit, context)
        response = render(request, "visitors/kiosk.html", context)
    return response
