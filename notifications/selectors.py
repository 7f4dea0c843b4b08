"""Reads of the send log, shared by the screen and the API."""

from django.db.models import QuerySet

from config.registries import consultation

from .filters import MessageFilter
from .models import Message


def send_log() -> QuerySet[Message]:
    """Messages still in their consultation period, for every role (compliance
    reads older ones in the retention archive)."""
    return consultation.within(Message.objects.select_related("rule", "site"), "send_log")


def filter_messages(params):
    """The send log filtered by `params` (`notifications.filters.MessageFilter`:
    from/to, site, channel, status, event) and the FilterSet, whose `errors`
    name a bad parameter (the rows are then the whole log)."""
    chosen = MessageFilter(params, queryset=send_log())
    return (chosen.qs if chosen.is_valid() else send_log()), chosen
