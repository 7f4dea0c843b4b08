"""Filters of the send log, shared by its screen and the API."""

import django_filters

from config.filters import IdFilter, MomentFilter, PeriodForm

from .models import Channel, Message, Status


class MessageFilter(django_filters.FilterSet):
    # `from` is a Python keyword: the bounds are declared through the class
    # namespace so that the query parameters keep their names.
    locals()["from"] = MomentFilter(
        field_name="created_at", by_date=True, help_text="from (a day, or a moment)"
    )
    locals()["to"] = MomentFilter(
        field_name="created_at", end=True, by_date=True, help_text="until (a day, or a moment)"
    )
    site = IdFilter(field_name="site_id", help_text="site id")
    channel = django_filters.ChoiceFilter(choices=Channel.choices)
    status = django_filters.ChoiceFilter(choices=Status.choices)
    event = django_filters.CharFilter(help_text="an event, e.g. visit.arrived")

    class Meta:
        model = Message
        fields = []
        form = PeriodForm
