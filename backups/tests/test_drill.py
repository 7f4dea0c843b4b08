"""Item 2: `manage.py verify_backup`, the restore drill, for real."""

import io
import shutil

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from audit.models import JournalEntry
from backups import archive, drill
from backups.models import BackupRun, DrillReport
from backups.tests.conftest import KEY_2
from tenancy.scope import tenant_scope

pytestmark = pytest.mark.usefixtures("backup_settings")


def test_drill_restores_into_a_scratch_server_and_runs_the_journey(data, orgs):
    call_command("backup", "--destination", "local", "--destination", "s3", stdout=io.StringIO())
    out = io.StringIO()
    call_command("verify_backup", "--destination", "s3", stdout=out)
    report = DrillReport.objects.get()
    checks = {c["name"]: c for c in report.checks}
    assert report.ok, report.checks
    for name in ("fetch", "checksums_and_decrypt", "restore_database", "restore_objects", "row_counts"):
        assert checks[name]["ok"]
    for name in ("journals", "attachments", "badge_numbers", "journey"):
        assert checks[name]["ok"], checks[name]
    assert "found in the CSV export" in checks["journey"]["detail"]
    assert checks["age_command"]["ok"], checks["age_command"]
    if shutil.which("age"):
        assert "decrypted by `age`" in checks["age_command"]["detail"]
    else:
        assert "not installed" in checks["age_command"]["detail"]
    assert report.rto_seconds > 0 and report.rpo_seconds >= 0
    assert "RTO" in out.getvalue()
    run = BackupRun.objects.get()
    assert run.verified_ok is True
    with tenant_scope(orgs.a.org):
        assert JournalEntry.objects.get(verb="backup.verified").data["drill"] == report.pk


def _corrupt(path, offset=-40):
    data = bytearray(path.read_bytes())
    data[offset] ^= 0x01
    path.write_bytes(bytes(data))


def test_one_byte_changed_in_any_part_fails_naming_it(data, tmp_path):
    call_command("backup", "--destination", "local", stdout=io.StringIO())
    run = BackupRun.objects.get()
    folder = tmp_path / "backups" / run.backup_id
    pristine = tmp_path / "pristine"
    shutil.copytree(folder, pristine)
    for part in ("manifest.json.enc", "database.dump.enc", "objects.tar.enc", "config.json.enc"):
        shutil.rmtree(folder)
        shutil.copytree(pristine, folder)
        _corrupt(folder / part)
        with pytest.raises(CommandError, match=part.replace(".", r"\.")):
            call_command("verify_backup", "--id", run.backup_id, stdout=io.StringIO())
        # restore refuses too, and creates nothing
        report = drill.restore(
            backup_id=run.backup_id,
            database_url="postgres://vestibule_owner@127.0.0.1:1/never_created",
            media_root=str(tmp_path / "restored-media"),
        )
        assert not report.ok and part in report.error
        assert not (tmp_path / "restored-media").exists()
    assert BackupRun.objects.get().verified_ok is False


def test_missing_or_wrong_key_is_a_clear_error(data, settings):
    call_command("backup", "--destination", "local", stdout=io.StringIO())
    settings.BACKUP_KEYS = f"k2:{KEY_2}"
    with pytest.raises(CommandError, match="'k1' is not in BACKUP_KEYS"):
        call_command("verify_backup", stdout=io.StringIO())
    settings.BACKUP_KEYS = f"k1:{KEY_2}"
    with pytest.raises(CommandError, match="not the key this backup was encrypted with"):
        call_command("verify_backup", stdout=io.StringIO())


def test_backup_from_a_newer_schema_is_refused_naming_both_versions(data, monkeypatch, tmp_path):
    real = archive.database_facts

    def future(conn):
        counts, migrations = real(conn)
        return counts, [*migrations, "visitors.9999_from_the_future"]

    monkeypatch.setattr(archive, "database_facts", future)
    call_command("backup", "--destination", "local", stdout=io.StringIO())
    latest = archive.latest_per_app(archive.code_migrations())["visitors"]
    with pytest.raises(CommandError, match=r"visitors\.9999_from_the_future") as caught:
        call_command("verify_backup", stdout=io.StringIO())
    assert latest in str(caught.value)
    report = drill.restore(
        backup_id=BackupRun.objects.get().backup_id,
        database_url="postgres://vestibule_owner@127.0.0.1:1/never_created",
        media_root=str(tmp_path / "m"),
    )
    assert not report.ok and "newer than this code" in report.error
