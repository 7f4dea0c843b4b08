"""Writes of badge templates, assignments and prints; each one is journaled."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from audit import services as audit
from visitors.models import Visit, VisitStatus

from . import images
from .layout import default_layout, validate_layout
from .models import BadgeAssignment, BadgeImage, BadgePrint, BadgeTemplate, BadgeTemplateVersion
from .presets import ORIENTATIONS, PORTRAIT, presets
from .selectors import resolve_template

DESIGN_FIELDS = ("preset", "orientation", "layout")
DEFAULT_NAME = "Badge"


class BadgeError(Exception):
    """A print that may not happen (the visit is not on site, no reason given...)."""

    def __init__(self, message, code: str):
        super().__init__(message)
        self.message = message
        self.code = code


def check_design(preset: str, orientation: str, layout) -> list[dict]:
    if preset not in presets:
        raise ValidationError({"preset": _("Unknown page preset: %(p)s.") % {"p": preset}})
    if orientation not in dict(ORIENTATIONS):
        raise ValidationError({"orientation": _("Orientation must be portrait or landscape.")})
    try:
        return validate_layout(layout, preset_key=preset, orientation=orientation)
    except ValidationError as exc:
        raise ValidationError({"layout": exc.messages}) from exc


def store_image(*, organization, raw: bytes) -> BadgeImage:
    try:
        content_type = images.check_logo(raw)
    except ValidationError as exc:
        raise ValidationError({"logo": exc.messages}) from exc
    image, _created = BadgeImage.objects.get_or_create(
        organization=organization,
        sha256=images.digest(raw),
        defaults={"content_type": content_type, "data": raw},
    )
    return image


def _snapshot(template: BadgeTemplate, by) -> BadgeTemplateVersion:
    version = BadgeTemplateVersion.objects.create(
        organization_id=template.organization_id,
        template=template,
        number=template.version,
        preset=template.preset,
        orientation=template.orientation,
        layout=template.layout,
        logo=template.logo,
        created_by=by,
    )
    template.current = version
    template.save(update_fields=["current", "version", "updated_at"])
    return version


def _check_name(name: str, exclude_pk=None):
    others = BadgeTemplate.objects.filter(name=name)
    if exclude_pk:
        others = others.exclude(pk=exclude_pk)
    if not name or not name.strip():
        raise ValidationError({"name": _("A name is required.")})
    if others.exists():
        raise ValidationError({"name": _("A badge template with this name already exists.")})


@transaction.atomic
def create_template(
    *, organization, by, name, preset, orientation=PORTRAIT, layout=None, logo: bytes | None = None
) -> BadgeTemplate:
    """A new template (version 1). Without a layout it starts from the default one."""
    _check_name(name)
    if layout is None and preset in presets:
        layout = default_layout(preset, orientation)
    layout = check_design(preset, orientation, layout)
    template = BadgeTemplate.objects.create(
        organization=organization,
        name=name.strip(),
        preset=preset,
        orientation=orientation,
        layout=layout,
        logo=store_image(organization=organization, raw=logo) if logo else None,
    )
    version = _snapshot(template, by)
    audit.record("badge_template.created", target=template, data={"version": version.number})
    return template


@transaction.atomic
def update_template(
    *, template: BadgeTemplate, by, logo: bytes | None = None, remove_logo: bool = False, **values
) -> BadgeTemplate:
    """Change a template; a change of page, layout or logo makes a new version.
    `layout=None` starts over from the default layout of the (new) page."""
    template = BadgeTemplate.objects.select_for_update().get(pk=template.pk)
    if "layout" in values and values["layout"] is None:
        preset, orientation = (
            values.get("preset", template.preset),
            values.get("orientation", template.orientation),
        )
        values["layout"] = default_layout(preset, orientation) if preset in presets else []
    changed = [
        f for f in ("name", "active", *DESIGN_FIELDS) if f in values and getattr(template, f) != values[f]
    ]
    if "name" in changed:
        _check_name(values["name"], exclude_pk=template.pk)
    new_logo = template.logo
    if logo:
        new_logo = store_image(organization=template.organization, raw=logo)
    elif remove_logo:
        new_logo = None
    if new_logo != template.logo:
        changed.append("logo")
    for field in changed:
        if field != "logo":
            setattr(template, field, values[field])
    template.logo = new_logo
    if any(f in changed for f in (*DESIGN_FIELDS, "logo")):
        template.layout = check_design(template.preset, template.orientation, template.layout)
        template.version += 1
        template.save()
        _snapshot(template, by)
    elif changed:
        template.save()
    if changed:
        audit.record(
            "badge_template.updated", target=template, data={"fields": changed, "version": template.version}
        )
    return template


@transaction.atomic
def delete_template(*, template: BadgeTemplate) -> None:
    """Delete a template never printed with; one that was is archived instead
    (its versions are the proof of what badges looked like)."""
    if BadgePrint.objects.filter(template_version__template=template).exists():
        raise BadgeError(_("Badges were printed with this template: deactivate it instead."), "printed")
    template_id = template.pk
    BadgeTemplate.objects.filter(pk=template_id).update(current=None)
    template.delete()
    audit.record("badge_template.deleted", target=("badges.badgetemplate", template_id))


@transaction.atomic
def assign_template(*, template: BadgeTemplate, site=None, desk=None, visit_type=None) -> BadgeAssignment:
    """Use `template` for this site/desk/visit type; replaces the assignment of
    the same target. All empty: the organization's default."""
    if desk is not None:
        if site is not None and desk.site_id != site.pk:
            raise ValidationError({"desk": _("This desk belongs to another site.")})
        site = desk.site
    assignment, _created = BadgeAssignment.objects.update_or_create(
        site=site, desk=desk, visit_type=visit_type,
        defaults={"template": template, "organization_id": template.organization_id},
    )  # fmt: skip
    audit.record(
        "badge_template.assigned",
        target=template,
        site=site.pk if site else None,
        data={"assignment": assignment.pk, "desk": desk.pk if desk else None,
              "visit_type": visit_type.pk if visit_type else None},
    )  # fmt: skip
    return assignment


@transaction.atomic
def unassign_template(*, assignment: BadgeAssignment) -> None:
    assignment_id, template_id, site_id = assignment.pk, assignment.template_id, assignment.site_id
    assignment.delete()
    audit.record(
        "badge_template.unassigned",
        target=("badges.badgetemplate", template_id),
        site=site_id,
        data={"assignment": assignment_id},
    )


def ensure_template(*, organization, by, site, desk=None, visit_type=None) -> BadgeTemplate:
    """The template for this badge; an organization without any gets a default
    one, so the first arrival ever still prints."""
    template = resolve_template(site=site, desk=desk, visit_type=visit_type)
    if template is not None:
        return template
    try:
        with transaction.atomic():
            return create_template(
                organization=organization, by=by, name=DEFAULT_NAME, preset="brother_ql_62x100"
            )
    except (IntegrityError, ValidationError):
        # Someone created it meanwhile (or a template named so exists, inactive).
        return resolve_template(site=site, desk=desk, visit_type=visit_type) or BadgeTemplate.objects.get(
            name=DEFAULT_NAME
        )


@transaction.atomic
def print_badges(*, visits, desk, by, reprint_reason: str = "", first_only: bool = False) -> list[BadgePrint]:
    """Record the print of these visits' badges, with the template each resolves to.

    1. Lock the visits (two clicks must not print one badge twice as a first print).
    2. Refuse a visit not on site; a reprint needs a reason and a first print.
    3. One BadgePrint and one `badge.printed` event per visit; the badge number
       is the visit's own, so a reprint shows the same number.
    `first_only`: skip visits already printed (the auto-print page, reloaded).
    """
    reason = (reprint_reason or "").strip()
    # Locked in id order, so two group prints sharing visits cannot deadlock.
    locked = {
        row.pk: row
        for row in Visit.objects.select_for_update().filter(pk__in=[v.pk for v in visits]).order_by("pk")
    }
    printed = set(BadgePrint.objects.filter(visit__in=list(locked)).values_list("visit_id", flat=True))
    prints, events = [], []
    for visit in visits:  # in the caller's order: the order of the PDF's pages
        row = locked[visit.pk]
        if row.status != VisitStatus.ARRIVED:
            raise BadgeError(_("The visitor has not arrived: no badge to print."), "not_arrived")
        if reason and row.pk not in printed:
            raise BadgeError(_("This badge was never printed: print it first."), "not_printed")
        if not reason and row.pk in printed:
            if first_only:
                continue
            raise BadgeError(_("This badge was already printed: give a reason to reprint it."), "printed")
        here = desk or row.arrived_desk or row.desk
        if here is not None and here.site_id != row.site_id:
            raise BadgeError(_("This desk is not at the visit's site."), "wrong_site")
        template = ensure_template(
            organization=row.organization, by=by, site=row.site_id, desk=here, visit_type=row.visit_type_id
        )
        badge = BadgePrint.objects.create(
            organization_id=row.organization_id,
            visit=visit,
            template_version=template.current,
            desk=here,
            site_id=row.site_id,
            printed_by=by,
            badge_number=row.badge_number,
            reprint_reason=reason[:200],
        )
        prints.append(badge)
        events.append((row, {"print": badge.pk, "template": template.pk, "version": template.current.number,
                             "desk": here.pk if here else None, "reprint": bool(reason)}))  # fmt: skip
    # The journal last: its head row is the organization's lock, held until commit.
    for row, data in events:
        audit.record("badge.printed", target=row, site=row.site_id, data=data)
    return prints
