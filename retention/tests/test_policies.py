"""Policies through the API: defaults, validation, the 24-hour delay, dry runs."""

import datetime
import zoneinfo

import pytest
from django.utils import timezone

from audit.models import JournalEntry
from retention import policies, purge
from retention.models import PurgeRun, RetentionPolicy
from tenancy.scope import tenant_scope
from visitors.models import Visit

from .factories import old_visit

pytestmark = pytest.mark.django_db
URL = "/api/v1/retention-policies/"


def _policy(org, data_type="visits"):
    with tenant_scope(org):
        return policies.policies(org).get(data_type=data_type, site__isnull=True)


def test_cnil_defaults_for_every_registered_type(orgs, client_for):
    listed = client_for(orgs.a.members["compliance"]).get(URL).json()["results"]
    by_type = {p["data_type"]: p for p in listed}
    assert (by_type["visits"]["retention_days"], by_type["visits"]["action"]) == (90, "anonymise")
    assert by_type["visitor_identities"]["retention_days"] == 90
    assert (by_type["journal"]["retention_days"], by_type["journal"]["action"]) == (365, "delete")
    if "send_log" in by_type:
        assert by_type["send_log"]["retention_days"] == 90
    if "export_files" in by_type:
        assert by_type["export_files"]["retention_days"] == 7


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"consultation_days": 60, "retention_days": 30}, "retention_days"),
        ({"consultation_days": 0}, "consultation_days"),
        ({"retention_days": 0}, "retention_days"),
        ({"consultation_days": -5}, "consultation_days"),
        ({"retention_days": -1}, "retention_days"),
        ({"action": "shred"}, "action"),
    ],
)
def test_bad_periods_are_400_naming_the_field(orgs, client_for, payload, field):
    policy = _policy(orgs.a.org)
    client = client_for(orgs.a.members["admin"])
    response = client.patch(f"{URL}{policy.pk}/", payload, content_type="application/json")
    assert response.status_code == 400, response.content
    assert field in response.json()


def test_journal_cannot_be_anonymised(orgs, client_for):
    policy = _policy(orgs.a.org, "journal")
    client = client_for(orgs.a.members["admin"])
    response = client.patch(f"{URL}{policy.pk}/", {"action": "anonymise"}, content_type="application/json")
    assert response.status_code == 400
    assert "action" in response.json()


def test_unknown_data_type_is_400_naming_the_field(orgs, client_for):
    client = client_for(orgs.a.members["admin"])
    payload = {
        "data_type": "dreams",
        "site": orgs.a.site.pk,
        "consultation_days": 1,
        "retention_days": 2,
        "action": "delete",
    }
    response = client.post(URL, payload, content_type="application/json")
    assert response.status_code == 400
    assert "data_type" in response.json()
    dry = client.post(
        "/api/v1/purge-runs/",
        {"dry_run": True, "policies": [{"data_type": "dreams", "retention_days": 3}]},
        content_type="application/json",
    )
    assert dry.status_code == 400
    assert "data_type" in str(dry.json())


def test_site_policy_for_a_type_without_site_is_refused(orgs, client_for):
    client = client_for(orgs.a.members["admin"])
    payload = {
        "data_type": "visitor_identities",
        "site": orgs.a.site.pk,
        "consultation_days": 1,
        "retention_days": 2,
        "action": "anonymise",
    }
    response = client.post(URL, payload, content_type="application/json")
    assert response.status_code == 400
    assert "site" in response.json()


def test_a_site_policy_is_created_and_another_organizations_site_refused(orgs, client_for):
    client = client_for(orgs.a.members["admin"])
    payload = {"data_type": "visits", "consultation_days": 30, "retention_days": 180, "action": "anonymise"}
    ok = client.post(URL, {**payload, "site": orgs.a.site2.pk}, content_type="application/json")
    assert ok.status_code == 201, ok.content
    intruder = client.post(URL, {**payload, "site": orgs.b.site.pk}, content_type="application/json")
    assert intruder.status_code == 400
    assert "site" in intruder.json()
    assert client.delete(f"{URL}{ok.json()['id']}/").status_code == 204


def test_shortening_waits_for_the_first_nightly_run_24_hours_later_and_is_journaled(orgs, client_for):
    policy = _policy(orgs.a.org)
    client = client_for(orgs.a.members["admin"])
    saved = timezone.now()
    response = client.patch(f"{URL}{policy.pk}/", {"retention_days": 30}, content_type="application/json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["retention_days"] == 90
    assert body["pending_retention_days"] == 30
    effective = datetime.datetime.fromisoformat(body["effective_at"])
    local = effective.astimezone(zoneinfo.ZoneInfo("Europe/Paris"))
    assert (local.hour, local.minute) == (3, 0)
    assert saved + datetime.timedelta(hours=24) <= effective < saved + datetime.timedelta(hours=48)
    with tenant_scope(orgs.a.org):
        entry = JournalEntry.objects.get(verb="retention.policy_changed")
        assert entry.data["old"]["retention_days"] == 90
        assert entry.data["new"]["retention_days"] == 30
        assert datetime.datetime.fromisoformat(entry.data["effective_at"]) == effective
        visit = old_visit(orgs.a, days=45)
        today = {e["data_type"]: e for e in policies.plan(orgs.a.org, now=timezone.now())}
        assert today["visits"]["retention_days"] == 90
        later = {e["data_type"]: e for e in policies.plan(orgs.a.org, now=effective)}
        assert later["visits"]["retention_days"] == 30
        run = purge.start_run(organization=orgs.a.org)
    purge.execute(orgs.a.org.pk, run.pk)
    with tenant_scope(orgs.a.org):
        assert Visit.objects.get(pk=visit.pk).visitor is not None  # not yet
        run = purge.start_run(organization=orgs.a.org, now=effective + datetime.timedelta(minutes=1))
        assert RetentionPolicy.objects.get(pk=policy.pk).retention_days == 30
        assert JournalEntry.objects.filter(verb="retention.policy_applied").exists()
    purge.execute(orgs.a.org.pk, run.pk)
    with tenant_scope(orgs.a.org):
        assert Visit.objects.get(pk=visit.pk).visitor is None


def test_lengthening_applies_at_once(orgs, client_for):
    policy = _policy(orgs.a.org)
    response = client_for(orgs.a.members["admin"]).patch(
        f"{URL}{policy.pk}/", {"retention_days": 180}, content_type="application/json"
    )
    assert response.json()["retention_days"] == 180
    assert response.json()["effective_at"] is None


def test_dry_run_shows_counts_and_samples_for_current_and_edited_values_and_changes_nothing(orgs, client_for):
    with tenant_scope(orgs.a.org):
        very_old = old_visit(orgs.a, days=200)
        middle = old_visit(orgs.a, days=45)
        old_visit(orgs.a, days=5)
    client = client_for(orgs.a.members["admin"])
    response = client.post(
        "/api/v1/purge-runs/",
        {"dry_run": True, "policies": [{"data_type": "visits", "retention_days": 30}]},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    current = next(e for e in response.json()["current"] if e["data_type"] == "visits")
    edited = next(e for e in response.json()["edited"] if e["data_type"] == "visits")
    assert current["count"] == 1
    assert [s["id"] for s in current["sample"]] == [very_old.pk]
    assert edited["count"] == 2
    assert {s["id"] for s in edited["sample"]} == {very_old.pk, middle.pk}
    with tenant_scope(orgs.a.org):
        assert Visit.objects.filter(visitor__isnull=True).count() == 0
        assert PurgeRun.objects.count() == 0
    preview = client.get(f"/retention/policies/{_policy(orgs.a.org).pk}/preview/?retention_days=30")
    assert preview.status_code == 200
    assert f"#{middle.pk}" in preview.content.decode()


def test_policy_screen_edit_shows_the_effective_date(orgs, client_for):
    policy = _policy(orgs.a.org)
    client = client_for(orgs.a.members["admin"])
    response = client.post(
        f"/retention/policies/{policy.pk}/",
        {"consultation_days": 10, "retention_days": 20, "action": "anonymise"},
        follow=True,
    )
    assert response.status_code == 200
    page = response.content.decode()
    policy.refresh_from_db()
    assert policy.effective_at.strftime("%Y-%m-%d") in page
    bad = client.post(
        f"/retention/policies/{policy.pk}/",
        {"consultation_days": 30, "retention_days": 20, "action": "anonymise"},
    )
    assert bad.status_code == 200
    assert "consultation" in bad.content.decode().lower()
