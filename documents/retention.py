"""The document and consent data types, for retention (config.registries;
registered at import, which the retention app does at start-up).

Called by the retention app inside the organization's scope. Files are removed
first and checked gone; a row whose file could not be removed is kept (and its
key reported) so that a later run can retry, never a row pointing nowhere."""

import datetime

from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from config.registries import PurgeResult, RetentionType, retention_types

from . import storage
from .models import Attachment, ConsentVersion, SignedConsent

PLACEHOLDER = "[anonymised]"


def _day(moment) -> str:
    if isinstance(moment, str):  # rows of a data-subject export are plain JSON values
        moment = datetime.datetime.fromisoformat(moment)
    return timezone.localtime(moment).date().isoformat() if moment else ""


def _ext(key: str, default: str) -> str:
    name = key.rsplit("/", 1)[-1]
    return name.rsplit(".", 1)[-1].lower() if "." in name else default


class _Files(RetentionType):
    def __init__(self, store=None):
        self._store = store

    @property
    def store(self):
        return self._store or storage.document_storage()

    def read_subject_file(self, key: str) -> bytes | None:
        """A file for a data-subject export; None when storage does not have it."""
        try:
            return storage.read(self.store, key)
        except (OSError, *storage.STORAGE_ERRORS):
            return None

    def _drop(self, keys, result: PurgeResult) -> bool:
        ok = True
        for key in keys:
            if not key:
                continue
            if storage.remove(self.store, key):
                result.objects_deleted += 1
            else:
                result.object_failures.append(key)
                ok = False
        return ok


class DocumentsRetention(_Files):
    """Attachments: anonymising drops the file and its name, keeps kind and size."""

    key = "documents"
    label = _("Documents (attachments)")
    order = 20
    subject_folder = _("documents")
    timestamp_field = "uploaded_at"
    site_field = "site_id"

    def subject_files(self, rows):
        """(file name, storage key) of each row's file, for a data-subject export:
        `2026-11-29-piece-d-identite.pdf`, after the day and the name given."""
        for row in rows:
            if not row.get("storage_key") or row.get("purged_at"):
                continue
            original = row.get("original_name") or ""
            stem = original.rsplit(".", 1)[0] if "." in original else original
            label = slugify(stem) or slugify(row.get("kind") or "") or "document"
            yield (
                f"{_day(row.get('uploaded_at'))}-{label}.{_ext(original or row['storage_key'], 'bin')}",
                row["storage_key"],
            )

    def queryset(self):
        return Attachment.objects.all()

    def archive_link(self, row) -> str | None:
        return None if row.purged_at else reverse("attachment-download", kwargs={"pk": row.pk})

    def anonymise(self, ids) -> PurgeResult:
        result = PurgeResult()
        gone = [
            pk
            for pk, key in Attachment.objects.filter(pk__in=list(ids), purged_at__isnull=True).values_list(
                "pk", "storage_key"
            )
            if self._drop([key], result)
        ]
        # One UPDATE for the batch, and only for rows whose file is really gone.
        result.rows_anonymised = Attachment.objects.filter(pk__in=gone).update(
            purged_at=timezone.now(), original_name=PLACEHOLDER, visitor=None
        )
        return result

    def delete(self, ids) -> PurgeResult:
        result = PurgeResult()
        for item in Attachment.objects.filter(pk__in=list(ids)):
            if item.purged_at or self._drop([item.storage_key], result):
                item.delete()
                result.rows_deleted += 1
        return result


class ConsentsRetention(_Files):
    """Signed consents: anonymising blanks the signer and drops the signature and
    certificate; the version signed and the text's hash stay for statistics."""

    key = "consents"
    label = _("Signed consents")
    order = 21
    subject_folder = _("consents")
    timestamp_field = "signed_at"
    site_field = "site_id"

    def subject_files(self, rows):
        """(file name, storage key) of each consent's certificate and signature,
        named after the text signed in the language of the export:
        `2026-11-29-regles-de-securite.pdf`, `...-signature.png`."""
        titles = {
            version.pk: version.title_in()
            for version in ConsentVersion.objects.filter(
                pk__in={r["version_id"] for r in rows if r.get("version_id")}
            ).only("pk", "title", "body", "i18n")
        }
        for row in rows:
            base = (
                f"{_day(row.get('signed_at'))}-{slugify(titles.get(row.get('version_id'), '')) or 'consent'}"
            )
            if row.get("certificate_key"):
                yield f"{base}.{_ext(row['certificate_key'], 'pdf')}", row["certificate_key"]
            if row.get("signature_key"):
                yield f"{base}-signature.{_ext(row['signature_key'], 'png')}", row["signature_key"]

    def queryset(self):
        return SignedConsent.objects.all()

    def archive_link(self, row) -> str | None:
        if row.anonymised_at or not row.certificate_key:
            return None
        return reverse("consent-certificate", kwargs={"pk": row.pk})

    def anonymise(self, ids) -> PurgeResult:
        result = PurgeResult()
        for consent in SignedConsent.objects.filter(pk__in=list(ids), anonymised_at__isnull=True):
            # The signature image may be shared by several texts signed at once.
            shared = SignedConsent.objects.filter(
                signature_key=consent.signature_key, anonymised_at__isnull=True
            )
            keys = [consent.certificate_key]
            if consent.signature_key and not shared.exclude(pk=consent.pk).exclude(pk__in=list(ids)).exists():
                keys.append(consent.signature_key)
            if self._drop(keys, result):
                SignedConsent.objects.filter(pk=consent.pk).update(
                    signer_name=PLACEHOLDER,
                    signature_key="",
                    certificate_key="",
                    ip=None,
                    user_agent="",
                    visitor=None,
                    anonymised_at=timezone.now(),
                )
                result.rows_anonymised += 1
        return result

    def delete(self, ids) -> PurgeResult:
        result = PurgeResult()
        for consent in SignedConsent.objects.filter(pk__in=list(ids)):
            shared = SignedConsent.objects.filter(signature_key=consent.signature_key).exclude(pk=consent.pk)
            keys = [consent.certificate_key]
            if consent.signature_key and not shared.exclude(pk__in=list(ids)).exists():
                keys.append(consent.signature_key)
            if self._drop(keys, result):
                consent.delete()
                result.rows_deleted += 1
        return result


retention_types.register(DocumentsRetention())
retention_types.register(ConsentsRetention())
