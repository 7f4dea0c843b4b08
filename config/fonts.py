"""The fonts badges and the purge reports are drawn with (shared here, in
`config`, so that the retention app need not import badges).

DejaVu covers French and every other Latin script (Œ, Ą, Ş...), which the PDF
base-14 fonts do not. It comes from Debian's fonts-dejavu-core; without it we use
Bitstream Vera, which reportlab ships (DejaVu's ancestor, Latin-1 plus Œ/œ), and
fail clearly when neither is there rather than printing boxes instead of letters.
"""

from pathlib import Path

import reportlab
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

REGULAR, BOLD = "BadgeSans", "BadgeSans-Bold"
CANDIDATES = [
    ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf"),
    ("Vera.ttf", "VeraBd.ttf"),
]
_registered: str | None = None


def font_dirs() -> list[Path]:
    configured = getattr(settings, "BADGE_FONT_DIRS", ["/usr/share/fonts/truetype/dejavu"])
    return [Path(d) for d in configured] + [Path(reportlab.__file__).parent / "fonts"]


def ensure_fonts() -> str:
    """Register the badge fonts once per process; return the file family used."""
    global _registered
    if _registered:
        return _registered
    for regular, bold in CANDIDATES:
        for folder in font_dirs():
            if (folder / regular).is_file() and (folder / bold).is_file():
                pdfmetrics.registerFont(TTFont(REGULAR, str(folder / regular)))
                pdfmetrics.registerFont(TTFont(BOLD, str(folder / bold)))
                _registered = str(folder / regular)
                return _registered
    searched = ", ".join(str(d) for d in font_dirs())
    raise ImproperlyConfigured(
        f"No badge font found (DejaVuSans.ttf or Vera.ttf) in {searched}; "
        "install Debian's fonts-dejavu-core or set BADGE_FONT_DIRS."
    )


def font_name(bold: bool) -> str:
    ensure_fonts()
    return BOLD if bold else REGULAR
