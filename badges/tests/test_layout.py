"""Layout validation, page presets and logo checks: bad input is refused, named."""

import io

import pytest
from django.core.exceptions import ValidationError
from PIL import Image
from reportlab.lib.units import mm

from badges import compose, rendering, services
from badges.layout import default_layout, validate_layout
from badges.presets import presets

from .conftest import page_sizes

pytestmark = pytest.mark.django_db

EXPECTED_POINTS = {
    # portrait (width, height) in points: millimetres x 72 / 25.4
    "brother_ql_62x100": (175.748, 283.465),
    "label_54x90": (153.071, 255.118),
    "cr80": (153.071, 242.646),
    "a6": (297.638, 419.528),
    "a4_8up": (595.276, 841.890),
}


def text(**kw):
    element = {"type": "text", "name": "nom", "x": 2, "y": 2, "width": 40, "height": 10, "text": "Hi",
               "font_size": 12}  # fmt: skip
    element.update(kw)
    return element


def refused(layout, preset="brother_ql_62x100", orientation="portrait") -> list[str]:
    with pytest.raises(ValidationError) as caught:
        validate_layout(layout, preset_key=preset, orientation=orientation)
    return caught.value.messages


@pytest.mark.parametrize("orientation", ["portrait", "landscape"])
@pytest.mark.parametrize("key", sorted(EXPECTED_POINTS))
def test_each_preset_renders_a_page_of_its_exact_size(key, orientation):
    width, height = EXPECTED_POINTS[key]
    if orientation == "landscape":
        width, height = height, width
    preset = presets[key]
    design = compose.draft_design(
        preset=key, orientation=orientation, layout=default_layout(key, orientation)
    )
    [(w, h)] = page_sizes(rendering.render([(design, compose.sample_data())]))
    assert (w, h) == pytest.approx((width, height), abs=0.01)
    assert preset.page_points(orientation) == pytest.approx((width, height), abs=0.01)


def test_a4_sheet_holds_eight_badges_per_page():
    key = "a4_8up"
    design = compose.draft_design(preset=key, orientation="portrait", layout=default_layout(key))
    pdf = rendering.render([(design, compose.sample_data())] * 9)
    assert len(page_sizes(pdf)) == 2
    assert presets[key].badge_mm("portrait") == pytest.approx((105, 74.25))
    assert len(presets[key].cell_origins_mm("landscape")) == 8


@pytest.mark.parametrize("key", sorted(EXPECTED_POINTS))
def test_the_default_layout_fits_every_preset(key):
    for orientation in ("portrait", "landscape"):
        assert validate_layout(default_layout(key, orientation), preset_key=key, orientation=orientation)


def test_element_outside_the_page_is_refused_naming_it():
    [message] = refused([text(name="société", x=30, width=40)])  # 70 mm on a 62 mm label
    assert "société" in message
    assert "hors du badge" in message  # French is the default language


def test_element_below_the_page_is_refused():
    [message] = refused([text(y=95, height=10)])
    assert "nom" in message


@pytest.mark.parametrize(("field", "value"), [("width", -5), ("height", 0), ("x", -1)])
def test_negative_or_empty_sizes_are_refused(field, value):
    messages = refused([text(**{field: value})])
    assert messages
    assert all("nom" in m for m in messages)


def test_unknown_variable_is_refused_naming_it():
    [message] = refused([text(name="salaire", text="{visitor.first_name} {visitor.salary}")])
    assert "salaire" in message
    assert "{visitor.salary}" in message


@pytest.mark.parametrize("size", [0, -3, 500])
def test_font_size_out_of_range_is_refused(size):
    [message] = refused([text(font_size=size)])
    assert "nom" in message


def test_unnamed_element_is_named_by_its_position():
    [message] = refused([text(), {"type": "qr", "x": 0, "y": 0, "width": 0, "height": 10}])
    assert "2" in message


@pytest.mark.parametrize(
    ("element", "fragment"),
    [
        ({"type": "hologram", "x": 0, "y": 0, "width": 5, "height": 5}, "hologram"),
        (text(x="left"), "x"),
        (text(align="justify"), "nom"),
        (text(color="red"), "nom"),
        (text(text="   "), "nom"),
        (text(max_lines=3), "nom"),
        ("not an element", "1"),
    ],
)
def test_other_malformed_elements_are_refused(element, fragment):
    messages = refused([element])
    assert any(fragment in m for m in messages)


def test_layout_that_is_not_a_list_or_unknown_preset_is_refused():
    refused({"type": "text"})
    refused([], preset="a0_poster")


def test_every_problem_is_reported_at_once():
    messages = refused([text(name="un", font_size=0), text(name="deux", text="{badge.colour}")])
    assert len(messages) == 2


def test_validation_error_reaches_the_api_as_400_on_layout(orgs, client_for):
    client = client_for(orgs.a.members["admin"])
    body = {"name": "Mauvais", "preset": "cr80", "layout": [text(name="salaire", text="{visitor.salary}")]}
    response = client.post("/api/v1/badge-templates/", body, content_type="application/json")
    assert response.status_code == 400
    assert "salaire" in response.json()["layout"][0]


def png(size=(40, 20)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, "navy").save(buffer, format="PNG")
    return buffer.getvalue()


def test_a_png_logo_is_kept_once_per_content(orgs, scoped):
    with scoped(orgs.a.org):
        one = services.create_template(organization=orgs.a.org, by=None, name="A", preset="cr80", logo=png())
        two = services.create_template(organization=orgs.a.org, by=None, name="B", preset="cr80", logo=png())
        assert one.logo_id == two.logo_id
        assert one.logo.content_type == "image/png"


@pytest.mark.parametrize(
    "raw",
    [b"%PDF-1.4 not an image", b"GIF89a" + b"\0" * 20, b"", b"<svg xmlns='http://www.w3.org/2000/svg'/>"],
)
def test_a_logo_that_is_not_an_image_is_refused(orgs, scoped, raw):
    with scoped(orgs.a.org), pytest.raises(ValidationError) as caught:
        services.create_template(organization=orgs.a.org, by=None, name="L", preset="cr80", logo=raw or b"x")
    assert "logo" in caught.value.message_dict


def test_a_logo_over_2_mb_is_refused(orgs, scoped):
    big = png() + b"\0" * (2 * 1024 * 1024)
    with scoped(orgs.a.org), pytest.raises(ValidationError) as caught:
        services.create_template(organization=orgs.a.org, by=None, name="L", preset="cr80", logo=big)
    assert "2 Mo" in caught.value.message_dict["logo"][0]


def test_logo_refusals_through_the_api_name_the_logo(orgs, client_for):
    import base64

    client = client_for(orgs.a.members["admin"])
    for raw in (b"plain text", png() + b"\0" * (2 * 1024 * 1024 + 1)):
        body = {"name": "L", "preset": "cr80", "logo": base64.b64encode(raw).decode()}
        response = client.post("/api/v1/badge-templates/", body, content_type="application/json")
        assert response.status_code == 400
        assert "logo" in response.json()
    response = client.post(
        "/api/v1/badge-templates/",
        {"name": "L", "preset": "cr80", "logo": "@@@"},
        content_type="application/json",
    )
    assert response.status_code == 400


def test_box_helpers_are_in_millimetres():
    assert presets["cr80"].badge_mm("landscape") == pytest.approx((85.6, 54))
    assert presets["cr80"].page_points("landscape")[0] == pytest.approx(85.6 * mm)
