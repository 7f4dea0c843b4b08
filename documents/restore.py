"""What a scoped restore brings back of documents and consents (an attachment
with its stored object, from the backup archive), and the drill's check that
every attachment has its object. Registered at import; the backups app
autodiscovers `APP/restore.py`."""

import hashlib

from django.core.files.storage import default_storage
from django.utils.translation import gettext_lazy as _

from config.registries import (
    ORDINAL,
    CapturedSettings,
    RestoreCheck,
    RestorePart,
    RestoreTable,
    captured_settings,
    restore_checks,
    restore_parts,
)
from tenancy.models import Organization
from tenancy.scope import tenant_scope

from .models import Attachment


class DocumentsRestore(RestorePart):
    key = "documents"
    data_type = "documents"
    order = 40
    tables = (
        RestoreTable(
            "documents.Attachment",
            "site_id = ANY(%(sites)s) AND uploaded_at >= %(start)s AND uploaded_at < %(end)s",
            label=_("Attachments"),
            files=("storage_key",),
        ),
        RestoreTable(
            "documents.SignedConsent",
            "site_id = ANY(%(sites)s) AND signed_at >= %(start)s AND signed_at < %(end)s",
            label=_("Signed consents"),
            # The drawn signature and the signed certificate come back with their row.
            files=("signature_key", "certificate_key"),
        ),
    )


class AttachmentsCheck(RestoreCheck):
    """In a restored copy: every attachment's object exists, with its SHA-256."""

    key = "attachments"
    label = _("Attachments with their files")
    order = 20

    def after_drill(self):
        problems, checked = [], 0
        for org in Organization.objects.order_by("pk"):
            with tenant_scope(org):
                for pk, key, digest in Attachment.objects.values_list(
                    "pk", "storage_key", "sha256"
                ).iterator():
                    checked += 1
                    if not default_storage.exists(key):
                        problems.append(f"attachment {pk}: object missing")
                        continue
                    sha = hashlib.sha256()
                    with default_storage.open(key, "rb") as stream:
                        for chunk in iter(lambda s=stream: s.read(1 << 20), b""):
                            sha.update(chunk)
                    if sha.hexdigest() != digest:
                        problems.append(f"attachment {pk}: SHA-256 differs")
        return not problems, "; ".join(problems[:20]) or f"{checked} attachments with their objects"


restore_parts.register(DocumentsRestore())
restore_checks.register(AttachmentsCheck())
# Settings in the configuration capture (a text's current version is set in a second pass).
captured_settings.register(
    CapturedSettings("documents.ConsentText", (ORDINAL,), ("current_version",), order=30)
)
captured_settings.register(CapturedSettings("documents.ConsentVersion", ("consent_text", "number"), order=31))
captured_settings.register(
    CapturedSettings("documents.ConsentRequirement", ("consent_text", "visit_type"), order=32)
)
captured_settings.register(CapturedSettings("documents.DocumentPolicy", (), order=33))
