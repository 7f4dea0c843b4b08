"""The retention app's part in a restore: its erasure ledger, which the backups
app reads (without importing retention) to erase again, in a restored copy,
what was erased after the backup. Installed at import; the backups app
autodiscovers `APP/restore.py`."""

from config.registries import erasure_ledger

from .purge import erasures_since

erasure_ledger.install(erasures_since)
