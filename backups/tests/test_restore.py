"""Items 3 and 5: full restore to another database, erasure replay."""

import io
import os

import psycopg
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from backups import pgtools
from backups.models import BackupRun, DrillReport
from tenancy.scope import tenant_scope

pytestmark = pytest.mark.usefixtures("backup_settings")


@pytest.fixture
def staging():
    """An empty database on the same server, dropped afterwards."""
    live = pgtools.owner_target()
    name = f"vst_restore_{os.getpid()}"
    yield live.with_name(name)
    pgtools.drop_database(live, name)


def _erase(org, visitor):
    from retention import subjects

    with tenant_scope(org.org):
        request = subjects.create_request(
            organization=org.org,
            kind="erasure",
            received_on=timezone.localdate(),
            full_name=f"{visitor.first_name} {visitor.last_name}",
            email=visitor.email,
        )
    with tenant_scope(org.org):
        subjects.erase(request)


def test_restore_to_staging_replays_erasures_and_checks(data, orgs, staging, tmp_path):
    call_command("backup", "--destination", "local", stdout=io.StringIO())
    run = BackupRun.objects.get()
    erased = data.visitors["a"][1]
    _erase(orgs.a, erased)
    out = io.StringIO()
    call_command(
        "restore",
        "--id",
        run.backup_id,
        "--database-url",
        staging.url(),
        "--media-root",
        str(tmp_path / "staging-media"),
        stdout=out,
    )
    report = DrillReport.objects.get(kind="restore")
    checks = {c["name"]: c for c in report.checks}
    assert report.ok, report.checks
    assert checks["row_counts"]["ok"] and checks["journals"]["ok"]
    assert checks["erasure_replay"]["detail"]["replayed"].get("visitor_identities", 0) >= 1
    assert (tmp_path / "staging-media" / data.files[0]).exists()
    with staging.connect() as conn:
        rows = conn.execute(
            "SELECT count(*) FROM visitors_visitor v WHERE v::text ILIKE %s OR v::text ILIKE %s",
            [f"%{erased.email}%", f"%{erased.first_name}%{erased.last_name}%"],
        ).fetchone()[0]
        assert rows == 0
        # Everyone else came back.
        assert conn.execute("SELECT count(*) FROM visitors_visit").fetchone()[0] == 6
        assert (
            conn.execute(
                "SELECT count(*) FROM visitors_visitor WHERE email = %s", [data.visitors["a"][0].email]
            ).fetchone()[0]
            == 1
        )


def test_a_backup_in_the_format_before_age_still_restores(data, staging, tmp_path, monkeypatch):
    """Backups sealed with our own AES-GCM format (header b"VSTB1") before the
    move to age are told by their header and restore as before."""
    from backups import crypto

    with monkeypatch.context() as patched:
        patched.setattr(crypto, "Encryptor", crypto.LegacyEncryptor)
        call_command("backup", "--destination", "local", stdout=io.StringIO())
    run = BackupRun.objects.get()
    assert run.status == "ok", (run.status, run.error, run.report)
    local = tmp_path / "old-format"
    local.mkdir()
    from backups import archive

    archive.fetch(run.backup_id, local)
    with open(local / archive.MANIFEST, "rb") as stream:
        assert stream.read(5) == crypto.MAGIC
    call_command(
        "restore",
        "--id",
        run.backup_id,
        "--database-url",
        staging.url(),
        "--media-root",
        str(tmp_path / "staging-media"),
        stdout=io.StringIO(),
    )
    report = DrillReport.objects.get(kind="restore")
    assert report.ok, report.checks
    with staging.connect() as conn:
        assert conn.execute("SELECT count(*) FROM visitors_visit").fetchone()[0] == 6


def test_restore_over_the_live_database_needs_flag_and_typed_name(data, tmp_path):
    live = pgtools.owner_target()
    call_command("backup", "--destination", "local", stdout=io.StringIO())
    backup_id = BackupRun.objects.get().backup_id
    args = ["restore", "--id", backup_id, "--database-url", live.url(), "--media-root", str(tmp_path / "m")]
    with pytest.raises(CommandError, match="live database"):
        call_command(*args)
    with pytest.raises(CommandError, match="Confirmation does not match"):
        call_command(*args, "--over-production", "--confirm", "production")
    assert not DrillReport.objects.exists()


def test_restore_with_a_wrong_key_restores_nothing(data, settings, staging, tmp_path):
    from backups.tests.conftest import KEY_2

    call_command("backup", "--destination", "local", stdout=io.StringIO())
    settings.BACKUP_KEYS = f"k1:{KEY_2}"
    with pytest.raises(CommandError, match="not the key"):
        call_command(
            "restore",
            "--id",
            BackupRun.objects.get().backup_id,
            "--database-url",
            staging.url(),
            "--media-root",
            str(tmp_path / "m"),
            stdout=io.StringIO(),
        )
    with pytest.raises(psycopg.OperationalError):
        staging.connect().close()
