"""Writes of the retention app that are not policies (policies.py), purges
(purge.py) or data-subject requests (subjects.py): legal holds, and starting
a purge by hand or by the nightly schedule."""

import datetime
import zoneinfo

from django.db import IntegrityError, transaction
from django.utils import timezone

from audit import services as audit

from . import policies, purge
from .models import LegalHold, PurgeRun, RunKind, RunStatus
from .purge import erasures_since

__all__ = ["erasures_since", "nightly_due", "place_hold", "release_hold", "request_purge", "update_hold"]

STALE = datetime.timedelta(minutes=10)


def _hold_data(hold) -> dict:
    return {
        "sites": sorted(s.pk for s in hold.sites.all()),
        "data_types": hold.data_types,
        "period_start": hold.period_start,
        "period_end": hold.period_end,
        "visitor": hold.visitor_id,
        "ends_on": hold.ends_on,
    }


@transaction.atomic
def place_hold(
    *,
    organization,
    by=None,
    reason,
    sites=(),
    data_types=(),
    period_start=None,
    period_end=None,
    visitor=None,
    ends_on=None,
) -> LegalHold:
    hold = LegalHold.objects.create(
        organization=organization,
        reason=reason,
        data_types=list(data_types),
        period_start=period_start,
        period_end=period_end,
        visitor=visitor,
        ends_on=ends_on,
        created_by=by,
    )
    hold.sites.set(sites)
    audit.record("retention.hold_placed", target=hold, data=_hold_data(hold))
    return hold


@transaction.atomic
def update_hold(*, hold, **values) -> LegalHold:
    sites = values.pop("sites", None)
    for field, value in values.items():
        setattr(hold, field, value)
    hold.save()
    if sites is not None:
        hold.sites.set(sites)
    audit.record("retention.hold_changed", target=hold, data=_hold_data(hold))
    return hold


@transaction.atomic
def release_hold(*, hold) -> LegalHold:
    if hold.released_at is None:
        hold.released_at = timezone.now()
        hold.save(update_fields=["released_at"])
        audit.record("retention.hold_released", target=hold, data={})
    return hold


def request_purge(*, organization, by=None) -> PurgeRun:
    """A purge now, by hand: queued, carried out by a worker after commit."""
    from .tasks import purge_organization  # cycle: retention.tasks imports this module

    run = purge.create_run(organization=organization, kind=RunKind.MANUAL, by=by)
    audit.record("retention.purge_requested", target=run, data={})
    org_id = organization.pk
    transaction.on_commit(lambda: purge_organization.delay(organization_id=org_id))
    return run


def nightly_due(organization, now) -> PurgeRun | None:
    """Create today's nightly run when it is 03:00 or later in the organization's
    time zone and none exists yet (inside the tenant scope). The unique
    constraint on (organization, local date) makes two schedulers harmless."""
    local = now.astimezone(zoneinfo.ZoneInfo(organization.timezone or "Europe/Paris"))
    if local.hour < policies.NIGHTLY_HOUR:
        return None
    if PurgeRun.objects.filter(kind=RunKind.NIGHTLY, local_date=local.date()).exists():
        return None
    try:
        with transaction.atomic():
            return purge.create_run(organization=organization, kind=RunKind.NIGHTLY, local_date=local.date())
    except IntegrityError:
        return None


def stale_runs(now):
    """Runs a dead worker left behind (no heartbeat for a while)."""
    return (
        PurgeRun.objects.filter(status__in=[RunStatus.QUEUED, RunStatus.RUNNING])
        .filter(created_at__lt=now - STALE)
        .exclude(heartbeat_at__gte=now - STALE)
    )
