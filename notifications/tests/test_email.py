"""E-mail against a real SMTP server on loopback, and the delivery faults."""

import datetime
import uuid
from contextlib import contextmanager

import pytest
from django.utils import timezone

from config.celery import app as celery_app
from notifications import delivery
from notifications.models import Message
from notifications.tasks import send_message, sweep

from .helpers import fire, rule
from .servers import SmtpServer, free_port

pytestmark = pytest.mark.django_db


def only_message(scoped, org):
    with scoped(org):
        return Message.objects.get()


def test_arrival_email_arrives_with_subject_language_and_recipient(a, visit, scoped, smtp):
    with scoped(a.org):
        user = a.members["host"].user
        user.language = "en"
        user.save()
        rule(a.org, to_host=True)
        fire("visit.arrived", visit, desk_id=a.desk.pk)
    message = only_message(scoped, a.org)
    assert send_message(a.org.pk, message.pk) == "sent"
    ((recipients, email),) = smtp.messages
    assert recipients == ["host@org-a.test"]
    assert email["Subject"] == f"{visit.visitor.full_name} has arrived"
    assert email["Content-Language"] == "en"
    assert "arrived at" in email.get_body().get_content()
    message = only_message(scoped, a.org)
    assert (message.status, message.attempts, message.provider_id) == (
        "sent",
        1,
        email["Message-ID"].strip("<>"),
    )


def test_invitation_arrives_in_french_with_its_qr_link_and_code(
    a, scoped, smtp, django_capture_on_commit_callbacks
):
    from visitors import services as visits
    from visitors.tests.factories import make_visit_type

    with scoped(a.org):
        visit_type = make_visit_type(a)
    with django_capture_on_commit_callbacks(execute=True), scoped(a.org):
        visits.pre_register(
            organization=a.org,
            site=a.site,
            visit_type=visit_type,
            expected_at=timezone.now() + datetime.timedelta(days=2),
            visitor_values={"first_name": "Zoé", "last_name": "Martin", "email": "zoe@guest.test"},
            host=a.members["host"],
            by=a.members["host"],
        )
    message = only_message(scoped, a.org)
    assert send_message(a.org.pk, message.pk) == "sent"
    ((recipients, email),) = smtp.messages
    body = email.get_body(preferencelist=("plain",)).get_content()
    assert recipients == ["zoe@guest.test"] and email["Content-Language"] == "fr"
    assert email["Subject"].startswith("Votre visite chez Org A le ")
    link = next(line for line in body.splitlines() if line.startswith("http"))
    assert link.startswith("http://127.0.0.1:8000/") and "Bonjour Zoé" in body
    names = {part.get_filename() for part in email.iter_attachments()}
    assert names == {"qr.png", "invitation.ics"}


def test_the_qr_link_opens_a_qr_image_for_a_signed_code_only(a, visit, client, scoped):
    from notifications.outbox import qr_link

    with scoped(a.org):
        link = qr_link(visit)
    path = link.removeprefix("http://127.0.0.1:8000")
    if "/notifications/qr/" in path:
        image = client.get(path)
        assert image.status_code == 200 and image["Content-Type"] == "image/svg+xml"
        assert client.get(path[:-5] + "xxxx/").status_code == 404


def test_smtp_down_for_the_first_attempts_then_sent_with_attempts_counted(a, visit, scoped, settings):
    server = SmtpServer()  # not started yet: the port refuses connections
    for key, value in server.settings().items():
        setattr(settings, key, value)
    with scoped(a.org):
        rule(a.org, to_host=True)
        fire("visit.arrived", visit)
    message = only_message(scoped, a.org)
    for attempt in (1, 2):
        assert send_message(a.org.pk, message.pk) == "retry"
        message = only_message(scoped, a.org)
        assert (message.status, message.attempts) == ("queued", attempt)
        assert "unreachable" in message.last_error or "Connection refused" in message.last_error
        wait = (message.next_attempt_at - timezone.now()).total_seconds()
        assert settings.NOTIFICATIONS_RETRY_BASE_SECONDS * 2 ** (attempt - 1) - 5 < wait
        # Too early: the task of the retry will find it not yet due.
        assert send_message(a.org.pk, message.pk) == "skipped"
        with scoped(a.org):
            Message.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())
    server.start()
    try:
        assert send_message(a.org.pk, message.pk) == "sent"
    finally:
        server.stop()
    message = only_message(scoped, a.org)
    assert (message.status, message.attempts, message.last_error) == ("sent", 3, "")
    assert len(server.messages) == 1


def test_retries_stop_at_the_cap_and_the_message_fails_visibly(a, visit, scoped, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS = "127.0.0.1", free_port(), False
    settings.NOTIFICATIONS_MAX_ATTEMPTS = 3
    with scoped(a.org):
        rule(a.org, to_host=True)
        fire("visit.arrived", visit)
    message = only_message(scoped, a.org)
    outcomes = []
    for _ in range(3):
        outcomes.append(send_message(a.org.pk, message.pk))
        with scoped(a.org):
            Message.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())
    assert outcomes == ["retry", "retry", "failed"]
    message = only_message(scoped, a.org)
    assert message.status == "failed" and "gave up after 3 attempts" in message.last_error


def test_a_rejected_address_fails_at_once(a, visit, scoped, smtp):
    with scoped(a.org):
        visit.visitor.email = "rejected@guest.test"
        visit.visitor.save()
        rule(a.org, to_visitor=True)
        fire("visit.arrived", visit)
    message = only_message(scoped, a.org)
    assert send_message(a.org.pk, message.pk) == "failed"
    message = only_message(scoped, a.org)
    assert (message.status, message.attempts) == ("failed", 1)
    assert "550" in message.last_error and smtp.messages == []


class WorkerLost(BaseException):
    """The process dies: nothing after this line runs, not even except blocks."""


def test_a_redelivered_task_after_a_worker_died_does_not_send_twice(a, visit, scoped, smtp, monkeypatch):
    with scoped(a.org):
        rule(a.org, to_host=True)
        fire("visit.arrived", visit)
    message = only_message(scoped, a.org)

    def die(*args, **kwargs):
        raise WorkerLost

    # The worker hands the e-mail to the server, then is killed before it can
    # record the success; the broker re-delivers the unacknowledged task.
    monkeypatch.setattr(delivery, "record_success", die)
    with pytest.raises(WorkerLost):
        send_message(a.org.pk, message.pk)
    monkeypatch.undo()
    assert len(smtp.messages) == 1
    assert send_message(a.org.pk, message.pk) == "skipped"
    assert sweep() == 0  # its lease still runs: nobody else takes it
    assert len(smtp.messages) == 1
    message = only_message(scoped, a.org)
    assert (message.status, message.attempts) == ("sending", 1)


@contextmanager
def broker(url):
    """Point the Celery app at another broker (its connection pools are cached)."""
    saved = celery_app.conf.broker_url

    def reset():
        celery_app._pool = None
        celery_app.__dict__.get("amqp") and setattr(celery_app.amqp, "_producer_pool", None)

    celery_app.conf.broker_url = url
    reset()
    try:
        yield
    finally:
        celery_app.conf.broker_url = saved
        reset()


def drain(queue: str) -> list:
    """Act as a worker on a private queue of the real Redis broker: take each
    task message and run it."""
    ran = []
    with celery_app.connection_for_read() as conn:
        simple = conn.SimpleQueue(queue)
        try:
            while True:
                try:
                    message = simple.get(timeout=1)
                except simple.Empty:
                    break
                args, kwargs, _embed = message.decode()
                ran.append(celery_app.tasks[message.headers["task"]].apply(args=args, kwargs=kwargs).get())
                message.ack()
        finally:
            simple.close()
    return ran


def test_broker_down_at_arrival_then_the_sweeper_sends_once(
    a, visit, scoped, smtp, settings, django_capture_on_commit_callbacks
):
    settings.NOTIFICATIONS_QUEUE = queue = f"test-notifications-{uuid.uuid4().hex[:8]}"
    with scoped(a.org):
        rule(a.org, to_host=True)
    with broker(f"redis://127.0.0.1:{free_port()}/0"):
        with django_capture_on_commit_callbacks(execute=True), scoped(a.org):
            entry = fire("visit.arrived", visit)
    # The arrival is recorded; the message waits, queued, for nobody.
    message = only_message(scoped, a.org)
    assert (message.status, message.attempts, message.journal_entry_id) == ("queued", 0, entry.pk)
    assert drain(queue) == []
    with scoped(a.org):
        assert sweep() == 0  # too recent: its task may still be on its way
    settings.NOTIFICATIONS_SWEEP_AFTER_SECONDS = 0
    with django_capture_on_commit_callbacks(execute=True):
        assert sweep() == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert sweep() == 1  # still queued: swept twice, two tasks in Redis
    assert sorted(drain(queue)) == ["sent", "skipped"]
    assert len(smtp.messages) == 1
    message = only_message(scoped, a.org)
    assert (message.status, message.attempts) == ("sent", 1)
    with django_capture_on_commit_callbacks(execute=True):
        assert sweep() == 0
    assert drain(queue) == []


def test_the_sweeper_takes_back_a_message_whose_worker_lease_ran_out(a, visit, scoped, smtp):
    with scoped(a.org):
        rule(a.org, to_host=True)
        fire("visit.arrived", visit)
        message = Message.objects.get()
        Message.objects.filter(pk=message.pk).update(
            status="sending", attempts=1, lease_until=timezone.now() - datetime.timedelta(seconds=1)
        )
    sweep()
    message = only_message(scoped, a.org)
    assert message.status == "queued" and "stopped" in message.last_error
    assert send_message(a.org.pk, message.pk) == "sent"
    assert only_message(scoped, a.org).attempts == 2


def test_the_invitation_is_written_in_the_visits_own_transaction(
    a, scoped, django_capture_on_commit_callbacks
):
    """An outbox row, not an after-commit call: a crash right after the commit
    cannot lose the invitation, and a rolled-back visit leaves no message."""
    from django.db import transaction

    from visitors import services as visits
    from visitors.tests.factories import make_visit_type

    with scoped(a.org):
        visit_type = make_visit_type(a)
    values = {
        "organization": a.org,
        "site": a.site,
        "visit_type": visit_type,
        "expected_at": timezone.now() + datetime.timedelta(days=2),
        "visitor_values": {"first_name": "Zoé", "last_name": "Martin", "email": "zoe@guest.test"},
        "host": a.members["host"],
        "by": a.members["host"],
    }
    with django_capture_on_commit_callbacks(execute=False), scoped(a.org):
        visit = visits.pre_register(**values)
        # Before any after-commit callback has run, the message is queued.
        assert Message.objects.filter(visit_id=visit.pk, recipient="zoe@guest.test").count() == 1
    with scoped(a.org):
        with pytest.raises(RuntimeError), transaction.atomic():
            visits.pre_register(
                **{**values, "visitor_values": {**values["visitor_values"], "email": "x@guest.test"}}
            )
            raise RuntimeError("the request failed after pre-registering")
        assert not Message.objects.filter(recipient="x@guest.test").exists()
