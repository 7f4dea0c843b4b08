"""The document and consent data types, for retention (config.registries).

Called by the retention app inside the organization's scope. Files are removed
first and checked gone; a row whose file could not be removed is kept (and its
key reported) so that a later run can retry, never a row pointing nowhere."""

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from config.registries import PurgeResult, RetentionType

from . import storage
from .models import Attachment, SignedConsent

PLACEHOLDER = "[anonymised]"


class _Files(RetentionType):
    def __init__(self, store=None):
        self._store = store

    @property
    def store(self):
        return self._store or storage.document_storage()

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
    timestamp_field = "uploaded_at"
    site_field = "site_id"

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
    timestamp_field = "signed_at"
    site_field = "site_id"

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
