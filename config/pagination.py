"""Pagination of every API list: bounded pages, and a cheaper count for searches."""

from django.db.models import Count, QuerySet, Window
from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import LimitOffsetPagination


class BoundedPagination(LimitOffsetPagination):
    """`?limit=` between 1 and MAX_LIMIT and `?offset=` between 0 and MAX_OFFSET,
    stated in the schema; anything else answers 400 naming the parameter.

    Without a maximum, `?limit=250000` made one request read a whole table (the
    worker was killed at 30 s), and a number past PostgreSQL's bigint
    (`?limit=9223372036854775808`) was a 500."""

    max_limit = MAX_LIMIT = 500
    MAX_OFFSET = 1_000_000_000

    def _bounded(self, request, name, low, high, default):
        raw = request.query_params.get(name)
        if raw in (None, ""):
            return default
        if not (raw.isascii() and raw.isdigit()) or not low <= int(raw) <= high:
            raise ValidationError(
                {name: [_("Enter a whole number between %(low)s and %(high)s.") % {"low": low, "high": high}]}
            )
        return int(raw)

    def get_limit(self, request):
        return self._bounded(request, self.limit_query_param, 1, self.MAX_LIMIT, self.default_limit)

    def get_offset(self, request):
        return self._bounded(request, self.offset_query_param, 0, self.MAX_OFFSET, 0)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.limit_query_param:
                parameter["schema"].update(minimum=1, maximum=self.MAX_LIMIT, default=self.default_limit)
            elif parameter["name"] == self.offset_query_param:
                parameter["schema"].update(minimum=0, maximum=self.MAX_OFFSET)
        return parameters


class SearchPagination(BoundedPagination):
    """LimitOffsetPagination that, for a search (`?q=`), counts the matches in
    the page's own query (`count(*) OVER ()`) instead of a second one.

    The search function finds every match before the page is sorted, so each
    query paid for the whole search again: one evaluation halves the time of a
    broad search ("electricite" matching 10,000 visitors). Lists without `q`
    keep the separate count: their page query stops early on an index, which a
    window over every row would prevent. DISTINCT querysets keep it too (the
    window would count duplicates)."""

    def paginate_queryset(self, queryset, request, view=None):
        if (
            not request.query_params.get("q", "").strip()
            or not isinstance(queryset, QuerySet)
            or queryset.query.distinct
        ):
            return super().paginate_queryset(queryset, request, view)
        self.request = request
        self.limit = self.get_limit(request)
        if self.limit is None:
            return None
        self.offset = self.get_offset(request)
        page = list(
            queryset.annotate(search_total=Window(Count("*")))[self.offset : self.offset + self.limit]
        )
        # Past the last match the page is empty and says nothing: count apart.
        self.count = page[0].search_total if page else (queryset.count() if self.offset else 0)
        if self.count > self.limit and self.template is not None:
            self.display_page_controls = True
        return page
