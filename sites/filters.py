"""Filters of the desks list (API)."""

import django_filters

from config.filters import IdFilter

from .models import Desk


class DeskFilter(django_filters.FilterSet):
    site = IdFilter(field_name="site_id", help_text="site id")

    class Meta:
        model = Desk
        fields = []
