"""From database rows to what the renderer draws: a `Design` per template
version, `BadgeData` per visit (its variables, QR code, colour, photo)."""

import zoneinfo
from collections.abc import Callable
from functools import partial

from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from config import translated

from . import images, rendering
from .layout import default_layout
from .presets import PORTRAIT, presets
from .rendering import BadgeData, Design

DEFAULT_PRESET = "brother_ql_62x100"


def design_of(version) -> Design:
    logo = bytes(version.logo.data) if version.logo_id else None
    return Design(
        key=f"v{version.pk}",
        preset=presets[version.preset],
        orientation=version.orientation,
        layout=version.layout,
        logo=logo,
        logo_key=version.logo.sha256[:16] if version.logo_id else "",
    )


def draft_design(*, preset: str, orientation: str, layout: list, logo: bytes | None = None) -> Design:
    return Design(key="draft", preset=presets[preset], orientation=orientation, layout=layout, logo=logo)


def builtin_design() -> Design:
    """Used to show a badge when the organization has no template yet."""
    return draft_design(preset=DEFAULT_PRESET, orientation=PORTRAIT, layout=default_layout())


def _local(dt, site):
    return timezone.localtime(dt, zoneinfo.ZoneInfo(site.timezone))


def departure_code(visit) -> str:
    # Imported here: the visits app owns the code format and its signing key.
    from visitors.codes import make_code

    return make_code(visit, "badge")


def badge_data(visit, *, desk=None) -> BadgeData:
    """The badge's values, in the site's language and time zone (the badge is
    read on site, not where the admin sits)."""
    site = visit.site
    desk = desk or visit.arrived_desk or visit.desk
    visitor = visit.visitor
    with translation.override(translated.supported(site.language) or translated.default_language()):
        start = _local(visit.arrived_at or visit.expected_at, site)
        until = _local(visit.expected_until, site)
        context = {
            "visitor.first_name": visitor.first_name if visitor else "",
            "visitor.last_name": visitor.last_name if visitor else "",
            "visitor.company": visitor.company if visitor else "",
            "host.name": visit.host.user.get_full_name() if visit.host_id else "",
            "site.name": site.name,
            "visit_type.name": str(visit.visit_type),  # in the site's language
            "visit.date": date_format(start, "SHORT_DATE_FORMAT"),
            "visit.valid_until": date_format(until, "SHORT_DATETIME_FORMAT"),
            "badge.number": str(visit.badge_number or ""),
            "desk.name": desk.name if desk else "",
        }
    return BadgeData(
        context=context,
        qr_code=departure_code(visit),
        band_color=visit.visit_type.color or "#1f5fbf",
        photo=images.photo_for(visit),
    )


def sample_data() -> BadgeData:
    """Preview values chosen to show the hard cases: accents, a long name."""
    return BadgeData(
        context={
            "visitor.first_name": "Éloïse",
            "visitor.last_name": "Lefèvre-Ångström",
            "visitor.company": "Société Œdipe & Associés",
            "host.name": "Camille Martin",
            "site.name": _("Head office"),
            "visit_type.name": _("Visitor"),
            "visit.date": "29/11/2026",
            "visit.valid_until": "29/11/2026 18:00",
            "badge.number": "42",
            "desk.name": _("Main desk"),
        },
        qr_code="VESTIBULE-PREVIEW",
        band_color="#1f5fbf",
    )


# Reading and drawing are apart: what a badge shows is read in the request's
# transaction (`*_badges`), and drawn (`rendering.render`, tens of milliseconds)
# after it commits, so no lock taken by the request is held while a PDF is drawn
# (docs/conventions.md, "Writing and the journal").
Badges = list[tuple[Design, BadgeData]]


def drawing(badges: Badges, title: str) -> Callable[[], bytes]:
    """The PDF of values already read: to call outside the transaction."""
    return partial(rendering.render, badges, title=str(title))


def visit_badges(visit, version=None) -> Badges:
    """A visit's badge as it would print now; without a template, the builtin design."""
    design = design_of(version) if version is not None else builtin_design()
    return [(design, badge_data(visit))]


def recorded_badges(prints) -> Badges:
    """Recorded prints, each with the version and desk it recorded."""
    designs: dict[int, Design] = {}
    badges = []
    for badge in prints:
        if badge.template_version_id not in designs:
            designs[badge.template_version_id] = design_of(badge.template_version)
        badges.append((designs[badge.template_version_id], badge_data(badge.visit, desk=badge.desk)))
    return badges


def preview_badges(design: Design, copies: int = 1) -> Badges:
    return [(design, sample_data())] * max(1, copies)


def render_visit(visit, version=None) -> bytes:
    return rendering.render(visit_badges(visit, version), title=_("Badge"))


def render_prints(prints) -> bytes:
    """One PDF for recorded prints, each drawn with the version and desk it recorded."""
    return rendering.render(recorded_badges(prints), title=_("Badges"))


def render_preview(design: Design, copies: int = 1) -> bytes:
    return rendering.render(preview_badges(design, copies), title=_("Badge preview"))
