"""The send log as a retention data type (registered at import, which the
retention app does at start-up). (Its CSV export dataset, "messages",
is registered by the reports app, which owns the dataset interface.)"""

from django.utils.translation import gettext_lazy as _

from config.registries import PurgeResult, RetentionType, retention_types

from .models import Message


class SendLogRetention(RetentionType):
    key = "send_log"
    label = _("E-mail/SMS send log")
    order = 30
    timestamp_field = "created_at"
    site_field = "site_id"

    def queryset(self):
        return Message.objects.all()

    def anonymise(self, ids) -> PurgeResult:
        # What was sent, to whom, becomes a placeholder; channel, event, status
        # and dates stay for the statistics.
        count = Message.objects.filter(pk__in=list(ids)).update(
            recipient="anonymised", subject="", body="", provider_id="", last_error=""
        )
        return PurgeResult(rows_anonymised=count)

    def delete(self, ids) -> PurgeResult:
        count, _by_model = Message.objects.filter(pk__in=list(ids)).delete()
        return PurgeResult(rows_deleted=count)


retention_types.register(SendLogRetention())
