import json

from django.core.management.base import BaseCommand, CommandError

from backups import capture
from tenancy.models import Organization
from tenancy.scope import tenant_scope


class Command(BaseCommand):
    help = "Print an organization's settings as one JSON document (natural keys, no ids)."

    def add_arguments(self, parser):
        parser.add_argument("--organization", required=True, help="organization slug")
        parser.add_argument("--output", help="file (default: standard output)")

    def handle(self, *args, organization, output=None, **options):
        org = Organization.objects.filter(slug=organization).first()
        if org is None:
            raise CommandError(f"Unknown organization: {organization}")
        with tenant_scope(org):
            document = capture.export_config()
        text = json.dumps(document, indent=2, ensure_ascii=False, sort_keys=True)
        if output:
            with open(output, "w", encoding="utf-8") as handle:
                handle.write(text)
        else:
            self.stdout.write(text)
