"""E-mail addresses and phone numbers are checked wherever a visitor is saved
(single form, group form, API, desk walk-in, services); phones are stored in
E.164. The screens and the API say "invitation sent" only when a message was
queued, and what happens instead otherwise."""

import pytest
from django.urls import reverse

from visitors import contact, invitations, people, services
from visitors.errors import VisitError
from visitors.models import Visit, Visitor
from visitors.tests.factories import make_visit_type

pytestmark = pytest.mark.django_db

START = "2030-01-02T09:00"


@pytest.fixture
def vtype(orgs, scoped):
    with scoped(orgs.a.org):
        return make_visit_type(orgs.a, name_fr="Visiteur", name_en="Visitor")


@pytest.fixture
def approval_type(orgs, scoped):
    with scoped(orgs.a.org):
        return make_visit_type(orgs.a, name_fr="Sensible", name_en="Sensitive", approval_required=True)


def form_data(orgs, vtype, **visitor):
    data = {
        "first_name": "Hélène",
        "last_name": "Lefèvre",
        "site": orgs.a.site.pk,
        "visit_type": vtype.pk,
        "expected_at": START,
    }
    data.update(visitor)
    return data


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("06 12 34 56 78", "+33612345678"),
        ("+33 6 12 34 56 78", "+33612345678"),
        ("0033612345678", "+33612345678"),
        ("+49 30 901820", "+4930901820"),
        ("", ""),
    ],
)
def test_phone_numbers_are_stored_in_e164(value, expected):
    assert contact.clean_phone(value) == expected


@pytest.mark.parametrize("value", ["12", "06 12", "not a phone", "+33 6 12 34 56 78 90 12", "0" * 60])
def test_invalid_phone_numbers_are_refused(value):
    with pytest.raises(contact.ContactError) as caught:
        contact.clean_phone(value)
    assert caught.value.field == "phone"


def test_the_services_refuse_bad_contacts_whoever_calls_them(orgs, scoped, vtype):
    with scoped(orgs.a.org):
        with pytest.raises(VisitError) as caught:
            people.find_or_create_visitor(organization=orgs.a.org, first_name="A", last_name="B", email="x@")
        assert caught.value.field == "email"
        with pytest.raises(VisitError) as caught:
            services.walk_in(
                site=orgs.a.site,
                desk=orgs.a.desk,
                visit_type=vtype,
                visitor_values={"first_name": "A", "last_name": "B", "phone": "123"},
            )
        assert caught.value.field == "phone"
        visitor = Visitor.objects.create(organization=orgs.a.org, first_name="A", last_name="B")
        with pytest.raises(VisitError):
            people.update_visitor(visitor=visitor, phone="abc")
        assert not Visit.objects.exists()


# --- the single form ---------------------------------------------------------------------------
def test_single_form_refuses_bad_contacts_and_stores_e164(orgs, api, scoped, vtype):
    client = api(orgs.a, "admin")
    page = client.post(reverse("visit_create"), form_data(orgs, vtype, email="not-an-email")).content.decode()
    assert "Enter a valid email address." in page or "is not a valid e-mail address" in page
    page = client.post(reverse("visit_create"), form_data(orgs, vtype, phone="12")).content.decode()
    assert "“12” is not a valid phone number." in page
    with scoped(orgs.a.org):
        assert not Visit.objects.exists()
    response = client.post(
        reverse("visit_create"),
        form_data(orgs, vtype, email="h@example.test", phone="06 12 34 56 78"),
        follow=True,
    )
    assert "Visit registered; the invitation is on its way." in response.content.decode()
    with scoped(orgs.a.org):
        assert Visitor.objects.get().phone == "+33612345678"


def test_single_form_says_what_happens_when_no_invitation_leaves(orgs, api, vtype, approval_type):
    client = api(orgs.a, "admin")
    page = client.post(reverse("visit_create"), form_data(orgs, vtype), follow=True).content.decode()
    assert "no invitation is sent: the visitor has no e-mail address." in page
    assert "the invitation is on its way" not in page
    page = client.post(
        reverse("visit_create"), form_data(orgs, approval_type, email="a@example.test"), follow=True
    ).content.decode()
    assert "it awaits approval: the invitation will be sent once it is approved." in page


def test_single_form_in_french(orgs, api, vtype):
    client = api(orgs.a, "admin", language="fr")
    page = client.post(reverse("visit_create"), form_data(orgs, vtype), follow=True).content.decode()
    assert "aucune adresse e-mail" in page


# --- the group form -----------------------------------------------------------------------------
def test_group_form_refuses_bad_contacts_with_their_line_numbers(orgs, api, scoped, vtype):
    client = api(orgs.a, "admin")
    people = "Hélène;Lefèvre;Écla;h@example.test\nZoé;B;;not-an-email\nJean;C;;;12\n"
    data = {"site": orgs.a.site.pk, "visit_type": vtype.pk, "expected_at": START, "people": people}
    page = client.post(reverse("visit_group_create"), data).content.decode()
    assert "Line 2: “not-an-email” is not a valid e-mail address." in page
    assert "Line 3: “12” is not a valid phone number." in page
    with scoped(orgs.a.org):
        assert not Visit.objects.exists()
    data["people"] = "Hélène;Lefèvre;Écla;h@example.test;06 12 34 56 78\nZoé;B\n"
    page = client.post(reverse("visit_group_create"), data, follow=True).content.decode()
    assert "2 visits registered. 1 invitation is on its way. 1 visitor has no e-mail address" in page
    with scoped(orgs.a.org):
        assert Visitor.objects.get(first_name="Hélène").phone == "+33612345678"


# --- the API -------------------------------------------------------------------------------------
def visit_payload(orgs, vtype, **visitor):
    return {
        "site": orgs.a.site.pk,
        "visit_type": vtype.pk,
        "expected_at": "2030-01-02T09:00:00+01:00",
        "visitor": {"first_name": "Hélène", "last_name": "Lefèvre", **visitor},
    }


def test_api_refuses_bad_contacts_by_field_and_tells_the_invitation(orgs, api, scoped, vtype, approval_type):
    client = api(orgs.a, "admin")

    def post(payload):
        return client.post("/api/v1/visits/", payload, content_type="application/json")

    r = post(visit_payload(orgs, vtype, email="not-an-email"))
    assert r.status_code == 400 and "email" in r.json()["visitor"]
    r = post(visit_payload(orgs, vtype, phone="12"))
    assert r.status_code == 400 and r.json()["visitor"]["phone"] == ["“12” is not a valid phone number."]
    r = post(visit_payload(orgs, vtype, email="h@example.test", phone="06 12 34 56 78"))
    assert r.status_code == 201, r.content
    assert r.json()["invitation"] == "queued"
    assert r.json()["visitor"]["phone"] == "+33612345678"
    r = post({**visit_payload(orgs, vtype), "visitor": {"first_name": "Zoé", "last_name": "Sans-Adresse"}})
    assert r.json()["invitation"] == "no_email"
    r = post(visit_payload(orgs, approval_type, email="z@example.test"))
    assert r.json()["invitation"] == "awaiting_approval"
    # The visitors resource too.
    r = client.post(
        "/api/v1/visitors/",
        {"first_name": "A", "last_name": "B", "phone": "+33 1 23 45 67 89"},
        content_type="application/json",
    )
    assert r.status_code == 201 and r.json()["phone"] == "+33123456789"
    r = client.patch(f"/api/v1/visitors/{r.json()['id']}/", {"phone": "0"}, content_type="application/json")
    assert r.status_code == 400 and "phone" in r.json()


def test_the_invitation_field_is_in_the_schema(orgs, api):
    schema = api(orgs.a, "admin").get("/api/schema/", HTTP_ACCEPT="application/json").content.decode()
    assert "awaiting_approval" in schema and "no_email" in schema


# --- the desk's walk-in -----------------------------------------------------------------------
def test_desk_walk_in_refuses_a_bad_phone(orgs, api, scoped, vtype):
    client = api(orgs.a, "reception")
    data = {
        "desk": orgs.a.desk.pk,
        "first_name": "Zoé",
        "last_name": "Brûlé",
        "phone": "12",
        "visit_type": vtype.pk,
    }
    r = client.post(reverse("desk_walk_in"), data)
    assert r.status_code == 400 and "“12” is not a valid phone number." in r.content.decode()
    with scoped(orgs.a.org):
        assert not Visit.objects.exists()


# --- with the send log ----------------------------------------------------------------------
def test_invitation_is_said_queued_only_when_the_send_log_has_it(orgs, scoped, vtype):
    from notifications import outbox
    from notifications.models import Message, NotificationRule
    from notifications.services import ensure_default_rule

    # Not monkeypatch: its undo runs after the conftest's own fixture has put the
    # wired sender back, and would leave the plain sender for the tests after.
    invitations.sender = outbox.send_invitation
    with scoped(orgs.a.org):
        rule = NotificationRule.objects.filter(is_default=True).first() or ensure_default_rule(orgs.a.org)

        def register(email):
            return services.pre_register(
                organization=orgs.a.org,
                site=orgs.a.site,
                visit_type=vtype,
                expected_at=services.timezone.now(),
                visitor_values={"first_name": "Hélène", "last_name": email or "Sans", "email": email},
            )

        visit = register("h@example.test")
        assert visit.invitation == invitations.QUEUED
        assert Message.objects.filter(visit_id=visit.pk).exists()
        NotificationRule.objects.filter(pk=rule.pk).update(active=False)
        visit = register("z@example.test")
        assert visit.invitation == invitations.NOT_SENT
        assert not Message.objects.filter(visit_id=visit.pk).exists()
        assert register("").invitation == invitations.NO_EMAIL
