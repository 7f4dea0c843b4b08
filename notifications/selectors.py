"""Reads of the send log, shared by the screen and the API."""

import datetime

from django.db.models import QuerySet
from django.utils.dateparse import parse_date

from config.registries import consultation

from .models import Message


def send_log() -> QuerySet[Message]:
    """Messages still in their consultation period, for every role (compliance
    reads older ones in the retention archive)."""
    return consultation.within(Message.objects.select_related("rule", "site"), "send_log")


def filter_messages(params) -> QuerySet[Message]:
    """Filters: from/to (dates), site, channel, status, event."""
    rows = send_log()
    start, end = parse_date(params.get("from") or ""), parse_date(params.get("to") or "")
    if start:
        rows = rows.filter(created_at__date__gte=start)
    if end:
        rows = rows.filter(created_at__date__lt=end + datetime.timedelta(days=1))
    site = params.get("site") or ""
    if site.isdigit():
        rows = rows.filter(site_id=int(site))
    for field in ("channel", "status", "event"):
        if params.get(field):
            rows = rows.filter(**{field: params[field]})
    return rows
