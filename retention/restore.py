"""The retention app's part in backups: its erasure ledger, which the backups
app reads (without importing retention) to erase again, in a restored copy,
what was erased after the backup; its policies in the configuration capture.
Installed at import; the backups app autodiscovers `APP/restore.py`."""

from config.registries import CapturedSettings, captured_settings, erasure_ledger, retention_types

from .purge import erasures_since


def replay(record: dict) -> int | None:
    """Apply one ledger record again, in the current tenant scope, through its
    data type: rows already gone or already anonymised are skipped. The number
    of rows erased again; None for a data type no app registers any more."""
    rtype = retention_types.get(record["data_type"])
    if rtype is None:
        return None
    if record["action"] == "anonymise":
        present = list(rtype.pending().filter(pk__in=record["ids"]).values_list("pk", flat=True))
        if present:
            rtype.anonymise(present)
    else:
        present = list(rtype.queryset().filter(pk__in=record["ids"]).values_list("pk", flat=True))
        if present:
            rtype.delete(present)
    return len(present)


erasure_ledger.install(erasures_since, replay)
captured_settings.register(CapturedSettings("retention.RetentionPolicy", ("data_type", "site"), order=60))
