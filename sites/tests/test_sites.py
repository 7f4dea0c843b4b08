"""Sites and desks through the API and the admin screens."""

import pytest

from audit.models import ChangeEntry, JournalEntry
from sites.models import Desk, Site
from tenancy.scope import tenant_scope

pytestmark = pytest.mark.django_db


def test_admin_creates_a_site_and_a_desk_journaled(orgs, client_for):
    client = client_for(orgs.a.members["admin"])
    response = client.post(
        "/api/v1/sites/",
        {"name": "Nantes", "timezone": "Europe/Paris", "language": "fr", "address": "1 quai"},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    site_id = response.json()["id"]
    desk = client.post(
        "/api/v1/desks/", {"site": site_id, "name": "Accueil"}, content_type="application/json"
    )
    assert desk.status_code == 201
    with tenant_scope(orgs.a.org):
        verbs = set(JournalEntry.objects.values_list("verb", flat=True))
        assert {"site.created", "desk.created"} <= verbs
        assert Desk.objects.filter(site_id=site_id).count() == 1


@pytest.mark.parametrize(
    ("field", "value"), [("timezone", "Mars/Olympus"), ("language", "tlh"), ("end_of_day", "25:00")]
)
def test_invalid_site_values_are_400_naming_the_field(orgs, client_for, field, value):
    client = client_for(orgs.a.members["admin"])
    payload = {"name": "X", "timezone": "Europe/Paris", "language": "fr", field: value}
    response = client.post("/api/v1/sites/", payload, content_type="application/json")
    assert response.status_code == 400
    assert field in response.json()


def test_errors_come_in_the_users_language(orgs, client_for):
    client = client_for(orgs.a.members["admin"])
    payload = {"name": "X", "timezone": "Mars/Olympus"}
    fr = client.post("/api/v1/sites/", payload, content_type="application/json").json()["timezone"][0]
    en = client.post(
        "/api/v1/sites/", payload, content_type="application/json", HTTP_ACCEPT_LANGUAGE="en"
    ).json()["timezone"][0]
    assert "Fuseau horaire inconnu" in fr
    assert "Unknown time zone" in en


def test_desk_on_another_organizations_site_is_400_naming_site(orgs, client_for):
    client = client_for(orgs.a.members["admin"])
    response = client.post(
        "/api/v1/desks/", {"site": orgs.b.site.pk, "name": "Intrus"}, content_type="application/json"
    )
    assert response.status_code == 400
    assert "site" in response.json()
    with tenant_scope(orgs.b.org):
        assert not Desk.objects.filter(name="Intrus").exists()


def test_reception_sees_only_its_perimeter(orgs, client_for):
    client = client_for(orgs.a.members["reception"])
    listed = client.get("/api/v1/sites/").json()["results"]
    assert [s["id"] for s in listed] == [orgs.a.site.pk]
    assert client.get(f"/api/v1/sites/{orgs.a.site2.pk}/").status_code == 404
    desks = client.get("/api/v1/desks/").json()["results"]
    assert {d["site"] for d in desks} == {orgs.a.site.pk}


def test_duplicate_site_name_is_refused(orgs, client_for):
    client = client_for(orgs.a.members["admin"])
    response = client.post(
        "/api/v1/sites/",
        {"name": orgs.a.site.name, "timezone": "Europe/Paris"},
        content_type="application/json",
    )
    assert response.status_code == 400 and "name" in response.json()


def test_admin_screen_edits_a_site_and_auditlog_keeps_field_changes(orgs, client_for):
    client = client_for(orgs.a.members["admin"])
    response = client.post(
        f"/sites/{orgs.a.site.pk}/",
        {
            "name": "Siège rénové",
            "address": "",
            "timezone": "Europe/Paris",
            "language": "fr",
            "end_of_day": "19:00",
        },
    )
    assert response.status_code == 302
    with tenant_scope(orgs.a.org):
        site = Site.objects.get(pk=orgs.a.site.pk)
        assert site.name == "Siège rénové"
        assert JournalEntry.objects.filter(verb="site.updated", target_id=str(site.pk)).exists()
        change = ChangeEntry.objects.get_for_object(site).latest("timestamp")
    assert change.changes_dict["name"] == ["Org A HQ", "Siège rénové"]


def test_site_list_screen_shows_sites_and_desks(orgs, client_for):
    body = client_for(orgs.a.members["admin"]).get("/sites/").content.decode()
    assert orgs.a.site.name in body and "Desk 1" in body
    assert orgs.b.site.name not in body
