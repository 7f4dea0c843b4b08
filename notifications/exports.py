"""The export dataset of the e-mail/SMS send log and the dashboard's notifications
by channel (registered at import; the reports app imports this module in its
`ready()`)."""

from django.db import connection
from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from config.exports import DATETIME, LABEL, NUMBER, Column, Dataset
from config.registries import DashboardFigures, FigureTable, dashboard_figures, export_datasets
from notifications.models import Channel, Message, RecipientKind, Status
from notifications.phones import mask


def masked(recipient):
    # As the notifications app masks it in its own views: recognisable, not harvestable.
    return mask("email" if "@" in recipient else "sms", recipient)


class SendLogDataset(Dataset):
    # "send_log" is taken in the registry by the notifications app's own
    # object, which does not follow config.exports.Dataset.
    key = "messages"
    order = 70
    retention_type = "send_log"
    label = _("E-mail/SMS send log")
    noun = _("messages")
    model = Message
    filters = {"sites": "site_id", "period": "created_at", "statuses": "status"}
    status_choices = dict(Status.choices)
    columns = [
        Column("id", _("Message id"), "pk", kind=NUMBER),
        Column("created_at", _("Created"), "created_at", kind=DATETIME),
        Column("channel", _("Channel"), "channel", kind=LABEL, choices=dict(Channel.choices)),
        Column("event", _("Event"), "event"),
        Column("site", _("Site"), "site__name"),
        Column("visit_id", _("Visit id"), "visit_id", kind=NUMBER),
        Column(
            "recipient_kind",
            _("Recipient type"),
            "recipient_kind",
            kind=LABEL,
            choices=dict(RecipientKind.choices),
        ),
        Column("recipient", _("Recipient (masked)"), "recipient", transform=masked),
        Column("status", _("Status"), "status", kind=LABEL, choices=dict(Status.choices)),
        Column("attempts", _("Attempts"), "attempts", kind=NUMBER),
        Column("sent_at", _("Sent"), "sent_at", kind=DATETIME),
        Column("delivered_at", _("Delivered"), "delivered_at", kind=DATETIME, default=False),
        Column("failed_at", _("Failed"), "failed_at", kind=DATETIME, default=False),
        Column("last_error", _("Last error"), "last_error"),
        Column("provider_id", _("Provider message id"), "provider_id", default=False),
    ]

    def queryset(self, membership):
        # Messages with no site (a list member's digest) follow the organization.
        if membership.sees_all_sites:
            return Message.objects.all()
        return Message.objects.filter(Q(site_id__in=membership.site_ids))


class MessageFigures(DashboardFigures):
    key = "messages_by_channel"
    dataset = "messages"
    order = 70

    def tables(self, queryset) -> list[FigureTable]:
        if Message._meta.db_table not in connection.introspection.table_names():
            return []
        channels, statuses = dict(Channel.choices), dict(Status.choices)
        rows = [
            (channels.get(channel, channel), statuses.get(status, status), n)
            for channel, status, n in queryset.order_by()
            .values_list("channel", "status")
            .annotate(n=Count("pk"))
        ]
        return [FigureTable(_("Notifications by channel"), [_("Channel"), _("Status"), _("Messages")], rows)]


export_datasets.register(SendLogDataset())
dashboard_figures.register(MessageFigures())
