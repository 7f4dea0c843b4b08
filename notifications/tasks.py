"""Celery tasks: thin, idempotent, given ids."""

from celery import shared_task

from tenancy.models import Organization
from tenancy.scope import tenant_scope

from . import delivery, services


@shared_task(name="notifications.send_message", acks_late=True)
def send_message(organization_id: int, message_id: int) -> str:
    # Safe to run twice: delivery.send claims the row with a conditional UPDATE.
    return delivery.send(organization_id, message_id)


@shared_task(name="notifications.sweep")
def sweep() -> int:
    return delivery.sweep_all()


@shared_task(name="notifications.check_overdue")
def check_overdue() -> int:
    total = 0
    for org_id in Organization.objects.values_list("pk", flat=True):
        with tenant_scope(org_id):
            total += services.record_overdue()
    return total
