from django.core.management.base import BaseCommand, CommandError

from audit import services
from tenancy.models import Organization
from tenancy.scope import tenant_scope


class Command(BaseCommand):
    help = "Verify the hash chain of an organization's activity journal."

    def add_arguments(self, parser):
        parser.add_argument("--organization", required=True, help="organization slug")

    def handle(self, *args, organization, **options):
        org = Organization.objects.filter(slug=organization).first()
        if org is None:
            raise CommandError(f"Unknown organization: {organization}")
        with tenant_scope(org):
            result = services.verify(org)
        if result.ok:
            self.stdout.write(f"OK: {result.checked} entries verified, last #{result.last_seq}")
            return
        raise CommandError(f"BROKEN at entry #{result.broken_seq}: {result.reason}")
