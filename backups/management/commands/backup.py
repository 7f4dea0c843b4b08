from django.core.management.base import BaseCommand, CommandError

from backups import archive, crypto, services
from backups.models import BackupRun, RunStatus


class Command(BaseCommand):
    help = "Back up the database, the stored files and the configuration, encrypted, to every destination."

    def add_arguments(self, parser):
        parser.add_argument("--destination", action="append", help="only this destination (repeatable)")
        parser.add_argument("--reencrypt", action="store_true", help="move older backups to the newest key")
        parser.add_argument("--new-key", metavar="ID", help="print a new key entry for BACKUP_KEYS and stop")
        parser.add_argument(
            "--age-identity",
            metavar="ID",
            help="print the age identity of the key ID (for `age -d -i FILE`) and stop",
        )
        parser.add_argument("--if-none", action="store_true", help="only if no backup was made yet")

    def handle(
        self,
        *args,
        destination=None,
        reencrypt=False,
        new_key=None,
        if_none=False,
        age_identity=None,
        **options,
    ):
        if age_identity:
            try:
                self.stdout.write(crypto.age_identity_text(crypto.find_key(age_identity)))
            except crypto.BackupKeyError as exc:
                raise CommandError(str(exc)) from exc
            return
        if new_key:
            self.stdout.write(crypto.new_key_text(new_key))
            return
        if if_none and BackupRun.objects.filter(status__in=[RunStatus.OK, RunStatus.PARTIAL]).exists():
            self.stdout.write("A backup exists already: none made now (the nightly one follows).")
            return
        try:
            if reencrypt:
                moved = services.reencrypt()
                self.stdout.write(
                    f"Re-encrypted {len(moved)} backup(s) with the newest key: {', '.join(moved)}"
                )
                return
            run = services.run_backup(destination_names=destination)
        except (crypto.BackupKeyError, archive.BackupError) as exc:
            raise CommandError(str(exc)) from exc
        for dest in run.report["destinations"]:
            state = "ok" if dest["ok"] else f"FAILED: {dest['error']}"
            self.stdout.write(
                f"  {dest['name']} ({dest['media']}{', off site' if dest['offsite'] else ''}): {state}"
            )
        rule = run.report["three_two_one"]
        self.stdout.write(
            f"Backup {run.backup_id}: {run.size_bytes} bytes, {run.duration:.1f} s, {rule['summary']}; "
            f"3-2-1 rule {'met' if rule['met'] else 'NOT met'}"
        )
        if run.status != RunStatus.OK:
            raise CommandError(f"{run.copies} of {run.copies_planned} copies made: {run.error}")
