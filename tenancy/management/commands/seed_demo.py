"""Demo data: two organizations, one user per role each. Other apps add their
own demo rows through `seed_demo_hooks` (a list of callables taking an
organization, run in its scope after the members exist), so this command never
imports them: the sites app's hook comes first (sites, desks, reception's
perimeter), the others' rows sit at those sites."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

from tenancy.demo import DEMO, PASSWORD, ROLES, SUPPORT_EMAIL
from tenancy.models import Organization
from tenancy.scope import tenant_scope
from tenancy.services import add_member

User = get_user_model()
seed_demo_hooks: list = []


class Command(BaseCommand):
    help = "Create the demo organizations and users (idempotent: skips existing ones)."

    def add_arguments(self, parser):
        parser.add_argument("--if-empty", action="store_true", help="do nothing if any organization exists")

    def handle(self, *args, if_empty=False, **options):
        if if_empty and Organization.objects.exists():
            self.stdout.write("Organizations exist already: no demo data added.")
            return
        if not User.objects.filter(email=SUPPORT_EMAIL).exists():
            User.objects.create_user(
                SUPPORT_EMAIL, PASSWORD, full_name="Support Vestibule", is_platform_support=True
            )
            self.stdout.write("platform support: created")
        for spec in DEMO:
            if Organization.objects.filter(slug=spec["slug"]).exists():
                self.stdout.write(f"{spec['slug']}: already there")
                continue
            with transaction.atomic():
                org = Organization.objects.create(
                    name=spec["name"], slug=spec["slug"], default_language=spec["language"]
                )
                with tenant_scope(org):
                    for role in ROLES:
                        email = f"{role}@{spec['slug']}.demo"
                        user = User.objects.filter(email=email).first() or User.objects.create_user(
                            email, PASSWORD, full_name=f"{role.title()} {spec['name']}"
                        )
                        add_member(organization=org, user=user, role=role)
                    for hook in seed_demo_hooks:
                        hook(org)
            self.stdout.write(f"{spec['slug']}: created")
