"""Demo badge templates (`seed_demo`): a label for the desk printers, a CR80 card."""

import io

from PIL import Image, ImageDraw

from . import services


def demo_logo(text: str, color=(31, 95, 191)) -> bytes:
    image = Image.new("RGB", (480, 120), "white")
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((4, 4, 476, 116), radius=18, outline=color, width=6)
    draw.text((30, 38), text[:30], fill=color, font_size=40)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def seed(org) -> None:
    logo = demo_logo(org.name)
    label = services.create_template(
        organization=org, by=None, name="Étiquette visiteur 62 x 100", preset="brother_ql_62x100", logo=logo
    )
    services.assign_template(template=label)
    services.create_template(
        organization=org, by=None, name="Carte CR80", preset="cr80", orientation="landscape", logo=logo
    )
