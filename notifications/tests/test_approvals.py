"""Approvals tell people (issue 14): a visit waiting for approval notifies its
approvers with a link to decide; the decision notifies the host, a refusal with
its reason; a cancellation's reason reaches the visitor's message. All through
rules and the send log, written in the event's transaction."""

import datetime

import pytest
from django.utils import timezone

from notifications.models import Event, Message
from notifications.signals import seed_demo
from notifications.tasks import send_message
from visitors import services as visits
from visitors.tests.factories import make_visit, make_visit_type

from .helpers import rule


@pytest.fixture
def vtype(a, scoped):
    with scoped(a.org):
        return make_visit_type(a, approval_required=True, host_required=True)


def ask(a, vtype):
    return visits.pre_register(
        organization=a.org,
        site=a.site,
        visit_type=vtype,
        expected_at=timezone.now() + datetime.timedelta(days=1),
        visitor_values={"first_name": "Zoé", "last_name": "Martin", "email": "zoe@guest.test"},
        host=a.members["host"],
        by=a.members["host"],
    )


def sent_to(event):
    return {m.recipient: m for m in Message.objects.filter(event=event)}


def test_the_type_s_approvers_are_told_with_a_link_to_the_visit_page(
    a, scoped, vtype, smtp, django_capture_on_commit_callbacks
):
    with scoped(a.org):
        vtype.approvers.add(a.members["compliance"])
        rule(a.org, Event.PENDING_APPROVAL, to_approvers=True)
        with django_capture_on_commit_callbacks(execute=True):
            visit = ask(a, vtype)
        messages = sent_to(Event.PENDING_APPROVAL)
    assert set(messages) == {"compliance@org-a.test"}  # not the admins: the type names its approvers
    message = messages["compliance@org-a.test"]
    assert message.recipient_kind == "approver"
    assert f"http://127.0.0.1:8000/visits/{visit.pk}/" in message.body
    assert send_message(a.org.pk, message.pk) == "sent"
    ((recipients, email),) = smtp.messages
    assert recipients == ["compliance@org-a.test"] and "Zoé Martin" in email["Subject"]


def test_with_no_approver_named_the_admins_are_told(a, scoped, vtype):
    with scoped(a.org):
        rule(a.org, Event.PENDING_APPROVAL, to_approvers=True)
        ask(a, vtype)
        assert set(sent_to(Event.PENDING_APPROVAL)) == {"admin@org-a.test"}


def test_the_host_is_told_of_the_approval_and_of_a_refusal_with_its_reason(
    a, scoped, vtype, django_capture_on_commit_callbacks
):
    with scoped(a.org), django_capture_on_commit_callbacks(execute=True):
        rule(a.org, Event.APPROVED, to_host=True)
        rule(a.org, Event.REFUSED, to_host=True)
        approved = ask(a, vtype)
        visits.approve(visit=approved, by=a.members["admin"])
        refused = ask(a, vtype)
        visits.refuse(visit=refused, by=a.members["admin"], reason="Pas d'accompagnateur ce jour-là")
    with scoped(a.org):
        told = Message.objects.filter(recipient="host@org-a.test").order_by("pk")
        assert [(m.event, m.visit_id) for m in told] == [
            (Event.APPROVED, approved.pk),
            (Event.REFUSED, refused.pk),
        ]
        assert "Pas d'accompagnateur ce jour-là" in told[1].body
        assert "Visite refusée\u202f: Zoé Martin" in told[1].subject


def test_a_failed_refusal_writes_nothing(a, scoped, vtype):
    from visitors.errors import VisitError

    with scoped(a.org):
        rule(a.org, Event.REFUSED, to_host=True)
        visit = ask(a, vtype)
        with pytest.raises(VisitError):
            visits.refuse(visit=visit, by=a.members["admin"], reason="")
        assert not Message.objects.filter(event=Event.REFUSED).exists()


def test_the_visitor_s_cancellation_message_carries_the_reason(a, scoped, django_capture_on_commit_callbacks):
    with scoped(a.org):
        visit = make_visit(a)
        with django_capture_on_commit_callbacks(execute=True):
            visits.cancel(visit=visit, by=a.members["host"], reason="Réunion reportée à la semaine prochaine")
        (message,) = Message.objects.filter(event=Event.CANCELLED, recipient=visit.visitor.email)
    assert "Réunion reportée à la semaine prochaine" in message.body


def test_the_demo_rules_notify_approvers_and_hosts(a, scoped, vtype):
    with scoped(a.org):
        seed_demo(a.org)
        visit = ask(a, vtype)
        assert set(sent_to(Event.PENDING_APPROVAL)) == {"admin@org-a.test"}
        visits.refuse(visit=visit, by=a.members["admin"], reason="Complet")
        assert set(sent_to(Event.REFUSED)) == {"host@org-a.test"}
