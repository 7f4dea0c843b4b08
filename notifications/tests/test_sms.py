"""SMS through the twilio package against a local server speaking Twilio's
Messages API; delivery reports through the signed status callback."""

import io

import pytest
from django.utils import timezone
from twilio.request_validator import RequestValidator

from notifications.models import Message
from notifications.sms.console import ConsoleBackend
from notifications.tasks import send_message

from .helpers import fire, rule
from .servers import BROKEN, INVALID, SLOW, THROTTLED

pytestmark = pytest.mark.django_db


def sms_to(a, scoped, phone):
    from visitors.tests.factories import make_visit

    with scoped(a.org):
        visit = make_visit(a)
        visit.visitor.phone = phone
        visit.visitor.save()
        rule(a.org, to_visitor=True, by_email=False, by_sms=True)
        fire("visit.arrived", visit)
        return Message.objects.get()


def reload(scoped, a, message):
    with scoped(a.org):
        return Message.objects.get(pk=message.pk)


def test_sms_is_sent_through_twilio_with_a_status_callback(a, scoped, twilio):
    message = sms_to(a, scoped, "06 12 34 56 78")
    assert message.recipient == "+33612345678"
    assert send_message(a.org.pk, message.pk) == "sent"
    (request,) = twilio.requests
    assert request["path"] == f"/2010-04-01/Accounts/AC{'0' * 32}/Messages.json"
    assert request["form"]["To"] == "+33612345678" and request["form"]["From"] == "+33700000000"
    # French wording, its narrow no-break space sent as a plain space (GSM-7).
    assert "Vestibule : arrivée de" in request["form"]["Body"]
    assert "/notifications/twilio/status/" in request["form"]["StatusCallback"]
    message = reload(scoped, a, message)
    assert message.status == "sent" and message.provider_id.startswith("SM")


def test_invalid_number_fails_at_once_with_the_providers_message(
    a, scoped, twilio, django_capture_on_commit_callbacks
):
    message = sms_to(a, scoped, INVALID)
    with django_capture_on_commit_callbacks() as callbacks:
        assert send_message(a.org.pk, message.pk) == "failed"
    assert callbacks == []  # no retry queued
    message = reload(scoped, a, message)
    assert (message.status, message.attempts) == ("failed", 1)
    assert "21211" in message.last_error and "is not a valid phone number" in message.last_error
    assert send_message(a.org.pk, message.pk) == "skipped"
    assert len(twilio.requests) == 1


@pytest.mark.parametrize(("phone", "says"), [(THROTTLED, "429"), (BROKEN, "500"), (SLOW, "unreachable")])
def test_transient_twilio_errors_are_retried_later(
    a, scoped, twilio, phone, says, django_capture_on_commit_callbacks
):
    message = sms_to(a, scoped, phone)
    with django_capture_on_commit_callbacks() as callbacks:
        assert send_message(a.org.pk, message.pk) == "retry"
    assert len(callbacks) == 1  # the retry, queued after commit with its countdown
    message = reload(scoped, a, message)
    assert (message.status, message.attempts) == ("queued", 1)
    assert says in message.last_error and message.next_attempt_at > timezone.now()


def callback(client, message, status, *, token="test-auth-token", **extra):
    from notifications.delivery import status_callback_url

    url = status_callback_url(message)
    params = {"MessageSid": message.provider_id, "MessageStatus": status, **extra}
    signature = RequestValidator(token).compute_signature(url, params)
    return client.post(url.removeprefix("http://127.0.0.1:8000"), params, HTTP_X_TWILIO_SIGNATURE=signature)


def test_status_callback_marks_delivered_or_failed_when_signed(a, scoped, twilio, client):
    message = sms_to(a, scoped, "+33612345678")
    send_message(a.org.pk, message.pk)
    message = reload(scoped, a, message)
    assert callback(client, message, "delivered", token="wrong").status_code == 403
    assert reload(scoped, a, message).status == "sent"
    assert callback(client, message, "delivered").status_code == 204
    message = reload(scoped, a, message)
    assert message.status == "delivered" and message.delivered_at is not None
    assert callback(client, message, "sent").status_code == 204
    assert reload(scoped, a, message).status == "delivered"  # never backwards


def test_status_callback_reports_an_undelivered_sms(a, scoped, twilio, client):
    message = sms_to(a, scoped, "+33612345678")
    send_message(a.org.pk, message.pk)
    message = reload(scoped, a, message)
    assert callback(client, message, "undelivered", ErrorCode="30003").status_code == 204
    message = reload(scoped, a, message)
    assert message.status == "failed" and "30003" in message.last_error


def test_console_backend_prints_the_sms():
    out = io.StringIO()
    result = ConsoleBackend(stream=out).send(to="+33612345678", body="Bonjour")
    assert result.provider_id.startswith("console-") and "+33612345678\nBonjour" in out.getvalue()
