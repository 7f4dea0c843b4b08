"""Who sees which documents: admins, compliance, the visit's host, reception of the site."""

import pytest

from audit.models import JournalEntry
from documents import services
from tenancy.scope import tenant_scope
from visitors.tests.factories import make_visit

from .helpers import body, consent_text, pdf_bytes, sign, upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def docs(orgs, local_store):
    """An attachment and a signed consent on each of A's sites, and one in B."""
    found = {}
    for label, org, site in (
        ("a", orgs.a, orgs.a.site),
        ("a2", orgs.a, orgs.a.site2),
        ("b", orgs.b, orgs.b.site),
    ):
        with tenant_scope(org.org):
            visit = make_visit(org, site=site)
            text = consent_text(org, [visit.visit_type])
            found[label] = {
                "visit": visit,
                "attachment": services.upload_attachment(
                    visit=visit, upload=upload(pdf_bytes()), channel="desk"
                ),
                "consent": sign(visit, text)[0],
            }
    return found


EXPECTED = {
    # role: (own site, other site of our organization)
    "admin": (200, 200),
    "compliance": (200, 200),
    "host": (200, 200),  # hosts the fixture's visits on both sites
    "reception": (200, 404),  # perimeter: the first site only
}


@pytest.mark.parametrize("role", sorted(EXPECTED))
def test_downloads_follow_the_visit_and_the_perimeter(orgs, client_for, docs, role):
    client = client_for(orgs.a.members[role])
    for label, expected in zip(("a", "a2"), EXPECTED[role], strict=True):
        attachment, consent = docs[label]["attachment"], docs[label]["consent"]
        response = client.get(f"/api/v1/attachments/{attachment.pk}/download/")
        assert response.status_code == expected, (role, label)
        if expected == 200:
            assert body(response) == pdf_bytes()
        certificate = client.get(f"/api/v1/signed-consents/{consent.pk}/certificate/")
        assert certificate.status_code == expected
        if expected == 200:
            body(certificate)
    # Another organization's documents do not exist, whatever the role.
    assert client.get(f"/api/v1/attachments/{docs['b']['attachment'].pk}/download/").status_code == 404
    assert client.get(f"/api/v1/signed-consents/{docs['b']['consent'].pk}/certificate/").status_code == 404


def test_host_does_not_see_documents_of_visits_hosted_by_others(orgs, client_for, local_store):
    with tenant_scope(orgs.a.org):
        visit = make_visit(orgs.a, host=orgs.a.members["admin"])
        attachment = services.upload_attachment(visit=visit, upload=upload(pdf_bytes()), channel="desk")
    client = client_for(orgs.a.members["host"])
    assert client.get(f"/api/v1/attachments/{attachment.pk}/download/").status_code == 404
    assert client.get(f"/api/v1/visits/{visit.pk}/attachments/").status_code == 404
    assert client.get(f"/visits/{visit.pk}/documents/").status_code == 404


def test_downloads_are_journaled(orgs, client_for, docs):
    client = client_for(orgs.a.members["compliance"])
    body(client.get(f"/api/v1/attachments/{docs['a']['attachment'].pk}/download/"))
    with tenant_scope(orgs.a.org):
        entry = JournalEntry.objects.get(verb="document.downloaded")
        assert entry.target_id == str(docs["a"]["attachment"].pk)
        assert entry.actor_id == orgs.a.members["compliance"].user_id
        assert entry.site_id == orgs.a.site.pk


def test_a_missing_object_is_404_not_an_error(orgs, client_for, docs, local_store):
    local_store.delete(docs["a"]["attachment"].storage_key)
    response = client_for(orgs.a.members["admin"]).get(
        f"/api/v1/attachments/{docs['a']['attachment'].pk}/download/"
    )
    assert response.status_code == 404


def test_visit_documents_page_lists_what_the_member_may_see(orgs, client_for, docs):
    page = client_for(orgs.a.members["reception"]).get(f"/visits/{docs['a']['visit'].pk}/documents/")
    assert page.status_code == 200
    html = page.content.decode()
    assert f"/api/v1/attachments/{docs['a']['attachment'].pk}/download/" in html
    assert f"/api/v1/signed-consents/{docs['a']['consent'].pk}/certificate/" in html
    assert (
        client_for(orgs.a.members["reception"])
        .get(f"/visits/{docs['a2']['visit'].pk}/documents/")
        .status_code
        == 404
    )
    assert (
        client_for(orgs.a.members["admin"]).get(f"/visits/{docs['b']['visit'].pk}/documents/").status_code
        == 404
    )


def test_upload_from_the_visit_page(orgs, client_for, visit_a):
    client = client_for(orgs.a.members["reception"])
    response = client.post(
        f"/visits/{visit_a.pk}/documents/", {"kind": "permit", "file": upload(pdf_bytes(), "permis.pdf")}
    )
    assert response.status_code == 302
    refused = client.post(
        f"/visits/{visit_a.pk}/documents/", {"kind": "permit", "file": upload(b"<svg/>", "x.svg")}
    )
    assert refused.status_code == 200 and "errorlist" in refused.content.decode()
    assert (
        client_for(orgs.a.members["compliance"])
        .post(f"/visits/{visit_a.pk}/documents/", {"kind": "permit", "file": upload(pdf_bytes())})
        .status_code
        == 403
    )


def test_visit_lists_through_the_api(orgs, client_for, docs):
    client = client_for(orgs.a.members["host"])
    visit = docs["a"]["visit"]
    attachments = client.get(f"/api/v1/visits/{visit.pk}/attachments/").json()
    assert [a["id"] for a in attachments] == [docs["a"]["attachment"].pk]
    consents = client.get(f"/api/v1/visits/{visit.pk}/consents/").json()
    assert [c["id"] for c in consents["signed"]] == [docs["a"]["consent"].pk] and consents["missing"] == []
    assert client.get(f"/api/v1/visits/{docs['b']['visit'].pk}/consents/").status_code == 404
