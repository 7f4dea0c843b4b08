"""Attachments on the local disk: upload, cleaning, refusals, download, access."""

import hashlib
import io
import struct
import tracemalloc
import zlib

import pytest
from django.core.files.storage import FileSystemStorage
from django.db import IntegrityError
from PIL import Image

from audit.models import JournalEntry
from documents import files, services
from documents.models import Attachment, DocumentPolicy
from documents.storage import StorageUnavailable, read
from tenancy.scope import tenant_scope
from visitors.tests.factories import make_visit

from .helpers import body, jpeg_with_gps, pdf_bytes, png_bytes, stored_files, upload

pytestmark = pytest.mark.django_db


def post_file(client, visit, content, name="document.pdf", kind="insurance", content_type="application/pdf"):
    return client.post(
        f"/api/v1/visits/{visit.pk}/attachments/",
        {"file": upload(content, name, content_type), "kind": kind},
    )


def test_desk_uploads_a_pdf_recorded_with_detected_type_hash_and_journal(
    orgs, client_for, visit_a, local_store
):
    content = pdf_bytes()
    response = post_file(client_for(orgs.a.members["reception"]), visit_a, content, content_type="text/html")
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["content_type"] == "application/pdf"  # from the bytes, not the client's header
    assert data["sha256"] == hashlib.sha256(content).hexdigest() and data["size"] == len(content)
    assert data["original_name"] == "document.pdf" and data["channel"] == "desk"
    with tenant_scope(orgs.a.org):
        attachment = Attachment.objects.get()
        assert attachment.uploaded_by_id == orgs.a.members["reception"].user_id
        assert "document" not in attachment.storage_key and attachment.storage_key.startswith("attachments/")
        assert JournalEntry.objects.filter(verb="document.uploaded", target_id=str(attachment.pk)).exists()
    assert read(local_store, attachment.storage_key) == content


def test_host_uploads_for_own_visit_only(orgs, client_for, visit_a):
    client = client_for(orgs.a.members["host"])
    assert post_file(client, visit_a, pdf_bytes()).json()["channel"] == "host"
    with tenant_scope(orgs.a.org):
        not_hosted = make_visit(orgs.a, host=None)
    assert post_file(client, not_hosted, pdf_bytes()).status_code == 404


def test_image_metadata_and_gps_are_stripped(orgs, client_for, visit_a, local_store):
    original = jpeg_with_gps()
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(0x8825)
    response = post_file(
        client_for(orgs.a.members["admin"]), visit_a, original, "id.jpg", "id_document", "image/jpeg"
    )
    assert response.status_code == 201, response.content
    with tenant_scope(orgs.a.org):
        attachment = Attachment.objects.get()
    stored = read(local_store, attachment.storage_key)
    image = Image.open(io.BytesIO(stored))
    assert image.format == "JPEG" and image.size == (40, 30)
    assert dict(image.getexif()) == {} and b"SpyCam" not in stored
    assert attachment.sha256 == hashlib.sha256(stored).hexdigest() and attachment.size == len(stored)


@pytest.mark.parametrize("limit_mb", [None, 1])
def test_file_over_the_size_limit_is_413_with_the_limit_and_nothing_stored(
    orgs, client_for, visit_a, local_store, limit_mb
):
    if limit_mb:
        with tenant_scope(orgs.a.org):
            DocumentPolicy.objects.create(organization=orgs.a.org, max_size_mb=limit_mb)
    limit = (limit_mb or 10) * 1024 * 1024
    response = post_file(client_for(orgs.a.members["admin"]), visit_a, pdf_bytes(b"0" * limit))
    assert response.status_code == 413
    assert f"{limit_mb or 10} Mo" in response.json()["file"][0]  # the French UI names the limit
    with tenant_scope(orgs.a.org):
        assert not Attachment.objects.exists()
    assert stored_files(local_store) == []


def test_size_is_checked_on_the_bytes_read_not_the_declared_size(visit_a, orgs):
    class Lying(io.BytesIO):
        size = 10  # what a client could claim

        def chunks(self):
            yield self.getvalue()

    with pytest.raises(files.FileTooLarge):
        files.read_limited(Lying(b"x" * 2048), 1024)


EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\x00" * 200
ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 200
REFUSED = {
    "png-named-pdf": (png_bytes(), "scan.pdf"),
    "exe-named-pdf": (EXE, "scan.pdf"),
    "elf-named-pdf": (ELF, "scan.pdf"),
    "html": (b"<!doctype html><html><script>alert(1)</script></html>", "page.html"),
    "html-named-pdf": (b"<html><body>hi</body></html>", "scan.pdf"),
    "svg": (b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', "logo.svg"),
    "pdf-html-polyglot": (b"%PDF-1.4\n<html><script>alert(1)</script></html>\n%%EOF", "scan.pdf"),
    "png-zip-polyglot": (
        png_bytes() + b"PK\x03\x04\x14\x00" + b"\x00" * 40 + b"PK\x05\x06" + b"\x00" * 18,
        "p.png",
    ),
    "pdf-with-javascript": (pdf_bytes(b"<< /S /JavaScript /JS (app.alert(1)) >>\n"), "scan.pdf"),
    "empty": (b"", "scan.pdf"),
}


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_file_whose_bytes_are_not_an_allowed_type_is_refused_nothing_stored(
    orgs, client_for, visit_a, local_store, case
):
    content, name = REFUSED[case]
    response = post_file(client_for(orgs.a.members["admin"]), visit_a, content, name)
    assert response.status_code == 400, response.content
    assert "file" in response.json()
    with tenant_scope(orgs.a.org):
        assert not Attachment.objects.exists()
    assert stored_files(local_store) == []


def test_allowed_types_are_configured_per_organization(orgs, client_for, visit_a):
    with tenant_scope(orgs.a.org):
        DocumentPolicy.objects.create(organization=orgs.a.org, allowed_types=["application/pdf"])
    client = client_for(orgs.a.members["admin"])
    assert post_file(client, visit_a, png_bytes(), "photo.png", "photo", "image/png").status_code == 400
    assert post_file(client, visit_a, pdf_bytes()).status_code == 201
    # Organization B keeps the defaults.
    with tenant_scope(orgs.b.org):
        visit_b = make_visit(orgs.b)
    assert post_file(client_for(orgs.b.members["admin"]), visit_b, png_bytes(), "p.png").status_code == 201


def test_admin_settings_screen_changes_the_policy(orgs, client_for):
    client = client_for(orgs.a.members["admin"])
    response = client.post("/documents/settings/", {"allowed_types": ["application/pdf"], "max_size_mb": 2})
    assert response.status_code == 302
    with tenant_scope(orgs.a.org):
        policy = DocumentPolicy.objects.get()
        assert (policy.allowed_types, policy.max_size_mb) == (["application/pdf"], 2)


HOSTILE_NAMES = [
    "../../etc/passwd.pdf",
    "/var/www/absolute.pdf",
    "C:\\Windows\\system32\\evil.pdf",
    "nul\x00byte.pdf",
    "a" * 1000 + ".pdf",
    "facture\u202efdp.pdf",
    "..",
    '"; filename=evil.html; x=".pdf',
]


@pytest.mark.parametrize("name", HOSTILE_NAMES, ids=[f"name{i}" for i in range(len(HOSTILE_NAMES))])
def test_hostile_file_names_get_a_random_key_and_a_safe_download_name(
    orgs, client_for, visit_a, local_store, name
):
    with tenant_scope(orgs.a.org):
        attachment = services.upload_attachment(
            visit=visit_a, upload=upload(pdf_bytes()), name=name, channel="desk", store=local_store
        )
    key = attachment.storage_key
    assert key.startswith(f"attachments/{orgs.a.org.pk}/") and len(key.rsplit("/", 1)[1]) == 40
    assert stored_files(local_store) == [key]
    safe = attachment.original_name
    assert "/" not in safe and "\\" not in safe and "\x00" not in safe and "\u202e" not in safe
    assert ".." not in safe and '"' not in safe and ";" not in safe and 0 < len(safe) <= 120
    response = client_for(orgs.a.members["admin"]).get(f"/api/v1/attachments/{attachment.pk}/download/")
    assert response.status_code == 200
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;") and "/" not in disposition and "\u202e" not in disposition
    assert body(response) == pdf_bytes()


def test_decompression_bomb_is_refused_without_exhausting_memory(orgs, client_for, visit_a, local_store):
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    width = height = 20_000
    compressor = zlib.compressobj(9)
    row = b"\x00" * (1 + width // 8)  # 1-bit greyscale rows, filter byte first
    idat = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    bomb = (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0))
        + chunk(b"IDAT", idat)
        + chunk(b"IEND", b"")
    )
    assert len(bomb) < 100_000  # a few KB that would decode to 400 million pixels
    client = client_for(orgs.a.members["admin"])
    tracemalloc.start()
    try:
        response = post_file(client, visit_a, bomb, "bomb.png", "photo", "image/png")
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert response.status_code == 400
    assert peak < 50 * 1024 * 1024
    with tenant_scope(orgs.a.org):
        assert not Attachment.objects.exists()
    assert stored_files(local_store) == []


def test_an_image_over_our_pixel_limit_is_refused_before_decoding(settings):
    settings.DOCUMENTS_MAX_IMAGE_PIXELS = 100
    with pytest.raises(files.RefusedFile):
        files.inspect(png_bytes((20, 20)), name="p.png", allowed_types=["image/png"], limit=10**6)


class BrokenStorage(FileSystemStorage):
    def _save(self, name, content):
        raise OSError("disk unavailable")


def test_storage_unavailable_is_a_clear_503_and_no_row(orgs, client_for, visit_a, tmp_path, monkeypatch):
    monkeypatch.setattr("documents.storage.document_storage", lambda: BrokenStorage(location=tmp_path / "b"))
    response = post_file(client_for(orgs.a.members["admin"]), visit_a, pdf_bytes())
    assert response.status_code == 503
    assert "stockage" in response.json()["detail"]
    with tenant_scope(orgs.a.org):
        assert not Attachment.objects.exists()


def test_row_failure_removes_the_object_just_written(orgs, visit_a, local_store, monkeypatch):
    def fail(**kwargs):
        raise IntegrityError("simulated")

    monkeypatch.setattr(Attachment.objects, "create", fail)
    with tenant_scope(orgs.a.org), pytest.raises(IntegrityError):
        services.upload_attachment(
            visit=visit_a, upload=upload(pdf_bytes()), channel="desk", store=local_store
        )
    assert stored_files(local_store) == []


def test_storage_failure_while_signing_leaves_no_row(orgs, visit_a, tmp_path):
    from .helpers import consent_text, sign

    with tenant_scope(orgs.a.org):
        text = consent_text(orgs.a, [visit_a.visit_type])
        with pytest.raises(StorageUnavailable):
            sign(visit_a, text, store=BrokenStorage(location=tmp_path / "b"))
        assert not text.current_version.signatures.exists()
