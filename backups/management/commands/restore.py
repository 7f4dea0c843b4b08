from django.core.management.base import BaseCommand, CommandError

from backups import drill, pgtools
from backups.management.commands.verify_backup import write_report


class Command(BaseCommand):
    help = (
        "Full restore of a backup into another database and storage folder (staging, 'recette'); "
        "erasures made since the backup are replayed, then the post-restore checks run."
    )

    def add_arguments(self, parser):
        parser.add_argument("--id", dest="backup_id", required=True)
        parser.add_argument("--database-url", required=True, help="target, as a role that may create tables")
        parser.add_argument(
            "--app-database-url", help="the same database as the application role, for the checks"
        )
        parser.add_argument("--media-root", required=True, help="folder receiving the stored files")
        parser.add_argument("--destination")
        parser.add_argument(
            "--over-production", action="store_true", help="allow the live database as target"
        )
        parser.add_argument("--confirm", help="the live database's name, typed (asked for when missing)")

    def handle(
        self, *args, backup_id, database_url, media_root, over_production=False, confirm=None, **options
    ):
        target = pgtools.Target.from_url(database_url)
        if drill.is_live(target):
            if not over_production:
                raise CommandError(
                    f"{target.name} is the live database. Restoring over it replaces all data of every "
                    "organization: add --over-production and type its name to confirm."
                )
            typed = (
                confirm
                if confirm is not None
                else input(f"Type the database name ({target.name}) to go on: ")
            )
            if typed.strip() != target.name:
                raise CommandError("Confirmation does not match: nothing restored.")
        try:
            report = drill.restore(
                backup_id=backup_id,
                database_url=database_url,
                app_url=options.get("app_database_url"),
                media_root=media_root,
                over_production=over_production,
                destination=options.get("destination"),
            )
        except drill.RestoreRefused as exc:
            raise CommandError(str(exc)) from exc
        write_report(self.stdout, report)
        if not report.ok:
            failed = [c for c in report.checks if not c["ok"]]
            raise CommandError(
                f"restore FAILED: {failed[0]['name']}: {failed[0]['detail']}" if failed else report.error
            )
