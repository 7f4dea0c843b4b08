"""Sending send-log rows: claim, send outside any transaction, record the fate.

A message goes queued -> sending -> sent (-> delivered), or back to queued
with a later `next_attempt_at` after a transient error, or to failed after a
permanent one or too many attempts. Every step is a conditional UPDATE on the
status, so a task delivered twice, or a sweeper racing a worker, sends once.
"""

import datetime
import logging
from functools import partial

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from audit import services as audit
from tenancy.models import Organization
from tenancy.scope import tenant_scope
from visitors import invitations
from visitors.codes import make_code

from .email import send_email
from .models import Channel, Message, Status
from .outbox import INVITATION_EVENTS, load_visit, public_url, render_missing
from .sms import SmsError, get_backend
from .templating import for_sms

log = logging.getLogger(__name__)
CALLBACK_SALT = "vestibule.twilio-status"
# Publishing to a broker that is down must not hold the request: one quick
# retry, then the sweeper's turn.
PUBLISH_RETRY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.1, "interval_max": 0.1}


def enqueue(organization_id: int, message_ids: list[int], countdown: float | None = None) -> int:
    """Queue one task per message; returns how many reached the broker. A broker
    outage is logged, not raised: the rows stay queued for the sweeper."""
    from .tasks import send_message  # cycle: notifications.tasks imports this module

    options = {"retry": True, "retry_policy": PUBLISH_RETRY}
    if settings.NOTIFICATIONS_QUEUE:
        options["queue"] = settings.NOTIFICATIONS_QUEUE
    if countdown:
        options["countdown"] = countdown
    done = 0
    for message_id in message_ids:
        try:
            send_message.apply_async((organization_id, message_id), **options)
        except Exception:
            log.warning("broker unavailable: %d message(s) left for the sweeper", len(message_ids) - done)
            break
        done += 1
    return done


def backoff(attempt: int) -> float:
    """Seconds before attempt `attempt + 1`: doubling from the base, capped."""
    return min(
        settings.NOTIFICATIONS_RETRY_BASE_SECONDS * 2 ** max(attempt - 1, 0),
        settings.NOTIFICATIONS_RETRY_MAX_SECONDS,
    )


def claim(message_id: int) -> Message | None:
    """queued -> sending, for this worker only; None when another worker has it,
    it is already done, or its retry time has not come."""
    now = timezone.now()
    claimed = (
        Message.objects.filter(pk=message_id, status=Status.QUEUED)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .update(
            status=Status.SENDING,
            attempts=F("attempts") + 1,
            lease_until=now + datetime.timedelta(seconds=settings.NOTIFICATIONS_LEASE_SECONDS),
            updated_at=now,
        )
    )
    return Message.objects.get(pk=message_id) if claimed else None


def status_callback_url(message: Message) -> str:
    token = signing.dumps({"o": message.organization_id, "m": message.pk}, salt=CALLBACK_SALT)
    return public_url(reverse("twilio_status", kwargs={"token": token}))


def invitation_attachments(message: Message) -> list[tuple[str, object, str]]:
    """The QR code and calendar entry of the visits app's invitation, for the
    visitor's e-mails about the visit (built before sending, in the scope)."""
    if not (message.channel == Channel.EMAIL and message.recipient_kind == "visitor" and message.visit_id):
        return []
    kind = {event: kind for kind, event in INVITATION_EVENTS.items()}.get(message.event)
    visit = load_visit(message.visit_id) if kind else None
    if visit is None:
        return []

    method = "CANCEL" if kind == "cancelled" else "REQUEST"
    files = [
        ("invitation.ics", invitations.ics(visit, kind, message.subject), f"text/calendar; method={method}")
    ]
    if kind != "cancelled":
        files.insert(0, ("qr.png", invitations.qr_png(make_code(visit, "invitation")), "image/png"))
    return files


def transmit(message: Message, attachments) -> str:
    """The network call. Raises SmsError/EmailError (both say `transient`)."""
    if message.channel == Channel.EMAIL:
        return send_email(message, attachments)
    backend = get_backend()
    callback = status_callback_url(message) if backend.reports_delivery else None
    return backend.send(
        to=message.recipient, body=for_sms(message.body), status_callback=callback
    ).provider_id


def send(organization_id: int, message_id: int) -> str:
    """Send one message if it is ours to send. Returns what happened.

    1. Claim it (own transaction, committed before any network call); render
       its text if the event's process did not (outbox.render_missing).
    2. Send it, outside any transaction.
    3. Record the outcome, conditionally on still holding it.
    """
    with tenant_scope(organization_id):
        message = claim(message_id)
        if message is None:
            return "skipped"
        if not message.body:  # its event committed, its rendering did not happen
            render_missing(message)
        try:
            attachments = invitation_attachments(message)
        except Exception:
            # The QR code and calendar entry are a convenience; the e-mail
            # itself (with its link) must not be held back by them.
            log.exception("attachments of message %s could not be built", message_id)
            attachments = []
    try:
        provider_id = transmit(message, attachments)
    except SmsError as exc:
        return record_failure(message, str(exc)[:2000], transient=exc.transient)
    except Exception as exc:
        # An unknown failure may be a bug or an outage; retrying within the cap
        # keeps it visible without giving up on the message.
        log.exception("sending message %s failed", message_id)
        return record_failure(message, f"{type(exc).__name__}: {exc}"[:2000], transient=True)
    return record_success(message, provider_id)


def record_success(message: Message, provider_id: str) -> str:
    now = timezone.now()
    with tenant_scope(message.organization_id):
        Message.objects.filter(pk=message.pk, status=Status.SENDING).update(
            status=Status.SENT,
            provider_id=provider_id[:100],
            sent_at=now,
            last_error="",
            lease_until=None,
            updated_at=now,
        )
    return "sent"


def record_failure(message: Message, error: str, *, transient: bool) -> str:
    now = timezone.now()
    attempts = message.attempts - message.retry_base
    with tenant_scope(message.organization_id):
        held = Message.objects.filter(pk=message.pk, status=Status.SENDING)
        if transient and attempts < settings.NOTIFICATIONS_MAX_ATTEMPTS:
            delay = backoff(attempts)
            updated = held.update(
                status=Status.QUEUED,
                last_error=error,
                lease_until=None,
                updated_at=now,
                next_attempt_at=now + datetime.timedelta(seconds=delay),
            )
            if updated:  # else the sweeper took it back meanwhile: its task will do
                transaction.on_commit(
                    partial(enqueue, message.organization_id, [message.pk], delay), robust=True
                )
            return "retry"
        if transient:
            error = f"{error} (gave up after {attempts} attempts)"
        held.update(status=Status.FAILED, last_error=error, failed_at=now, lease_until=None, updated_at=now)
        audit.record(
            "message.failed",
            target=message,
            site=message.site_id,
            data={"message_id": message.pk, "attempts": message.attempts},
        )
    return "failed"


def sweep_organization(now=None) -> int:
    """In the current scope: take back messages whose worker was lost (lease
    over) and re-queue the queued ones no task picked up (broker down, task
    lost). Returns how many were re-queued."""
    now = now or timezone.now()
    lost = Message.objects.filter(status=Status.SENDING, lease_until__lt=now)
    taken_back = list(lost.values_list("pk", flat=True))
    lost.filter(pk__in=taken_back).update(
        status=Status.QUEUED,
        next_attempt_at=now,
        lease_until=None,
        updated_at=now,
        last_error="The worker sending it stopped; queued again.",
    )
    stale = now - datetime.timedelta(seconds=settings.NOTIFICATIONS_SWEEP_AFTER_SECONDS)
    ids = list(
        dict.fromkeys(
            taken_back
            + list(
                Message.objects.filter(status=Status.QUEUED)
                .filter(
                    Q(next_attempt_at__lte=stale) | Q(next_attempt_at__isnull=True, updated_at__lte=stale)
                )
                .order_by("next_attempt_at")
                .values_list("pk", flat=True)[: settings.NOTIFICATIONS_SWEEP_BATCH]
            )
        )
    )
    if ids:
        org = Message.objects.filter(pk=ids[0]).values_list("organization_id", flat=True).get()
        transaction.on_commit(partial(enqueue, org, ids), robust=True)
    return len(ids)


def sweep_all() -> int:
    """Every organization, each in its own scope (row-level security hides the
    others' rows, and one tenant's backlog is not another's business)."""
    total = 0
    for org_id in Organization.objects.values_list("pk", flat=True):
        with tenant_scope(org_id):
            total += sweep_organization()
    return total


def retry(*, message: Message, by=None) -> bool:
    """Manual retry of a failed message; the attempt cap starts again."""
    now = timezone.now()
    with transaction.atomic():
        done = Message.objects.filter(pk=message.pk, status=Status.FAILED).update(
            status=Status.QUEUED,
            next_attempt_at=now,
            retry_base=F("attempts"),
            failed_at=None,
            updated_at=now,
        )
        if done:
            audit.record(
                "message.retried", target=message, site=message.site_id, data={"message_id": message.pk}
            )
            transaction.on_commit(partial(enqueue, message.organization_id, [message.pk]), robust=True)
    return bool(done)


TWILIO_STATUSES = {"delivered": Status.DELIVERED, "undelivered": Status.FAILED, "failed": Status.FAILED}


def apply_provider_status(*, message_id: int, provider_id: str, status: str, error_code: str = "") -> bool:
    """Twilio's delivery report, in the message's tenant scope. Only moves a
    message forward (a late "sent" never undoes "delivered")."""
    target = TWILIO_STATUSES.get(status)
    if target is None:
        return False
    now = timezone.now()
    rows = Message.objects.filter(
        pk=message_id, provider_id=provider_id, status__in=[Status.SENT, Status.SENDING]
    )
    if target == Status.DELIVERED:
        return bool(rows.update(status=Status.DELIVERED, delivered_at=now, updated_at=now))
    return bool(
        rows.update(
            status=Status.FAILED,
            failed_at=now,
            updated_at=now,
            last_error=f"Twilio: {status}" + (f" (error {error_code})" if error_code else ""),
        )
    )
