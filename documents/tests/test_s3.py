"""The S3 path against a live S3 API endpoint (moto server on loopback, over HTTP)."""

import hashlib
import urllib.error
import urllib.request

import pytest
from botocore.exceptions import ClientError

from audit.models import JournalEntry
from documents import services
from documents.models import Attachment, SignedConsent
from documents.retention import ConsentsRetention, DocumentsRetention
from documents.storage import StorageUnavailable
from tenancy.scope import tenant_scope

from .conftest import free_port, make_s3_storage
from .helpers import consent_text, jpeg_with_gps, pdf_bytes, sign, upload

pytestmark = pytest.mark.django_db


def fetch(url: str) -> tuple[int, bytes, dict]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 (loopback test endpoint)
            return response.status, response.read(), dict(response.headers)
    except urllib.error.HTTPError as exc:
        with exc:
            return exc.code, exc.read(), dict(exc.headers)


def head_status(s3_client, bucket: str, key: str) -> int:
    try:
        s3_client.head_object(Bucket=bucket, Key=key)
        return 200
    except ClientError as exc:
        return int(exc.response["ResponseMetadata"]["HTTPStatusCode"])


def test_upload_presigned_download_and_verified_deletion(orgs, visit_a, s3_storage, s3_client):
    bucket = s3_storage.test_bucket
    with tenant_scope(orgs.a.org):
        attachment = services.upload_attachment(
            visit=visit_a,
            upload=upload(pdf_bytes(), "../assurance.pdf"),
            kind="insurance",
            channel="desk",
            store=s3_storage,
        )
    head = s3_client.head_object(Bucket=bucket, Key=attachment.storage_key)
    assert head["ServerSideEncryption"] == "AES256"
    assert head["ContentType"] == "application/pdf"
    grants = s3_client.get_object_acl(Bucket=bucket, Key=attachment.storage_key)["Grants"]
    assert not any("AllUsers" in str(g.get("Grantee", {})) for g in grants)  # private, no public URL
    # Without a signature the object is not readable.
    assert fetch(f"{s3_storage.endpoint_url}/{bucket}/{attachment.storage_key}")[0] == 403

    with tenant_scope(orgs.a.org):
        response = services.download_attachment(attachment=attachment, store=s3_storage)
        assert JournalEntry.objects.filter(verb="document.downloaded", target_id=str(attachment.pk)).exists()
    assert response.status_code == 302 and response["Cache-Control"] == "no-store"
    url = response["Location"]
    assert "Signature=" in url  # pre-signed, short-lived (PRESIGNED_SECONDS)
    status, content, headers = fetch(url)
    assert status == 200 and content == pdf_bytes()
    assert hashlib.sha256(content).hexdigest() == attachment.sha256
    assert 'filename="assurance.pdf"' in headers.get("Content-Disposition", "")

    with tenant_scope(orgs.a.org):
        result = DocumentsRetention(store=s3_storage).delete([attachment.pk])
        assert (result.rows_deleted, result.objects_deleted, result.object_failures) == (1, 1, [])
        assert not Attachment.objects.exists()
    assert head_status(s3_client, bucket, attachment.storage_key) == 404


def test_images_are_cleaned_before_reaching_s3(orgs, visit_a, s3_storage, s3_client):
    with tenant_scope(orgs.a.org):
        attachment = services.upload_attachment(
            visit=visit_a, upload=upload(jpeg_with_gps(), "id.jpg"), channel="desk", store=s3_storage
        )
    stored = s3_client.get_object(Bucket=s3_storage.test_bucket, Key=attachment.storage_key)["Body"].read()
    assert b"SpyCam" not in stored and hashlib.sha256(stored).hexdigest() == attachment.sha256


def test_certificates_and_signatures_on_s3_and_anonymisation_removes_them(
    orgs, visit_a, s3_storage, s3_client
):
    import base64

    from .helpers import png_bytes

    drawing = "data:image/png;base64," + base64.b64encode(png_bytes((120, 40), "black")).decode()
    with tenant_scope(orgs.a.org):
        text = consent_text(orgs.a, [visit_a.visit_type])
        [consent] = sign(visit_a, text, store=s3_storage, signature_data=drawing)
    bucket = s3_storage.test_bucket
    pdf = s3_client.get_object(Bucket=bucket, Key=consent.certificate_key)["Body"].read()
    assert pdf.startswith(b"%PDF") and hashlib.sha256(pdf).hexdigest() == consent.certificate_sha256
    assert head_status(s3_client, bucket, consent.signature_key) == 200
    with tenant_scope(orgs.a.org):
        response = services.download_certificate(consent=consent, store=s3_storage)
        assert fetch(response["Location"])[1] == pdf
        result = ConsentsRetention(store=s3_storage).anonymise([consent.pk])
        assert result.rows_anonymised == 1 and result.objects_deleted == 2
        consent = SignedConsent.objects.get(pk=consent.pk)
        assert consent.signer_name == "[anonymised]" and consent.certificate_key == "" and consent.ip is None
    for key in (response["Location"].split("?")[0].rsplit(f"/{bucket}/", 1)[1],):
        assert head_status(s3_client, bucket, key) == 404


def test_unreachable_s3_endpoint_is_a_clear_error_and_no_row(orgs, visit_a):
    dead = make_s3_storage(f"http://127.0.0.1:{free_port()}", "nowhere")
    with tenant_scope(orgs.a.org):
        with pytest.raises(StorageUnavailable, match=r"rien|nothing"):
            services.upload_attachment(visit=visit_a, upload=upload(pdf_bytes()), channel="desk", store=dead)
        assert not Attachment.objects.exists()


def test_api_upload_and_download_when_the_store_is_s3(orgs, client_for, visit_a, s3_storage, monkeypatch):
    monkeypatch.setattr("documents.storage.document_storage", lambda: s3_storage)
    client = client_for(orgs.a.members["reception"])
    created = client.post(
        f"/api/v1/visits/{visit_a.pk}/attachments/",
        {"file": upload(pdf_bytes(), "permis.pdf"), "kind": "permit"},
    )
    assert created.status_code == 201, created.content
    response = client.get(created.json()["download_url"])
    assert response.status_code == 302
    status, content, _headers = fetch(response["Location"])
    assert status == 200 and content == pdf_bytes()
    # Another organization's member gets 404, not a link.
    other = client_for(orgs.b.members["admin"]).get(created.json()["download_url"])
    assert other.status_code == 404
