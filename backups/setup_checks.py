"""System checks (`manage.py check`, run by every command, the worker and beat):
a backup that cannot run is said at start, not discovered at 02:15."""

from django.conf import settings
from django.core import checks

from .crypto import BackupKeyError, parse_keys

HINT = (
    "`make run` writes a key into var/backup.key on its first start; elsewhere print one with "
    "`manage.py backup --new-key ID` and give it as BACKUP_KEYS or in a file named by BACKUP_KEYS_FILE."
)


@checks.register("backups")
def backup_key_configured(app_configs=None, **kwargs):
    if getattr(settings, "BACKUP_KEYS_ERROR", ""):
        return [
            checks.Error(
                f"The backup key file cannot be read: {settings.BACKUP_KEYS_ERROR}. No backup can be made "
                "or restored.",
                hint="Put the key file back, or fix its permissions (chmod 600, owned by this user). " + HINT,
                id="backups.E001",
            )
        ]
    try:
        keys = parse_keys(settings.BACKUP_KEYS)
    except BackupKeyError as exc:
        return [checks.Error(f"The backup key is malformed: {exc}.", hint=HINT, id="backups.E002")]
    if not keys and settings.BACKUP_DESTINATIONS and not settings.TESTING:
        return [
            checks.Warning(
                "No backup key (BACKUP_KEYS): the nightly backup and the restore drills will fail.",
                hint=HINT,
                id="backups.W001",
            )
        ]
    return []
