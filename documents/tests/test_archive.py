"""The document archive: ZIP with manifest and left-out summary, expiry, journal."""

import csv
import datetime
import io
import zipfile

import pytest
from django.utils import timezone

from audit.models import JournalEntry
from documents import archive, services
from documents.models import ArchiveStatus, DocumentArchive
from documents.retention import DocumentsRetention
from documents.storage import read
from documents.tasks import build_document_archive
from tenancy.scope import tenant_scope
from visitors.tests.factories import make_visit

from .helpers import body, consent_text, pdf_bytes, sign, stored_files, upload

pytestmark = pytest.mark.django_db

TODAY = timezone.now().date()


def rows(zf: zipfile.ZipFile, name: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(zf.read(name).decode())))


@pytest.fixture
def documents_a(orgs, local_store):
    """On A's first site: 3 attachments (one purged by retention, one whose object
    vanished) and one signed consent; on the second site: one attachment."""
    with tenant_scope(orgs.a.org):
        visit = make_visit(orgs.a)
        text = consent_text(orgs.a, [visit.visit_type])
        kept = services.upload_attachment(visit=visit, upload=upload(pdf_bytes(), "=cmd.pdf"), channel="desk")
        purged = services.upload_attachment(visit=visit, upload=upload(pdf_bytes()), channel="desk")
        vanished = services.upload_attachment(visit=visit, upload=upload(pdf_bytes()), channel="desk")
        [consent] = sign(visit, text)
        DocumentsRetention().anonymise([purged.pk])
        local_store.delete(vanished.storage_key)
        elsewhere = make_visit(orgs.a, site=orgs.a.site2)
        services.upload_attachment(visit=elsewhere, upload=upload(pdf_bytes()), channel="desk")
    return {"visit": visit, "kept": kept, "consent": consent}


def test_archive_has_manifest_and_counts_what_was_left_out(orgs, documents_a, local_store):
    compliance = orgs.a.members["compliance"]
    with tenant_scope(orgs.a.org):
        compliance.sites.set([orgs.a.site])  # a perimeter narrower than the request
        requested = archive.request_archive(
            membership=compliance, site_ids=[orgs.a.site.pk, orgs.a.site2.pk], date_from=TODAY, date_to=TODAY
        )
    build_document_archive(orgs.a.org.pk, requested.pk)
    with tenant_scope(orgs.a.org):
        done = DocumentArchive.objects.get(pk=requested.pk)
        assert done.status == ArchiveStatus.READY and done.included == 2
        assert done.left_out == {
            "outside_perimeter": 1,
            "archived": 0,
            "deleted_by_retention": 1,
            "missing_in_storage": 1,
        }
        assert done.expires_at > timezone.now() + datetime.timedelta(days=6)
        entry = JournalEntry.objects.get(verb="documents.archive_exported")
        assert entry.data["left_out"] == done.left_out and entry.data["requested_by"] == compliance.pk
    zf = zipfile.ZipFile(io.BytesIO(read(local_store, done.storage_key)))
    manifest = rows(zf, "manifest.csv")
    assert list(manifest[0]) == archive.MANIFEST_COLUMNS
    kept, consent = documents_a["kept"], documents_a["consent"]
    by_kind = {row["document_kind"]: row for row in manifest}
    assert by_kind["other"]["sha256"] == kept.sha256
    assert by_kind["other"]["visitor_reference"] == str(kept.visitor_id)
    assert by_kind["other"]["file_name"].startswith(f"visit-{kept.visit_id}/")
    assert by_kind["consent_certificate"]["sha256"] == consent.certificate_sha256
    assert zf.read(by_kind["other"]["file_name"]) == pdf_bytes()
    assert {r["reason"]: int(r["count"]) for r in rows(zf, "left_out.csv")} == done.left_out
    # A formula-looking file name is neutralised in the manifest.
    assert all(not row["file_name"].startswith("=") for row in manifest)


def test_only_compliance_exports_documents_past_their_consultation_period(orgs, local_store):
    from retention.models import RetentionPolicy

    with tenant_scope(orgs.a.org):
        visit = make_visit(orgs.a)
        old = services.upload_attachment(visit=visit, upload=upload(pdf_bytes(), "old.pdf"), channel="desk")
        services.upload_attachment(visit=visit, upload=upload(pdf_bytes(), "new.pdf"), channel="desk")
        type(old).objects.filter(pk=old.pk).update(uploaded_at=timezone.now() - datetime.timedelta(days=40))
        RetentionPolicy.objects.create(
            organization=orgs.a.org,
            data_type="documents",
            consultation_days=30,
            retention_days=365,
            action="anonymise",
        )
    built = {}
    for role in ("admin", "compliance"):
        with tenant_scope(orgs.a.org):
            requested = archive.request_archive(
                membership=orgs.a.members[role],
                site_ids=[orgs.a.site.pk],
                date_from=TODAY - datetime.timedelta(days=60),
                date_to=TODAY,
            )
        build_document_archive(orgs.a.org.pk, requested.pk)
        with tenant_scope(orgs.a.org):
            done = DocumentArchive.objects.get(pk=requested.pk)
        names = zipfile.ZipFile(io.BytesIO(read(local_store, done.storage_key))).namelist()
        built[role] = (
            done.left_out["archived"],
            sorted(n.rsplit("-", 1)[-1] for n in names if n.endswith(".pdf")),
        )
    assert built["admin"] == (1, ["new.pdf"])
    assert built["compliance"] == (0, ["new.pdf", "old.pdf"])


def test_running_the_task_twice_builds_once(orgs, documents_a, local_store):
    with tenant_scope(orgs.a.org):
        requested = archive.request_archive(
            membership=orgs.a.members["admin"], site_ids=[orgs.a.site.pk], date_from=TODAY, date_to=TODAY
        )
    build_document_archive(orgs.a.org.pk, requested.pk)
    build_document_archive(orgs.a.org.pk, requested.pk)
    assert len([f for f in stored_files(local_store) if f.startswith("archives/")]) == 1
    with tenant_scope(orgs.a.org):
        assert JournalEntry.objects.filter(verb="documents.archive_exported").count() == 1


def test_api_requests_202_then_downloads_and_expiry_removes_the_file(
    orgs, client_for, documents_a, local_store, django_capture_on_commit_callbacks
):
    client = client_for(orgs.a.members["admin"])
    payload = {"site_ids": [orgs.a.site.pk], "date_from": str(TODAY), "date_to": str(TODAY)}
    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = client.post("/api/v1/document-archives/", payload, content_type="application/json")
    assert response.status_code == 202 and response.json()["status"] == "queued"
    assert len(queued) == 1  # the build is queued after commit, not run in the request
    pk = response.json()["id"]
    assert client.get(f"/api/v1/document-archives/{pk}/download/").status_code == 404  # not ready yet
    build_document_archive(orgs.a.org.pk, pk)
    download = client.get(f"/api/v1/document-archives/{pk}/download/")
    assert download.status_code == 200
    assert zipfile.ZipFile(io.BytesIO(body(download))).namelist()[-2:] == ["manifest.csv", "left_out.csv"]
    # Compliance did not request it: not theirs to download; host may not export.
    assert (
        client_for(orgs.a.members["compliance"]).get(f"/api/v1/document-archives/{pk}/download/").status_code
        == 404
    )
    assert client_for(orgs.a.members["host"]).post("/api/v1/document-archives/", payload).status_code == 403
    assert client_for(orgs.b.members["admin"]).get(f"/api/v1/document-archives/{pk}/").status_code == 404
    with tenant_scope(orgs.a.org):
        key = DocumentArchive.objects.get(pk=pk).storage_key
        DocumentArchive.objects.filter(pk=pk).update(
            expires_at=timezone.now() - datetime.timedelta(minutes=1)
        )
    assert archive.expire_archives(organization_id=orgs.a.org.pk) == 1
    assert key not in stored_files(local_store)
    with tenant_scope(orgs.a.org):
        assert DocumentArchive.objects.get(pk=pk).status == ArchiveStatus.EXPIRED
    assert client.get(f"/api/v1/document-archives/{pk}/download/").status_code == 404


def test_invalid_archive_requests_are_400(orgs, client_for):
    client = client_for(orgs.a.members["compliance"])
    backwards = {"site_ids": [orgs.a.site.pk], "date_from": str(TODAY), "date_to": "2020-01-01"}
    assert (
        "date_to"
        in client.post("/api/v1/document-archives/", backwards, content_type="application/json").json()
    )
    foreign = {"site_ids": [orgs.b.site.pk], "date_from": str(TODAY), "date_to": str(TODAY)}
    response = client.post("/api/v1/document-archives/", foreign, content_type="application/json")
    assert response.status_code == 400 and "site_ids" in response.json()


def test_archive_screen_requests_an_archive(orgs, client_for, django_capture_on_commit_callbacks):
    client = client_for(orgs.a.members["compliance"])
    with django_capture_on_commit_callbacks(execute=False):
        response = client.post(
            "/documents/archives/",
            {"sites": [orgs.a.site.pk], "date_from": str(TODAY), "date_to": str(TODAY)},
        )
    assert response.status_code == 302
    with tenant_scope(orgs.a.org):
        assert DocumentArchive.objects.get().requested_by_id == orgs.a.members["compliance"].pk
        assert JournalEntry.objects.filter(verb="documents.archive_requested").exists()
