"""Configuration capture: a template (page, layout, logo) as one JSON document,
to move it to another organization or to put it back after a restore."""

import base64
import binascii

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from . import images
from .models import BadgeTemplate
from .services import create_template

FORMAT = "vestibule.badge_template"
FORMAT_VERSION = 1


def export_template(template: BadgeTemplate) -> dict:
    logo = None
    if template.logo_id:
        raw = bytes(template.logo.data)
        logo = {
            "content_type": template.logo.content_type,
            "sha256": template.logo.sha256,
            "data": base64.b64encode(raw).decode("ascii"),
        }
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "name": template.name,
        "version": template.version,
        "preset": template.preset,
        "orientation": template.orientation,
        "layout": template.layout,
        "logo": logo,
    }


def _logo_bytes(logo) -> bytes | None:
    if logo in (None, ""):
        return None
    if not isinstance(logo, dict) or not isinstance(logo.get("data"), str):
        raise ValidationError({"logo": _("The logo must be an object with base64 data.")})
    try:
        raw = base64.b64decode(logo["data"], validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValidationError({"logo": _("The logo data is not valid base64.")}) from exc
    if logo.get("sha256") and logo["sha256"] != images.digest(raw):
        raise ValidationError({"logo": _("The logo does not match its checksum.")})
    return raw


def _free_name(name: str) -> str:
    """Importing next to an existing template keeps both: "Badge (2)"."""
    candidate, n = name, 1
    while BadgeTemplate.objects.filter(name=candidate).exists():
        n += 1
        candidate = f"{name} ({n})"
    return candidate


@transaction.atomic
def import_template(*, organization, by, document, name: str | None = None) -> BadgeTemplate:
    """Create a template from an exported document, checked like any other."""
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ValidationError({"format": _("This is not a Vestibule badge template export.")})
    if document.get("format_version") != FORMAT_VERSION:
        raise ValidationError({"format_version": _("Unsupported export format version.")})
    wanted = (name or document.get("name") or "").strip()
    if not wanted or not isinstance(wanted, str):
        raise ValidationError({"name": _("A name is required.")})
    return create_template(
        organization=organization,
        by=by,
        name=_free_name(wanted[:90]),
        preset=str(document.get("preset", "")),
        orientation=str(document.get("orientation", "")),
        layout=document.get("layout"),
        logo=_logo_bytes(document.get("logo")),
    )
