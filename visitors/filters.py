"""Filters of the visits list (API), declared once for the query and the schema."""

import django_filters

from config.filters import CommaChoicesFilter, IdFilter, MomentFilter

from . import selectors
from .models import Visit, Visitor, VisitStatus


class VisitFilter(django_filters.FilterSet):
    site = IdFilter(field_name="site_id", help_text="site id")
    desk = IdFilter(field_name="desk_id", help_text="desk id")
    visit_type = IdFilter(field_name="visit_type_id", help_text="visit type id")
    host = IdFilter(field_name="host_id", help_text="host's membership id")
    status = CommaChoicesFilter(
        field_name="status", choices=VisitStatus.choices, help_text="statuses, comma-separated"
    )
    # `from` is a Python keyword: the two bounds are declared through the class
    # namespace so that the query parameters keep their names.
    locals()["from"] = MomentFilter(
        field_name="expected_at", by_date=True, help_text="expected from (a day, or a moment)"
    )
    locals()["to"] = MomentFilter(
        field_name="expected_at", end=True, by_date=True, help_text="expected until (a day, or a moment)"
    )
    q = django_filters.CharFilter(method="search", help_text="name or company, accents ignored")

    class Meta:
        model = Visit
        fields = []

    def search(self, queryset, name, value):
        return selectors.search_visits(queryset, value)


class VisitorFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", help_text="name or company, accents ignored")

    class Meta:
        model = Visitor
        fields = []

    def search(self, queryset, name, value):
        return selectors.search_visitors(queryset, value)
