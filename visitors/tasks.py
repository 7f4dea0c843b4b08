"""Scheduled visit work. Beat runs the `_all` tasks, which fan out one task per
organization; each opens its tenant scope and calls a service. Both services
only touch rows still in the state they change, so a second run does nothing."""

from celery import shared_task

from tenancy.models import Organization
from tenancy.scope import tenant_scope

from . import imports, services


@shared_task
def auto_checkout(organization_id: int) -> int:
    with tenant_scope(organization_id):
        return services.auto_checkout()


@shared_task
def mark_no_shows(organization_id: int) -> int:
    with tenant_scope(organization_id):
        return services.mark_no_shows()


@shared_task
def auto_checkout_all() -> None:
    for org_id in Organization.objects.values_list("pk", flat=True):
        auto_checkout.delay(org_id)


@shared_task
def no_shows_all() -> None:
    for org_id in Organization.objects.values_list("pk", flat=True):
        mark_no_shows.delay(org_id)


@shared_task(bind=True, max_retries=imports.MAX_ATTEMPTS, acks_late=True, reject_on_worker_lost=True)
def run_import(self, organization_id: int, job_id: int) -> bool:
    # acks_late + reject_on_worker_lost: a worker killed mid-import leaves the
    # message to be delivered again; the claim in the service makes that safe,
    # and the import's single transaction leaves nothing half done.
    try:
        return imports.run_import(organization_id=organization_id, job_id=job_id)
    except Exception as exc:
        raise self.retry(exc=exc, countdown=30 * (self.request.retries + 1)) from exc


@shared_task
def resume_stalled_imports(organization_id: int) -> None:
    with tenant_scope(organization_id):
        ids = imports.stalled_jobs()
    for job_id in ids:
        imports.enqueue(organization_id, job_id)


@shared_task
def forget_old_imports(organization_id: int) -> int:
    with tenant_scope(organization_id):
        return imports.forget_old_jobs()


@shared_task
def imports_upkeep_all() -> None:
    for org_id in Organization.objects.values_list("pk", flat=True):
        resume_stalled_imports.delay(org_id)
        forget_old_imports.delay(org_id)
