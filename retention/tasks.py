"""Celery tasks: thin, each receives an organization id (`tenancy.tasks`: a
tenant task needs its organization's id, a platform task says it has none)."""

from django.db import transaction
from django.utils import timezone

from tenancy.models import Organization
from tenancy.scope import tenant_scope
from tenancy.tasks import platform_task, tenant_task

from . import purge, services


@platform_task(name="retention.schedule_nightly")
def schedule_nightly() -> int:
    """Every 15 minutes: start the nightly purge of each organization whose local
    03:00 has come today, and restart runs a dead worker left behind."""
    now = timezone.now()
    queued = 0
    for org in Organization.objects.all():
        with tenant_scope(org):
            due = services.nightly_due(org, now) is not None
            stale = services.stale_runs(now).exists()
            if due or stale:
                org_id = org.pk
                transaction.on_commit(lambda org_id=org_id: purge_organization.delay(organization_id=org_id))
                queued += 1
    return queued


# steps: an advisory lock per organization, then small transactions per batch.
@tenant_task(steps=True, name="retention.purge_organization", acks_late=True)
def purge_organization(organization_id: int) -> list[int]:
    return purge.run_pending(organization_id)
