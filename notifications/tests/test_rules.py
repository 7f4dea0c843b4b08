"""From journal events to send-log rows: rules, scope, recipients, languages."""

import datetime

import pytest
from django.db import transaction
from django.utils import timezone

from audit.models import JournalEntry
from notifications import outbox, services
from notifications.models import Message, MessageTemplate, NotificationRule
from visitors.tests.factories import make_visit, make_visit_type

from .helpers import fire, messages, recipient_list, rule

pytestmark = pytest.mark.django_db


def test_arrival_writes_one_row_per_recipient_and_channel_in_the_events_transaction(
    a, visit, scoped, django_capture_on_commit_callbacks
):
    with scoped(a.org):
        host_user = a.members["host"].user
        host_user.language = "en"
        host_user.save()
        security = recipient_list(
            a.org, members=[a.members["reception"]], emails=["guard@acme.test"], phones=["+33612345678"]
        )
        rule(a.org, to_host=True, lists=[security], by_email=True, by_sms=True)
        with django_capture_on_commit_callbacks(execute=True):
            fire("visit.arrived", visit, desk_id=a.desk.pk)
            # The rows are the event's; their text is rendered once it commits.
            assert {m.body for m in messages()} == {""}
        rows = {(m.channel, m.recipient): m for m in messages()}
    assert set(rows) == {
        ("email", "host@org-a.test"),
        ("email", "reception@org-a.test"),
        ("email", "guard@acme.test"),
        ("sms", "+33612345678"),
    }  # the host has no phone number: no SMS for them
    host = rows[("email", "host@org-a.test")]
    assert host.language == "en" and host.subject == f"{visit.visitor.full_name} has arrived"
    assert "Desk 1" in host.body and host.status == "queued" and host.recipient_kind == "host"
    guard = rows[("email", "guard@acme.test")]
    assert guard.language == "fr" and "Arrivée de" in guard.subject  # organization's default language
    with scoped(a.org):
        entry = JournalEntry.objects.get(verb="visit.arrived")
    assert {m.journal_entry_id for m in rows.values()} == {entry.pk}


def test_rows_roll_back_with_the_event(a, visit, scoped):
    with scoped(a.org):
        rule(a.org, to_host=True)
        with pytest.raises(RuntimeError), transaction.atomic():
            fire("visit.arrived", visit)
            assert Message.objects.count() == 1
            raise RuntimeError("the arrival failed")
        assert Message.objects.count() == 0


def test_sending_is_queued_only_after_commit(
    a, visit, scoped, django_capture_on_commit_callbacks, monkeypatch
):
    queued = []
    monkeypatch.setattr("notifications.delivery.enqueue", lambda org, ids, countdown=None: queued.append(ids))
    with django_capture_on_commit_callbacks(execute=True), scoped(a.org):
        rule(a.org, to_host=True)
        fire("visit.arrived", visit)
        assert queued == []
    with scoped(a.org):
        assert queued == [[Message.objects.get().pk]]


@pytest.mark.parametrize(
    ("scope", "expected"),
    [
        ({}, 1),
        ({"sites": "site"}, 1),
        ({"sites": "site2"}, 0),
        ({"desks": "desk"}, 1),
        ({"desks": "desk_other_site"}, 0),
        ({"visit_types": "other"}, 0),
    ],
)
def test_rule_scope_empty_means_all(a, visit, scoped, scope, expected):
    with scoped(a.org):
        values = {}
        for key, name in scope.items():
            values[key] = [make_visit_type(a) if name == "other" else getattr(a, name)]
        rule(a.org, to_host=True, **values)
        fire("visit.arrived", visit, desk_id=a.desk.pk)
        assert Message.objects.count() == expected


def test_a_person_reached_by_two_rules_gets_one_message(a, visit, scoped):
    with scoped(a.org):
        hosts = recipient_list(a.org, members=[a.members["host"]])
        rule(a.org, name="host", to_host=True)
        rule(a.org, name="list", lists=[hosts])
        fire("visit.arrived", visit)
        assert [m.recipient for m in messages()] == ["host@org-a.test"]


def test_inactive_rules_and_other_events_send_nothing(a, visit, scoped):
    with scoped(a.org):
        rule(a.org, to_host=True, active=False)
        rule(a.org, event="visit.departed", to_host=True)
        fire("visit.arrived", visit)
        assert Message.objects.count() == 0


def test_custom_template_in_the_visitors_language_with_fallback(
    a, scoped, django_capture_on_commit_callbacks
):
    with scoped(a.org):
        MessageTemplate.objects.create(
            organization=a.org,
            event="visit.arrived",
            channel="email",
            language="en",
            subject="Welcome {{ visitor.first_name }}",
            body="Site: {{ site.name }}",
        )
        rule(a.org, to_visitor=True)
        english = make_visit(a)
        english.visitor.language = "en"
        english.visitor.save()
        unknown = make_visit(a)  # no language: the organization's (French)
        with django_capture_on_commit_callbacks(execute=True):
            fire("visit.arrived", english)
            fire("visit.arrived", unknown)
        first, second = messages()
    assert (first.subject, first.body, first.language) == ("Welcome Hélène", "Site: Org A HQ", "en")
    assert first.template.startswith("custom #")
    assert second.language == "fr" and second.template == "default" and "Arrivée de" in second.subject


def test_an_invalid_visitor_phone_is_a_failed_row_not_a_silence(a, scoped):
    with scoped(a.org):
        visit = make_visit(a)
        visit.visitor.phone = "not a phone"
        visit.visitor.save()
        rule(a.org, to_visitor=True, by_email=False, by_sms=True)
        fire("visit.arrived", visit)
        (row,) = messages()
    assert row.status == "failed" and "numéro de téléphone valide" in row.last_error


def test_every_organization_starts_with_the_invitation_rule(orgs, scoped):
    for org in (orgs.a.org, orgs.b.org):
        with scoped(org):
            default = NotificationRule.objects.get(is_default=True)
            assert (default.event, default.to_visitor, default.by_email) == (
                "visit.pre_registered",
                True,
                True,
            )


def test_invitation_goes_through_the_default_rule_and_the_send_log(
    a, scoped, django_capture_on_commit_callbacks, monkeypatch
):
    from visitors import invitations
    from visitors import services as visits

    links = [lambda visit: [("Documents", f"https://x.test/sign/{visit.pk}")]]
    monkeypatch.setattr(invitations, "extra_links", links)

    with scoped(a.org):
        visit_type = make_visit_type(a)
    with django_capture_on_commit_callbacks(execute=True), scoped(a.org):
        visit = visits.pre_register(
            organization=a.org,
            site=a.site,
            visit_type=visit_type,
            expected_at=timezone.now() + datetime.timedelta(days=1),
            visitor_values={
                "first_name": "Ana",
                "last_name": "Lima",
                "email": "ana@guest.test",
                "language": "en",
            },
            host=a.members["host"],
            by=a.members["host"],
        )
    with scoped(a.org):
        (row,) = messages(visit_id=visit.pk)
        default = NotificationRule.objects.get(is_default=True)
    assert (row.recipient, row.rule_id, row.event, row.language) == (
        "ana@guest.test",
        default.pk,
        "visit.pre_registered",
        "en",
    )
    assert row.subject == "Your visit to Org A on " + row.body.split(" on ")[1].split(" at ")[0]
    assert "/notifications/qr/" in row.body or "/invitation" in row.body
    assert f"Documents: https://x.test/sign/{visit.pk}" in row.body and "\n\n\n" not in row.body


def test_a_disabled_invitation_rule_stops_invitations(a, scoped):
    with scoped(a.org):
        NotificationRule.objects.filter(is_default=True).update(active=False)
        visit = make_visit(a)
        outbox.send_invitation(None, visit=visit, kind="created")
        assert Message.objects.count() == 0


def test_overdue_is_recorded_once_per_visit_and_notified(a, scoped, django_capture_on_commit_callbacks):
    with scoped(a.org):
        reception = recipient_list(a.org, members=[a.members["reception"]])
        rule(a.org, event="visit.overdue", lists=[reception])
        late = make_visit(
            a,
            arrived=True,
            expected_at=timezone.now() - datetime.timedelta(hours=3),
            expected_until=timezone.now() - datetime.timedelta(hours=1),
        )
        make_visit(a, arrived=True)  # still within its time
        make_visit(
            a,
            status="departed",
            expected_at=timezone.now() - datetime.timedelta(hours=3),
            expected_until=timezone.now() - datetime.timedelta(hours=1),
        )
        with django_capture_on_commit_callbacks(execute=True):
            assert services.record_overdue() == 1
        assert services.record_overdue() == 0
        entry = JournalEntry.objects.get(verb="visit.overdue")
        (row,) = messages()
    assert entry.target_id == str(late.pk)
    assert row.recipient == "reception@org-a.test" and "encore sur site" in row.subject
