"""Files from outside: what they really are, and making them safe to keep and serve.

Nothing here trusts the client: the type comes from the bytes, the name is only
metadata, images are decoded only after their declared size was checked, and
their metadata (EXIF, GPS) is dropped by re-encoding.
"""

import hashlib
import io
import re
import secrets
import unicodedata
import warnings
from dataclasses import dataclass

import filetype
from django.conf import settings
from django.utils.translation import gettext as _
from PIL import Image, ImageOps

from .models import FileType

# Extensions a name may carry for each type we accept; a name whose extension
# says something else than the bytes is refused (a ".pdf" full of PNG).
EXTENSIONS = {
    "application/pdf": {"pdf"},
    "image/jpeg": {"jpg", "jpeg", "jpe", "jfif"},
    "image/png": {"png"},
    "image/webp": {"webp"},
}
PILLOW_FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP"}

# Markers browsers sniff as markup in a file's first bytes, and the ZIP records
# that make a file readable as an archive too: either makes a polyglot.
MARKUP = re.compile(rb"<\s*(html|script|svg|body|iframe|!doctype|\?xml)", re.IGNORECASE)
ZIP_RECORDS = (b"PK\x03\x04", b"PK\x05\x06")
PDF_ACTIVE = re.compile(rb"/(JavaScript|JS|Launch|EmbeddedFile|XFA)\b")


class RefusedFile(Exception):
    """A file we will not keep; the message is for the person who sent it."""

    status = 400


class FileTooLarge(RefusedFile):
    status = 413

    def __init__(self, limit: int):
        self.limit = limit
        super().__init__(_("The file is larger than the limit of %(limit)s MB.") % {"limit": _mb(limit)})


def _mb(size: int) -> str:
    value = size / (1024 * 1024)
    return f"{value:g}" if value == int(value) else f"{value:.1f}"


@dataclass
class CleanFile:
    content: bytes
    content_type: str
    sha256: str
    name: str

    @property
    def size(self) -> int:
        return len(self.content)


def max_image_pixels() -> int:
    return getattr(settings, "DOCUMENTS_MAX_IMAGE_PIXELS", 40_000_000)


def random_key(prefix: str, organization_id: int, suffix: str = "") -> str:
    """A storage key nobody can guess or steer: the client's name never enters it."""
    return f"{prefix}/{organization_id}/{secrets.token_hex(20)}{suffix}"


def safe_name(name: str, default: str = "document") -> str:
    """A file name fit for Content-Disposition and for a ZIP entry.

    1. Keep the last path component (no `../`, no absolute paths, either slash).
    2. Drop control and format characters (NUL, right-to-left overrides).
    3. Replace what shells and headers dislike; collapse dots so no `..` remains.
    4. Cap the length, keeping the extension."""
    name = unicodedata.normalize("NFC", str(name or ""))
    name = re.split(r"[\\/]", name)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    name = re.sub(r'[<>:"|?*;,\x7f]', "_", name)
    name = re.sub(r"\.{2,}", ".", name).strip(" .")
    if not name:
        return default
    stem, dot, ext = name.rpartition(".")
    if dot and 0 < len(ext) <= 10 and stem:
        return f"{stem[: 120 - len(ext) - 1]}.{ext}"
    return name[:120]


def _extension(name: str) -> str:
    base = re.split(r"[\\/]", name or "")[-1]
    return base.rpartition(".")[2].lower() if "." in base else ""


def read_limited(upload, limit: int) -> bytes:
    """The upload's bytes, refusing as soon as it passes the limit (the declared
    size of a multipart part can lie; what we read cannot)."""
    declared = getattr(upload, "size", None)
    if declared is not None and declared > limit:
        raise FileTooLarge(limit)
    if hasattr(upload, "seek"):
        upload.seek(0)
    chunks, total = [], 0
    for chunk in upload.chunks() if hasattr(upload, "chunks") else iter(lambda: upload.read(65536), b""):
        total += len(chunk)
        if total > limit:
            raise FileTooLarge(limit)
        chunks.append(chunk)
    return b"".join(chunks)


def inspect(content: bytes, *, name: str, allowed_types, limit: int) -> CleanFile:
    """Decide from the bytes whether a file is acceptable, and clean it.

    1. Size against the limit.
    2. Type detected from the bytes, among the allowed ones; the name's
       extension, if any, must agree with it.
    3. Polyglots and active content refused (markup, ZIP records, PDF scripts).
    4. Images: dimensions checked before any decoding, then re-encoded without
       metadata (EXIF orientation applied first so the picture stays upright).
    """
    if len(content) > limit:
        raise FileTooLarge(limit)
    if not content:
        raise RefusedFile(_("The file is empty."))
    kind = filetype.guess(content[:8192])
    detected = kind.mime if kind else None
    if detected not in set(allowed_types) or detected not in EXTENSIONS:
        raise RefusedFile(
            _("This type of file is not accepted. Accepted: %(types)s.") % {"types": _labels(allowed_types)}
        )
    ext = _extension(name)
    if ext and ext not in EXTENSIONS[detected]:
        raise RefusedFile(_("The file's name says .%(ext)s but its content is not.") % {"ext": ext})
    if MARKUP.search(content[:1024]) or any(record in content[4:] for record in ZIP_RECORDS):
        raise RefusedFile(_("The file contains content of another type and is refused."))
    if detected == "application/pdf" and PDF_ACTIVE.search(content):
        raise RefusedFile(_("PDF files with scripts or embedded files are not accepted."))
    if detected in PILLOW_FORMATS:
        content = clean_image(content, PILLOW_FORMATS[detected])
    return CleanFile(
        content=content,
        content_type=detected,
        sha256=hashlib.sha256(content).hexdigest(),
        name=safe_name(name),
    )


def _labels(types) -> str:
    labels = dict(FileType.choices)
    return ", ".join(str(labels.get(t, t)) for t in types)


def open_image_checked(content: bytes) -> Image.Image:
    """Open (header only) and refuse images whose pixel count would make decoding
    a memory bomb; Pillow's own guard is made an error rather than a warning."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(content))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise RefusedFile(_("The image is too large to be processed.")) from exc
    except (OSError, ValueError, SyntaxError) as exc:
        raise RefusedFile(_("The image cannot be read.")) from exc
    width, height = image.size
    if width * height > max_image_pixels() or width <= 0 or height <= 0:
        raise RefusedFile(_("The image is too large to be processed."))
    return image


def clean_image(content: bytes, fmt: str) -> bytes:
    image = open_image_checked(content)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image.load()
            image = ImageOps.exif_transpose(image)
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombWarning) as exc:
        raise RefusedFile(_("The image cannot be read.")) from exc
    if fmt == "JPEG" and image.mode not in ("RGB", "L", "CMYK"):
        image = image.convert("RGB")
    # A fresh image carries no `info` (EXIF, XMP, text chunks, GPS); only pixels
    # and the colour profile, which affects how the picture looks, are kept.
    fresh = Image.new(image.mode, image.size)
    fresh.paste(image)
    if image.mode == "P" and image.getpalette():
        fresh.putpalette(image.getpalette())
    extra = {"quality": 92} if fmt == "JPEG" else {}
    if image.info.get("icc_profile"):
        extra["icc_profile"] = image.info["icc_profile"]
    out = io.BytesIO()
    fresh.save(out, format=fmt, **extra)
    return out.getvalue()
