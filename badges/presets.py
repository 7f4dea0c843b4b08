"""Page presets: the media a badge is printed on.

A registry, so that adding a label stock is adding one `register()` call. Sizes
are the physical ones: label printers print at 100 % only when the PDF page is
exactly the label, otherwise they scale or cut.
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _
from reportlab.lib.units import mm

from config.registries import Registry

PORTRAIT, LANDSCAPE = "portrait", "landscape"
ORIENTATIONS = [(PORTRAIT, _("Portrait")), (LANDSCAPE, _("Landscape"))]


@dataclass(frozen=True)
class PagePreset:
    """`width_mm` x `height_mm` is the page in portrait; a sheet preset cuts it
    into `columns` x `rows` badge cells (in portrait; landscape turns both)."""

    key: str
    label: str
    width_mm: float
    height_mm: float
    columns: int = 1
    rows: int = 1

    def page_mm(self, orientation: str) -> tuple[float, float]:
        w, h = self.width_mm, self.height_mm
        return (h, w) if orientation == LANDSCAPE else (w, h)

    def page_points(self, orientation: str) -> tuple[float, float]:
        w, h = self.page_mm(orientation)
        return w * mm, h * mm

    def grid(self, orientation: str) -> tuple[int, int]:
        return (self.rows, self.columns) if orientation == LANDSCAPE else (self.columns, self.rows)

    def badge_mm(self, orientation: str) -> tuple[float, float]:
        """The size of one badge: the whole page, or one cell of a sheet."""
        (w, h), (cols, rows) = self.page_mm(orientation), self.grid(orientation)
        return w / cols, h / rows

    @property
    def per_page(self) -> int:
        return self.columns * self.rows

    def cell_origins_mm(self, orientation: str) -> list[tuple[float, float]]:
        """Top-left corner of each cell, row by row from the top of the page."""
        (bw, bh), (cols, rows) = self.badge_mm(orientation), self.grid(orientation)
        return [(c * bw, r * bh) for r in range(rows) for c in range(cols)]


presets = Registry("badge page presets")
presets.register(PagePreset("brother_ql_62x100", _("Brother QL label 62 x 100 mm (continuous)"), 62, 100))
presets.register(PagePreset("label_54x90", _("Label 54 x 90 mm"), 54, 90))
# ISO/IEC 7810 ID-1: the natural way to hold a CR80 card is landscape, but the
# registry keeps every preset's base size in portrait; the template picks.
presets.register(PagePreset("cr80", _("CR80 card 85.6 x 54 mm"), 54, 85.6))
presets.register(PagePreset("a6", _("A6 sheet (105 x 148 mm)"), 105, 148))
presets.register(PagePreset("a4_8up", _("A4 sheet, 8 badges (2 x 4)"), 210, 297, columns=2, rows=4))


def preset_choices() -> list[tuple[str, str]]:
    return [(p.key, p.label) for p in presets]
