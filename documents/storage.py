"""The object store behind documents: writing, reading, serving and deleting
objects through Django's storage API, for the local disk and S3 alike."""

import logging

from botocore.exceptions import BotoCoreError, ClientError
from django.core.files.base import ContentFile
from django.core.files.storage import Storage, storages
from django.http import HttpResponseRedirect, StreamingHttpResponse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _

log = logging.getLogger(__name__)

# Errors a store raises when it cannot be reached or refuses the request.
STORAGE_ERRORS = (OSError, BotoCoreError, ClientError)
# A pre-signed link is for the browser that asked now, not for forwarding.
PRESIGNED_SECONDS = 60


class StorageUnavailable(Exception):
    status = 503

    def __init__(self):
        super().__init__(_("File storage is unavailable right now; nothing was saved. Please try again."))


def document_storage() -> Storage:
    """The store for documents: `default` (local disk, or S3 when configured)."""
    return storages["default"]


def is_remote(storage: Storage) -> bool:
    """True for stores that can hand out pre-signed links (S3)."""
    return hasattr(storage, "bucket_name")


def put(storage: Storage, key: str, content: bytes, content_type: str) -> str:
    """Write an object; returns the key actually used (the disk store may alter it)."""
    file = ContentFile(content, name=key)
    file.content_type = content_type  # S3Storage sends it as the object's Content-Type
    try:
        return storage.save(key, file)
    except STORAGE_ERRORS as exc:
        log.warning("storage write failed for %s: %s", key, exc)
        raise StorageUnavailable from exc


def remove(storage: Storage, key: str) -> bool:
    """Delete an object and check it is gone; False when it is still there."""
    if not key:
        return True
    try:
        storage.delete(key)
        return not storage.exists(key)
    except STORAGE_ERRORS as exc:
        log.warning("storage delete failed for %s: %s", key, exc)
        return False


def exists(storage: Storage, key: str) -> bool:
    try:
        return bool(key) and storage.exists(key)
    except STORAGE_ERRORS:
        return False


def read(storage: Storage, key: str) -> bytes:
    with storage.open(key, "rb") as handle:
        return handle.read()


def serve(storage: Storage, key: str, *, filename: str, content_type: str, inline: bool = False):
    """A response that delivers the object: a short-lived pre-signed redirect for
    S3 (the bytes never pass through our servers), a streamed file otherwise."""
    if is_remote(storage):
        url = storage.url(
            key,
            parameters={
                "ResponseContentDisposition": content_disposition_header(not inline, filename),
                "ResponseContentType": content_type,
            },
            expire=PRESIGNED_SECONDS,
        )
        response = HttpResponseRedirect(url)
        response["Cache-Control"] = "no-store"
        return response
    try:
        size = storage.size(key)
    except (FileNotFoundError, *STORAGE_ERRORS):
        return None
    response = StreamingHttpResponse(_chunks(storage, key), content_type=content_type)
    response["Content-Length"] = str(size)
    response["Content-Disposition"] = content_disposition_header(not inline, filename)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    # Even if a browser were tricked into rendering it, the file runs no script.
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


def _chunks(storage: Storage, key: str, size: int = 64 * 1024):
    """The object's bytes, opened only when the response is sent and closed
    however the sending ends (a client that hangs up included)."""
    with storage.open(key, "rb") as handle:
        while chunk := handle.read(size):
            yield chunk
