from django.apps import AppConfig


class BackupsConfig(AppConfig):
    name = "backups"
    verbose_name = "Backups"

    def ready(self):
        from config.registries import home_summaries

        from .summary import RestoreDrills

        home_summaries.register(RestoreDrills())
