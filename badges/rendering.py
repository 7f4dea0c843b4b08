"""Drawing badges with reportlab: one PDF for one badge or a whole group.

Coordinates in a layout are millimetres from the badge's top-left corner (how an
admin measures a label); reportlab's origin is bottom-left, in points. Nothing
here touches the database: callers pass plain values (see `BadgeData`), so the
preview, the print and the benchmark draw exactly the same way.
"""

import hashlib
import io
import logging
from contextlib import contextmanager
from dataclasses import dataclass

import segno
from reportlab import rl_config
from reportlab.lib.colors import HexColor, white
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase.pdfmetrics import getAscentDescent, stringWidth
from reportlab.pdfgen.canvas import Canvas

from config import fonts

from .layout import BAND, LOGO, PHOTO, QR, TEXT, substitute
from .presets import PagePreset

log = logging.getLogger(__name__)

LEADING = 1.15
# A single line may shrink to this share of its size before we wrap it on two.
SHRINK_BEFORE_WRAP = 0.7
FLOOR_PT = 4.0
QR_BORDER = 2  # modules of quiet zone inside the box; the badge around it is white too
ELLIPSIS = "…"


@dataclass
class Design:
    """What a template version says, resolved: the preset object and the logo bytes."""

    key: str
    preset: PagePreset
    orientation: str
    layout: list[dict]
    logo: bytes | None = None
    logo_key: str = ""

    def __post_init__(self):
        if self.logo and not self.logo_key:
            self.logo_key = hashlib.sha256(self.logo).hexdigest()[:16]


@dataclass
class BadgeData:
    """One badge's values: the text variables, the QR payload, the band colour."""

    context: dict[str, str]
    qr_code: str = ""
    band_color: str = "#1f5fbf"
    photo: bytes | None = None


@dataclass
class FittedText:
    lines: list[str]
    size: float
    font: str

    def widest(self) -> float:
        return max((stringWidth(line, self.font, self.size) for line in self.lines), default=0.0)

    def height(self) -> float:
        return len(self.lines) * self.size * LEADING


def _best_split(text: str, font: str) -> tuple[str, str] | None:
    """Two lines as even as possible: at a space, after a hyphen, else anywhere."""
    candidates = [(text[:i], text[i + 1 :]) for i, ch in enumerate(text) if ch == " "]
    candidates += [(text[: i + 1], text[i + 1 :]) for i, ch in enumerate(text[:-1]) if ch == "-"]
    candidates = [(a.strip(), b.strip()) for a, b in candidates if a.strip() and b.strip()]
    if not candidates and len(text) > 1:
        candidates = [(text[:i], text[i:]) for i in range(1, len(text))]
    if not candidates:
        return None
    return min(candidates, key=lambda ab: max(stringWidth(ab[0], font, 10), stringWidth(ab[1], font, 10)))


def _truncate(line: str, font: str, size: float, width: float) -> str:
    while line and stringWidth(line + ELLIPSIS, font, size) > width:
        line = line[:-1]
    return line.rstrip() + ELLIPSIS


def fit_text(text: str, *, font: str, size: float, width: float, height: float, max_lines: int = 2):
    """Choose lines and a size so that the text stays inside width x height (points).

    1. One line at the nominal size, shrunk to the box if needed.
    2. If that shrank below 70 % and two lines are allowed, split where the two
       lines are most even and take the size that fits them, if it is larger.
    3. Under 4 pt we stop shrinking and cut the line with an ellipsis; the
       height is never exceeded (one line at whatever size the box admits).
    """
    text = " ".join(text.split())
    if not text:
        return FittedText([], size, font)
    natural = stringWidth(text, font, size)
    one = min(size, height / LEADING, size * width / natural if natural else size)
    best = FittedText([text], one, font)
    if one < size * SHRINK_BEFORE_WRAP and max_lines >= 2:
        split = _best_split(text, font)
        if split:
            widest = max(stringWidth(part, font, size) for part in split)
            two = min(size, height / (2 * LEADING), size * width / widest if widest else size)
            if two > one:
                best = FittedText(list(split), two, font)
    if best.size < FLOOR_PT:
        floor = min(FLOOR_PT, height / LEADING)
        lines = best.lines if floor * LEADING * len(best.lines) <= height else [text]
        best = FittedText([_truncate(ln, font, floor, width) if stringWidth(ln, font, floor) > width
                           else ln for ln in lines], floor, font)  # fmt: skip
    return best


class BadgeCanvas:
    """Draws badges page after page (or cell after cell on a sheet)."""

    def __init__(self, title: str = "Badges"):
        fonts.ensure_fonts()
        self.buffer = io.BytesIO()
        self.canvas: Canvas | None = None
        self.title = title
        self.design_key = None
        self.cell = 0
        self.page_size = (0.0, 0.0)
        self.forms: set[str] = set()

    def _new_page(self, design: Design):
        size = design.preset.page_points(design.orientation)
        if self.canvas is None:
            self.canvas = Canvas(self.buffer, pagesize=size, pageCompression=1)
            self.canvas.setTitle(self.title)
            self.canvas.setCreator("Vestibule")
        else:
            self.canvas.showPage()
            self.canvas.setPageSize(size)
        self.page_size = size
        self.cell = 0

    def add(self, design: Design, data: BadgeData):
        if self.canvas is None or design.key != self.design_key or self.cell >= design.preset.per_page:
            self._new_page(design)
            self.design_key = design.key
        origin_x, origin_y = design.preset.cell_origins_mm(design.orientation)[self.cell]
        _badge_w, badge_h = design.preset.badge_mm(design.orientation)
        c = self.canvas
        c.saveState()
        c.translate(origin_x * mm, self.page_size[1] - (origin_y + badge_h) * mm)
        for element in design.layout:
            self._draw(design, data, element, badge_h)
        c.restoreState()
        self.cell += 1

    def _draw(self, design, data, element, badge_h):
        x, w, h = element["x"] * mm, element["width"] * mm, element["height"] * mm
        y = (badge_h - element["y"] - element["height"]) * mm
        kind = element["type"]
        if kind == TEXT:
            self._text(element, substitute(element["text"], data.context), x, y, w, h)
        elif kind == BAND:
            self.canvas.setFillColor(HexColor(element.get("color") or data.band_color))
            self.canvas.rect(x, y, w, h, stroke=0, fill=1)
        elif kind == QR and data.qr_code:
            draw_qr(self.canvas, data.qr_code, x, y, w, h)
        elif kind == LOGO and design.logo:
            self._logo(design, x, y, w, h)
        elif kind == PHOTO and data.photo:
            self._image(data.photo, x, y, w, h)

    def _text(self, element, text, x, y, w, h):
        font = fonts.font_name(element["bold"])
        fitted = fit_text(text, font=font, size=element["font_size"], width=w, height=h,
                          max_lines=element.get("max_lines", 2))  # fmt: skip
        if not fitted.lines:
            return
        c = self.canvas
        c.setFillColor(HexColor(element["color"]))
        c.setFont(font, fitted.size)
        ascent, descent = getAscentDescent(font, fitted.size)
        line_h = fitted.size * LEADING
        top = y + h - (h - fitted.height()) / 2
        for i, line in enumerate(fitted.lines):
            baseline = top - line_h * i - line_h / 2 - (ascent + descent) / 2
            if element["align"] == "center":
                c.drawCentredString(x + w / 2, baseline, line)
            elif element["align"] == "right":
                c.drawRightString(x + w, baseline, line)
            else:
                c.drawString(x, baseline, line)

    def _logo(self, design, x, y, w, h):
        # One form XObject per logo and box size: a batch of 500 badges embeds
        # the image once instead of hashing and comparing it 500 times.
        name = f"logo_{design.logo_key}_{w:.2f}x{h:.2f}"
        c = self.canvas
        if name not in self.forms:
            c.beginForm(name, lowerx=0, lowery=0, upperx=w, uppery=h)
            self._image(design.logo, 0, 0, w, h)
            c.endForm()
            self.forms.add(name)
        c.saveState()
        c.translate(x, y)
        c.doForm(name)
        c.restoreState()

    def _image(self, raw: bytes, x, y, w, h):
        try:
            reader = ImageReader(io.BytesIO(raw))
            self.canvas.drawImage(reader, x, y, w, h, preserveAspectRatio=True, anchor="c", mask="auto")
        except Exception:
            # A photo from another app that turns out unreadable must not stop
            # the print at the desk: the badge goes out without it.
            log.warning("badge image could not be read; drawn without it", exc_info=True)

    def finish(self) -> bytes:
        if self.canvas is None:
            raise ValueError("no badge to render")
        self.canvas.save()
        return self.buffer.getvalue()


def draw_qr(canvas: Canvas, payload: str, x, y, w, h):
    """The QR as vector squares (sharp at any printer resolution).

    Drawn in module units (one unit = one module, y downwards) with one
    rectangle per run of dark modules, written as literal PDF operators:
    reportlab's pure-Python number formatting of ~600 rectangles per code was
    most of a badge's drawing time."""
    matrix = segno.make(payload, error="m", micro=False).matrix
    count = len(matrix) + 2 * QR_BORDER
    side = min(w, h)
    module = side / count
    left, bottom = x + (w - side) / 2, y + (h - side) / 2
    canvas.setFillColor(white)
    canvas.rect(left, bottom, side, side, stroke=0, fill=1)
    ops = []
    for r, row in enumerate(matrix):
        c, width = 0, len(row)
        while c < width:
            if row[c]:
                start = c
                while c < width and row[c]:
                    c += 1
                ops.append(f"{start} {r} {c - start} 1 re")
            else:
                c += 1
    canvas.saveState()
    canvas.translate(left + QR_BORDER * module, bottom + side - QR_BORDER * module)
    canvas.scale(module, -module)
    canvas.setFillColor(HexColor("#000000"))
    canvas.addLiteral("\n".join(ops) + "\nf")
    canvas.restoreState()


@contextmanager
def _binary_streams():
    """Compressed streams without the ASCII85 layer: smaller files, and
    reportlab's pure-Python ASCII85 encoder was a tenth of a batch's time.
    The setting is global to reportlab, so it is put back afterwards."""
    saved = rl_config.useA85
    rl_config.useA85 = 0
    try:
        yield
    finally:
        rl_config.useA85 = saved


def render(badges: list[tuple[Design, BadgeData]], *, title: str = "Badges") -> bytes:
    """One PDF: each badge on its own page, or in the next cell of a sheet."""
    with _binary_streams():
        doc = BadgeCanvas(title)
        for design, data in badges:
            doc.add(design, data)
        return doc.finish()
