"""AES-256-GCM in streamed chunks, and the key ring read from the environment.

An encrypted part is:

    header  = b"VSTB1" | key id length (1 byte) | key id | key check (8) | file id (16)
    chunk*  = flags (1) | ciphertext length (4, big endian) | nonce (12) | ciphertext+tag

Each chunk is sealed with a fresh random nonce and, as associated data, the
whole header, the chunk's index and its "last chunk" flag. So a reordered,
dropped, duplicated or truncated chunk fails authentication (or is missing its
last flag), and a chunk cannot be moved from one part to another. Memory stays
at one chunk whatever the size of the part.
"""

import base64
import binascii
import hashlib
import hmac
import os
import struct
from collections.abc import Iterator
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

MAGIC = b"VSTB1"
CHUNK = 1024 * 1024
LAST = 1
_FRAME = struct.Struct(">BI")


class BackupKeyError(Exception):
    """A key is missing, malformed, or not the one a backup was sealed with."""


class IntegrityError(Exception):
    """The ciphertext was altered, truncated or reordered."""


@dataclass(frozen=True)
class Key:
    id: str
    secret: bytes

    @property
    def check(self) -> bytes:
        # Lets a wrong key be told from a corrupted part without decrypting.
        return hmac.new(self.secret, b"vestibule-backup-key-check", hashlib.sha256).digest()[:8]


def parse_keys(raw: str) -> list[Key]:
    """`BACKUP_KEYS="id1:base64key,id2:base64key"`, newest first."""
    keys = []
    for item in filter(None, (part.strip() for part in (raw or "").split(","))):
        key_id, sep, encoded = item.partition(":")
        if not sep or not key_id:
            raise BackupKeyError(f"BACKUP_KEYS: {item[:12]!r}… is not 'id:base64key'")
        try:
            secret = base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise BackupKeyError(f"BACKUP_KEYS: the key {key_id!r} is not valid base64") from exc
        if len(secret) != 32:
            raise BackupKeyError(
                f"BACKUP_KEYS: the key {key_id!r} must be 32 bytes (AES-256), not {len(secret)}"
            )
        keys.append(Key(key_id, secret))
    return keys


def key_ring() -> list[Key]:
    from django.conf import settings

    return parse_keys(settings.BACKUP_KEYS)


def newest_key() -> Key:
    keys = key_ring()
    if not keys:
        raise BackupKeyError("BACKUP_KEYS is empty: no key to encrypt backups with")
    return keys[0]


def find_key(key_id: str) -> Key:
    for key in key_ring():
        if key.id == key_id:
            return key
    raise BackupKeyError(
        f"the key {key_id!r} is not in BACKUP_KEYS (known: {[k.id for k in key_ring()] or 'none'})"
    )


def new_key_text(key_id: str) -> str:
    """An entry to paste in BACKUP_KEYS."""
    return f"{key_id}:{base64.b64encode(os.urandom(32)).decode()}"


class Encryptor:
    """A write-only file object: `write()` plaintext, `close()` seals the last
    chunk. Writes ciphertext to `sink` and keeps SHA-256 of both sides."""

    def __init__(self, sink, key: Key):
        self.sink = sink
        self.aead = AESGCM(key.secret)
        kid = key.id.encode()
        self.header = MAGIC + bytes([len(kid)]) + kid + key.check + os.urandom(16)
        self.index = 0
        self.buffer = bytearray()
        self.plain_sha = hashlib.sha256()
        self.cipher_sha = hashlib.sha256()
        self.plain_size = 0
        self.cipher_size = 0
        self.closed = False
        self._emit(self.header)

    def _emit(self, data: bytes) -> None:
        self.sink.write(data)
        self.cipher_sha.update(data)
        self.cipher_size += len(data)

    def _seal(self, data: bytes, flags: int) -> None:
        nonce = os.urandom(12)
        aad = self.header + struct.pack(">QB", self.index, flags)
        sealed = self.aead.encrypt(nonce, bytes(data), aad)
        self._emit(_FRAME.pack(flags, len(sealed)) + nonce + sealed)
        self.index += 1

    def write(self, data) -> int:
        self.plain_sha.update(data)
        self.plain_size += len(data)
        self.buffer += data
        # Keep one chunk back: the last one is only known at close().
        while len(self.buffer) > CHUNK:
            self._seal(self.buffer[:CHUNK], 0)
            # A new buffer, not `del buffer[:CHUNK]`: CPython keeps a bytearray's
            # freed head allocated, and memory would grow with the part.
            self.buffer = self.buffer[CHUNK:]
        return len(data)

    def close(self) -> None:
        if not self.closed:
            self._seal(self.buffer, LAST)
            self.buffer = bytearray()
            self.closed = True

    def flush(self) -> None:
        pass

    def tell(self) -> int:
        return self.plain_size


def read_header(stream) -> tuple[bytes, str, bytes]:
    head = stream.read(len(MAGIC) + 1)
    if len(head) < len(MAGIC) + 1 or head[: len(MAGIC)] != MAGIC:
        raise IntegrityError("not a Vestibule encrypted part (bad header)")
    kid = stream.read(head[-1])
    rest = stream.read(8 + 16)
    if len(rest) != 24:
        raise IntegrityError("truncated header")
    try:
        key_id = kid.decode()
    except UnicodeDecodeError as exc:
        raise IntegrityError("bad key id in header") from exc
    return head + kid + rest, key_id, rest[:8]


def decrypt_stream(stream, key: Key | None = None) -> Iterator[bytes]:
    """Plaintext chunks of an encrypted part. Raises BackupKeyError or IntegrityError;
    a caller must not trust what it received before the generator ends."""
    header, key_id, check = read_header(stream)
    key = key or find_key(key_id)
    if key.id != key_id:
        raise BackupKeyError(f"this part was encrypted with the key {key_id!r}, not {key.id!r}")
    if not hmac.compare_digest(key.check, check):
        raise BackupKeyError(
            f"the key {key_id!r} in BACKUP_KEYS is not the key this backup was encrypted with"
        )
    aead = AESGCM(key.secret)
    index = 0
    while True:
        frame = stream.read(_FRAME.size)
        if not frame:
            raise IntegrityError("truncated: the last chunk is missing")
        if len(frame) != _FRAME.size:
            raise IntegrityError(f"truncated inside chunk {index}")
        flags, length = _FRAME.unpack(frame)
        if length > CHUNK + 16:
            raise IntegrityError(f"chunk {index} has an impossible length")
        nonce = stream.read(12)
        sealed = stream.read(length)
        if len(nonce) != 12 or len(sealed) != length:
            raise IntegrityError(f"truncated inside chunk {index}")
        try:
            plain = aead.decrypt(nonce, sealed, header + struct.pack(">QB", index, flags))
        except InvalidTag as exc:
            raise IntegrityError(f"chunk {index} fails authentication (altered or out of order)") from exc
        yield plain
        index += 1
        if flags & LAST:
            if stream.read(1):
                raise IntegrityError("data after the last chunk")
            return


def header_key_id(path) -> str:
    with open(path, "rb") as stream:
        return read_header(stream)[1]
