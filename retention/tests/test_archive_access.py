"""Archive access (issue 8): data past its consultation period leaves the daily
screens, search and API lists of every role; compliance reads it in the archive
view after stating a reason. Per-site policies decide for their site."""

import types
from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from audit import services as audit
from audit.models import JournalEntry
from documents.models import Attachment
from notifications.models import Message
from reports.models import ExportJob
from retention.models import RetentionPolicy
from tenancy.scope import tenant_scope
from visitors.models import Visitor
from visitors.tests.factories import make_visit, make_visitor

from .factories import days_ago, old_visit

pytestmark = pytest.mark.django_db
ROLES = ("admin", "reception", "host", "compliance")


def policy(org_fixture, data_type, consultation_days, *, site=None, retention_days=400):
    return RetentionPolicy.objects.create(
        organization=org_fixture.org,
        data_type=data_type,
        site=site,
        consultation_days=consultation_days,
        retention_days=retention_days,
        action="delete" if data_type in ("journal", "send_log", "export_files") else "anonymise",
    )


def open_archive(client, data_type, reason="Contrôle CNIL"):
    response = client.post("/retention/archive/", {"data_type": data_type, "reason": reason}, follow=True)
    assert response.status_code == 200
    return response.content.decode()


def ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


@pytest.fixture
def visits(orgs):
    """At org A's first site (reception's perimeter), hosted by A's host: a visit
    40 days ago (past the default 30 days) and one 3 days ago."""
    host = orgs.a.members["host"]
    with tenant_scope(orgs.a.org):
        return types.SimpleNamespace(
            old=old_visit(orgs.a, days=40, last_name="Archivé", host=host),
            current=old_visit(orgs.a, days=3, last_name="Récent", host=host),
        )


@pytest.mark.parametrize("role", ROLES)
def test_archived_visits_leave_lists_search_and_details(orgs, client_for, visits, role):
    client = client_for(orgs.a.members[role])
    page = client.get("/visits/").content.decode()
    assert "Récent" in page and "Archivé" not in page
    assert "Archivé" not in client.get("/visits/", {"q": "archive"}).content.decode()
    assert "Récent" in client.get("/visits/", {"q": "recent"}).content.decode()
    assert client.get(f"/visits/{visits.old.pk}/").status_code == 404
    assert client.get(f"/visits/{visits.current.pk}/").status_code == 200

    assert ids(client.get("/api/v1/visits/")) == {visits.current.pk}
    assert ids(client.get("/api/v1/visits/", {"q": "archive"})) == set()
    assert client.get(f"/api/v1/visits/{visits.old.pk}/").status_code == 404
    assert client.get(f"/api/v1/visits/{visits.current.pk}/").status_code == 200

    assert ids(client.get("/api/v1/visitors/", {"q": "archive"})) == set()
    assert ids(client.get("/api/v1/visitors/", {"q": "recent"})) == {visits.current.visitor_id}
    assert client.get(f"/api/v1/visitors/{visits.old.visitor_id}/").status_code == 404
    # The visit's documents page follows the visit.
    assert client.get(f"/visits/{visits.old.pk}/documents/").status_code == 404


def test_compliance_reads_archived_visits_and_people_after_a_reason(orgs, client_for, visits):
    client = client_for(orgs.a.members["compliance"])
    page = open_archive(client, "visits")
    assert "Archivé" in page and "Récent" not in page
    page = open_archive(client, "visitor_identities", "Demande d'accès")
    assert f"<td>{visits.old.visitor_id}</td>" in page
    assert f"<td>{visits.current.visitor_id}</td>" not in page
    with tenant_scope(orgs.a.org):
        opened = JournalEntry.objects.filter(verb="retention.archive_opened")
        assert sorted(e.data["data_type"] for e in opened) == ["visitor_identities", "visits"]


def test_a_regular_visitor_stays_while_they_keep_coming(orgs, client_for):
    with tenant_scope(orgs.a.org):
        regular = make_visitor(orgs.a, last_name="Habitué")
        Visitor.objects.filter(pk=regular.pk).update(created_at=days_ago(200))
        make_visit(orgs.a, visitor=regular)
        gone = make_visitor(orgs.a, last_name="Disparu")
        Visitor.objects.filter(pk=gone.pk).update(created_at=days_ago(200))
    client = client_for(orgs.a.members["reception"])
    assert ids(client.get("/api/v1/visitors/", {"q": "habitue"})) == {regular.pk}
    assert ids(client.get("/api/v1/visitors/", {"q": "disparu"})) == set()
    page = open_archive(client_for(orgs.a.members["compliance"]), "visitor_identities")
    assert f"<td>{gone.pk}</td>" in page and f"<td>{regular.pk}</td>" not in page


def test_a_site_policy_decides_for_its_site(orgs, client_for):
    """Org-wide 30 days; the plant keeps 60, HQ (reception's site) only 5."""
    with tenant_scope(orgs.a.org):
        policy(orgs.a, "visits", 60, site=orgs.a.site2)
        policy(orgs.a, "visits", 5, site=orgs.a.site)
        plant_40 = old_visit(orgs.a, days=40, site=orgs.a.site2, last_name="Usine")
        plant_70 = old_visit(orgs.a, days=70, site=orgs.a.site2)
        hq_10 = old_visit(orgs.a, days=10, last_name="Siège")
        hq_3 = old_visit(orgs.a, days=3)
    admin = client_for(orgs.a.members["admin"])
    assert ids(admin.get("/api/v1/visits/")) == {plant_40.pk, hq_3.pk}
    assert ids(admin.get("/api/v1/visits/", {"q": "usine"})) == {plant_40.pk}
    assert "Siège" not in admin.get("/visits/").content.decode()
    reception = client_for(orgs.a.members["reception"])
    assert ids(reception.get("/api/v1/visits/")) == {hq_3.pk}
    assert reception.get(f"/api/v1/visits/{hq_10.pk}/").status_code == 404
    page = open_archive(client_for(orgs.a.members["compliance"]), "visits")
    assert "Siège" in page and "Usine" not in page
    assert f"<td>{plant_70.pk}</td>" in page and f"<td>{hq_3.pk}</td>" not in page


def test_the_desk_keeps_today_and_arrives_without_reading_policies(orgs, client_for):
    with tenant_scope(orgs.a.org):
        policy(orgs.a, "visits", 1, retention_days=1)
        today = make_visit(orgs.a, visitor=make_visitor(orgs.a, last_name="Aujourdhui"))
    client = client_for(orgs.a.members["reception"])
    assert "Aujourdhui" in client.get("/desk/").content.decode()
    with CaptureQueriesContext(connection) as queries:
        response = client.post(
            f"/api/v1/visits/{today.pk}/arrive/", {"desk": orgs.a.desk.pk}, content_type="application/json"
        )
    assert response.status_code == 200, response.content
    assert not [q for q in queries if "retention_retentionpolicy" in q["sql"]]
    assert today.pk in ids(client.get("/api/v1/visits/"))


def _attachment(org_fixture, visit, name, days):
    found = Attachment.objects.create(
        organization=org_fixture.org,
        visit=visit,
        visitor=visit.visitor,
        site=visit.site,
        storage_key=f"test/{name}",
        original_name=name,
        content_type="application/pdf",
        size=10,
        sha256="0" * 64,
        channel="desk",
    )
    Attachment.objects.filter(pk=found.pk).update(uploaded_at=days_ago(days))
    return found


@pytest.mark.parametrize("role", ROLES)
def test_archived_attachments_leave_the_visit_and_downloads(orgs, client_for, role):
    with tenant_scope(orgs.a.org):
        policy(orgs.a, "documents", 10)
        visit = old_visit(orgs.a, days=2, host=orgs.a.members["host"])
        old = _attachment(orgs.a, visit, "ancien-permis.pdf", days=20)
        new = _attachment(orgs.a, visit, "nouveau-permis.pdf", days=1)
    client = client_for(orgs.a.members[role])
    listed = client.get(f"/api/v1/visits/{visit.pk}/attachments/").json()
    assert [a["id"] for a in listed] == [new.pk]
    page = client.get(f"/visits/{visit.pk}/documents/").content.decode()
    assert "nouveau-permis.pdf" in page and "ancien-permis.pdf" not in page
    assert client.get(f"/api/v1/attachments/{old.pk}/download/").status_code == 404
    if role == "compliance":
        page = open_archive(client, "documents")
        assert f"<td>{old.pk}</td>" in page and f"<td>{new.pk}</td>" not in page


def _message(org_fixture, days, site=None):
    found = Message.objects.create(
        organization=org_fixture.org,
        channel="email",
        recipient="jeanne@acme.fr",
        recipient_kind="host",
        event="visit.arrived",
        language="fr",
        status="failed",
        site=site or org_fixture.site,
    )
    Message.objects.filter(pk=found.pk).update(created_at=days_ago(days))
    return found


def test_archived_messages_leave_the_send_log(orgs, client_for):
    with tenant_scope(orgs.a.org):
        old = _message(orgs.a, 40)
        plant = _message(orgs.a, 40, site=orgs.a.site2)
        policy(orgs.a, "send_log", 60, site=orgs.a.site2)
        new = _message(orgs.a, 2)
    for role in ("admin", "compliance"):
        client = client_for(orgs.a.members[role])
        assert ids(client.get("/api/v1/messages/")) == {plant.pk, new.pk}
        assert client.get(f"/api/v1/messages/{old.pk}/").status_code == 404
        assert client.get(f"/notifications/messages/{old.pk}/").status_code == 404
        page = client.get("/notifications/messages/").content.decode()
        assert f"/notifications/messages/{old.pk}/" not in page
        assert f"/notifications/messages/{new.pk}/" in page
    admin = client_for(orgs.a.members["admin"])
    assert admin.post(f"/api/v1/messages/{old.pk}/retry/").status_code == 404
    page = open_archive(client_for(orgs.a.members["compliance"]), "send_log")
    assert f"<td>{old.pk}</td>" in page and f"<td>{plant.pk}</td>" not in page


def test_archived_journal_entries_leave_the_journal(orgs, client_for):
    with tenant_scope(orgs.a.org):
        policy(orgs.a, "journal", 30, retention_days=365)
        then = days_ago(40)
        with mock.patch.object(audit, "timezone", types.SimpleNamespace(now=lambda: then)):
            old = audit.record("test.archived_probe", site=orgs.a.site)
        new = audit.record("test.current_probe", site=orgs.a.site)
    for role in ("admin", "compliance"):
        client = client_for(orgs.a.members[role])
        found = ids(client.get("/api/v1/journal/", {"verb": "test."}))
        assert found == {new.pk}
        assert client.get(f"/api/v1/journal/{old.pk}/").status_code == 404
        page = client.get("/journal/").content.decode()
        assert "Test current probe" in page and "Test archived probe" not in page  # verbs in words
    page = open_archive(client_for(orgs.a.members["compliance"]), "journal")
    assert f"<td>{old.pk}</td>" in page and f"<td>{new.pk}</td>" not in page


def test_archived_export_files_leave_the_exports(orgs, client_for):
    admin = orgs.a.members["admin"]
    with tenant_scope(orgs.a.org):
        old = ExportJob.objects.create(organization=orgs.a.org, requested_by=admin, dataset="visits")
        ExportJob.objects.filter(pk=old.pk).update(created_at=days_ago(10))  # consultation: 7 days
        new = ExportJob.objects.create(organization=orgs.a.org, requested_by=admin, dataset="visits")
    client = client_for(admin)
    assert ids(client.get("/api/v1/exports/")) == {new.pk}
    assert client.get(f"/api/v1/exports/{old.pk}/download/").status_code == 404
    assert client.get(f"/reports/exports/{old.pk}/").status_code == 404
    page = open_archive(client_for(orgs.a.members["compliance"]), "export_files")
    assert f"<td>{old.pk}</td>" in page and f"<td>{new.pk}</td>" not in page


def test_cutoff_is_computed_from_the_policy_in_one_query(orgs, visits):
    from config.registries import consultation
    from visitors.models import Visit

    with tenant_scope(orgs.a.org):
        with CaptureQueriesContext(connection) as queries:
            rows = consultation.within(Visit.objects.all(), "visits")
        assert len(queries) == 1
        assert set(rows.values_list("pk", flat=True)) == {visits.current.pk}
