"""Writes of sites and desks; each one is journaled."""

from django.db import transaction

from audit import services as audit

from .models import Desk, Site

SITE_FIELDS = ("name", "address", "timezone", "language", "end_of_day", "kiosk_badge")
DESK_FIELDS = ("name", "active")


def _changed(instance, fields, values) -> list[str]:
    return [f for f in fields if f in values and getattr(instance, f) != values[f]]


@transaction.atomic
def create_site(*, organization, **values) -> Site:
    site = Site.objects.create(
        organization=organization, **{k: values[k] for k in SITE_FIELDS if k in values}
    )
    audit.record("site.created", target=site, site=site)
    return site


@transaction.atomic
def update_site(*, site: Site, **values) -> Site:
    changed = _changed(site, SITE_FIELDS, values)
    for field in changed:
        setattr(site, field, values[field])
    if changed:
        site.save(update_fields=changed)
        audit.record("site.updated", target=site, site=site, data={"fields": changed})
    return site


@transaction.atomic
def delete_site(*, site: Site) -> None:
    site_id = site.pk
    site.delete()
    audit.record("site.deleted", target=("sites.site", site_id), site=site_id)


@transaction.atomic
def create_desk(*, site: Site, **values) -> Desk:
    desk = Desk.objects.create(
        organization_id=site.organization_id,
        site=site,
        **{k: values[k] for k in DESK_FIELDS if k in values},
    )
    audit.record("desk.created", target=desk, site=site)
    return desk


@transaction.atomic
def update_desk(*, desk: Desk, **values) -> Desk:
    changed = _changed(desk, DESK_FIELDS, values)
    for field in changed:
        setattr(desk, field, values[field])
    if changed:
        desk.save(update_fields=changed)
        audit.record("desk.updated", target=desk, site=desk.site_id, data={"fields": changed})
    return desk
