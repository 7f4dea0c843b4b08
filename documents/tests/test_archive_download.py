"""Files of archived documents (issue 8): they leave every daily screen, and
compliance downloads them from the retention archive, once a reason has opened
the archive of their type; nobody else, and never another organization's."""

import pytest

from audit.models import JournalEntry
from documents import services
from documents.models import Attachment, SignedConsent
from documents.tests.helpers import body, consent_text, pdf_bytes, sign, upload
from retention.models import RetentionPolicy
from retention.tests.factories import days_ago, old_visit
from tenancy.scope import tenant_scope

pytestmark = pytest.mark.django_db


def open_archive(client, data_type):
    response = client.post(
        "/retention/archive/", {"data_type": data_type, "reason": "Contrôle CNIL"}, follow=True
    )
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def archived(orgs):
    """An attachment and a signed consent of org A, 20 days old, past their
    10-day consultation period."""
    with tenant_scope(orgs.a.org):
        for data_type in ("documents", "consents"):
            RetentionPolicy.objects.create(
                organization=orgs.a.org,
                data_type=data_type,
                consultation_days=10,
                retention_days=400,
                action="anonymise",
            )
        visit = old_visit(orgs.a, days=2, host=orgs.a.members["host"])
        attachment = services.upload_attachment(
            visit=visit, upload=upload(pdf_bytes(b"permis"), "ancien-permis.pdf"), channel="desk"
        )
        Attachment.objects.filter(pk=attachment.pk).update(uploaded_at=days_ago(20))
        [consent] = sign(visit, consent_text(orgs.a))
        SignedConsent.objects.filter(pk=consent.pk).update(signed_at=days_ago(20))
    return (
        f"/api/v1/attachments/{attachment.pk}/download/",
        f"/api/v1/signed-consents/{consent.pk}/certificate/",
    )


def test_compliance_downloads_archived_files_from_the_archive_after_a_reason(orgs, client_for, archived):
    download, certificate = archived
    client = client_for(orgs.a.members["compliance"])
    assert client.get(download).status_code == 404  # archived, and no reason given yet

    page = open_archive(client, "documents")
    assert f'href="{download}"' in page
    response = client.get(download)
    assert response.status_code == 200 and body(response) == pdf_bytes(b"permis")
    assert client.get(certificate).status_code == 404  # only the documents' archive is open

    page = open_archive(client, "consents")
    assert f'href="{certificate}"' in page
    response = client.get(certificate)
    assert response.status_code == 200 and body(response).startswith(b"%PDF")
    with tenant_scope(orgs.a.org):
        verbs = list(JournalEntry.objects.values_list("verb", flat=True))
    assert verbs.count("retention.archive_opened") == 2
    assert verbs.count("document.downloaded") == 2  # the file and the certificate


@pytest.mark.parametrize("role", ["admin", "reception", "host"])
def test_no_other_role_downloads_archived_files(orgs, client_for, archived, role):
    client = client_for(orgs.a.members[role])
    assert client.post("/retention/archive/", {"data_type": "documents", "reason": "x"}).status_code == 403
    for url in archived:
        assert client.get(url).status_code == 404


def test_an_open_archive_does_not_reach_another_organization(orgs, client_for, archived):
    client = client_for(orgs.b.members["compliance"])
    open_archive(client, "documents")
    open_archive(client, "consents")
    for url in archived:
        assert client.get(url).status_code == 404
