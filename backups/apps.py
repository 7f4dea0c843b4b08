from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules

from config.registries import home_summaries


class BackupsConfig(AppConfig):
    name = "backups"
    verbose_name = "Backups"

    def ready(self):
        # app registry: summary imports backups.models, loadable only once the apps are
        from . import setup_checks  # noqa: F401 - registers the system checks
        from .summary import RestoreDrills

        home_summaries.register(RestoreDrills())
        # Each app says what a restore brings back of its data, and how
        # (APP/restore.py registers into config.registries.restore_parts, ...).
        autodiscover_modules("restore")
