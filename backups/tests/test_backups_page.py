"""Issue 21: the backups page shows the backup, where its copies are, its
drill report, the restore window and the next nightly backup, with time zones."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from backups.models import BackupRun, DrillReport

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("role", ["admin", "compliance"])
def test_backups_page_shows_backup_destinations_drill_and_window(orgs, client_for, role):
    now = timezone.now()
    run = BackupRun.objects.create(
        backup_id="vst-20261202T021500Z-abc123",
        status="ok",
        started_at=now - datetime.timedelta(hours=3),
        finished_at=now - datetime.timedelta(hours=3) + datetime.timedelta(seconds=4),
        copies=1,
        copies_planned=1,
        verified_ok=True,
        report={
            "destinations": [{"name": "local", "media": "disk", "offsite": False, "ok": True}],
            "three_two_one": {"met": False, "summary": "1 of 1 copies"},
        },
    )
    DrillReport.objects.create(
        backup=run,
        backup_label=run.backup_id,
        ok=True,
        started_at=now - datetime.timedelta(hours=2),
        rto_seconds=3.3,
        rpo_seconds=3600,
        checks=[
            {"name": "restore_database", "ok": True, "detail": "into a scratch PostgreSQL", "seconds": 1.2}
        ],
    )
    body = client_for(orgs.a.members[role]).get(reverse("backups")).content.decode()
    assert "1\u202fcopie sur 1" not in body  # the narrow space is before the colon, not here
    assert "1 copie sur 1" in body and "Vérifiée par un test de restauration." in body
    assert "Fenêtre de restauration" in body and "(Europe/Paris)" in body
    assert "disque local" in body and "Prochaine sauvegarde" in body
    assert "Base de données restaurée" in body and "réussi" in body
    assert "Durée de restauration mesurée (RTO)" in body
    # Beat's next run, in words and on a whole minute.
    assert ":15 (Europe/Paris), puis chaque nuit" in body
