import json

from django.core.management.base import BaseCommand, CommandError

from backups import capture
from tenancy.models import Organization
from tenancy.scope import tenant_scope


class Command(BaseCommand):
    help = "Make an organization's settings those of a configuration document (export_config)."

    def add_arguments(self, parser):
        parser.add_argument("--organization", required=True, help="organization slug")
        parser.add_argument("file")
        parser.add_argument("--merge", action="store_true", help="keep settings absent from the document")

    def handle(self, *args, organization, file, merge=False, **options):
        org = Organization.objects.filter(slug=organization).first()
        if org is None:
            raise CommandError(f"Unknown organization: {organization}")
        try:
            with open(file, encoding="utf-8") as handle:
                document = json.load(handle)
            with tenant_scope(org):
                counts = capture.import_config(organization=org, document=document, replace=not merge)
        except (OSError, ValueError) as exc:
            raise CommandError(str(exc)) from exc
        if not any(counts.values()):
            self.stdout.write("No change: the settings are already those of this file.")
        else:
            self.stdout.write("Imported: " + ", ".join(f"{n} {what}" for what, n in counts.items()))
