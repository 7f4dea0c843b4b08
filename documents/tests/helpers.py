"""Builders shared by the documents tests (call inside the organization's scope)."""

import io
import os

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from documents import services


def consent_text(org_fixture, visit_types=(), **kw):
    values = {
        "kind": "safety",
        "title_fr": "Consignes de sécurité",
        "title_en": "Safety rules",
        "body_fr": "Portez le badge. Évacuez au signal.",
        "body_en": "Wear the badge. Evacuate at the signal.",
    }
    values.update(kw)
    return services.create_consent_text(organization=org_fixture.org, visit_types=visit_types, **values)


def sign(visit, text, **kw):
    values = {
        "visit": visit,
        "versions": [text.current_version],
        "language": "fr",
        "signer_name": "Hélène Lefèvre",
        "channel": "desk",
    }
    values.update(kw)
    return services.sign_consents(**values)


def stored_files(store) -> list[str]:
    root = store.location
    return sorted(
        os.path.relpath(os.path.join(folder, name), root)
        for folder, _dirs, names in os.walk(root)
        for name in names
    )


def pdf_bytes(extra: bytes = b"") -> bytes:
    return b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\n" + extra + b"trailer\n<< >>\n%%EOF\n"


def png_bytes(size=(32, 24), color="blue") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "PNG")
    return out.getvalue()


def jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (40, 30), "red")
    exif = Image.Exif()
    exif[0x010F] = "SpyCam"
    gps = exif.get_ifd(0x8825)
    gps[1] = "N"
    gps[2] = (48.0, 51.0, 30.0)
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue()


def upload(content: bytes, name: str = "document.pdf", content_type: str = "application/pdf"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def body(response) -> bytes:
    """A streamed response's bytes. Reading to the end makes the test client
    close the response (and the file it streams), without closing the database
    connection as a bare response.close() would."""
    return b"".join(response.streaming_content)
