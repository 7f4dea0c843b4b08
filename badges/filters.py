"""Filters of the badge prints list (API)."""

import django_filters

from config.filters import IdFilter

from .models import BadgePrint


class BadgePrintFilter(django_filters.FilterSet):
    visit = IdFilter(field_name="visit_id", help_text="visit id")

    class Meta:
        model = BadgePrint
        fields = []
