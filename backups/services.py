"""The backup run: write once, copy everywhere, rotate, record, journal."""

import logging
import time

from django.utils import timezone

from audit import services as audit
from tenancy.models import Organization
from tenancy.scope import tenant_scope

from . import archive, crypto, destinations
from .models import BackupRun, RunStatus

log = logging.getLogger(__name__)


def journal_everywhere(verb: str, *, target, data: dict) -> None:
    """Platform events are written in every organization's journal: a backup or
    a drill holds every tenant's data, and each tenant's DPO must be able to
    show, from their own journal alone, when their data was backed up and when
    a restore was last proven to work."""
    for org_id in Organization.objects.order_by("pk").values_list("pk", flat=True):
        with tenant_scope(org_id):
            audit.record(verb, target=target, data=data)


def run_backup(*, destination_names: list[str] | None = None, now=None) -> BackupRun:
    """1. Write the encrypted parts into a work folder (archive.write_backup).
    2. Copy them to every destination; a failing destination does not stop the
       others. 3. Rotate each destination that received its copy. 4. Record the
       run with its 3-2-1 report and journal it."""
    planned = destinations.configured()
    if destination_names:
        planned = [d for d in planned if d.name in destination_names]
    if not planned:
        raise archive.BackupError("no backup destination is configured (BACKUP_DIR, BACKUP_S3_BUCKET)")
    key = crypto.newest_key()
    now = now or timezone.now()
    run = BackupRun.objects.create(backup_id=archive.new_backup_id(now), started_at=now, key_id=key.id)
    folder = archive.work_dir("vestibule-backup-")
    started = time.monotonic()
    try:
        manifest = archive.write_backup(folder, key=key, now=now, backup_id=run.backup_id)
    except Exception as exc:
        run.status, run.error, run.finished_at = RunStatus.FAILED, str(exc)[:2000], timezone.now()
        run.save()
        archive.cleanup(folder)
        raise
    written = time.monotonic() - started
    results, made = [], []
    for dest in planned:
        try:
            archive.copy_to(folder, run.backup_id, dest)
            removed = archive.rotate(dest)
            results.append({**dest.describe(), "ok": True, "rotated": removed})
            made.append(dest)
        except Exception as exc:  # one medium down must not cost the others their copy
            log.warning("backup %s: destination %s failed: %s", run.backup_id, dest.name, exc)
            results.append({**dest.describe(), "ok": False, "error": str(exc)[:500]})
    report = destinations.three_two_one(made, planned)
    run.copies, run.copies_planned = len(made), len(planned)
    run.size_bytes = sum(p["encrypted_size"] for p in manifest["parts"].values())
    run.status = (
        RunStatus.OK if len(made) == len(planned) else RunStatus.PARTIAL if made else RunStatus.FAILED
    )
    run.error = "; ".join(r["error"] for r in results if not r["ok"])
    run.report = {
        "destinations": results,
        "three_two_one": report,
        "parts": manifest["parts"],
        "manifest_sha256": archive.sha256_file(folder / archive.MANIFEST),
        "row_counts_total": sum(manifest["row_counts"].values()),
        "objects": manifest["objects"]["count"],
        "seconds_to_write": round(written, 3),
        "migrations": archive.latest_per_app(manifest["migrations"]),
    }
    run.finished_at = timezone.now()
    run.save()
    archive.cleanup(folder)
    journal_everywhere(
        "backup.created",
        target=("backups.backuprun", run.pk),
        data={
            "backup_run": run.pk,
            "copies": run.copies,
            "planned": run.copies_planned,
            "status": run.status,
        },
    )
    return run


def reencrypt() -> list[str]:
    """Move every backup sealed with an older key to the newest key. Each backup
    is re-sealed once and copied to every destination holding it (so all copies
    stay byte-identical and match the recorded checksums); the manifest goes
    last, so a crash leaves the old manifest, still readable with the old key."""
    key = crypto.newest_key()
    holders: dict[str, list] = {}
    for dest in destinations.configured():
        for backup_id in dest.backups():
            holders.setdefault(backup_id, []).append(dest)
    moved = []
    for backup_id, dests in sorted(holders.items()):
        folder = archive.work_dir("vestibule-reencrypt-")
        try:
            dests[0].fetch(backup_id, archive.MANIFEST, folder / archive.MANIFEST)
            if crypto.header_key_id(folder / archive.MANIFEST) == key.id:
                continue
            archive.fetch(backup_id, folder, dests[0])
            unpacked = archive.unpack(folder)
            manifest = unpacked.manifest
            for part in archive.PARTS:
                with open(unpacked.plain[part], "rb") as source:
                    manifest["parts"][part] = archive._seal_to(
                        folder / f"{part}.enc", key, lambda w, s=source: _pipe(s, w)
                    )
            manifest["key_id"] = key.id
            archive.seal_manifest(folder, manifest, key)
            for dest in dests:
                archive.copy_to(folder, backup_id, dest)
            moved.append(backup_id)
            _update_run(backup_id, key.id, manifest, folder)
        finally:
            archive.cleanup(folder)
    return moved


def _pipe(source, writer) -> None:
    while chunk := source.read(archive.READ):
        writer.write(chunk)


def _update_run(backup_id, key_id, manifest, folder) -> None:
    run = BackupRun.objects.filter(backup_id=backup_id).first()
    if run is None:
        return
    run.key_id = key_id
    run.report = {
        **run.report,
        "parts": manifest["parts"],
        "manifest_sha256": archive.sha256_file(folder / archive.MANIFEST),
    }
    run.save(update_fields=["key_id", "report"])
