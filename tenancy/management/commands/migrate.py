"""`migrate` runs as the owner role by default: tables belong to the owner, and
the application role only gets row privileges (tenancy.grants)."""

from django.core.management.commands.migrate import Command as DjangoMigrate


class Command(DjangoMigrate):
    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.set_defaults(database="owner")
