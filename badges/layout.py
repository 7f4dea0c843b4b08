"""The layout of a badge: a list of elements positioned in millimetres from the
top-left corner of the badge, and the variables a text element may use.

A layout is plain JSON (it travels in the template export). Validation refuses
what would print badly, naming the element, so an admin can find it.
"""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .presets import presets

TEXT, LOGO, PHOTO, QR, BAND = "text", "logo", "photo", "qr", "band"
ELEMENT_TYPES = [
    (TEXT, gettext_lazy("Text")),
    (LOGO, gettext_lazy("Logo")),
    (PHOTO, gettext_lazy("Visitor photo")),
    (QR, gettext_lazy("QR code (departure)")),
    (BAND, gettext_lazy("Visit-type colour band")),
]
ALIGNMENTS = [
    ("left", gettext_lazy("Left")),
    ("center", gettext_lazy("Centre")),
    ("right", gettext_lazy("Right")),
]

VARIABLES = (
    "visitor.first_name",
    "visitor.last_name",
    "visitor.company",
    "host.name",
    "site.name",
    "visit_type.name",
    "visit.date",
    "visit.valid_until",
    "badge.number",
    "desk.name",
)
VARIABLE_RE = re.compile(r"\{([^{}]*)\}")
COLOR_RE = re.compile(r"^#[0-9a-fA-F]{6}$")
MAX_FONT_SIZE = 200
MAX_ELEMENTS = 40
# Rounding in an editor (62.0000001 mm) must not refuse an element flush with the edge.
EPSILON_MM = 0.01


def element_label(index: int, element) -> str:
    name = element.get("name") if isinstance(element, dict) else None
    return f"« {name} »" if name else _("element %(n)s") % {"n": index + 1}


def substitute(text: str, context: dict[str, str]) -> str:
    return VARIABLE_RE.sub(lambda m: context.get(m.group(1).strip(), ""), text)


def _number(element, key, errors, label, *, required=True):
    value = element.get(key)
    if value is None and not required:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        errors.append(_("%(el)s: %(key)s must be a number.") % {"el": label, "key": key})
        return None
    return float(value)


def validate_layout(layout, *, preset_key: str, orientation: str) -> list[dict]:
    """Return the layout normalised (defaults filled in) or raise ValidationError
    with one message per problem, each naming its element."""
    preset = presets.get(preset_key)
    if preset is None:
        raise ValidationError(_("Unknown page preset: %(p)s.") % {"p": preset_key})
    if not isinstance(layout, list):
        raise ValidationError(_("The layout must be a list of elements."))
    if len(layout) > MAX_ELEMENTS:
        raise ValidationError(_("A layout has at most %(n)s elements.") % {"n": MAX_ELEMENTS})
    badge_w, badge_h = preset.badge_mm(orientation)
    errors: list[str] = []
    cleaned = []
    for index, element in enumerate(layout):
        label = element_label(index, element)
        if not isinstance(element, dict):
            errors.append(_("%(el)s: an element must be an object.") % {"el": label})
            continue
        kind = element.get("type")
        if kind not in dict(ELEMENT_TYPES):
            errors.append(_("%(el)s: unknown element type %(t)s.") % {"el": label, "t": kind})
            continue
        out = {"type": kind, "name": str(element.get("name") or "")[:60]}
        box = {k: _number(element, k, errors, label) for k in ("x", "y", "width", "height")}
        if None not in box.values():
            out.update(box)
            _check_box(box, badge_w, badge_h, label, errors)
        if kind == TEXT:
            _check_text(element, out, label, errors)
        elif kind == BAND and element.get("color"):
            out["color"] = _color(element, label, errors)
        cleaned.append(out)
    if errors:
        raise ValidationError(errors)
    return cleaned


def _check_box(box, badge_w, badge_h, label, errors):
    if box["width"] <= 0 or box["height"] <= 0:
        errors.append(_("%(el)s: width and height must be greater than zero.") % {"el": label})
    if box["x"] < 0 or box["y"] < 0:
        errors.append(_("%(el)s: position must not be negative.") % {"el": label})
    if box["x"] + box["width"] > badge_w + EPSILON_MM or box["y"] + box["height"] > badge_h + EPSILON_MM:
        errors.append(
            _("%(el)s is outside the badge (%(w)s x %(h)s mm).")
            % {"el": label, "w": f"{badge_w:g}", "h": f"{badge_h:g}"}
        )


def _color(element, label, errors) -> str:
    color = element.get("color") or "#000000"
    if not isinstance(color, str) or not COLOR_RE.match(color):
        errors.append(_("%(el)s: colour must look like #1f5fbf.") % {"el": label})
    return color


def _check_text(element, out, label, errors):
    text = element.get("text")
    if not isinstance(text, str) or not text.strip():
        errors.append(_("%(el)s: the text is empty.") % {"el": label})
        text = ""
    unknown = sorted({m.strip() for m in VARIABLE_RE.findall(text)} - set(VARIABLES))
    if unknown:
        errors.append(
            _("%(el)s: unknown variable %(v)s.") % {"el": label, "v": ", ".join(f"{{{u}}}" for u in unknown)}
        )
    size = _number(element, "font_size", errors, label)
    if size is not None and not 0 < size <= MAX_FONT_SIZE:
        errors.append(
            _("%(el)s: font size must be between 1 and %(max)s.") % {"el": label, "max": MAX_FONT_SIZE}
        )
    align = element.get("align") or "left"
    if align not in dict(ALIGNMENTS):
        errors.append(_("%(el)s: alignment must be left, center or right.") % {"el": label})
    max_lines = element.get("max_lines", 2)
    if max_lines not in (1, 2):
        errors.append(_("%(el)s: a text has one or two lines.") % {"el": label})
    out.update(
        text=text,
        font_size=size,
        bold=bool(element.get("bold", False)),
        align=align,
        color=_color(element, label, errors),
        max_lines=max_lines,
    )


def default_layout(preset_key: str = "brother_ql_62x100", orientation: str = "portrait") -> list[dict]:
    """A sensible starting point, scaled to the badge size: band on top, logo,
    name, company, host and validity, QR at the bottom."""
    w, h = presets[preset_key].badge_mm(orientation)
    m = max(2.0, round(min(w, h) * 0.05, 1))
    inner = w - 2 * m
    qr = round(min(inner * 0.45, h * 0.28), 1)
    name_size = round(min(w, h) * 0.3, 1)

    def text(name, y, height, value, size, bold=False, align="center"):
        return {
            "type": TEXT, "name": name, "x": m, "y": y, "width": inner, "height": height,
            "text": value, "font_size": size, "bold": bold, "align": align, "color": "#000000",
            "max_lines": 2,
        }  # fmt: skip

    band_h = round(h * 0.06, 1)
    logo_h = round(h * 0.12, 1)
    y = band_h + m
    out = [
        {"type": BAND, "name": "band", "x": 0, "y": 0, "width": w, "height": band_h},
        {"type": LOGO, "name": "logo", "x": m, "y": y, "width": inner, "height": logo_h},
    ]
    y += logo_h + m
    out.append(text("name", y, h * 0.2, "{visitor.first_name} {visitor.last_name}", name_size, bold=True))
    y += h * 0.2
    out.append(text("company", y, h * 0.1, "{visitor.company}", name_size * 0.6))
    y += h * 0.1
    out.append(text("host", y, h * 0.07, "{host.name} · {visit.valid_until}", name_size * 0.4))
    qr_y = h - m - qr
    out.append({"type": QR, "name": "qr", "x": m, "y": qr_y, "width": qr, "height": qr})
    out.append(text("number", qr_y, qr, "{badge.number}", name_size * 0.8, bold=True, align="right"))
    out[-1].update(x=m + qr + 1, width=inner - qr - 1)
    return [{**e, **{k: round(v, 2) for k, v in e.items() if isinstance(v, float)}} for e in out]
