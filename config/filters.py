"""List filters of screens and the API, as django-filter FilterSets.

A FilterSet validates the query string with form fields (a bad value is an
error naming its parameter, in the reader's language) and describes its
parameters in the OpenAPI schema through drf-spectacular's django-filter
extension, so the screen, the API and the schema read one declaration.

The fields here carry the project's input rules: ids are whole numbers that
PostgreSQL's bigint holds (`config.inputs.whole_id`), dates go through
`config.dates` (2000..2199, offsets within ±18:00)."""

import datetime

import django_filters
from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.drainage import set_override

from config.dates import DateInputError, parse_day, parse_moment
from config.inputs import BIGINT_MAX, whole_id


class IdField(forms.CharField):
    """A row id: a whole number from 1 to the largest bigint."""

    default_error_messages = {"invalid": gettext_lazy("Enter a whole number.")}

    def to_python(self, value):
        value = super().to_python(value)
        if value in self.empty_values:
            return None
        number = whole_id(value)
        if number is None:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return number


class MomentField(forms.CharField):
    """A day (YYYY-MM-DD) or an ISO 8601 moment, as `config.dates` reads them.
    A day stays a day (`parse_moment` would read it as its midnight, and
    "to=2026-12-01" would then end before the day it names)."""

    def to_python(self, value):
        value = super().to_python(value)
        if value in self.empty_values:
            return None
        try:
            return parse_day(value) if len(value) == len("2026-12-01") else parse_moment(value)
        except DateInputError as error:
            raise forms.ValidationError(str(error), code="invalid") from error


class _Documented:
    """Gives the parameter its JSON schema (`schema`) and its `help_text` as
    description: drf-spectacular would otherwise guess the type from the model
    field (`date-time` for a filter that also takes a day)."""

    schema: dict = {"type": "string"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        help_text = self.extra.get("help_text")
        set_override(self, "field", {**self.schema, **({"description": str(help_text)} if help_text else {})})


class IdFilter(_Documented, django_filters.Filter):
    field_class = IdField
    schema = {"type": "integer", "minimum": 1, "maximum": BIGINT_MAX}


class MomentFilter(_Documented, django_filters.Filter):
    """`from`/`to` bounds of a period. A day bound covers the whole day: `to`
    a day means up to the end of that day. With
    `by_date`, a day is compared with the column's date in the current time
    zone (the visits list: "today" is the reader's day, and so is a moment without
    an offset), else with midnight UTC (the journal, stamped in UTC)."""

    field_class = MomentField
    schema = {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}([T ].+)?$"}

    def __init__(self, *args, end=False, by_date=False, **kwargs):
        self.end = end
        self.by_date = by_date
        super().__init__(*args, **kwargs)

    def bound(self, value):
        if isinstance(value, datetime.datetime):
            if timezone.is_naive(value):
                return timezone.make_aware(
                    value, timezone.get_current_timezone() if self.by_date else datetime.UTC
                )
            return value
        day = value + datetime.timedelta(days=1) if self.end else value
        return datetime.datetime.combine(day, datetime.time(), tzinfo=datetime.UTC)

    def filter(self, qs, value):
        if value is None:
            return qs
        if self.by_date and not isinstance(value, datetime.datetime):
            return qs.filter(**{f"{self.field_name}__date__{'lte' if self.end else 'gte'}": value})
        lookup = "lt" if self.end else "gte"
        return qs.filter(**{f"{self.field_name}__{lookup}": self.bound(value)})


class CommaChoicesField(forms.CharField):
    """Several values of a fixed list, comma-separated (`?status=arrived,departed`)."""

    def __init__(self, *args, choices=(), **kwargs):
        self.valid = [str(value) for value, _label in choices]
        super().__init__(*args, **kwargs)

    def to_python(self, value):
        value = super().to_python(value)
        if value in self.empty_values:
            return []
        wanted = [item for item in value.split(",") if item]
        unknown = sorted(set(wanted) - set(self.valid))
        if unknown:
            raise forms.ValidationError(
                _("Unknown status: %(s)s.") % {"s": ", ".join(unknown)}, code="invalid"
            )
        return wanted


class CommaChoicesFilter(_Documented, django_filters.Filter):
    field_class = CommaChoicesField

    def filter(self, qs, value):
        return qs.filter(**{f"{self.field_name}__in": value}) if value else qs


class PeriodForm(forms.Form):
    """Refuses a period whose start is after its end, naming `from`."""

    def clean(self):
        data = super().clean()
        start, end = data.get("from"), data.get("to")
        if start and end and _as_moment(start) >= _as_moment(end, end=True):
            self.add_error("from", _("The start of the period is after its end."))
        return data


def _as_moment(value, end=False):
    return MomentFilter(end=end).bound(value)


class ListFilterBackend(DjangoFilterBackend):
    """Filters list actions only: a detail, arrive or depart URL with a query
    string keeps answering for its object as before."""

    def filter_queryset(self, request, queryset, view):
        if getattr(view, "action", "list") != "list":
            return queryset
        return super().filter_queryset(request, queryset, view)


def errors_of(filterset) -> dict[str, list[str]]:
    """The FilterSet's errors as the API's 400 body: {parameter: [messages]}."""
    return {name: [str(message) for message in messages] for name, messages in filterset.errors.items()}
