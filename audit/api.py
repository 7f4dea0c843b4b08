"""API: /api/v1/journal/ and /api/v1/journal/verify/."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from config.filters import ListFilterBackend
from tenancy.permissions import ADMIN, COMPLIANCE, roles
from tenancy.replica import read_heavy

from . import services
from .filters import JournalFilter
from .models import JournalEntry
from .selectors import visible_entries


class JournalEntrySerializer(serializers.ModelSerializer):
    class Meta:
        model = JournalEntry
        fields = [
            "id",
            "seq",
            "created_at",
            "verb",
            "actor_kind",
            "actor_id",
            "token_id",
            "target_type",
            "target_id",
            "site_id",
            "data",
            "ip",
            "prev_hash",
            "hash",
        ]
        read_only_fields = fields


class JournalViewSet(viewsets.ReadOnlyModelViewSet):
    lookup_value_converter = "int"
    serializer_class = JournalEntrySerializer
    permission_classes = [roles(ADMIN, COMPLIANCE)]
    filter_backends = [ListFilterBackend]
    filterset_class = JournalFilter
    queryset = (
        JournalEntry.objects.none()
    )  # the filters' model, for the schema; rows come from get_queryset()

    def get_queryset(self):
        return visible_entries(self.request.membership)

    def list(self, request, *args, **kwargs):
        # Read from the streaming replica when it is fresh (tenancy.replica).
        return read_heavy(lambda: super(JournalViewSet, self).list(request, *args, **kwargs))

    @extend_schema(responses={200: dict})
    @action(detail=False, methods=["get"])
    def verify(self, request):
        return Response(services.verify(request.organization).as_dict())
