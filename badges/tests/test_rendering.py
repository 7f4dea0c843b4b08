"""What comes out of the printer: text that fits, accents, QR codes that scan."""

import io

import pytest
from django.core.exceptions import ImproperlyConfigured
from PIL import Image
from pypdf import PdfReader
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth

from badges import compose, images, rendering, services
from badges.models import BadgePrint
from badges.rendering import fit_text
from config import fonts
from visitors.codes import resolve_code
from visitors.models import VisitStatus

from .conftest import decode_qr, on_site, pdf_text, rasterise

pytestmark = pytest.mark.django_db

COMPANY_60 = "Compagnie Générale d'Électricité et de Télécommunications SA"
BOX = {"x": 3, "y": 40, "width": 56, "height": 12}


def company_design(**element):
    layout = [{"type": "text", "name": "company", **BOX, "text": "{visitor.company}", "font_size": 16,
               "bold": False, "align": "center", "color": "#000000", "max_lines": 2, **element}]  # fmt: skip
    return compose.draft_design(preset="brother_ql_62x100", orientation="portrait", layout=layout)


def drawn_runs(pdf: bytes) -> list[tuple[str, float, float, float, str]]:
    """Every text run in the PDF: (text, x, baseline y, size, font) in points,
    as a PDF reader sees them, independently of how we computed them."""
    runs = []

    def visit(text, cm, tm, font, size):
        if text.strip():
            x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
            y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
            runs.append((text.strip(), x, y, size * tm[0], font["/BaseFont"]))

    PdfReader(io.BytesIO(pdf)).pages[0].extract_text(visitor_text=visit)
    return runs


def sample(**context):
    data = compose.sample_data()
    data.context.update(context)
    return data


def test_len_of_the_long_company_is_60():
    assert len(COMPANY_60) == 60


@pytest.mark.parametrize("company", [COMPANY_60, "X" * 60, "Ångström-Œdipe-" * 4, "Société " + "W" * 52])
def test_a_60_character_company_stays_inside_its_box(company):
    pdf = rendering.render([(company_design(), sample(**{"visitor.company": company}))])
    runs = drawn_runs(pdf)
    assert 1 <= len(runs) <= 2
    left, right = BOX["x"] * mm, (BOX["x"] + BOX["width"]) * mm
    page_h = 100 * mm
    bottom, top = page_h - (BOX["y"] + BOX["height"]) * mm, page_h - BOX["y"] * mm
    for text, x, y, size, _font in runs:
        width = stringWidth(text, fonts.font_name(False), size)
        assert left - 0.01 <= x and x + width <= right + 0.01, (text, x, width)
        assert bottom <= y <= top
        assert size < 16  # it had to shrink
    assert "".join(t for t, *_ in runs).replace(" ", "").rstrip("…") in company.replace(" ", "")


def test_short_text_keeps_its_size_and_one_line():
    runs = drawn_runs(rendering.render([(company_design(), sample(**{"visitor.company": "Acme"}))]))
    assert [(t, s) for t, _x, _y, s, _f in runs] == [("Acme", 16)]


def test_long_name_shrinks_first_then_wraps_on_two_lines():
    font = fonts.font_name(True)
    slightly_long = fit_text("Jean-Baptiste Dupont", font=font, size=16, width=150, height=40)
    assert len(slightly_long.lines) == 1 and 16 * 0.7 <= slightly_long.size < 16
    very_long = fit_text(
        "Marie-Amélie de La Tour d'Auvergne-Lauraguais", font=font, size=16, width=150, height=40
    )
    assert len(very_long.lines) == 2
    assert very_long.widest() <= 150 and very_long.height() <= 40


def test_one_line_only_shrinks_and_never_overflows():
    fitted = fit_text("W" * 200, font=fonts.font_name(False), size=12, width=50, height=10, max_lines=1)
    assert len(fitted.lines) == 1
    assert fitted.widest() <= 50 and fitted.height() <= 10
    assert fitted.lines[0].endswith("…")  # below 4 pt we cut rather than print dust


def test_a_tiny_box_still_holds_its_text():
    fitted = fit_text("Éloïse Lefèvre-Ångström", font=fonts.font_name(False), size=30, width=20, height=3)
    assert fitted.widest() <= 20 and fitted.height() <= 3 + 1e-9


def test_accents_and_ligatures_are_in_the_text_layer():
    design = compose.draft_design(
        preset="cr80", orientation="landscape", layout=compose.default_layout("cr80", "landscape")
    )
    data = sample(**{"visitor.first_name": "Éloïse", "visitor.last_name": "Lefèvre-Ångström",
                     "visitor.company": "Œdipe", "host.name": "Zoë Çelik"})  # fmt: skip
    text = pdf_text(rendering.render([(design, data)]))
    for word in ("Éloïse", "Lefèvre-", "Ångström", "Œdipe", "Zoë Çelik"):
        assert word in text
    runs = drawn_runs(rendering.render([(design, data)]))
    assert all("DejaVuSans" in font for *_rest, font in runs)


def test_a_visit_badge_decodes_to_its_code_and_departs_the_visit(orgs, client_for, scoped):

    a = orgs.a
    with scoped(a.org):
        visit = on_site(a)
        template = services.create_template(
            organization=a.org, by=None, name="Label", preset="brother_ql_62x100"
        )
        services.assign_template(template=template)
    reception = client_for(a.members["reception"])
    response = reception.post(f"/api/v1/visits/{visit.pk}/badge/print/", {"desk": a.desk.pk})
    assert response.status_code == 201, response.content
    assert response["Content-Type"] == "application/pdf"
    [code] = decode_qr(rasterise(response.content, dpi=300))
    with scoped(a.org):
        assert resolve_code(code)[0].pk == visit.pk
    scan = reception.post("/api/v1/visits/scan/", {"code": code}, content_type="application/json")
    assert scan.status_code == 200, scan.content
    assert scan.json()["action"] == "departed"
    with scoped(a.org):
        visit.refresh_from_db()
        assert visit.status == VisitStatus.DEPARTED
        assert BadgePrint.objects.filter(visit=visit).count() == 1


def test_every_badge_of_a_sheet_scans(orgs, scoped):
    a = orgs.a
    with scoped(a.org):
        visits = [on_site(a, number=n) for n in (1, 2, 3)]
        design = compose.draft_design(
            preset="a4_8up", orientation="portrait", layout=compose.default_layout("a4_8up")
        )
        pdf = rendering.render([(design, compose.badge_data(v)) for v in visits])
    assert len(PdfReader(io.BytesIO(pdf)).pages) == 1
    codes = decode_qr(rasterise(pdf, dpi=200))
    # Compared by the visit each code opens, not by its text: the code is signed
    # with a timestamp, so one made a second later differs.
    with scoped(a.org):
        assert sorted(resolve_code(code)[0].pk for code in codes) == sorted(v.pk for v in visits)


def photo_png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (30, 40), (200, 30, 30)).save(buffer, format="PNG")
    return buffer.getvalue()


def photo_design():
    layout = [{"type": "photo", "name": "photo", "x": 5, "y": 5, "width": 30, "height": 40}]
    return compose.draft_design(preset="cr80", orientation="portrait", layout=layout)


def red_share(pdf) -> float:
    image = rasterise(pdf, dpi=72)
    raw = image.tobytes()
    pixels = [raw[i : i + 3] for i in range(0, len(raw), 3)]
    return sum(1 for r, g, b in pixels if r > 150 and g < 80 and b < 80) / len(pixels)


def test_the_visitor_photo_comes_from_the_hook(orgs, scoped, monkeypatch):
    monkeypatch.setattr(images, "photo_provider", lambda visit: photo_png())
    with scoped(orgs.a.org):
        data = compose.badge_data(on_site(orgs.a))
    assert data.photo
    assert rendering.render([(photo_design(), data)]).count(b"/Subtype /Image") == 1


@pytest.mark.parametrize(
    "provider",
    [
        None,
        lambda visit: 1 / 0,
        lambda visit: b"not an image",
        lambda visit: photo_png()[:80],
        lambda visit: "str",
    ],
)
def test_no_photo_or_a_broken_provider_still_prints(orgs, scoped, monkeypatch, provider):
    monkeypatch.setattr(images, "photo_provider", provider)
    with scoped(orgs.a.org):
        data = compose.badge_data(on_site(orgs.a))
    pdf = rendering.render([(photo_design(), data)])
    assert pdf.count(b"/Subtype /Image") == 0


def test_band_takes_the_visit_type_colour(orgs, scoped):
    from visitors.tests.factories import make_visit_type

    layout = [{"type": "band", "name": "band", "x": 0, "y": 0, "width": 54, "height": 85.6}]
    design = compose.draft_design(preset="cr80", orientation="portrait", layout=layout)
    with scoped(orgs.a.org):
        data = compose.badge_data(on_site(orgs.a, visit_type=make_visit_type(orgs.a, color="#d01010")))
    assert red_share(rendering.render([(design, data)])) > 0.9


def test_logo_is_embedded_once_for_a_batch(orgs, scoped):
    buffer = io.BytesIO()
    Image.new("RGB", (300, 100), (10, 120, 10)).save(buffer, format="PNG")
    with scoped(orgs.a.org):
        template = services.create_template(
            organization=orgs.a.org, by=None, name="Logo", preset="brother_ql_62x100", logo=buffer.getvalue()
        )
        design = compose.design_of(template.current)
    pdf = rendering.render([(design, compose.sample_data())] * 20)
    assert pdf.count(b"/Subtype /Image") == 1


def test_without_dejavu_reportlab_vera_is_used(settings, monkeypatch):
    monkeypatch.setattr(fonts, "_registered", None)
    settings.BADGE_FONT_DIRS = ["/nonexistent"]
    assert fonts.ensure_fonts().endswith("Vera.ttf")
    monkeypatch.setattr(fonts, "_registered", None)
    monkeypatch.setattr(fonts, "CANDIDATES", [("Missing.ttf", "MissingBold.ttf")])
    with pytest.raises(ImproperlyConfigured, match="fonts-dejavu-core"):
        fonts.ensure_fonts()
    monkeypatch.setattr(fonts, "_registered", None)
    monkeypatch.undo()
    fonts._registered = None
    settings.BADGE_FONT_DIRS = ["/usr/share/fonts/truetype/dejavu"]
    fonts.ensure_fonts()
