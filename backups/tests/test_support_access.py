"""Issue 21: the customer grants support a time-boxed access; support refused
once it has expired (journaled); a preview or a ticket for a moment no backup
covers is refused naming the backup window, not as "incomplete"."""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from audit.models import JournalEntry
from backups.models import BackupRun, RestoreTicket, SupportGrant, TicketState
from tenancy.scope import tenant_scope

from .test_tickets import _post


@pytest.fixture
def window(db):
    now = timezone.now()
    BackupRun.objects.create(backup_id="vst-old", started_at=now - datetime.timedelta(days=10), status="ok")
    BackupRun.objects.create(backup_id="vst-new", started_at=now - datetime.timedelta(hours=2), status="ok")
    return now


@pytest.fixture
def support():
    user = get_user_model().objects.create_user("support@vestibule.test", "pw", is_platform_support=True)
    client = Client()
    client.force_login(user)
    client.user = user
    return client


def _ticket(org, *, point_in_time, state=TicketState.ACCEPTED):
    now = timezone.now()
    with tenant_scope(org.org):
        ticket = RestoreTicket.objects.create(
            organization=org.org,
            environment="production",
            period_start=now - datetime.timedelta(days=3),
            period_end=now - datetime.timedelta(days=2),
            point_in_time=point_in_time,
            data_types=["visits"],
            reason="Visites supprimées",
            state=state,
        )
        ticket.sites.set([org.site])
    return ticket


def _messages(response) -> str:
    return " ".join(str(m) for m in response.context["messages"]) if response.context else ""


def test_support_refused_after_the_granted_access_expired_and_the_refusal_is_journaled(window, orgs, support):
    ticket = _ticket(orgs.a, point_in_time=window - datetime.timedelta(days=1))
    with tenant_scope(orgs.a.org):
        SupportGrant.objects.create(
            organization=orgs.a.org,
            ticket=ticket,
            user=support.user,
            granted_at=window - datetime.timedelta(hours=6),
            expires_at=window - datetime.timedelta(hours=2),
        )
    url = reverse("support_ticket", kwargs={"pk": ticket.pk})
    response = support.post(url, {"action": "preview"}, follow=True)
    text = _messages(response)
    assert "a pris fin" in text and "demandez-lui un nouvel accès" in text
    with tenant_scope(orgs.a.org):
        assert RestoreTicket.objects.get(pk=ticket.pk).preview == {}
        refusal = JournalEntry.objects.get(verb="support.access_refused")
        assert refusal.data["reason"] == "expired" and refusal.data["action"] == "preview"
        assert refusal.data["user_id"] == support.user.pk
    with tenant_scope(orgs.b.org):
        assert not JournalEntry.objects.filter(verb="support.access_refused").exists()


def test_customer_grant_is_time_boxed_journaled_and_shown_to_both(window, orgs, client_for, support):
    ticket = _ticket(orgs.a, point_in_time=window - datetime.timedelta(days=1))
    admin = client_for(orgs.a.members["admin"])
    page = admin.post(
        reverse("restore_ticket", kwargs={"pk": ticket.pk}), {"action": "grant", "hours": "3"}, follow=True
    )
    assert "Accès accordé du" in page.content.decode()
    with tenant_scope(orgs.a.org):
        grant = SupportGrant.objects.get(ticket=ticket)
        assert grant.user == support.user
        assert (
            datetime.timedelta(hours=2, minutes=59)
            < grant.expires_at - timezone.now()
            <= datetime.timedelta(hours=3)
        )
        entry = JournalEntry.objects.get(verb="support.access_granted")
        assert entry.actor_id == orgs.a.members["admin"].user_id and entry.data["hours"] == 3
    # Compliance reads the ticket but may not grant.
    compliance = client_for(orgs.a.members["compliance"])
    assert (
        compliance.post(reverse("restore_ticket", kwargs={"pk": ticket.pk}), {"action": "grant"}).status_code
        == 403
    )
    console = support.get(reverse("support_ticket", kwargs={"pk": ticket.pk})).content.decode()
    assert "Votre accès dure jusqu" in console or "Accès accordé du" in console


def test_preview_for_a_moment_outside_the_window_is_refused_naming_the_window(
    window, orgs, client_for, support
):
    ticket = _ticket(orgs.a, point_in_time=window - datetime.timedelta(days=30))
    client_for(orgs.a.members["admin"]).post(
        reverse("restore_ticket", kwargs={"pk": ticket.pk}), {"action": "grant", "hours": "2"}
    )
    response = support.post(
        reverse("support_ticket", kwargs={"pk": ticket.pk}), {"action": "preview"}, follow=True
    )
    text = _messages(response)
    oldest = timezone.localtime(BackupRun.objects.get(backup_id="vst-old").started_at)
    assert "Aucune sauvegarde ne couvre" in text and f"{oldest:%H:%M}" in text and "(CET)" in text
    with tenant_scope(orgs.a.org):
        ticket = RestoreTicket.objects.get(pk=ticket.pk)
        assert ticket.preview == {} and ticket.backup is None and ticket.state == TicketState.ACCEPTED


def test_a_ticket_no_backup_covers_says_so_with_the_window_not_incomplete(window, orgs, client_for):
    client = client_for(orgs.a.members["admin"])
    response = client.post(
        reverse("restore_ticket_create"),
        _post(
            window, orgs.a, point_in_time=(window - datetime.timedelta(days=30)).strftime("%Y-%m-%dT%H:%M")
        ),
    )
    body = response.content.decode()
    assert "Aucune sauvegarde ne couvre le moment demandé" in body
    assert "La demande est incomplète" not in body
    assert "les sauvegardes vont du" in body
    newest = timezone.localtime(BackupRun.objects.get(backup_id="vst-new").started_at)
    assert f"{newest:%H:%M}" in body


def test_no_backup_at_all_is_said_as_such(db, orgs, client_for):
    now = timezone.now()
    response = client_for(orgs.a.members["admin"]).post(reverse("restore_ticket_create"), _post(now, orgs.a))
    body = response.content.decode()
    assert "Aucune sauvegarde ne couvre le moment demandé" in body
    assert (
        "aucune sauvegarde n&#x27;a encore été faite" in body
        or "aucune sauvegarde n'a encore été faite" in body
    )


def test_admin_ends_support_access_early_after_confirming_and_it_is_journaled(
    window, orgs, client_for, support
):
    ticket = _ticket(orgs.a, point_in_time=window - datetime.timedelta(days=1))
    admin = client_for(orgs.a.members["admin"])
    admin.post(reverse("restore_ticket", kwargs={"pk": ticket.pk}), {"action": "grant", "hours": "4"})
    url = reverse("restore_ticket_end_access", kwargs={"pk": ticket.pk})
    assert url in admin.get(reverse("restore_ticket", kwargs={"pk": ticket.pk})).content.decode()
    # A GET only asks for confirmation: the access still holds.
    assert "confirm-end-access" in admin.get(url).content.decode()
    with tenant_scope(orgs.a.org):
        assert SupportGrant.objects.get(ticket=ticket).revoked_at is None
    # Compliance reads the ticket but may not end the access.
    assert client_for(orgs.a.members["compliance"]).post(url).status_code == 403
    page = admin.post(url, follow=True)
    assert "a pris fin" in _messages(page)
    with tenant_scope(orgs.a.org):
        grant = SupportGrant.objects.get(ticket=ticket)
        assert grant.revoked_at is not None
        entry = JournalEntry.objects.get(verb="support.access_revoked")
        assert entry.data == {"ticket": ticket.pk, "grant": grant.pk}
        assert entry.actor_id == orgs.a.members["admin"].user_id
    # Support is refused from then on, as after an expiry.
    page = support.post(
        reverse("support_ticket", kwargs={"pk": ticket.pk}), {"action": "preview"}, follow=True
    )
    assert "a pris fin" in _messages(page) or "ended" in _messages(page)


def test_support_ends_its_own_access_and_only_its_own(window, orgs, client_for, support):
    other = get_user_model().objects.create_user("support2@vestibule.test", "pw", is_platform_support=True)
    ticket = _ticket(orgs.a, point_in_time=window - datetime.timedelta(days=1))
    client_for(orgs.a.members["admin"]).post(
        reverse("restore_ticket", kwargs={"pk": ticket.pk}), {"action": "grant", "hours": "4"}
    )
    url = reverse("support_ticket_end_access", kwargs={"pk": ticket.pk})
    assert url in support.get(reverse("support_ticket", kwargs={"pk": ticket.pk})).content.decode()
    assert "confirm-end-access" in support.get(url).content.decode()
    page = support.post(url, follow=True)
    assert "a pris fin" in _messages(page) or "has ended" in _messages(page)
    with tenant_scope(orgs.a.org):
        mine = SupportGrant.objects.get(ticket=ticket, user=support.user)
        theirs = SupportGrant.objects.get(ticket=ticket, user=other)
        assert mine.revoked_at is not None and theirs.revoked_at is None
        entry = JournalEntry.objects.get(verb="support.access_revoked")
        assert entry.data == {"ticket": ticket.pk, "grant": mine.pk}
    # An organization's member is never support, whatever their role.
    assert client_for(orgs.a.members["admin"]).post(url).status_code == 403
