"""Per-request tenancy: which membership is acting, and the scope it opens."""

import datetime

from django.conf import settings
from django.db import transaction
from django.http import JsonResponse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_scopes import scope, scopes_disabled

from . import scope as tenant
from .context import Actor, client_ip, current_actor
from .models import ApiToken, Membership
from .responses import finish
from .tokens import lookup_token

SESSION_KEY = "membership_id"
SESSION_ORG_KEY = "organization_id"


def _session_membership(request):
    """The active membership from the session, or the user's first one."""
    user = request.user
    with scopes_disabled():
        memberships = Membership.objects.select_related("organization").filter(user=user, is_active=True)
        wanted = request.session.get(SESSION_KEY)
        chosen = None
        if wanted:
            chosen = next((m for m in memberships if m.pk == wanted), None)
        if chosen is None:
            chosen = min(memberships, key=lambda m: m.organization.name, default=None)
        if chosen is not None and request.session.get(SESSION_ORG_KEY) != chosen.organization_id:
            request.session[SESSION_KEY] = chosen.pk
            request.session[SESSION_ORG_KEY] = chosen.organization_id
    return chosen


def _touch(token) -> None:
    """Record when a token was last used, at most hourly: it is shown in the token
    list so that unused keys can be spotted and revoked."""
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > datetime.timedelta(hours=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now


class TenantMiddleware:
    """Resolves the acting membership (API token or session) and runs the rest of
    the request inside its tenant scope and one transaction.

    The whole request is one transaction because the row-level security setting
    is transaction-local: that is what makes it safe with pooled connections.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # A body made after commit (a badge PDF) is made here, once the request's
        # transaction, and every lock it took, is over.
        return finish(self._dispatch(request))

    def _dispatch(self, request):
        request.membership = None
        request.organization = None
        request.api_token = None
        header = request.META.get("HTTP_AUTHORIZATION", "")
        if header.startswith("Token "):
            return self._token_request(request, header[6:].strip())
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return self._run(request, Actor(ip=client_ip(request)))
        with transaction.atomic():
            # One round trip for both settings, with the organization the session
            # last used; corrected below in the rare case it changed.
            remembered = request.session.get(SESSION_ORG_KEY)
            tenant.activate(remembered, user.pk)
            membership = _session_membership(request)
            actor = Actor(user_id=user.pk, ip=client_ip(request))
            if membership is None:
                tenant.activate(None, user.pk)
                return self._run(request, actor)
            request.membership = membership
            request.organization = membership.organization
            actor = Actor(user_id=user.pk, ip=actor.ip, membership_id=membership.pk)
            if membership.organization_id != remembered:
                tenant.activate(membership.organization_id, user.pk)
            with scope(organization=membership.organization):
                return self._run(request, actor)

    def _token_request(self, request, key):
        found = lookup_token(key)
        if found is None:
            return JsonResponse({"detail": _("Invalid or revoked token.")}, status=401)
        token_id, org_id = found
        with transaction.atomic():
            tenant._set_local(tenant.ORG_SETTING, org_id)
            with scope(organization=org_id):
                token = ApiToken.objects.select_related("membership__user", "membership__organization").get(
                    pk=token_id
                )
                membership = token.membership
                if not (membership.is_active and membership.user.is_active):
                    return JsonResponse({"detail": _("Invalid or revoked token.")}, status=401)
                _touch(token)
                request.user = membership.user
                request.membership = membership
                request.organization = membership.organization
                request.api_token = token
                # A token is not a cookie: no cross-site request can carry it.
                request._dont_enforce_csrf_checks = True
                with scope(organization=membership.organization):
                    actor = Actor(membership.user_id, token.pk, client_ip(request), membership.pk)
                    return self._run(request, actor)

    def _run(self, request, actor):
        reset = current_actor.set(actor)
        try:
            return self.get_response(request)
        finally:
            current_actor.reset(reset)


class LanguageMiddleware:
    """French unless the person chose otherwise: the language cookie, then the
    user's own preference, then the organization's default. API clients may also
    ask with Accept-Language."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        language = self._pick(request)
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response

    def _pick(self, request) -> str:
        supported = {code for code, _name in settings.LANGUAGES}
        cookie = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if cookie in supported:
            return cookie
        if request.path.startswith("/api/"):
            accepted = translation.get_language_from_request(request, check_path=False)
            if request.META.get("HTTP_ACCEPT_LANGUAGE") and accepted in supported:
                return accepted
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.language in supported:
            return user.language
        org = getattr(request, "organization", None)
        if org is not None and org.default_language in supported:
            return org.default_language
        return settings.LANGUAGE_CODE
