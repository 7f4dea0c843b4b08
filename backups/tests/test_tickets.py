"""Item 6: restore tickets, from the customer's form to support and back."""

import datetime
import html
import io

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone, translation

from audit.models import JournalEntry
from backups import tickets
from backups.models import BackupRun, RestoreTicket, SupportGrant, TicketState
from tenancy.scope import tenant_scope


@pytest.fixture
def window(db):
    now = timezone.now()
    BackupRun.objects.create(backup_id="vst-old", started_at=now - datetime.timedelta(days=10), status="ok")
    BackupRun.objects.create(backup_id="vst-new", started_at=now - datetime.timedelta(hours=2), status="ok")
    return now


def _post(now, org, **over):
    values = {
        "environment": "production",
        "sites": [org.site.pk],
        "period_start": (now - datetime.timedelta(days=3)).strftime("%Y-%m-%dT%H:%M"),
        "period_end": (now - datetime.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M"),
        "data_types": ["visits"],
        "point_in_time": (now - datetime.timedelta(days=4)).strftime("%Y-%m-%dT%H:%M"),
        "reason": "Visites supprimées par erreur",
        "urgency": "high",
    }
    values.update(over)
    return {k: v for k, v in values.items() if v is not None}


def test_incomplete_ticket_is_refused_naming_what_is_missing(window, orgs, client_for):
    client = client_for(orgs.a.members["admin"])
    url = reverse("restore_ticket_create")
    response = client.post(url, _post(window, orgs.a, sites=None, reason=""))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Choisissez au moins un site" in body
    assert "Indiquez le motif" in body
    response = client.post(
        url,
        _post(window, orgs.a, period_start=(window - datetime.timedelta(days=40)).strftime("%Y-%m-%dT%H:%M")),
    )
    assert "précisez la période" in response.content.decode()
    response = client.post(
        url,
        _post(
            window, orgs.a, point_in_time=(window - datetime.timedelta(days=30)).strftime("%Y-%m-%dT%H:%M")
        ),
    )
    body = response.content.decode()
    assert "Aucune sauvegarde ne couvre le" in body and "les sauvegardes vont du" in body
    oldest = timezone.localtime(BackupRun.objects.get(backup_id="vst-old").started_at)
    assert str(oldest.year) in body and f"{oldest:%H:%M}" in body
    with tenant_scope(orgs.b.org):
        assert not RestoreTicket.objects.exists()
    with tenant_scope(orgs.a.org):
        assert not RestoreTicket.objects.exists()


def test_visit_ids_of_another_organization_are_refused(window, orgs, client_for):
    from backups.tests.factories import visit_type
    from visitors.models import Visit

    with tenant_scope(orgs.b.org):
        theirs = Visit.objects.create(
            organization=orgs.b.org,
            site=orgs.b.site,
            visit_type=visit_type(orgs.b.org),
            expected_at=window,
            expected_until=window,
        )
    client = client_for(orgs.a.members["admin"])
    response = client.post(reverse("restore_ticket_create"), _post(window, orgs.a, visit_ids=str(theirs.pk)))
    assert f"n'existent pas dans votre organisation\u202f: {theirs.pk}" in html.unescape(
        response.content.decode()
    )
    api = client.post(
        "/api/v1/restore-tickets/",
        {**_post(window, orgs.a), "visit_ids": [theirs.pk]},
        content_type="application/json",
    )
    assert api.status_code == 400 and "visit_ids" in api.json()


def test_only_admins_open_tickets(window, orgs, client_for):
    for role in ("reception", "host", "compliance"):
        client = client_for(orgs.a.members[role])
        assert client.post(reverse("restore_ticket_create"), _post(window, orgs.a)).status_code == 403
        api = client.post("/api/v1/restore-tickets/", _post(window, orgs.a), content_type="application/json")
        assert api.status_code == 403


def test_ticket_flows_from_customer_to_support_and_back(
    window, orgs, client_for, django_capture_on_commit_callbacks
):
    admin = client_for(orgs.a.members["admin"])
    with django_capture_on_commit_callbacks(execute=True):
        api = admin.post(
            "/api/v1/restore-tickets/",
            {**_post(window, orgs.a), "sites": [orgs.a.site.pk], "data_types": ["visits"]},
            content_type="application/json",
        )
    assert api.status_code == 201, api.content
    pk = api.json()["id"]
    assert len(mail.outbox) == 1 and "Nouveau" in mail.outbox[0].subject
    from django.contrib.auth import get_user_model
    from django.test import Client

    support_user = get_user_model().objects.create_user(
        "support@vestibule.test", "pw", is_platform_support=True
    )
    support = Client()
    support.force_login(support_user)
    console = support.get(reverse("support_console"))
    assert console.status_code == 200 and f">{pk}<" in console.content.decode()
    url = reverse("support_ticket", kwargs={"pk": pk})
    assert support.get(url).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        support.post(url, {"action": "state", "to": "needs_info"})
        support.post(url, {"action": "comment", "body": "Quels identifiants de visites ?"})
    with django_capture_on_commit_callbacks(execute=True):
        admin.post(reverse("restore_ticket", kwargs={"pk": pk}), {"body": "Les visites 12 et 13."})
    with tenant_scope(orgs.a.org):
        ticket = RestoreTicket.objects.get(pk=pk)
        assert ticket.state == TicketState.NEW  # the answer sends it back to support
        assert [c.by_support for c in ticket.comments.all()] == [True, False]
    with django_capture_on_commit_callbacks(execute=True):
        support.post(url, {"action": "state", "to": "accepted"})
        # The customer grants support a time-boxed access to their data.
        admin.post(reverse("restore_ticket", kwargs={"pk": pk}), {"action": "grant", "hours": "4"})
        # Skipping the preview is refused.
        support.post(url, {"action": "state", "to": "applied"})
    with tenant_scope(orgs.a.org):
        ticket = RestoreTicket.objects.get(pk=pk)
        assert ticket.state == TicketState.ACCEPTED
        grant = SupportGrant.objects.get()
        assert grant.user == support_user
        assert (
            datetime.timedelta(hours=3, minutes=59)
            < grant.expires_at - timezone.now()
            <= datetime.timedelta(hours=4)
        )
        entry = JournalEntry.objects.get(verb="support.access_granted")
        assert entry.data["grants"] == [grant.pk] and entry.organization_id == orgs.a.org.pk
        assert entry.data["by_customer"] is True
    with tenant_scope(orgs.b.org):
        assert not JournalEntry.objects.filter(verb="support.access_granted").exists()
    with django_capture_on_commit_callbacks(execute=True):
        support.post(url, {"action": "state", "to": "refused"})  # no reason: refused
        support.post(url, {"action": "state", "to": "refused", "reason": "Hors périmètre contractuel"})
    with tenant_scope(orgs.a.org):
        ticket = RestoreTicket.objects.get(pk=pk)
        assert ticket.state == TicketState.REFUSED and ticket.refusal_reason == "Hors périmètre contractuel"
    subjects = [m.subject for m in mail.outbox]
    assert len(subjects) == 6, subjects  # new, needs info, new, accepted, access granted, refused
    assert "accès" in subjects[4] and "jusqu" in mail.outbox[4].body
    assert "Hors périmètre contractuel" in mail.outbox[-1].body


def test_support_needs_the_flag(orgs, client_for, window):
    client = client_for(orgs.a.members["admin"])
    assert client.get(reverse("support_console")).status_code == 403


def test_state_machine_refuses_jumps(window, orgs):
    with tenant_scope(orgs.a.org):
        ticket = RestoreTicket.objects.create(
            organization=orgs.a.org,
            environment="staging",
            period_start=window,
            period_end=window,
            point_in_time=window,
            data_types=["visits"],
            reason="x",
        )
        with pytest.raises(tickets.TicketError), translation.override("en"):
            tickets.change_state(ticket=ticket, to=TicketState.CLOSED, by=None)


@pytest.mark.usefixtures("backup_settings")
def test_preview_and_apply_from_the_ticket(data, orgs, client_for):
    from django.contrib.auth import get_user_model
    from django.test import Client

    from backups.tests.test_restore import _erase
    from visitors.models import Visit

    call_command("backup", "--destination", "local", stdout=io.StringIO())
    deleted = data.visits["a"][1]
    with tenant_scope(orgs.a.org):
        Visit.objects.filter(pk=deleted.pk).delete()
    # The person of the deleted visit then asks for erasure: the restore must
    # bring the visit back, never their identity.
    _erase(orgs.a, data.visitors["a"][1])
    with tenant_scope(orgs.a.org):
        ticket = RestoreTicket.objects.create(
            organization=orgs.a.org,
            environment="production",
            period_start=deleted.expected_at - datetime.timedelta(hours=2),
            period_end=deleted.expected_at + datetime.timedelta(hours=2),
            point_in_time=timezone.now(),
            data_types=["visits"],
            reason="Visite supprimée",
            state=TicketState.ACCEPTED,
        )
        ticket.sites.set([orgs.a.site])
    support_user = get_user_model().objects.create_user(
        "support@vestibule.test", "pw", is_platform_support=True
    )
    support = Client()
    support.force_login(support_user)
    url = reverse("support_ticket", kwargs={"pk": ticket.pk})
    support.post(url, {"action": "preview"})  # no access grant yet: refused
    with tenant_scope(orgs.a.org):
        assert RestoreTicket.objects.get(pk=ticket.pk).preview == {}
    client_for(orgs.a.members["admin"]).post(
        reverse("restore_ticket", kwargs={"pk": ticket.pk}), {"action": "grant", "hours": "2"}
    )
    support.post(url, {"action": "preview"})
    with tenant_scope(orgs.a.org):
        ticket = RestoreTicket.objects.get(pk=ticket.pk)
        assert ticket.state == TicketState.PREVIEW_READY
        assert ticket.preview["counts"]["visitors_visit"]["create"] == 1
    support.post(url, {"action": "apply"})
    with tenant_scope(orgs.a.org):
        ticket = RestoreTicket.objects.get(pk=ticket.pk)
        assert ticket.state == TicketState.APPLIED
        assert Visit.objects.filter(pk=deleted.pk).exists()
        assert [c["ok"] for c in ticket.result["checks"]] == [True, True]
        assert ticket.result["others_untouched"] is True
        from visitors.models import Visitor

        person = data.visitors["a"][1]
        assert not Visitor.objects.filter(email=person.email).exists()
        assert not Visitor.objects.filter(first_name=person.first_name, last_name=person.last_name).exists()
    support.post(url, {"action": "state", "to": "verified"})
    support.post(url, {"action": "state", "to": "closed"})
    with tenant_scope(orgs.a.org):
        report = RestoreTicket.objects.get(pk=ticket.pk).result["closing_report"]
        assert report["restored"]["visitors_visit"]["created"] == 1
        assert report["checks"] and report["closed_at"]
