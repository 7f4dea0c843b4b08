"""What documents adds to the visits app, through the hooks visitors provides
(visitors.checks, visitors.invitations): visitors never imports documents."""

from urllib.parse import urlencode

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _

from visitors.models import VisitStatus

from .selectors import missing_texts, visits_missing_consents
from .tokens import invitation_url, kiosk_url


def missing_consents_check(visit) -> list[str]:
    """Arrival is blocked while a required text is unsigned; one problem per text."""
    return [
        _("Consent not signed: %(title)s") % {"title": text.current_version.title_in(visit_language(visit))}
        for text in missing_texts(visit)
    ]


def sign_before_visit_link(visit) -> list[tuple[str, str]]:
    """The invitation e-mail's link to sign and hand over documents beforehand."""
    base = settings.PUBLIC_URL
    return [(_("Sign your documents before the visit"), base + invitation_url(visit))]


def kiosk_signing_link(visit, *, kiosk_key: str, language: str) -> list[tuple[str, str]]:
    """At the kiosk, a visitor blocked by unsigned consents signs them there, in
    the language chosen at the kiosk."""
    if not missing_texts(visit):
        return []
    return [
        (_("Sign my documents"), f"{kiosk_url(visit, kiosk_key=kiosk_key)}?{urlencode({'lang': language})}")
    ]


def desk_signing_links(visits) -> dict[int, list[tuple[str, str]]]:
    """At the desk, "Have it signed" on each expected visit still missing a
    consent: the signing page, on the desk's screen."""
    missing = visits_missing_consents([v for v in visits if v.status == VisitStatus.EXPECTED])
    return {pk: [(_("Have it signed"), reverse("visit_consents", kwargs={"pk": pk}))] for pk in missing}


def visit_language(visit) -> str:
    visitor = visit.visitor
    if visitor is not None and visitor.language:
        return visitor.language
    return visit.site.language if visit.site_id else settings.LANGUAGE_CODE
