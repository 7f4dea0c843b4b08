"""API: /api/v1/journal/ and /api/v1/journal/verify/."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from tenancy.permissions import ADMIN, COMPLIANCE, roles

from . import services
from .models import JournalEntry
from .selectors import FilterError, journal_entries


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

    def get_queryset(self):
        try:
            return journal_entries(self.request.membership, self.request.query_params)
        except FilterError as exc:
            raise ValidationError({exc.field: [exc.message]}) from exc

    @extend_schema(
        parameters=[OpenApiParameter(p) for p in ("from", "to", "site", "actor", "verb")],
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(responses={200: dict})
    @action(detail=False, methods=["get"])
    def verify(self, request):
        return Response(services.verify(request.organization).as_dict())
