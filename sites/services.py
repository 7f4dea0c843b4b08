"""Writes of sites and desks; each one is journaled."""

from collections import Counter

from django.db import transaction
from django.db.models import ProtectedError, RestrictedError
from django.utils.translation import gettext as _

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
    """Deletes the site and its desks; refuses (SiteInUse) while rows that must
    outlive a deletion still point at it: visits, badge prints and so on."""
    site_id = site.pk
    try:
        with transaction.atomic():
            site.delete()
    except (ProtectedError, RestrictedError) as exc:
        blocking = getattr(exc, "protected_objects", None) or exc.restricted_objects
        raise SiteInUse(Counter(type(row) for row in blocking)) from exc
    audit.record("site.deleted", target=("sites.site", site_id), site=site_id)


class SiteInUse(Exception):
    """A site that rows still use; `uses` counts them per model."""

    def __init__(self, uses: Counter):
        super().__init__("site in use")
        self.uses = uses

    def as_list(self) -> list[dict]:
        """[{"model": "visitors.visit", "label": "visits", "count": 3}, ...], for the caller."""
        return [
            {
                "model": model._meta.label_lower,
                "label": str(model._meta.verbose_name if count == 1 else model._meta.verbose_name_plural),
                "count": count,
            }
            for model, count in sorted(self.uses.items(), key=lambda item: item[0]._meta.label_lower)
        ]

    def message(self) -> str:
        listed = ", ".join(f"{use['count']} {use['label']}" for use in self.as_list())
        return _("This site is still used by: %(uses)s. Delete or move them first.") % {"uses": listed}


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
