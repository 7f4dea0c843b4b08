"""Celery tasks: thin, idempotent, given ids (`tenancy.tasks`: a tenant task
needs its organization's id, a platform task says it has none)."""

from tenancy.models import Organization
from tenancy.scope import tenant_scope
from tenancy.tasks import platform_task, tenant_task

from . import delivery, services


# steps: the message is claimed in the scope and committed before the network
# call, which runs outside any transaction; the outcome is recorded after.
@tenant_task(steps=True, name="notifications.send_message", acks_late=True)
def send_message(organization_id: int, message_id: int) -> str:
    # Safe to run twice: delivery.send claims the row with a conditional UPDATE.
    return delivery.send(organization_id, message_id)


@platform_task(name="notifications.sweep")
def sweep() -> int:
    return delivery.sweep_all()


@platform_task(name="notifications.check_overdue")
def check_overdue() -> int:
    total = 0
    for org_id in Organization.objects.values_list("pk", flat=True):
        with tenant_scope(org_id):
            total += services.record_overdue()
    return total
