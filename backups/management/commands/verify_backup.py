from django.core.management.base import BaseCommand, CommandError

from backups import drill
from backups.models import DrillReport


class Command(BaseCommand):
    help = "Restore drill: restore a backup into a scratch PostgreSQL and check it end to end."

    def add_arguments(self, parser):
        parser.add_argument("--id", dest="backup_id", help="backup id (default: the latest)")
        parser.add_argument(
            "--destination", help="fetch from this destination (default: the first holding it)"
        )
        parser.add_argument("--if-none", action="store_true", help="only if no drill was run yet")

    def handle(self, *args, backup_id=None, destination=None, if_none=False, **options):
        if if_none and DrillReport.objects.filter(kind="drill").exists():
            self.stdout.write("A restore drill was run already: none run now (the weekly one follows).")
            return
        report = drill.verify_backup(backup_id=backup_id, destination=destination)
        write_report(self.stdout, report)
        if not report.ok:
            failed = [c for c in report.checks if not c["ok"]]
            raise CommandError(
                f"drill FAILED: {failed[0]['name']}: {failed[0]['detail']}" if failed else report.error
            )


def write_report(stdout, report) -> None:
    for check in report.checks:
        stdout.write(
            f"  {'OK  ' if check['ok'] else 'FAIL'} {check['name']} ({check['seconds']} s): {check['detail']}"
        )
    if report.rto_seconds is not None:
        stdout.write(f"RTO (measured restore time): {report.rto_seconds:.1f} s")
    if report.rpo_seconds is not None:
        stdout.write(f"RPO (age of the backup): {report.rpo_seconds / 3600:.1f} h")
    stdout.write(f"{report.backup_label}: {'verified' if report.ok else 'FAILED'}")
