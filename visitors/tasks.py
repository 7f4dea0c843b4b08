"""Scheduled visit work. Beat runs the `_all` tasks, which fan out one task per
organization; each opens its tenant scope and calls a service. Both services
only touch rows still in the state they change, so a second run does nothing."""

from celery import shared_task

from tenancy.models import Organization
from tenancy.scope import tenant_scope

from . import services


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
