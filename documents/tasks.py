"""Celery tasks: thin, they receive ids (`tenancy.tasks`: a tenant task needs
its organization's id, a platform task says it has none)."""

from tenancy.models import Organization
from tenancy.tasks import platform_task, tenant_task

from . import archive, sweeper


# steps: the archive is claimed in the scope, the ZIP written outside any
# transaction, the result recorded in the scope again.
@tenant_task(steps=True, name="documents.build_archive")
def build_document_archive(organization_id: int, archive_id: int) -> None:
    archive.build_archive(organization_id=organization_id, archive_id=archive_id)


@platform_task(name="documents.expire_archives")
def expire_document_archives() -> None:
    # Organization is the tenant table itself (not row-level secured): listing
    # ids is the visible opt-out before entering each tenant's scope.
    for organization_id in Organization.objects.values_list("pk", flat=True):
        archive.expire_archives(organization_id=organization_id)


@platform_task(name="documents.sweep_orphans")
def sweep_document_orphans() -> None:
    for organization_id in Organization.objects.values_list("pk", flat=True):
        sweeper.sweep_orphans(organization_id=organization_id)
