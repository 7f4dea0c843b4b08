"""Backup encryption: the `age` format (https://age-encryption.org/v1, through
pyrage) for new backups, so that an operator can decrypt a backup with the
standard `age` command when our code cannot run (docs/backup-and-restore.md);
and the key ring read from the environment.

Keys stay what they were (BACKUP_KEYS, `id:base64(32 bytes)`, newest first):
each key id's age X25519 identity is derived from its secret (`age_identity`),
and `manage.py backup --age-identity ID` prints it for the operator. An X25519
identity rather than an scrypt passphrase recipient: `age -d -i FILE` runs
without a terminal (the restore drill runs it), while age reads passphrases
only from a TTY; and the identity file is one line to keep with the key.

Backups made before (our own format over AES-256-GCM, told by its header
b"VSTB1") stay restorable: `decrypt_stream` reads both. That old format is:

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
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass

import pyrage
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings

AGE_MAGIC = b"age-encryption.org/v1\n"
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


_BECH32 = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"


def _bech32(hrp: str, data: bytes) -> str:
    """BIP 173 bech32, the text form of age keys."""
    words, acc, bits = [], 0, 0
    for byte in data:
        acc, bits = (acc << 8) | byte, bits + 8
        while bits >= 5:
            bits -= 5
            words.append((acc >> bits) & 31)
    if bits:
        words.append((acc << (5 - bits)) & 31)

    def polymod(values):
        chk = 1
        for value in values:
            top = chk >> 25
            chk = (chk & 0x1FFFFFF) << 5 ^ value
            for i, gen in enumerate((0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3)):
                chk ^= gen if (top >> i) & 1 else 0
        return chk

    expanded = [ord(c) >> 5 for c in hrp] + [0] + [ord(c) & 31 for c in hrp]
    mod = polymod([*expanded, *words, 0, 0, 0, 0, 0, 0]) ^ 1
    checksum = [(mod >> 5 * (5 - i)) & 31 for i in range(6)]
    return hrp + "1" + "".join(_BECH32[w] for w in [*words, *checksum])


def age_identity_text(key: Key) -> str:
    """The key id's age X25519 identity ("AGE-SECRET-KEY-1…"), derived from the
    key's secret: the same key always gives the same identity, so nothing new
    has to be kept, and a backup sealed with it opens with `age -d -i`."""
    scalar = hmac.new(key.secret, b"vestibule-backup-age-x25519", hashlib.sha256).digest()
    return _bech32("age-secret-key-", scalar).upper()


def age_identity(key: Key):
    return pyrage.x25519.Identity.from_str(age_identity_text(key))


class _Counting:
    """The sink, with the ciphertext's SHA-256 and size kept on the way."""

    def __init__(self, sink):
        self.sink, self.sha, self.size = sink, hashlib.sha256(), 0

    def write(self, data) -> int:
        self.sink.write(data)
        self.sha.update(data)
        self.size += len(data)
        return len(data)

    def flush(self) -> None:
        pass


class Encryptor:
    """A write-only file object: `write()` plaintext, `close()` seals it in the
    age format to the key's X25519 recipient. Keeps SHA-256 of both sides.

    The plaintext goes to an unnamed temporary file first (pyrage reads from a
    file object), next to the sink when it has a name: memory stays at one
    chunk whatever the size of the part."""

    def __init__(self, sink, key: Key):
        self.sink = _Counting(sink)
        self.recipient = age_identity(key).to_public()
        folder = os.path.dirname(getattr(sink, "name", "") or "") or None
        self.plain = tempfile.TemporaryFile(dir=folder)  # noqa: SIM115 - closed in close()
        self.plain_sha = hashlib.sha256()
        self.plain_size = 0
        self.closed = False

    @property
    def cipher_sha(self):
        return self.sink.sha

    @property
    def cipher_size(self) -> int:
        return self.sink.size

    def write(self, data) -> int:
        self.plain_sha.update(data)
        self.plain_size += len(data)
        self.plain.write(data)
        return len(data)

    def close(self) -> None:
        if not self.closed:
            self.plain.seek(0)
            pyrage.encrypt_io(self.plain, self.sink, [self.recipient])
            self.plain.close()
            self.closed = True

    def flush(self) -> None:
        pass

    def tell(self) -> int:
        return self.plain_size


class LegacyEncryptor:
    """The format before age (see the module's docstring): kept so that tests
    can make such a backup and prove it still restores; new backups use
    `Encryptor`."""

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


def _is_age(stream) -> bool:
    head = stream.read(len(AGE_MAGIC))
    stream.seek(-len(head), os.SEEK_CUR)
    return head == AGE_MAGIC


def _age_decrypt(stream, keys: list[Key]) -> Iterator[bytes]:
    """Decrypted into an unnamed temporary file (authenticated by age as it
    goes: a failure raises before any byte is yielded), then read back in chunks."""
    identities = [age_identity(key) for key in keys]
    source = getattr(stream, "name", None)
    folder = os.path.dirname(source) if isinstance(source, str) else None
    with tempfile.NamedTemporaryFile(dir=folder or None) as plain:
        try:
            if isinstance(source, str) and stream.tell() == 0:
                # From the path: pyrage reads it itself, 2-3x faster than
                # through a Python file object (a restore's time to recover).
                pyrage.decrypt_file(source, plain.name, identities)
            else:
                pyrage.decrypt_io(stream, plain, identities)
        except pyrage.DecryptError as exc:
            if "no matching keys" in str(exc).lower():
                which = (
                    f"the key {keys[0].id!r} in BACKUP_KEYS is"
                    if len(keys) == 1
                    else "no key in BACKUP_KEYS is"
                )
                raise BackupKeyError(f"{which} not the key this backup was encrypted with") from exc
            raise IntegrityError(f"the age file fails authentication or is truncated: {exc}") from exc
        except OSError as exc:  # pyrage raises an I/O error for a payload that fails authentication
            raise IntegrityError(f"the age file fails authentication or is truncated: {exc}") from exc
        plain.seek(0)
        yield from iter(lambda: plain.read(CHUNK), b"")


def age_key_id(path) -> str:
    """Which key of the ring opens an age-format file (tried one by one)."""
    for key in key_ring():
        with open(path, "rb") as stream:
            try:
                for _chunk in _age_decrypt(stream, [key]):
                    pass
            except BackupKeyError:
                continue
        return key.id
    raise BackupKeyError("no key in BACKUP_KEYS opens this backup")


def decrypt_stream(stream, key: Key | None = None, key_id: str | None = None) -> Iterator[bytes]:
    """Plaintext chunks of an encrypted part, in the age format or the older
    one (told by the header). Raises BackupKeyError or IntegrityError; a caller
    must not trust what it received before the generator ends.

    An age file does not name its key: `key_id` (the BackupRun's, when the
    caller has one) picks it, so that a missing key is named; without it every
    key of the ring is tried."""
    if _is_age(stream):
        if key is None and key_id:
            key = find_key(key_id)
        yield from _age_decrypt(stream, [key] if key is not None else key_ring())
        return
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
        if _is_age(stream):
            return age_key_id(path)
        return read_header(stream)[1]
