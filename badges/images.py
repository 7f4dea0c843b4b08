"""Images on badges: the template's logo (checked on upload) and the visitor's
photo (asked of whichever app keeps attachments, through a hook)."""

import hashlib
import io
import logging
import warnings
from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from PIL import Image

log = logging.getLogger(__name__)

MAX_LOGO_BYTES = 2 * 1024 * 1024
MAX_PHOTO_BYTES = 10 * 1024 * 1024
CONTENT_TYPES = {"PNG": "image/png", "JPEG": "image/jpeg"}
MAX_PIXELS = 25_000_000

# Set by the app that keeps visitors' attachments (documents): a callable taking
# a Visit and returning the photo's bytes, or None. Badges never import that
# app; until it sets the hook, badges print without a photo.
photo_provider: Callable | None = None


def check_logo(raw: bytes) -> str:
    """Refuse what is not a PNG/JPEG image or is over 2 MB; return its MIME type."""
    if len(raw) > MAX_LOGO_BYTES:
        raise ValidationError(_("The logo is larger than 2 MB."), code="too_large")
    try:
        with warnings.catch_warnings():
            # A decompression bomb is refused, not merely warned about.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(raw)) as image:
                image.verify()
                kind, size = image.format, image.size
    except Exception as exc:
        raise ValidationError(_("The logo is not a PNG or JPEG image."), code="not_image") from exc
    if kind not in CONTENT_TYPES or size[0] * size[1] > MAX_PIXELS:
        raise ValidationError(_("The logo is not a PNG or JPEG image."), code="not_image")
    return CONTENT_TYPES[kind]


def digest(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


def photo_for(visit) -> bytes | None:
    """The visitor's photo, or None. A failing provider costs the photo, never
    the badge: reception is printing with a visitor standing there."""
    provider = photo_provider
    if provider is None or visit.visitor_id is None:
        return None
    try:
        raw = provider(visit)
    except Exception:
        log.warning("photo provider failed for visit %s", visit.pk, exc_info=True)
        return None
    if not raw or not isinstance(raw, bytes | bytearray | memoryview) or len(raw) > MAX_PHOTO_BYTES:
        return None
    return bytes(raw)
