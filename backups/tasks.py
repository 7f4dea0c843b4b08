"""Beat's daily backup and weekly drill (platform level: no tenant scope)."""

from tenancy.tasks import platform_task

from . import drill, services
from .models import RunStatus


@platform_task(name="backups.run_backup", bind=True, max_retries=3, default_retry_delay=1800)
def run_backup(self):
    run = services.run_backup()
    if run.status != RunStatus.OK:
        # The copies that failed are made again by a fresh run half an hour later.
        raise self.retry()
    return run.backup_id


@platform_task(name="backups.run_drill")
def run_drill():
    report = drill.verify_backup()
    return report.pk
