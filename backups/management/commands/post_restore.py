import json as jsonlib

from django.core.management.base import BaseCommand

from backups import checks, erasure


class Command(BaseCommand):
    help = (
        "Inside a restored copy (DATABASE_URL pointed at it): replay erasures, then run the "
        "post-restore checks and the end-to-end journey. Used by verify_backup and restore."
    )

    def add_arguments(self, parser):
        parser.add_argument("--erasures", help="JSON file of erasure-ledger records to apply again")
        parser.add_argument("--json", action="store_true")
        parser.add_argument("--no-journey", action="store_true", help="checks only (a restore, not a drill)")

    def handle(self, *args, erasures=None, json=False, no_journey=False, **options):
        out = []
        if erasures:
            result = erasure.replay_file(erasures)
            out.append(
                {
                    "name": "erasure_replay",
                    "ok": not result["unknown_types"],
                    "detail": result,
                    "seconds": 0,
                }
            )
        out += checks.run_all(with_journey=not no_journey)
        if json:
            self.stdout.write(_dumps({"checks": out}))
        else:
            for check in out:
                self.stdout.write(f"{'OK ' if check['ok'] else 'FAIL'} {check['name']}: {check['detail']}")


def _dumps(value) -> str:
    return jsonlib.dumps(value, default=str)
