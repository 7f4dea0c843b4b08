"""Filters of the journal, shared by its screen and the API."""

import django_filters

from config.filters import IdFilter, MomentFilter, PeriodForm

from .models import JournalEntry
from .selectors import FilterError, people_matching, visible_entries


class JournalFilter(django_filters.FilterSet):
    # `from` is a Python keyword: the bounds are declared through the class
    # namespace so that the query parameters keep their names.
    locals()["from"] = MomentFilter(field_name="created_at", help_text="from (a day, or a moment)")
    locals()["to"] = MomentFilter(field_name="created_at", end=True, help_text="until (a day, or a moment)")
    site = IdFilter(field_name="site_id", help_text="site id")
    actor = IdFilter(field_name="actor_id", help_text="the acting member's user id")
    person = django_filters.CharFilter(
        method="by_person", help_text="the acting member's name or e-mail, in part"
    )
    verb = django_filters.CharFilter(
        method="by_verb", help_text='an event ("visit.arrived"), or a family ending with a dot ("visit.")'
    )

    class Meta:
        model = JournalEntry
        fields = []
        form = PeriodForm

    def by_person(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(actor_id__in=people_matching(value)) if value else queryset

    def by_verb(self, queryset, name, value):
        return queryset.filter(verb__startswith=value) if value.endswith(".") else queryset.filter(verb=value)


def journal_entries(membership, params=None):
    """The entries `membership` may read, filtered by `params` (a query string);
    a bad filter raises FilterError naming its parameter."""
    entries = visible_entries(membership)
    if not params:
        return entries
    chosen = JournalFilter(params, queryset=entries)
    if not chosen.is_valid():
        field, messages = next(iter(chosen.errors.items()))
        raise FilterError(field, str(messages[0]))
    return chosen.qs
