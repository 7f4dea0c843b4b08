from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import IntegrityError

from tenancy.models import Organization
from tenancy.services import create_organization


class Command(BaseCommand):
    help = "Create an organization with its first administrator."

    def add_arguments(self, parser):
        parser.add_argument("--name", required=True)
        parser.add_argument("--slug", required=True)
        parser.add_argument("--admin-email", required=True)
        parser.add_argument("--admin-password", required=True)
        parser.add_argument(
            "--language", default=settings.LANGUAGE_CODE, choices=[code for code, _name in settings.LANGUAGES]
        )
        parser.add_argument("--timezone", default="Europe/Paris")

    def handle(self, *args, **o):
        if Organization.objects.filter(slug=o["slug"]).exists():
            raise CommandError(f"An organization with slug {o['slug']!r} already exists.")
        try:
            org = create_organization(
                name=o["name"],
                slug=o["slug"],
                admin_email=o["admin_email"],
                admin_password=o["admin_password"],
                language=o["language"],
                timezone=o["timezone"],
            )
        except IntegrityError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"Created {org.name} ({org.slug}); admin {o['admin_email']}")
