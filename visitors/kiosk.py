"""The public self check-in kiosk: /kiosk/<key>/, no staff login.

The key in the URL is looked up through a SECURITY DEFINER function (only its
hash is stored); everything after runs in that organization's scope and only at
that site. The key is no API token: presented to any other URL it opens nothing.

Every step carries the language the visitor chose (`lang`), the signing pages
of other apps too (`self_service_links`). A revoked key closes every step at
once, the ones already open on the tablet included. The kiosk links to nothing
but its own steps: no page of the staff's.
"""

from django.core import signing
from django.db import connection
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from config import translated
from config.csrf import opaque_origin_allowed
from sites.models import Site
from tenancy.scope import tenant_scope

from . import selectors, services
from .checks import self_service_links
from .configuration import hash_kiosk_key
from .errors import VisitError
from .models import Visit, VisitStatus

# How long the welcome stays before the kiosk is ready for the next visitor (a
# touch returns at once); the static script reads it from the page.
WELCOME_SECONDS = 8
BADGE_SALT = "visitors.kiosk-badge"
# The badge is fetched by the welcome page right after the arrival.
BADGE_SECONDS = 10 * 60


def lookup(key: str):
    """(token id, organization id, site id) of an active kiosk key, or None."""
    if not key or len(key) > 200:
        return None
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT token_id, organization_id, site_id FROM vestibule_kiosk_lookup(%s)", [hash_kiosk_key(key)]
        )
        return cursor.fetchone()


def wanted_language(request) -> str | None:
    language = request.GET.get("lang") or request.POST.get("lang") or ""
    return language if language in translated.languages() else None


def start_url(key: str, language: str | None = None) -> str:
    url = reverse("kiosk", kwargs={"key": key})
    return f"{url}?lang={language}" if language else url


def closed(request, language: str | None):
    """Every step of a revoked (or unknown) kiosk: nothing is recorded."""
    with translation.override(language or translation.get_language() or translated.default_language()):
        response = render(
            request, "visitors/kiosk_closed.html", {"lang": translation.get_language()}, status=404
        )
    return response


def badge_token(visit: Visit) -> str:
    """The welcome page's credential for the badge of the visit just arrived."""
    payload = {"o": visit.organization_id, "v": visit.pk, "s": visit.token[:12]}
    return signing.dumps(payload, salt=BADGE_SALT, compress=True)


def read_badge_token(token: str) -> dict | None:
    try:
        payload = signing.loads(token, salt=BADGE_SALT, max_age=BADGE_SECONDS)
    except signing.BadSignature:
        return None
    if not isinstance(payload, dict) or not {"o", "v", "s"} <= set(payload):
        return None
    return payload


def _short_name(visit: Visit) -> str:
    """First name and initial: enough to recognise oneself, little to a passer-by."""
    last = (visit.visitor.last_name or "")[:1]
    return f"{visit.visitor.first_name} {last}." if last else visit.visitor.first_name


def _arrive(context: dict, *, visit: Visit | int | None = None, code: str | None = None) -> None:
    """Arrive the visit (an instance or an id) or the visit of a scanned code,
    at the kiosk's site, or say why not in `context` (with links the visitor
    can follow alone, such as signing a missing consent)."""
    site = context["site"]
    try:
        if code is not None:
            visit, _done = services.scan(code=code, site=site)
        else:
            visit = services.arrive(visit=visit, visits=Visit.objects.filter(site=site), kiosk=True)
    except Visit.DoesNotExist:
        context["error"] = _("Visit not found. Please go to the reception desk.")
        return
    except VisitError as exc:
        if exc.checks:
            context["links"] = self_service_links(
                exc.visit, kiosk_key=context["key"], language=context["lang"]
            )
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
    context["welcome"] = True
    if site.kiosk_badge:
        context["badge_token"] = badge_token(visit)


def _context(*, site, key: str, language: str) -> dict:
    return {
        "site": site,
        "key": key,
        "lang": language,
        # The visitor's choice: every other configured language, in its own words.
        "other_languages": [
            (code, capfirst(translation.get_language_info(code)["name_local"]))
            for code in translated.languages()
            if code != language
        ],
        "results": None,
        "message": "",
        "error": "",
        "links": [],
        "welcome": False,
        "badge_token": "",
        # The next visitor starts in the site's language.
        "restart_url": start_url(key),
        "welcome_seconds": WELCOME_SECONDS,
    }


def arrive_and_welcome(request, *, key: str, site, visit: Visit, language: str):
    """The kiosk's arrival and its answer, for a step of another app that ends
    with the arrival (signing the last missing consent)."""
    with translation.override(language):
        context = _context(site=site, key=key, language=language)
        _arrive(context, visit=visit)
        return render(request, "visitors/kiosk.html", context)


# CSRF stays on (each kiosk step renders a fresh token, and the welcome returns
# to the start, a GET); `Origin: null` is let through to the token check.
@opaque_origin_allowed
@never_cache
def kiosk(request, key):
    found = lookup(key)
    chosen = wanted_language(request)
    if found is None:
        return closed(request, chosen)
    _token_id, org_id, site_id = found
    with tenant_scope(org_id):
        site = Site.objects.get(pk=site_id)
        language = chosen or translated.supported(site.language) or translated.default_language()
        with translation.override(language):
            context = _context(site=site, key=key, language=language)
            if request.method == "POST":
                _act(request, site, context)
            response = render(request, "visitors/kiosk.html", context)
    return response


def _act(request, site, context: dict) -> None:
    action = request.POST.get("action")
    if action == "scan":
        _arrive(context, code=request.POST.get("code", ""))
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
        wanted = str(request.POST.get("visit", ""))
        if wanted.isdigit():
            _arrive(context, visit=int(wanted))
        else:
            context["error"] = _("Visit not found. Please go to the reception desk.")
