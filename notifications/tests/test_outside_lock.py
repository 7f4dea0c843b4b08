"""A message's text is rendered after its event commits: the rows are written
in the event's transaction, but while their text is rendered the
organization's journal head (the lock every write of the organization takes)
is free."""

import pytest
from django.db import OperationalError, connections, transaction

from notifications import templating
from notifications.models import Message
from tenancy.scope import tenant_scope
from visitors.tests.factories import make_visit

from .helpers import rule


def head_is_free(org_id: int) -> bool:
    """From another connection: can the journal head be locked right now?"""
    try:
        with transaction.atomic(using="owner"), connections["owner"].cursor() as cursor:
            cursor.execute(
                "SELECT 1 FROM audit_journalhead WHERE organization_id = %s FOR UPDATE NOWAIT", [org_id]
            )
            return cursor.fetchone() is not None
    except OperationalError:  # lock not available
        return False


@pytest.mark.django_db(transaction=True, databases=["default", "owner"])
def test_the_arrival_message_is_rendered_with_the_journal_head_free(orgs, client_for, monkeypatch):
    a = orgs.a
    with tenant_scope(a.org):
        rule(a.org, to_host=True)
        visit = make_visit(a)
    free = []
    real = templating.render

    def probing(text, context):
        free.append(head_is_free(a.org.pk))
        return real(text, context)

    monkeypatch.setattr(templating, "render", probing)
    response = client_for(a.members["reception"]).post(
        f"/api/v1/visits/{visit.pk}/arrive/", {"desk": a.desk.pk}, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    assert free and all(free)  # subject and body
    with tenant_scope(a.org):
        (message,) = Message.objects.filter(event="visit.arrived")
    assert message.recipient == "host@org-a.test" and visit.visitor.full_name in message.subject
    assert "Desk 1" in message.body
    connections["owner"].close()


@pytest.mark.django_db
def test_a_message_left_unrendered_is_rendered_before_it_is_sent(orgs, scoped, smtp):
    """The process stopped between the commit and the rendering: the sender
    renders the row from the visit before sending it."""
    from notifications.tasks import send_message
    from visitors import services as visits

    a = orgs.a
    with scoped(a.org):
        rule(a.org, to_host=True)
        visit = make_visit(a)
        visits.arrive(visit=visit, desk=a.desk, by=a.members["reception"])  # no commit: nothing rendered
        (message,) = Message.objects.filter(event="visit.arrived")
        assert (message.subject, message.body) == ("", "")
    assert send_message(a.org.pk, message.pk) == "sent"
    with scoped(a.org):
        message.refresh_from_db()
    assert visit.visitor.full_name in message.subject and "Desk 1" in message.body
    ((recipients, email),) = smtp.messages
    assert recipients == ["host@org-a.test"] and email["Subject"] == message.subject
