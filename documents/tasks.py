"""Celery tasks: thin, they receive ids and open the tenant scope themselves."""

from celery import shared_task

from tenancy.models import Organization

from . import archive, sweeper


@shared_task(name="documents.build_archive")
def build_document_archive(organization_id: int, archive_id: int) -> None:
    archive.build_archive(organization_id=organization_id, archive_id=archive_id)


@shared_task(name="documents.expire_archives")
def expire_document_archives() -> None:
    # Organization is the tenant table itself (not row-level secured): listing
    # ids is the visible opt-out before entering each tenant's scope.
    for organization_id in Organization.objects.values_list("pk", flat=True):
        archive.expire_archives(organization_id=organization_id)


@shared_task(name="documents.sweep_orphans")
def sweep_document_orphans() -> None:
    for organization_id in Organization.objects.values_list("pk", flat=True):
        sweeper.sweep_orphans(organization_id=organization_id)
