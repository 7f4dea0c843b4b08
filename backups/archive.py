"""`manage.py backup`: one consistent, encrypted backup copied to every
destination, and the reading side (fetch, check, decrypt) that drills and
restores share.

A backup is a folder named by its id, holding encrypted parts:
`database.dump.enc` (pg_dump custom format), `objects.tar.enc` (the storage
objects), `config.json.enc` (each organization's configuration capture) and,
written last so that its presence means "complete", `manifest.json.enc`.
"""

import datetime
import hashlib
import json
import secrets
import shutil
import subprocess
import tarfile
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.db.migrations.loader import MigrationLoader
from django.utils import timezone

from . import capture, crypto, destinations, pgtools

FORMAT = "vestibule.backup"
FORMAT_VERSION = 1
PARTS = ("database.dump", "objects.tar", "config.json")
MANIFEST = "manifest.json.enc"
READ = 1024 * 1024


class BackupError(Exception):
    pass


class InvalidBackup(BackupError):
    """A part failed a check; `part` names it."""

    def __init__(self, part: str, message: str):
        self.part = part
        super().__init__(f"{part}: {message}")


def work_dir(prefix: str) -> Path:
    base = settings.BACKUP_WORK_DIR or None
    if base:
        Path(base).mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=prefix, dir=base))


def new_backup_id(now: datetime.datetime) -> str:
    return f"vst-{now.astimezone(datetime.UTC):%Y%m%dT%H%M%SZ}-{secrets.token_hex(3)}"


def backup_time(backup_id: str) -> datetime.datetime | None:
    try:
        stamp = backup_id.split("-")[1]
        return datetime.datetime.strptime(stamp, "%Y%m%dT%H%M%SZ").replace(tzinfo=datetime.UTC)
    except (IndexError, ValueError):
        return None


# --- writing -----------------------------------------------------------------------


class _HashingReader:
    def __init__(self, raw):
        self.raw = raw
        self.sha = hashlib.sha256()
        self.size = 0

    def read(self, n=-1):
        data = self.raw.read(n)
        self.sha.update(data)
        self.size += len(data)
        return data


def storage_keys(storage=None, folder: str = ""):
    storage = storage or default_storage
    try:
        dirs, files = storage.listdir(folder)
    except FileNotFoundError:
        return
    for name in sorted(files):
        yield f"{folder}/{name}" if folder else name
    for name in sorted(dirs):
        yield from storage_keys(storage, f"{folder}/{name}" if folder else name)


def _seal_to(path: Path, key, feed) -> dict:
    """Encrypt what `feed(writer)` writes into `path`; the part's figures."""
    with open(path, "wb") as sink:
        writer = crypto.Encryptor(sink, key)
        feed(writer)
        writer.close()
    return {
        "file": path.name,
        "size": writer.plain_size,
        "sha256": writer.plain_sha.hexdigest(),
        "encrypted_size": writer.cipher_size,
        "encrypted_sha256": writer.cipher_sha.hexdigest(),
    }


def _dump(target: pgtools.Target, snapshot: str, major: int):
    def feed(writer):
        pg_dump = pgtools.tool("pg_dump", major)
        args = [
            pg_dump,
            "-Fc",
            "-Z",
            "1",
            "--no-password",
            f"--snapshot={snapshot}",
            *target.args(),
            target.name,
        ]
        with subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=target.env()) as proc:
            while chunk := proc.stdout.read(READ):
                writer.write(chunk)
            errors = proc.stderr.read().decode(errors="replace")
        if proc.returncode != 0:
            raise BackupError(f"pg_dump failed: {errors.strip()[:500]}")

    return feed


def _objects(items: list):
    def feed(writer):
        # Streamed tar ("w|"): one object in memory at a time, never the archive.
        with tarfile.open(fileobj=writer, mode="w|") as tar:
            for key in storage_keys():
                info = tarfile.TarInfo(key)
                info.size = default_storage.size(key)
                info.mtime = int(time.time())
                with default_storage.open(key, "rb") as raw:
                    reader = _HashingReader(raw)
                    tar.addfile(info, reader)
                items.append({"key": key, "size": reader.size, "sha256": reader.sha.hexdigest()})

    return feed


def _configuration(writer) -> None:
    writer.write(json.dumps(capture.export_all(), sort_keys=True, ensure_ascii=False).encode())


def database_facts(conn) -> tuple[dict, list[str]]:
    """Row counts per table and applied migrations, in the caller's snapshot."""
    tables = [
        row[0]
        for row in conn.execute(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') ORDER BY 1"
        )
    ]
    # Table names come from pg_class, not from input.
    counts = {t: conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}  # noqa: S608
    migrations = [
        f"{a}.{n}" for a, n in conn.execute("SELECT app, name FROM django_migrations ORDER BY 1, 2")
    ]
    return counts, migrations


def write_backup(folder: Path, *, key=None, now=None, backup_id=None) -> dict:
    """Write the parts and the manifest of a new backup into `folder`.

    1. Open a repeatable-read transaction as the owner role and export its
       snapshot: the row counts, the migration state and pg_dump all see the
       same instant.
    2. Stream pg_dump, the storage objects and the configuration capture, each
       through its own encryptor.
    3. Seal the manifest with every part's size and SHA-256 (plain and sealed).
    """
    key = key or crypto.newest_key()
    now = now or timezone.now()
    backup_id = backup_id or new_backup_id(now)
    target = pgtools.owner_target()
    major = pgtools.server_major(target)
    parts: dict[str, dict] = {}
    objects: list[dict] = []
    with target.connect() as conn:
        conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        snapshot = conn.execute("SELECT pg_export_snapshot()").fetchone()[0]
        counts, migrations = database_facts(conn)
        parts["database.dump"] = _seal_to(folder / "database.dump.enc", key, _dump(target, snapshot, major))
        conn.execute("COMMIT")
    parts["objects.tar"] = _seal_to(folder / "objects.tar.enc", key, _objects(objects))
    parts["config.json"] = _seal_to(folder / "config.json.enc", key, _configuration)
    manifest = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "backup_id": backup_id,
        "created_at": now.isoformat(),
        "key_id": key.id,
        "server_major": major,
        "migrations": migrations,
        "row_counts": counts,
        "objects": {"count": len(objects), "size": sum(o["size"] for o in objects), "items": objects},
        "parts": parts,
    }
    seal_manifest(folder, manifest, key)
    return manifest


def seal_manifest(folder: Path, manifest: dict, key) -> dict:
    body = json.dumps(manifest, sort_keys=True).encode()
    return _seal_to(folder / MANIFEST, key, lambda writer: writer.write(body))


def copy_to(folder: Path, backup_id: str, destination) -> None:
    for part in (*(f"{p}.enc" for p in PARTS), MANIFEST):
        destination.put(backup_id, part, folder / part)


# --- rotation ----------------------------------------------------------------------


def to_keep(times: dict[str, datetime.datetime], *, daily: int, weekly: int, monthly: int) -> set[str]:
    """Grandfather-father-son: the newest backup of each of the `daily` most
    recent days, `weekly` ISO weeks and `monthly` months that have backups."""
    keep: set[str] = set()
    newest_first = sorted(times, key=lambda b: times[b], reverse=True)
    for count, bucket in (
        (daily, lambda t: t.date()),
        (weekly, lambda t: t.isocalendar()[:2]),
        (monthly, lambda t: (t.year, t.month)),
    ):
        seen = []
        for backup_id in newest_first:
            period = bucket(times[backup_id])
            if period not in seen:
                if len(seen) == count:
                    break
                seen.append(period)
                keep.add(backup_id)
    return keep


def rotate(destination) -> list[str]:
    times = {b: t for b in destination.backups() if (t := backup_time(b))}
    keep = to_keep(
        times,
        daily=settings.BACKUP_KEEP_DAILY,
        weekly=settings.BACKUP_KEEP_WEEKLY,
        monthly=settings.BACKUP_KEEP_MONTHLY,
    )
    removed = sorted(set(times) - keep)
    for backup_id in removed:
        destination.delete(backup_id)
    return removed


# --- reading -----------------------------------------------------------------------


@dataclass
class Unpacked:
    folder: Path
    manifest: dict
    plain: dict[str, Path] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)


def fetch(backup_id: str, folder: Path, destination=None) -> str:
    """Download a backup; the first destination that has it, unless one is named."""
    chosen = [destination] if destination else destinations.configured()
    errors = []
    for dest in chosen:
        try:
            for part in (MANIFEST, *(f"{p}.enc" for p in PARTS)):
                dest.fetch(backup_id, part, folder / part)
            return dest.name
        except destinations.DestinationError as exc:
            errors.append(str(exc))
    raise BackupError(f"backup {backup_id} not found: " + "; ".join(errors or ["no destination configured"]))


def read_manifest(folder: Path, key_id: str | None = None) -> dict:
    path = folder / MANIFEST
    try:
        with open(path, "rb") as stream:
            body = b"".join(crypto.decrypt_stream(stream, key_id=key_id))
    except crypto.IntegrityError as exc:
        raise InvalidBackup(MANIFEST, str(exc)) from exc
    except FileNotFoundError as exc:
        raise InvalidBackup(MANIFEST, "missing") from exc
    manifest = json.loads(body)
    check_compatible(manifest)
    return manifest


def code_migrations() -> set[str]:
    loader = MigrationLoader(None, ignore_no_migrations=True)
    return {f"{app}.{name}" for app, name in loader.disk_migrations}


def check_compatible(manifest: dict) -> None:
    """Refuse a backup this code cannot restore, naming both versions."""
    if manifest.get("format") != FORMAT or manifest.get("format_version", 0) > FORMAT_VERSION:
        raise InvalidBackup(
            MANIFEST,
            f"backup format version {manifest.get('format_version')} is newer than this code's "
            f"({FORMAT_VERSION})",
        )
    unknown = sorted(set(manifest.get("migrations", [])) - code_migrations())
    if unknown:
        known = latest_per_app(code_migrations())
        mine = ", ".join(known.get(m.split(".")[0], f"{m.split('.')[0]} (none)") for m in unknown)
        raise InvalidBackup(
            MANIFEST,
            f"the backup's schema is newer than this code: the backup has {', '.join(unknown)}; "
            f"this code has {mine}",
        )


def latest_per_app(names) -> dict[str, str]:
    latest: dict[str, str] = {}
    for name in sorted(names):
        latest[name.split(".")[0]] = name
    return latest


def sha256_file(path: Path) -> str:
    sha = hashlib.sha256()
    with open(path, "rb") as stream:
        while chunk := stream.read(READ):
            sha.update(chunk)
    return sha.hexdigest()


def unpack(folder: Path, *, expected: dict | None = None, key_id: str | None = None) -> Unpacked:
    """Check every part and decrypt it next to its sealed copy.

    1. Decrypt the manifest (authenticated) and check the code can read it.
    2. Compare each sealed part's SHA-256 with the manifest (and with the
       BackupRun row when there is one): a changed byte names its part.
    3. Decrypt each part, checking chunk authentication and the plain SHA-256.
    """
    started = time.monotonic()
    manifest = read_manifest(folder, key_id)
    if (
        expected
        and expected.get("manifest_sha256")
        and sha256_file(folder / MANIFEST) != expected["manifest_sha256"]
    ):
        raise InvalidBackup(MANIFEST, "checksum differs from the one recorded when the backup was made")
    out = Unpacked(folder, manifest)
    for part in PARTS:
        facts = manifest["parts"][part]
        sealed = folder / facts["file"]
        if not sealed.exists():
            raise InvalidBackup(facts["file"], "missing")
        if sha256_file(sealed) != facts["encrypted_sha256"]:
            raise InvalidBackup(facts["file"], "SHA-256 does not match the manifest (the file was altered)")
    out.timings["checksums"] = time.monotonic() - started
    started = time.monotonic()
    for part in PARTS:
        facts = manifest["parts"][part]
        plain = folder / part
        sha = hashlib.sha256()
        try:
            with open(folder / facts["file"], "rb") as source, open(plain, "wb") as sink:
                for chunk in crypto.decrypt_stream(source, key_id=manifest.get("key_id")):
                    sha.update(chunk)
                    sink.write(chunk)
        except crypto.IntegrityError as exc:
            raise InvalidBackup(facts["file"], str(exc)) from exc
        if sha.hexdigest() != facts["sha256"]:
            raise InvalidBackup(facts["file"], "decrypted content does not match its SHA-256")
        out.plain[part] = plain
    out.timings["decrypt"] = time.monotonic() - started
    return out


def restore_objects(unpacked: Unpacked, storage, only: set[str] | None = None) -> int:
    """Put every object of the backup (or those keyed in `only`) into
    `storage`, checking its SHA-256."""
    wanted = {o["key"]: o for o in unpacked.manifest["objects"]["items"] if only is None or o["key"] in only}
    restored = 0
    with tarfile.open(unpacked.plain["objects.tar"], mode="r|") as tar:
        for member in tar:
            if not member.isfile() or member.name not in wanted:
                continue
            data = tar.extractfile(member)
            reader = _HashingReader(data)
            if storage.exists(member.name):
                storage.delete(member.name)
            storage.save(member.name, File(reader, name=member.name))
            if reader.sha.hexdigest() != wanted[member.name]["sha256"]:
                raise InvalidBackup("objects.tar.enc", f"object {member.name} does not match its SHA-256")
            restored += 1
    return restored


def cleanup(folder: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)
