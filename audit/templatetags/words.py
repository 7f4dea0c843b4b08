"""Template filters that turn codes and timestamps into words:

{% load words %}
{{ entry.verb|verb_label }}       Arrivée enregistrée
{{ job.dataset|dataset_label }}   Visites
{{ p.data_type|data_type_label }} Identités des visiteurs
{{ t.action|action_label }}       anonymiser
{{ moment|when }}                 02/12/2026 10:42 (CET)
{{ moment|when:site.timezone }}   the same in the site's time zone
{{ day|day }}                     02/12/2026
"""

import datetime
import zoneinfo

from django import template
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.formats import date_format

from audit import labels

register = template.Library()

register.filter("verb_label", labels.verb_label)
register.filter("dataset_label", labels.dataset_label)
register.filter("data_type_label", labels.data_type_label)
register.filter("action_label", labels.action_label)


def _moment(value):
    if isinstance(value, str):
        value = parse_datetime(value) or parse_date(value) or value
    return value


@register.filter
def when(value, tz_name=None):
    """A moment in the given (or current) time zone, its zone named; a date as a date."""
    value = _moment(value)
    if value in (None, ""):
        return ""
    if isinstance(value, datetime.datetime):
        tz = zoneinfo.ZoneInfo(tz_name) if tz_name else timezone.get_current_timezone()
        if timezone.is_aware(value):
            value = timezone.localtime(value, tz)
        return f"{date_format(value, 'SHORT_DATETIME_FORMAT')} ({value.tzname() or tz})"
    if isinstance(value, datetime.date):
        return date_format(value, "SHORT_DATE_FORMAT")
    return value


@register.filter
def day(value):
    value = _moment(value)
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
        return date_format(value.date(), "SHORT_DATE_FORMAT")
    if isinstance(value, datetime.date):
        return date_format(value, "SHORT_DATE_FORMAT")
    return "" if value is None else value


register.simple_tag(labels.colon, name="colon")
