"""What a scoped restore brings back of the sites app (registered at import;
the backups app autodiscovers `APP/restore.py`)."""

from django.utils.translation import gettext_lazy as _

from config.registries import CapturedSettings, RestorePart, RestoreTable, captured_settings, restore_parts


class SitesRestore(RestorePart):
    key = "sites"
    data_type = "settings"
    order = 10
    tables = (
        RestoreTable("sites.Site", "id = ANY(%(sites)s)", label=_("Sites")),
        RestoreTable("sites.Desk", "site_id = ANY(%(sites)s)", label=_("Desks")),
    )


restore_parts.register(SitesRestore())
# Settings in the configuration capture, by natural key.
captured_settings.register(CapturedSettings("sites.Site", ("name",), order=10))
captured_settings.register(CapturedSettings("sites.Desk", ("site", "name"), order=11))
