"""The notifications app in backups: its settings in the configuration capture
(its send log is not part of a scoped restore). Registered at import; the
backups app autodiscovers `APP/restore.py`."""

from config.registries import CapturedSettings, captured_settings

captured_settings.register(CapturedSettings("notifications.RecipientList", ("name",), order=50))
captured_settings.register(CapturedSettings("notifications.NotificationRule", ("name",), order=51))
captured_settings.register(
    CapturedSettings("notifications.MessageTemplate", ("event", "channel", "language"), order=52)
)
