"""`manage.py verify_backup`: the restore drill, and the full restore that
shares its steps (`manage.py restore`).

A drill proves a backup by restoring it: fetch, check every checksum, decrypt,
restore into a scratch PostgreSQL and a scratch storage folder, compare row
counts with the manifest, then run the post-restore checks and the end-to-end
journey in a Vestibule process pointed at the copy.
"""

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg
from django.core.files.storage import FileSystemStorage
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from . import archive, crypto, destinations, erasure, pgtools, scratch
from .models import BackupRun, DrillReport
from .services import journal_everywhere

BASE = Path(__file__).resolve().parent.parent


class Timer:
    def __init__(self):
        self.checks: list[dict] = []

    def step(self, name, func, *, detail=""):
        started = time.monotonic()
        try:
            result = func()
        except Exception as exc:
            self.checks.append(
                {
                    "name": name,
                    "ok": False,
                    "detail": str(exc),
                    "seconds": round(time.monotonic() - started, 3),
                }
            )
            raise
        self.checks.append(
            {
                "name": name,
                "ok": True,
                "detail": detail if not callable(detail) else detail(result),
                "seconds": round(time.monotonic() - started, 3),
            }
        )
        return result


def latest_run() -> BackupRun | None:
    return BackupRun.objects.filter(status__in=["ok", "partial"]).order_by("-started_at").first()


def row_counts(target: pgtools.Target, expected: dict) -> tuple[bool, str]:
    with target.connect() as conn:
        differ = []
        for table, count in sorted(expected.items()):
            # Table names from our own sealed manifest.
            found = conn.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]  # noqa: S608
            if found != count:
                differ.append(f"{table}: {found} rows, manifest says {count}")
    return not differ, "; ".join(
        differ
    ) or f"{len(expected)} tables, {sum(expected.values())} rows as in the manifest"


def post_restore(app_url: str, owner_url: str, media: Path, *, erasures_file: Path | None = None) -> dict:
    """Run `manage.py post_restore` against the restored copy; its JSON result."""
    env = {
        **os.environ,
        "DATABASE_URL": app_url,
        "DATABASE_OWNER_URL": owner_url,
        "MEDIA_ROOT": str(media),
        "AWS_STORAGE_BUCKET_NAME": "",
        # Nothing may leave the copy: tasks run in-process, mail stays in memory.
        "CELERY_TASK_ALWAYS_EAGER": "1",
        "EMAIL_HOST": "",
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "SMS_BACKEND": "console",
        "CACHE_PREFIX": f"vestibule-drill-{os.getpid()}",
    }
    args = [sys.executable, str(BASE / "manage.py"), "post_restore", "--json"]
    if erasures_file:
        args += ["--erasures", str(erasures_file), "--no-journey"]
    done = subprocess.run(args, env=env, capture_output=True, text=True, cwd=BASE, check=False, timeout=1800)
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        return {
            "checks": [
                {"name": "post_restore", "ok": False, "detail": done.stderr.strip()[-800:], "seconds": 0}
            ]
        }
    return json.loads(lines[-1])


def age_command(folder: Path, manifest: dict) -> dict:
    """Decrypt the smallest part with Debian's `age` command, as an operator
    would without our code (docs/backup-and-restore.md), and compare it with the
    manifest's SHA-256. Said in the report when the command is not installed or
    the backup predates the age format."""
    started = time.monotonic()
    name, facts = min(manifest["parts"].items(), key=lambda item: item[1]["size"])
    sealed = folder / facts["file"]
    binary = shutil.which("age")
    with open(sealed, "rb") as stream:
        is_age = stream.read(len(crypto.AGE_MAGIC)) == crypto.AGE_MAGIC
    if binary is None:
        ok, detail = True, "the age command is not installed here (apt-get install age): not tried"
    elif not is_age:
        ok, detail = True, "the backup predates the age format: not for the age command"
    else:
        identities = folder / "age-identities.txt"
        identities.touch(mode=0o600)
        identities.write_text("".join(crypto.age_identity_text(k) + "\n" for k in crypto.key_ring()))
        done = subprocess.run(
            [binary, "--decrypt", "-i", str(identities), str(sealed)], capture_output=True, check=False
        )
        identities.unlink()
        digest = hashlib.sha256(done.stdout).hexdigest()
        ok = done.returncode == 0 and digest == facts["sha256"]
        detail = (
            f"{name} decrypted by `age`, SHA-256 as in the manifest"
            if ok
            else f"`age` could not decrypt {name}: {done.stderr.decode(errors='replace').strip()[:200]}"
        )
    return {
        "name": "age_command",
        "ok": ok,
        "detail": detail,
        "seconds": round(time.monotonic() - started, 3),
    }


def _journal(report: DrillReport) -> None:
    journal_everywhere(
        "backup.verified" if report.ok else "backup.verify_failed",
        target=("backups.drillreport", report.pk),
        data={
            "drill": report.pk,
            "backup_run": report.backup_id,
            "rto_seconds": report.rto_seconds,
            "rpo_seconds": report.rpo_seconds,
            "failed": [c["name"] for c in report.checks if not c["ok"]],
        },
    )


def verify_backup(*, backup_id: str | None = None, destination: str | None = None) -> DrillReport:
    """The drill (see the module docstring). Always returns a stored report;
    `report.ok` says whether the backup passed."""
    run = BackupRun.objects.filter(backup_id=backup_id).first() if backup_id else latest_run()
    label = backup_id or (run.backup_id if run else "")
    report = DrillReport.objects.create(backup=run, backup_label=label, started_at=timezone.now())
    timer = Timer()
    folder = archive.work_dir("vestibule-drill-")
    started = time.monotonic()
    try:
        if not label:
            raise archive.BackupError("no backup to verify")
        dest = destinations.by_name(destination) if destination else None
        where = timer.step(
            "fetch", lambda: archive.fetch(label, folder, dest), detail=lambda name: f"from {name}"
        )
        unpacked = timer.step(
            "checksums_and_decrypt",
            lambda: archive.unpack(
                folder, expected=run.report if run else None, key_id=run.key_id if run else None
            ),
            detail="every part matches the manifest",
        )
        manifest = unpacked.manifest
        timer.checks.append(age_command(folder, manifest))
        report.rpo_seconds = (report.started_at - parse_datetime(manifest["created_at"])).total_seconds()
        media = folder / "media"
        booting = time.monotonic()
        with scratch.scratch_server() as (target, app_role):
            timer.checks.append(
                {
                    "name": "start_scratch_server",
                    "ok": True,
                    "detail": f"PostgreSQL on port {target.port}",
                    "seconds": round(time.monotonic() - booting, 3),
                }
            )
            timer.step(
                "restore_database",
                lambda: scratch.pg_restore(unpacked.plain["database.dump"], target, manifest["server_major"]),
                detail=f"into a scratch PostgreSQL on port {target.port}",
            )
            restored = timer.step(
                "restore_objects",
                lambda: archive.restore_objects(unpacked, FileSystemStorage(location=str(media))),
                detail=lambda n: f"{n} objects, SHA-256 checked",
            )
            report.rto_seconds = round(time.monotonic() - started, 3)
            counting = time.monotonic()
            ok, detail = row_counts(target, manifest["row_counts"])
            timer.checks.append(
                {
                    "name": "row_counts",
                    "ok": ok,
                    "detail": detail,
                    "seconds": round(time.monotonic() - counting, 3),
                }
            )
            timer.checks += post_restore(app_url_for(target, app_role), target.url(), media)["checks"]
        timer.checks.append(
            {
                "name": "objects",
                "ok": restored == manifest["objects"]["count"],
                "detail": f"{where}",
                "seconds": 0,
            }
        )
    except (
        archive.BackupError,
        crypto.BackupKeyError,
        crypto.IntegrityError,
        RuntimeError,
        OSError,
        subprocess.SubprocessError,
    ) as exc:
        report.error = str(exc)
        if not timer.checks or timer.checks[-1]["ok"]:
            timer.checks.append({"name": "drill", "ok": False, "detail": str(exc), "seconds": 0})
    finally:
        archive.cleanup(folder)
    report.checks = timer.checks
    report.ok = not report.error and all(c["ok"] for c in timer.checks)
    report.finished_at = timezone.now()
    report.save()
    if run is not None:
        BackupRun.objects.filter(pk=run.pk).update(verified_at=report.finished_at, verified_ok=report.ok)
    _journal(report)
    return report


def app_url_for(target: pgtools.Target, role: str) -> str:
    """The same database as the application role (no password: the scratch
    server trusts loopback; a staging server takes DATABASE_URL's own)."""
    return pgtools.Target(target.host, target.port, target.name, role).url()


# --- full restore ------------------------------------------------------------------


class RestoreRefused(Exception):
    pass


def live_target() -> pgtools.Target:
    return pgtools.owner_target()


def is_live(target: pgtools.Target) -> bool:
    live = live_target()
    same_host = {target.host, live.host} <= {"127.0.0.1", "localhost"} or target.host == live.host
    return same_host and str(target.port) == str(live.port) and target.name == live.name


def restore(
    *,
    backup_id: str,
    database_url: str,
    media_root: str,
    app_url: str | None = None,
    over_production: bool = False,
    destination=None,
) -> DrillReport:
    """Restore a backup into another database and storage folder (a staging
    "recette"), replay the erasures made since the backup, run the checks.

    1. Refuse the live database unless `over_production` (the command also
       asks for the database name to be typed).
    2. Fetch and check everything before touching the target: a bad part or a
       missing key restores nothing.
    3. pg_restore (dropping what the target holds), objects, erasure replay,
       checks, in that order; the report is stored like a drill's.
    """
    target = pgtools.Target.from_url(database_url)
    if is_live(target) and not over_production:
        raise RestoreRefused(f"{target.name} is the live database: restoring over it needs --over-production")
    run = BackupRun.objects.filter(backup_id=backup_id).first()
    report = DrillReport.objects.create(
        backup=run, backup_label=backup_id, kind="restore", started_at=timezone.now()
    )
    timer = Timer()
    folder = archive.work_dir("vestibule-restore-")
    started = time.monotonic()
    try:
        dest = destinations.by_name(destination) if destination else None
        timer.step("fetch", lambda: archive.fetch(backup_id, folder, dest))
        unpacked = timer.step(
            "checksums_and_decrypt",
            lambda: archive.unpack(
                folder, expected=run.report if run else None, key_id=run.key_id if run else None
            ),
        )
        manifest = unpacked.manifest
        created = parse_datetime(manifest["created_at"])
        report.rpo_seconds = (report.started_at - created).total_seconds()
        erasures = erasure.ledger_since(created)
        timer.step("prepare_database", lambda: _prepare(target))
        timer.step(
            "restore_database",
            lambda: scratch.pg_restore(unpacked.plain["database.dump"], target, manifest["server_major"]),
        )
        timer.step(
            "restore_objects",
            lambda: archive.restore_objects(unpacked, FileSystemStorage(location=media_root)),
            detail=lambda n: f"{n} objects",
        )
        report.rto_seconds = round(time.monotonic() - started, 3)
        ok, detail = row_counts(target, manifest["row_counts"])
        timer.checks.append({"name": "row_counts", "ok": ok, "detail": detail, "seconds": 0})
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False, dir=folder) as handle:
            json.dump(erasures, handle)
        result = post_restore(
            app_url or app_url_for(target, scratch.role_names()[1]),
            target.url(),
            Path(media_root),
            erasures_file=Path(handle.name),
        )
        timer.checks += result["checks"]
    except (
        archive.BackupError,
        crypto.BackupKeyError,
        crypto.IntegrityError,
        RuntimeError,
        OSError,
        subprocess.SubprocessError,
    ) as exc:
        report.error = str(exc)
        if not timer.checks or timer.checks[-1]["ok"]:
            timer.checks.append({"name": "restore", "ok": False, "detail": str(exc), "seconds": 0})
    finally:
        archive.cleanup(folder)
    report.checks = timer.checks
    report.ok = not report.error and all(c["ok"] for c in timer.checks)
    report.finished_at = timezone.now()
    report.save()
    return report


def _prepare(target: pgtools.Target) -> None:
    """Create the target database if it does not exist, else empty its schema."""

    try:
        with target.connect() as conn:
            conn.execute("DROP SCHEMA IF EXISTS public CASCADE")
            conn.execute("CREATE SCHEMA public")
            conn.commit()
    except psycopg.OperationalError as exc:
        if "does not exist" not in str(exc):
            raise RuntimeError(f"cannot reach {target.name}: {exc}") from exc
        pgtools.create_database(target, target.name)
