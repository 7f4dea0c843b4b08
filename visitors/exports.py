"""The export datasets of visits and visitors, the visit figures of the reports
dashboard, and the visit types a report filters by (registered at import; the
reports app imports this module in its `ready()`, never the other way round)."""

from django.db.models import Avg, Count, DateField, DateTimeField, F, FloatField, Func, Value
from django.db.models.functions import Cast
from django.utils.translation import gettext_lazy as _

from config.exports import DATETIME, LABEL, NUMBER, PHONE, Column, Dataset, localized, visitor_columns
from config.registries import (
    DashboardFigures,
    FilterChoices,
    dashboard_figures,
    export_datasets,
    filter_choices,
)
from tenancy.models import Role
from visitors.models import Visit, Visitor, VisitStatus, VisitType


class VisitsDataset(Dataset):
    key = "visits"
    order = 10
    retention_type = "visits"
    label = _("Visits")
    noun = _("visits")
    model = Visit
    date_field = "expected_at"
    filters = {
        "sites": "site_id",
        "desks": "desk_id",
        "period": "expected_at",
        "visit_types": "visit_type_id",
        "statuses": "status",
        "host": "host_id",
    }
    status_choices = dict(VisitStatus.choices)
    columns = [
        Column("id", _("Visit id"), "pk", kind=NUMBER),
        Column("site", _("Site"), "site__name"),
        Column("desk", _("Desk"), "desk__name"),
        *visitor_columns("visitor__"),
        Column("visitor_email", _("Visitor e-mail"), "visitor__email", default=False),
        Column("visitor_phone", _("Visitor phone"), "visitor__phone", kind=PHONE, default=False),
        Column("host", _("Host"), "host__user__full_name"),
        Column("visit_type", _("Visit type"), localized("visit_type__name")),
        Column("status", _("Status"), "status", kind=LABEL, choices=dict(VisitStatus.choices)),
        Column("expected_at", _("Expected at"), "expected_at", kind=DATETIME),
        Column("expected_until", _("Expected until"), "expected_until", kind=DATETIME),
        Column("arrived_at", _("Arrived at"), "arrived_at", kind=DATETIME),
        Column("arrived_desk", _("Arrival desk"), "arrived_desk__name", default=False),
        Column("departed_at", _("Departed at"), "departed_at", kind=DATETIME),
        Column("departure_automatic", _("Automatic departure"), "departure_automatic", default=False),
        Column("badge_number", _("Badge number"), "badge_number", kind=NUMBER, default=False),
        Column("cancellation_reason", _("Cancellation reason"), "cancellation_reason", default=False),
        Column("notes", _("Notes"), "notes", default=False),
        Column("created_at", _("Pre-registered at"), "created_at", kind=DATETIME, default=False),
    ]

    def queryset(self, membership):
        visits = Visit.objects.all()
        if membership.sees_all_sites:
            return visits
        if membership.role == Role.HOST:
            return visits.filter(host=membership)
        return visits.filter(site_id__in=membership.site_ids)


class VisitorsDataset(Dataset):
    """People; the site filter keeps those with a visit at the chosen sites."""

    key = "visitors"
    order = 20
    retention_type = "visitor_identities"
    label = _("Visitors")
    noun = _("visitors")
    model = Visitor
    date_field = "created_at"
    tz_field = None
    site_field = None
    filters = {"period": "created_at"}
    columns = [
        Column("id", _("Visitor id"), "pk", kind=NUMBER),
        Column("first_name", _("First name"), "first_name"),
        Column("last_name", _("Last name"), "last_name"),
        Column("company", _("Company"), "company"),
        Column("email", _("E-mail"), "email"),
        Column("phone", _("Phone"), "phone", kind=PHONE),
        Column("language", _("Language"), "language", default=False),
        Column("created_at", _("Created at"), "created_at", kind=DATETIME),
        Column("anonymized_at", _("Anonymised at"), "anonymized_at", kind=DATETIME, default=False),
    ]

    def queryset(self, membership):
        if membership.sees_all_sites:
            return Visitor.objects.all()
        seen = Visit.objects.filter(site_id__in=membership.site_ids).values("visitor_id")
        return Visitor.objects.filter(pk__in=seen)


# The dashboard's visit figures. Days and hours are local to each visit's site.


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


class VisitFigures(DashboardFigures):
    key = "visits"
    dataset = "visits"
    order = 10

    def figures(self, queryset, *, days) -> dict:
        visits = queryset
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
        return {
            "total": visits.count(),
            "pre_registrations": _per_day(visits, "created_at", days),
            "arrivals": _per_day(visits, "arrived_at", days),
            "departures": _per_day(visits, "departed_at", days),
            "no_shows": _per_day(visits, "expected_at", days, status=VisitStatus.NO_SHOW),
            "arrivals_per_hour": [(f"{h:02d}", hours.get(float(h), 0)) for h in range(24)],
            "average_stay_minutes": round(stay.total_seconds() / 60) if stay else None,
            "top_hosts": hosts,
        }


class VisitTypeChoices(FilterChoices):
    key = "visit_types"

    def queryset(self):
        return VisitType.objects.all()


export_datasets.register(VisitsDataset())
export_datasets.register(VisitorsDataset())
dashboard_figures.register(VisitFigures())
filter_choices.register(VisitTypeChoices())
