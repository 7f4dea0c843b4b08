"""The document archive: a ZIP of attachments and consent certificates for some
sites and a period, with a manifest and a count of what was left out and why.

Built by a Celery task (documents.tasks.build_document_archive) in three steps so
that no storage call happens inside a database transaction."""

import csv
import datetime
import hashlib
import io
import logging
import tempfile
import zipfile
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit import services as audit
from config.registries import consultation
from tenancy.models import Membership, Role
from tenancy.scope import tenant_scope

from . import files, storage
from .models import ArchiveStatus, Attachment, DocumentArchive, SignedConsent

log = logging.getLogger(__name__)

# Why a document is not in an archive; the keys of DocumentArchive.left_out.
OUTSIDE_PERIMETER = "outside_perimeter"
DELETED_BY_RETENTION = "deleted_by_retention"
MISSING_IN_STORAGE = "missing_in_storage"
# Past its consultation period: only compliance exports it (retention archive rule).
ARCHIVED = "archived"
REASONS = (OUTSIDE_PERIMETER, ARCHIVED, DELETED_BY_RETENTION, MISSING_IN_STORAGE)
MANIFEST_COLUMNS = ["visit", "visitor_reference", "document_kind", "file_name", "sha256"]


def archive_days() -> int:
    return getattr(settings, "DOCUMENTS_ARCHIVE_DAYS", 7)


class ArchiveRefused(Exception):
    pass


@transaction.atomic
def request_archive(*, membership: Membership, site_ids, date_from, date_to) -> DocumentArchive:
    """Record the request and queue the build once the request is committed."""
    from .tasks import build_document_archive  # cycle: documents.tasks imports this module

    if membership.role not in (Role.ADMIN, Role.COMPLIANCE):
        raise ArchiveRefused(_("Only administrators and compliance officers may export documents."))
    if not site_ids:
        raise ArchiveRefused(_("Choose at least one site."))
    if date_to < date_from:
        raise ArchiveRefused(_("The end of the period is before its start."))
    archive = DocumentArchive.objects.create(
        organization_id=membership.organization_id,
        requested_by=membership,
        site_ids=sorted({int(s) for s in site_ids}),
        date_from=date_from,
        date_to=date_to,
    )
    audit.record(
        "documents.archive_requested",
        target=archive,
        data={"site_ids": archive.site_ids, "from": date_from, "to": date_to},
    )
    org_id, pk = archive.organization_id, archive.pk
    transaction.on_commit(lambda: build_document_archive.delay(org_id, pk))
    return archive


@dataclass
class Entry:
    key: str
    arcname: str
    visit: int | None
    visitor: int | None
    kind: str
    sha256: str


def _perimeter(membership: Membership | None):
    """Site ids the requester may see, or None for every site."""
    if membership is None or not membership.is_active:
        return frozenset()
    if membership.sees_all_sites:
        return None
    return membership.site_ids


def _in_consultation(archive: DocumentArchive, queryset, data_type: str) -> set[int] | None:
    """Ids still in their consultation period, or None when the requester is
    compliance (who may export archived documents too)."""
    requester = archive.requested_by
    if requester is not None and requester.role == Role.COMPLIANCE:
        return None
    return set(consultation.within(queryset, data_type).values_list("pk", flat=True))


def _csv_cell(value) -> str:
    """Spreadsheets run cells starting with these as formulas: neutralise them."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _collect(archive: DocumentArchive) -> tuple[list[Entry], dict[str, int]]:
    start = datetime.datetime.combine(archive.date_from, datetime.time.min, tzinfo=datetime.UTC)
    end = datetime.datetime.combine(archive.date_to, datetime.time.max, tzinfo=datetime.UTC)
    perimeter = _perimeter(archive.requested_by)
    left_out = dict.fromkeys(REASONS, 0)
    entries: list[Entry] = []

    def allowed(site_id) -> bool:
        return perimeter is None or site_id in perimeter

    attachments = Attachment.objects.filter(
        site_id__in=archive.site_ids, uploaded_at__gte=start, uploaded_at__lte=end
    ).order_by("pk")
    current = _in_consultation(archive, attachments, "documents")
    for item in attachments:
        if not allowed(item.site_id):
            left_out[OUTSIDE_PERIMETER] += 1
        elif current is not None and item.pk not in current:
            left_out[ARCHIVED] += 1
        elif item.purged_at:
            left_out[DELETED_BY_RETENTION] += 1
        else:
            name = files.safe_name(item.original_name)
            entries.append(
                Entry(
                    item.storage_key,
                    f"visit-{item.visit_id}/{item.kind}-{item.pk}-{name}",
                    item.visit_id,
                    item.visitor_id,
                    item.kind,
                    item.sha256,
                )
            )
    consents = SignedConsent.objects.filter(
        site_id__in=archive.site_ids, signed_at__gte=start, signed_at__lte=end
    ).order_by("pk")
    current = _in_consultation(archive, consents, "consents")
    for consent in consents:
        if not allowed(consent.site_id):
            left_out[OUTSIDE_PERIMETER] += 1
        elif current is not None and consent.pk not in current:
            left_out[ARCHIVED] += 1
        elif consent.anonymised_at or not consent.certificate_key:
            left_out[DELETED_BY_RETENTION] += 1
        else:
            entries.append(
                Entry(
                    consent.certificate_key,
                    f"visit-{consent.visit_id}/consent-{consent.pk}.pdf",
                    consent.visit_id,
                    consent.visitor_id,
                    "consent_certificate",
                    consent.certificate_sha256,
                )
            )
    return entries, left_out


def _write_zip(entries: list[Entry], left_out: dict[str, int], store) -> tuple[bytes, int]:
    """The ZIP's bytes and how many documents went in; missing objects counted."""
    manifest = io.StringIO()
    writer = csv.writer(manifest)
    writer.writerow(MANIFEST_COLUMNS)
    included = 0
    with tempfile.SpooledTemporaryFile(max_size=32 * 1024 * 1024) as spool:
        with zipfile.ZipFile(spool, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            for entry in entries:
                try:
                    content = storage.read(store, entry.key)
                except (FileNotFoundError, *storage.STORAGE_ERRORS):
                    left_out[MISSING_IN_STORAGE] += 1
                    continue
                zf.writestr(entry.arcname, content)
                writer.writerow(
                    [
                        _csv_cell(v)
                        for v in (entry.visit, entry.visitor, entry.kind, entry.arcname, entry.sha256)
                    ]
                )
                included += 1
            zf.writestr("manifest.csv", manifest.getvalue())
            summary = io.StringIO()
            summary_writer = csv.writer(summary)
            summary_writer.writerow(["reason", "count"])
            for reason in REASONS:
                summary_writer.writerow([reason, left_out[reason]])
            zf.writestr("left_out.csv", summary.getvalue())
        spool.seek(0)
        return spool.read(), included


def build_archive(*, organization_id: int, archive_id: int, store=None) -> DocumentArchive | None:
    """Build one archive; safe to run twice (only a queued archive is claimed).

    1. In the tenant scope: claim the archive, list what goes in and what not.
    2. Outside any transaction: read the objects, write the ZIP, store it.
    3. In the tenant scope: record the result and journal the export.
    """
    store = store or storage.document_storage()
    with tenant_scope(organization_id):
        claimed = DocumentArchive.objects.filter(pk=archive_id, status=ArchiveStatus.QUEUED).update(
            status=ArchiveStatus.RUNNING
        )
        if not claimed:
            return None
        archive = DocumentArchive.objects.select_related("requested_by").get(pk=archive_id)
        entries, left_out = _collect(archive)
    key = ""
    try:
        content, included = _write_zip(entries, left_out, store)
        key = storage.put(
            store, files.random_key("archives", organization_id, ".zip"), content, "application/zip"
        )
        with tenant_scope(organization_id):
            archive = DocumentArchive.objects.get(pk=archive_id)
            archive.status = ArchiveStatus.READY
            archive.storage_key = key
            archive.size = len(content)
            archive.sha256 = hashlib.sha256(content).hexdigest()
            archive.included = included
            archive.left_out = left_out
            archive.finished_at = timezone.now()
            archive.expires_at = archive.finished_at + datetime.timedelta(days=archive_days())
            archive.save()
            audit.record(
                "documents.archive_exported",
                target=archive,
                data={
                    "site_ids": archive.site_ids,
                    "included": included,
                    "left_out": left_out,
                    "requested_by": archive.requested_by_id,
                    "sha256": archive.sha256,
                },
            )
        return archive
    except Exception as exc:
        log.exception("document archive %s failed", archive_id)
        if key:
            storage.remove(store, key)
        with tenant_scope(organization_id):
            DocumentArchive.objects.filter(pk=archive_id).update(
                status=ArchiveStatus.FAILED, error=str(exc)[:500], finished_at=timezone.now()
            )
        return None


def download_archive(*, archive: DocumentArchive, store=None):
    store = store or storage.document_storage()
    if archive.status != ArchiveStatus.READY or (archive.expires_at and archive.expires_at <= timezone.now()):
        return None
    audit.record("documents.archive_downloaded", target=archive, data={"sha256": archive.sha256})
    return storage.serve(
        store, archive.storage_key, filename=f"documents-{archive.pk}.zip", content_type="application/zip"
    )


def expire_archives(*, organization_id: int, store=None) -> int:
    """Remove expired archives' files; the rows stay as a record of the export."""
    store = store or storage.document_storage()
    with tenant_scope(organization_id):
        due = list(
            DocumentArchive.objects.filter(
                status=ArchiveStatus.READY, expires_at__lte=timezone.now()
            ).values_list("pk", "storage_key")
        )
    done = 0
    for pk, key in due:
        if storage.remove(store, key):
            with tenant_scope(organization_id):
                DocumentArchive.objects.filter(pk=pk).update(status=ArchiveStatus.EXPIRED, storage_key="")
                audit.record("documents.archive_expired", target=("documents.documentarchive", pk))
            done += 1
    return done
