"""Export tasks. Thin: each runs in the organization's scope (`tenant_task`), or
opens it in steps inside the service for exports, which need several
transactions, and calls a service.

Beat runs the `_all` tasks (platform tasks), which fan out one task per
organization."""

from tenancy.models import Organization
from tenancy.scope import tenant_scope
from tenancy.tasks import platform_task, tenant_task

from . import scheduling, services


# steps: the job is claimed, the file written in chunks that commit progress.
@tenant_task(
    steps=True, bind=True, max_retries=services.MAX_ATTEMPTS, acks_late=True, reject_on_worker_lost=True
)
def run_export(self, organization_id: int, job_id: int) -> bool:
    # acks_late + reject_on_worker_lost: a worker killed mid-export leaves the
    # message to be delivered again; the claim in the service makes that safe.
    try:
        return services.run_export(organization_id=organization_id, job_id=job_id)
    except Exception as exc:
        raise self.retry(exc=exc, countdown=30 * (self.request.retries + 1)) from exc


# steps: the jobs are read in the scope, and sent to the queue after it closed.
@tenant_task(steps=True)
def resume_stalled(organization_id: int) -> None:
    with tenant_scope(organization_id):
        ids = services.stalled_jobs()
    for job_id in ids:
        run_export.delay(organization_id, job_id)


@tenant_task
def expire_exports(organization_id: int) -> int:
    return services.expire_exports()


# steps: the tick opens the scope itself (scheduling.tick).
@tenant_task(steps=True)
def run_schedules(organization_id: int) -> int:
    return scheduling.tick(organization_id=organization_id)


@platform_task
def resume_stalled_all() -> None:
    for org_id in Organization.objects.values_list("pk", flat=True):
        resume_stalled.delay(org_id)


@platform_task
def expire_exports_all() -> None:
    for org_id in Organization.objects.values_list("pk", flat=True):
        expire_exports.delay(org_id)


@platform_task
def run_schedules_all() -> None:
    for org_id in Organization.objects.values_list("pk", flat=True):
        run_schedules.delay(org_id)
