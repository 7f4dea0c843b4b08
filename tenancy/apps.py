from django.apps import AppConfig


class TenancyConfig(AppConfig):
    name = "tenancy"
    verbose_name = "Tenancy"

    def ready(self):
        from django.db.models.signals import post_migrate

        from . import grants, schema, signals  # noqa: F401

        post_migrate.connect(grants.grant_app_role, dispatch_uid="tenancy.grants")
