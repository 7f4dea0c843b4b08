"""The invitation e-mail: QR code, address and time, an .ics file.

Everything goes through `send_invitation(visit, kind)` (kind: created, updated,
cancelled), called after commit. It builds the message and hands it to the
module attribute `sender(message, *, visit, kind)`, which the notifications app
replaces to route the message through its rules and send log:

    from visitors import invitations
    invitations.sender = my_sender

`extra_links` holds callables(visit) -> [(label, url)] added to the e-mail
(documents adds "sign your documents").
"""

import datetime
import hashlib
import io
import logging
import zoneinfo
from collections.abc import Callable
from email.mime.image import MIMEImage

import segno
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from tenancy.scope import tenant_scope

from .codes import make_code
from .models import Visit

log = logging.getLogger(__name__)
KINDS = ("created", "updated", "cancelled")

# What happened to a new visit's invitation (`visit.invitation` after
# `services.pre_register`, the API's `invitation` field): the screens say
# "sent" only for QUEUED.
QUEUED = "queued"  # a message is in the send log (or leaves after the commit)
AWAITING_APPROVAL = "awaiting_approval"  # it leaves once the visit is approved
NO_EMAIL = "no_email"  # the visitor has no e-mail address
NOT_SENT = "not_sent"  # no invitation: a walk-in, or the invitation rule is off
OUTCOMES = (QUEUED, AWAITING_APPROVAL, NO_EMAIL, NOT_SENT)

extra_links: list[Callable] = []


def default_sender(message: EmailMultiAlternatives, *, visit, kind: str) -> bool:
    message.send()
    return True


sender: Callable = default_sender


def language_for(visit) -> str:
    supported = {code for code, _name in settings.LANGUAGES}
    for language in (getattr(visit.visitor, "language", ""), visit.site.language):
        if language in supported:
            return language
    return settings.LANGUAGE_CODE


def qr_png(code: str) -> bytes:
    out = io.BytesIO()
    segno.make(code, error="m").save(out, kind="png", scale=6, border=2)
    return out.getvalue()


def _ics_text(value: str) -> str:
    return value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def ics(visit, kind: str, summary: str) -> str:
    """An iCalendar event; cancellation uses METHOD:CANCEL with the same UID so
    calendars remove the event, and SEQUENCE orders the updates."""
    stamp = "%Y%m%dT%H%M%SZ"
    utc = datetime.UTC
    uid = hashlib.sha256(f"visit-{visit.organization_id}-{visit.pk}".encode()).hexdigest()[:24]
    method = "CANCEL" if kind == "cancelled" else "REQUEST"
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Vestibule//Visits//EN",
        f"METHOD:{method}",
        "BEGIN:VEVENT",
        f"UID:{uid}@vestibule",
        f"SEQUENCE:{int(visit.updated_at.timestamp()) if visit.updated_at else 0}",
        f"DTSTAMP:{timezone.now().astimezone(utc).strftime(stamp)}",
        f"DTSTART:{visit.expected_at.astimezone(utc).strftime(stamp)}",
        f"DTEND:{visit.expected_until.astimezone(utc).strftime(stamp)}",
        f"SUMMARY:{_ics_text(summary)}",
        f"LOCATION:{_ics_text(', '.join(filter(None, [visit.site.name, visit.site.address])))}",
        f"STATUS:{'CANCELLED' if kind == 'cancelled' else 'CONFIRMED'}",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return "\r\n".join(lines) + "\r\n"


def build_message(visit, kind: str) -> EmailMultiAlternatives | None:
    if kind not in KINDS:
        raise ValueError(kind)
    if visit.visitor is None or not visit.visitor.email:
        return None
    language = language_for(visit)
    with translation.override(language):
        tz = zoneinfo.ZoneInfo(visit.site.timezone)
        context = {
            "visit": visit,
            "kind": kind,
            "starts": timezone.localtime(visit.expected_at, tz),
            "ends": timezone.localtime(visit.expected_until, tz),
            "host_name": visit.host.user.get_full_name() if visit.host_id else "",
            "code": make_code(visit, "invitation") if kind != "cancelled" else "",
            "links": [link for provider in extra_links for link in provider(visit) or []],
        }
        subject = render_to_string("visitors/email/invitation_subject.txt", context).strip()
        text = render_to_string("visitors/email/invitation.txt", context)
        html = render_to_string("visitors/email/invitation.html", context)
        calendar = ics(visit, kind, subject)
    message = EmailMultiAlternatives(subject, text, to=[visit.visitor.email])
    message.attach_alternative(html, "text/html")
    message.mixed_subtype = "related"
    if context["code"]:
        image = MIMEImage(qr_png(context["code"]), "png")
        image.add_header("Content-ID", "<qr>")
        image.add_header("Content-Disposition", "inline", filename="qr.png")
        message.attach(image)
    message.attach(
        "invitation.ics", calendar, f"text/calendar; method={'CANCEL' if kind == 'cancelled' else 'REQUEST'}"
    )
    return message


def send_invitation(visit, kind: str) -> bool:
    """The one place an invitation leaves: build it, hand it to `sender`. True
    when the sender took it (a sender returning False wrote nothing). A sender
    that writes outbox rows builds its own messages: it gets None rather than
    an e-mail rendered (templates, QR code) only to be thrown away."""
    if getattr(sender, "writes_outbox", False):
        if visit.visitor is None or not visit.visitor.email:
            return False
        return sender(None, visit=visit, kind=kind) is not False
    message = build_message(visit, kind)
    if message is None:
        return False
    return sender(message, visit=visit, kind=kind) is not False


def schedule(visit, kind: str) -> str:
    """Send after the surrounding transaction commits (never inside it) — unless
    the sender only writes outbox rows (a sender with `writes_outbox = True`, as
    the notifications app's): then it runs inside the transaction, so the
    invitation is committed, or rolled back, with the visit, and a crash
    between the commit and the send loses nothing. Returns the outcome
    (QUEUED, NO_EMAIL or NOT_SENT)."""
    if visit.visitor is None or not visit.visitor.email:
        return NO_EMAIL
    if getattr(sender, "writes_outbox", False):
        return QUEUED if send_invitation(visit, kind) else NOT_SENT
    org_id, visit_id = visit.organization_id, visit.pk
    transaction.on_commit(lambda: _deliver(org_id, visit_id, kind))
    return QUEUED


def _deliver(org_id: int, visit_id: int, kind: str) -> None:
    try:
        with tenant_scope(org_id):
            visit = Visit.objects.select_related("visitor", "site", "host__user", "visit_type").get(
                pk=visit_id
            )
            send_invitation(visit, kind)
    except Exception:
        # The visit is saved; a mail server outage must not turn it into an error
        # page. The notifications app will own retries through its send log.
        log.exception("invitation %s for visit %s failed", kind, visit_id)
