"""Item 4: scoped application restore (preview, apply, all or nothing)."""

import io

import pytest
from django.core.management import call_command

from audit.models import JournalEntry
from backups import scoped
from backups.models import BackupRun
from tenancy.scope import tenant_scope

pytestmark = pytest.mark.usefixtures("backup_settings")
TABLES = ["visitors_visit", "visitors_visitor", "sites_site", "sites_desk"]


def _outside(orgs, data):
    """Other organization's rows, and ours outside the scope (the other site)."""
    other = scoped.checksum("organization_id = %s", [orgs.b.org.pk], TABLES)
    ours = scoped.checksum(
        "organization_id = %s AND site_id = %s", [orgs.a.org.pk, orgs.a.site2.pk], ["visitors_visit"]
    )
    return other, ours


def _scope(orgs, data):
    import datetime

    from visitors.models import Visit

    with tenant_scope(orgs.a.org):
        visits = Visit.objects.filter(site=orgs.a.site)
        start = min(v.expected_at for v in visits)
        end = max(v.expected_at for v in visits)

    return {
        "organization": orgs.a.org.pk,
        "sites": [orgs.a.site.pk],
        "start": start - datetime.timedelta(hours=1),
        "end": end + datetime.timedelta(hours=1),
        "data_types": ["visits"],
        "erasures": [],
    }


def _change_after_backup(orgs, data):
    from visitors import services
    from visitors.models import Visit

    kept, deleted = data.visits["a"][0], data.visits["a"][1]
    with tenant_scope(orgs.a.org):
        Visit.objects.filter(pk=deleted.pk).delete()
        Visit.objects.filter(pk=kept.pk).update(notes="changed by mistake")
        created = services.pre_register(
            organization=orgs.a.org,
            site=orgs.a.site,
            visit_type=kept.visit_type,
            expected_at=kept.expected_at,
            visitor_values={"first_name": "New", "last_name": "Since"},
            invite=False,
        )
    with tenant_scope(orgs.b.org):
        Visit.objects.filter(pk=data.visits["b"][0].pk).update(notes="org B's own change")
    return kept, deleted, created


def test_scoped_restore_is_all_or_nothing_then_touches_only_the_scope(data, orgs):
    call_command("backup", "--destination", "local", stdout=io.StringIO())
    run = BackupRun.objects.get()
    kept, deleted, created = _change_after_backup(orgs, data)
    scope = _scope(orgs, data)
    everything = scoped.checksum("organization_id = %s", [orgs.a.org.pk], [*TABLES, "audit_journalentry"])

    def killed(table):
        if table == "visitors_visitor":
            raise KeyboardInterrupt("process killed")

    with pytest.raises(KeyboardInterrupt):
        scoped.apply(scope=scope, run=run, on_table=killed)
    assert (
        scoped.checksum("organization_id = %s", [orgs.a.org.pk], [*TABLES, "audit_journalentry"])
        == everything
    )

    # Then, for real.
    before = _outside(orgs, data)
    preview = scoped.preview(scope=scope, run=run)
    assert preview["counts"]["visitors_visit"] == {"create": 1, "revert": 1, "since": 1}
    assert preview["tables"]["visitors_visit"]["revert"] == {str(kept.pk): ["notes"]}
    result = scoped.apply(scope=scope, run=run)
    assert result["applied"]["visitors_visit"] == {"created": 1, "reverted": 1}
    from visitors.models import Visit

    with tenant_scope(orgs.a.org):
        assert Visit.objects.filter(pk=deleted.pk).exists()
        assert Visit.objects.get(pk=kept.pk).notes == ""
        assert Visit.objects.filter(pk=created.pk).exists()  # created since: left alone
        assert JournalEntry.objects.filter(verb="restore.applied").count() == 1
        assert JournalEntry.objects.filter(verb="restore.previewed").count() == 1
    with tenant_scope(orgs.b.org):
        assert Visit.objects.get(pk=data.visits["b"][0].pk).notes == "org B's own change"
    assert _outside(orgs, data) == before


KILLED_APPLY = """
import time
from backups import scoped
from backups.models import BackupRun
scope = {"organization": %(org)s, "sites": [%(site)s], "start": "%(start)s", "end": "%(end)s",
         "data_types": ["visits"], "erasures": []}

def stall(table):
    print("HALFWAY", flush=True)
    time.sleep(60)

scoped.apply(scope=scope, run=BackupRun.objects.get(), on_table=stall)
"""


def test_killed_process_leaves_nothing_half_applied(data, orgs, settings, tmp_path):
    """A real SIGKILL in the middle of the apply's transaction: PostgreSQL
    drops the uncommitted work."""
    import os
    import signal
    import subprocess
    import sys

    from django.db import connection, connections

    call_command("backup", "--destination", "local", stdout=io.StringIO())
    _change_after_backup(orgs, data)
    scope = _scope(orgs, data)
    tables = [*TABLES, "audit_journalentry"]
    everything = scoped.checksum("organization_id = %s", [orgs.a.org.pk], tables)
    live = connection.settings_dict
    # The owner's own line: straight to the server, even when `default` goes through PgBouncer.
    owner = connections["owner"].settings_dict
    url = "postgres://{0[USER]}@{0[HOST]}:{0[PORT]}/" + live["NAME"]
    env = {
        **os.environ,
        "DATABASE_URL": url.format(live),
        "DATABASE_OWNER_URL": url.format(owner),
        "BACKUP_KEYS": settings.BACKUP_KEYS,
        "BACKUP_DIR": settings.BACKUP_DESTINATIONS[0]["path"],
        "BACKUP_WORK_DIR": str(tmp_path / "killed"),
        "MEDIA_ROOT": settings.MEDIA_ROOT,
    }
    code = KILLED_APPLY % {
        "org": orgs.a.org.pk,
        "site": orgs.a.site.pk,
        "start": scope["start"].isoformat(),
        "end": scope["end"].isoformat(),
    }
    args = [sys.executable, "manage.py", "shell", "--no-imports", "-c", code]
    with subprocess.Popen(
        args, cwd=settings.BASE_DIR, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as proc:
        try:
            for line in proc.stdout:
                if "HALFWAY" in line:
                    break
            else:
                pytest.fail(proc.stderr.read())
            os.kill(proc.pid, signal.SIGKILL)
        finally:
            proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    assert scoped.checksum("organization_id = %s", [orgs.a.org.pk], tables) == everything


def test_scoped_restore_brings_back_a_deleted_attachment_with_its_file(data, orgs):
    """The documents data type: the row and its stored object come back, intact."""
    import hashlib

    from django.core.files.storage import default_storage
    from django.core.files.uploadedfile import SimpleUploadedFile

    from documents.models import Attachment
    from documents.services import upload_attachment

    visit = data.visits["a"][0]
    content = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    with tenant_scope(orgs.a.org):
        attachment = upload_attachment(
            visit=visit, upload=SimpleUploadedFile("permis.pdf", content, "application/pdf"), channel="desk"
        )
        key, digest = attachment.storage_key, attachment.sha256
    call_command("backup", "--destination", "local", stdout=io.StringIO())
    run = BackupRun.objects.get()
    with tenant_scope(orgs.a.org):
        Attachment.objects.filter(pk=attachment.pk).delete()
    default_storage.delete(key)
    before = _outside(orgs, data)

    scope = {**_scope(orgs, data), "data_types": ["documents"]}
    preview = scoped.preview(scope=scope, run=run)
    assert preview["counts"]["documents_attachment"]["create"] == 1
    result = scoped.apply(scope=scope, run=run)
    assert result["applied"]["documents_attachment"] == {"created": 1, "reverted": 0}
    assert result["files"] == 1
    with tenant_scope(orgs.a.org):
        restored = Attachment.objects.get(pk=attachment.pk)
    with default_storage.open(restored.storage_key, "rb") as handle:
        assert hashlib.sha256(handle.read()).hexdigest() == digest
    assert _outside(orgs, data) == before


def test_missing_scheduled_exports_of_the_interval_are_run_again_once(data, orgs):
    import datetime

    from django.utils import timezone

    from reports.models import ExportSchedule, ScheduleRun

    with tenant_scope(orgs.a.org):
        ExportSchedule.objects.create(
            organization=orgs.a.org,
            name="Daily visits",
            dataset="visits",
            frequency="daily",
            time_of_day=datetime.time(6, 0),
            created_by=orgs.a.members["admin"],
        )
    end = timezone.now() - datetime.timedelta(days=1)
    scope = {"organization": orgs.a.org.pk, "start": end - datetime.timedelta(days=2), "end": end}
    started = scoped.after_apply(scope)["exports_started"]
    assert started >= 3  # one run per day of the interval (and today's period)
    with tenant_scope(orgs.a.org):
        runs = ScheduleRun.objects.count()
        days = set(ScheduleRun.objects.values_list("period_start", flat=True))
    assert len(days) == runs  # one run per period
    assert scoped.after_apply(scope)["exports_started"] == 0  # idempotent: nothing missing any more
    with tenant_scope(orgs.b.org):
        assert ScheduleRun.objects.count() == 0


def test_scoped_restore_brings_back_a_signed_consent_with_its_signature_and_certificate(data, orgs):
    """A signed consent is a row and two stored objects (the drawn signature,
    the certificate): all three come back, intact."""
    import base64
    import hashlib

    from django.core.files.storage import default_storage

    from documents.models import SignedConsent
    from documents.tests.helpers import consent_text, png_bytes, sign

    visit = data.visits["a"][0]
    drawing = "data:image/png;base64," + base64.b64encode(png_bytes((120, 40), "black")).decode()
    with tenant_scope(orgs.a.org):
        [consent] = sign(visit, consent_text(orgs.a, [visit.visit_type]), signature_data=drawing)
        keys = [consent.signature_key, consent.certificate_key]
    digests = {}
    for key in keys:
        with default_storage.open(key, "rb") as handle:
            digests[key] = hashlib.sha256(handle.read()).hexdigest()
    call_command("backup", "--destination", "local", stdout=io.StringIO())
    run = BackupRun.objects.get()
    with tenant_scope(orgs.a.org):
        SignedConsent.objects.filter(pk=consent.pk).delete()
    for key in keys:
        default_storage.delete(key)

    scope = {**_scope(orgs, data), "data_types": ["documents"]}
    result = scoped.apply(scope=scope, run=run)
    assert result["applied"]["documents_signedconsent"] == {"created": 1, "reverted": 0}
    assert result["files"] == 2
    with tenant_scope(orgs.a.org):
        restored = SignedConsent.objects.get(pk=consent.pk)
    for key in (restored.signature_key, restored.certificate_key):
        with default_storage.open(key, "rb") as handle:
            assert hashlib.sha256(handle.read()).hexdigest() == digests[key]
