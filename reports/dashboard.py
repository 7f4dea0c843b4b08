"""Figures of the dashboard (Rapports & tableaux de bord).

Every visit figure is computed from the visits dataset's own selection, with the
same filters as its CSV export, so the dashboard and the file always agree (a
test checks it). Days and hours are local to each visit's site."""

import datetime

from django.apps import apps
from django.db import connection
from django.db.models import Avg, Count, DateField, DateTimeField, F, FloatField, Func, Value
from django.db.models.functions import Cast

from visitors.models import VisitStatus

from .filters import select

DASHBOARD_FILTERS = ("sites", "desks", "visit_types", "period", "from", "to")


def _local(field: str, tz_path: str = "site__timezone"):
    return Func(F(tz_path), F(field), function="timezone", output_field=DateTimeField())


def local_date(field: str, tz_path: str = "site__timezone"):
    return Cast(_local(field, tz_path), DateField())


def local_hour(field: str):
    return Func(Value("hour"), _local(field), function="date_part", output_field=FloatField())


def _per_day(queryset, field, days, **condition):
    counts = dict(
        queryset.filter(**{f"{field}__isnull": False}, **condition)
        .annotate(day=local_date(field))
        .order_by()
        .values_list("day")
        .annotate(n=Count("pk"))
    )
    return [(day.isoformat(), counts.get(day, 0)) for day in days]


def _table_exists(model) -> bool:
    return model._meta.db_table in connection.introspection.table_names()


def figures(membership, params: dict) -> dict:
    filters = {k: v for k, v in params.items() if k in DASHBOARD_FILTERS and v not in (None, "", [])}
    if not any(k in filters for k in ("period", "from", "to")):
        filters["period"] = "last_7_days"
    selection = select("visits", membership, filters)
    visits = selection.queryset()
    start, end = selection.start, selection.end
    days = [start + datetime.timedelta(days=i) for i in range((end - start).days + 1)][:400]
    hours = dict(
        visits.filter(arrived_at__isnull=False)
        .annotate(h=local_hour("arrived_at"))
        .order_by()
        .values_list("h")
        .annotate(n=Count("pk"))
    )
    stay = visits.filter(arrived_at__isnull=False, departed_at__isnull=False).aggregate(
        avg=Avg(F("departed_at") - F("arrived_at"))
    )["avg"]
    hosts = list(
        visits.filter(host__isnull=False)
        .order_by()
        .values_list("host__user__full_name")
        .annotate(n=Count("pk"))
        .order_by("-n")[:10]
    )
    result = {
        "selection": selection,
        "total": visits.count(),
        "pre_registrations": _per_day(visits, "created_at", days),
        "arrivals": _per_day(visits, "arrived_at", days),
        "departures": _per_day(visits, "departed_at", days),
        "no_shows": _per_day(visits, "expected_at", days, status=VisitStatus.NO_SHOW),
        "arrivals_per_hour": [(f"{h:02d}", hours.get(float(h), 0)) for h in range(24)],
        "average_stay_minutes": round(stay.total_seconds() / 60) if stay else None,
        "top_hosts": hosts,
        "badges_by_template": None,
        "messages_by_channel": None,
    }
    others = {k: v for k, v in filters.items() if k != "visit_types"}
    if apps.is_installed("badges"):
        prints = select("badge_prints", membership, {**others, "visit_types": filters.get("visit_types")})
        result["badges_by_template"] = list(
            prints.queryset()
            .order_by()
            .values_list("template_version__template__name")
            .annotate(n=Count("pk"))
            .order_by("-n")
        )
    if apps.is_installed("notifications"):
        from notifications.models import Message

        if _table_exists(Message):
            sent = select("messages", membership, {k: v for k, v in others.items() if k != "desks"})
            result["messages_by_channel"] = list(
                sent.queryset().order_by().values_list("channel", "status").annotate(n=Count("pk"))
            )
    return result
