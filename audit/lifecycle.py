"""The change history as a retention data type: field values of configuration
objects, kept a year by default, then deleted. (The journal is registered by
the retention app, which owns its purge.)"""

from django.utils.translation import gettext_lazy as _

from config.registries import PurgeResult, RetentionType

from .models import ChangeEntry


class ChangeHistoryRetention(RetentionType):
    key = "change_history"
    label = _("Change history")
    timestamp_field = "timestamp"
    default_consultation_days = 365
    default_retention_days = 365
    default_action = "delete"
    actions = ("delete",)

    def queryset(self):
        return ChangeEntry.objects.all()

    def anonymise(self, ids) -> PurgeResult:  # pragma: no cover - refused by the policy
        raise NotImplementedError("change history entries are deleted, not anonymised")

    def delete(self, ids) -> PurgeResult:
        count, _by_model = self.queryset().filter(pk__in=list(ids)).delete()
        return PurgeResult(rows_deleted=count)
