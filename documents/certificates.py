"""The PDF certificate of a signature: the exact text, who, when, the hash."""

import io
import logging
from functools import cache
from pathlib import Path
from xml.sax.saxutils import escape

import reportlab
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import translation
from django.utils.translation import gettext as _
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Image as PdfImage
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

FONT_DIRS = [Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/dejavu")]
log = logging.getLogger(__name__)


@cache
def _fonts() -> tuple[str, str]:
    """Register DejaVu (covers accents, œ, €, and most scripts visitors use);
    reportlab's built-in Helvetica cannot render half of them. Without DejaVu,
    Bitstream Vera shipped inside reportlab (DejaVu's ancestor, Latin only)."""
    candidates = [
        (Path(folder) / "DejaVuSans.ttf", Path(folder) / "DejaVuSans-Bold.ttf")
        for folder in getattr(settings, "DOCUMENTS_FONT_DIRS", FONT_DIRS)
    ]
    vera = Path(reportlab.__file__).parent / "fonts"
    candidates.append((vera / "Vera.ttf", vera / "VeraBd.ttf"))
    for regular, bold in candidates:
        if regular.exists() and bold.exists():
            if regular.parent == vera:
                log.warning("DejaVu fonts not found (install fonts-dejavu-core): certificates use Vera")
            pdfmetrics.registerFont(TTFont("CertificateSans", str(regular)))
            pdfmetrics.registerFont(TTFont("CertificateSans-Bold", str(bold)))
            return "CertificateSans", "CertificateSans-Bold"
    raise ImproperlyConfigured(
        "No font for consent certificates: install `fonts-dejavu-core` or set DOCUMENTS_FONT_DIRS "
        "to a folder holding DejaVuSans.ttf and DejaVuSans-Bold.ttf."
    )


def _para(text: str, style) -> Paragraph:
    return Paragraph(escape(text).replace("\n", "<br/>"), style)


def render_certificate(*, consent, signature_png: bytes | None) -> bytes:
    """The certificate, in the language the person signed in."""
    regular, bold = _fonts()
    body = ParagraphStyle("body", fontName=regular, fontSize=10, leading=13)
    small = ParagraphStyle("small", parent=body, fontSize=8, leading=10)
    heading = ParagraphStyle("heading", parent=body, fontName=bold, fontSize=15, leading=19, spaceAfter=6)
    sub = ParagraphStyle("sub", parent=body, fontName=bold, fontSize=11, leading=14, spaceBefore=8)
    version = consent.version
    with translation.override(consent.language):
        story = [
            _para(_("Certificate of signature"), heading),
            _para(version.title_in(consent.language), sub),
            _para(version.body_in(consent.language), body),
            Spacer(1, 8 * mm),
            _para(_("Signed by: %(signer)s") % {"signer": consent.signer_name}, body),
            _para(
                _("Signed on (UTC): %(when)s") % {"when": consent.signed_at.strftime("%Y-%m-%d %H:%M:%S")},
                body,
            ),
            _para(_("Where: %(channel)s") % {"channel": consent.get_channel_display()}, body),
            _para(
                _("Text version: %(number)s — reference %(ref)s")
                % {"number": version.number, "ref": f"{version.consent_text_id}.{version.pk}"},
                body,
            ),
            _para(_("Visit reference: %(visit)s") % {"visit": consent.visit_id or "—"}, body),
        ]
        if signature_png:
            image = ImageReader(io.BytesIO(signature_png))
            width, height = image.getSize()
            scale = min(70 * mm / width, 30 * mm / height, 1)
            story += [Spacer(1, 4 * mm), PdfImage(io.BytesIO(signature_png), width * scale, height * scale)]
        story += [
            Spacer(1, 6 * mm),
            _para(_("SHA-256 of the text shown:"), small),
            _para(consent.text_sha256, small),
        ]
        out = io.BytesIO()
        doc = SimpleDocTemplate(
            out,
            pagesize=A4,
            leftMargin=20 * mm,
            rightMargin=20 * mm,
            topMargin=20 * mm,
            bottomMargin=20 * mm,
            title=str(_("Certificate of signature")),
            invariant=1,
        )
        doc.build(story)
    return out.getvalue()
