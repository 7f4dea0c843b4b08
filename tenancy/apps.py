from django.apps import AppConfig


class TenancyConfig(AppConfig):
    name = "tenancy"
    verbose_name = "Tenancy"

    def ready(self):
        # Imported when the app registry is ready: they load models.
        from django.db.models.signals import post_migrate

        from config.serializers import bound_model_dates

        from . import grants, schema, signals  # noqa: F401

        bound_model_dates()

        post_migrate.connect(grants.grant_app_role, dispatch_uid="tenancy.grants")
