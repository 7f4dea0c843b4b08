"""Scheduled visit work. Beat runs the `_all` tasks, which fan out one task per
organization; each runs in its tenant scope (`tenancy.tasks.tenant_task`) and
calls a service. Both services only touch rows still in the state they change,
so a second run does nothing."""

from tenancy.models import Organization
from tenancy.scope import tenant_scope
from tenancy.tasks import platform_task, tenant_task

from . import imports, services


@tenant_task
def auto_checkout(organization_id: int) -> int:
    return services.auto_checkout()


@tenant_task
def mark_no_shows(organization_id: int) -> int:
    return services.mark_no_shows()


@platform_task
def auto_checkout_all() -> None:
    for org_id in Organization.objects.values_list("pk", flat=True):
        auto_checkout.delay(org_id)


@platform_task
def no_shows_all() -> None:
    for org_id in Organization.objects.values_list("pk", flat=True):
        mark_no_shows.delay(org_id)


# steps: the service claims the job, reads the file outside any transaction,
# then imports in one transaction of its own.
@tenant_task(
    steps=True, bind=True, max_retries=imports.MAX_ATTEMPTS, acks_late=True, reject_on_worker_lost=True
)
def run_import(self, organization_id: int, job_id: int) -> bool:
    # acks_late + reject_on_worker_lost: a worker killed mid-import leaves the
    # message to be delivered again; the claim in the service makes that safe,
    # and the import's single transaction leaves nothing half done.
    try:
        return imports.run_import(organization_id=organization_id, job_id=job_id)
    except Exception as exc:
        raise self.retry(exc=exc, countdown=30 * (self.request.retries + 1)) from exc


# steps: the jobs are read in the scope, and sent to the queue after it closed.
@tenant_task(steps=True)
def resume_stalled_imports(organization_id: int) -> None:
    with tenant_scope(organization_id):
        ids = imports.stalled_jobs()
    for job_id in ids:
        imports.enqueue(organization_id, job_id)


@tenant_task
def forget_old_imports(organization_id: int) -> int:
    return imports.forget_old_jobs()


@platform_task
def imports_upkeep_all() -> None:
    for org_id in Organization.objects.values_list("pk", flat=True):
        resume_stalled_imports.delay(org_id)
        forget_old_imports.delay(org_id)
