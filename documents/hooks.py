"""What documents adds to the visits app, through the hooks visitors provides
(visitors.checks, visitors.invitations): visitors never imports documents."""

from django.conf import settings
from django.utils.translation import gettext as _

from .selectors import missing_texts
from .tokens import invitation_url, kiosk_url


def missing_consents_check(visit) -> list[str]:
    """Arrival is blocked while a required text is unsigned; one problem per text."""
    return [
        _("Consent not signed: %(title)s") % {"title": text.current_version.title(visit_language(visit))}
        for text in missing_texts(visit)
    ]


def sign_before_visit_link(visit) -> list[tuple[str, str]]:
    """The invitation e-mail's link to sign and hand over documents beforehand."""
    base = settings.PUBLIC_URL
    return [(_("Sign your documents before the visit"), base + invitation_url(visit))]


def kiosk_signing_link(visit) -> list[tuple[str, str]]:
    """At the kiosk, a visitor blocked by unsigned consents signs them there."""
    if not missing_texts(visit):
        return []
    return [(_("Sign my documents"), kiosk_url(visit))]


def visit_language(visit) -> str:
    visitor = visit.visitor
    if visitor is not None and visitor.language:
        return visitor.language
    return visit.site.language if visit.site_id else "fr"
