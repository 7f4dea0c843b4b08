"""API: /api/v1/restore-tickets/."""

from rest_framework import mixins, serializers, viewsets
from rest_framework.exceptions import ValidationError

from config.serializers import BoundedDateTimeField
from sites.selectors import sites_for
from tenancy.permissions import ADMIN, COMPLIANCE, roles

from . import tickets
from .models import DataType, RestoreTicket, TicketComment


class ScopedSitesField(serializers.PrimaryKeyRelatedField):
    def get_queryset(self):
        return sites_for(self.context["request"].membership)


class CommentSerializer(serializers.ModelSerializer):
    class Meta:
        model = TicketComment
        fields = ["id", "by_support", "body", "created_at"]


class RestoreTicketSerializer(serializers.ModelSerializer):
    sites = ScopedSitesField(many=True, required=False)
    data_types = serializers.ListField(
        child=serializers.ChoiceField(choices=DataType.choices), required=False
    )
    visit_ids = serializers.ListField(child=serializers.IntegerField(min_value=1), required=False)
    reason = serializers.CharField(required=False, allow_blank=True)
    period_start = BoundedDateTimeField(required=False)
    period_end = BoundedDateTimeField(required=False)
    point_in_time = BoundedDateTimeField(required=False)
    comments = CommentSerializer(many=True, read_only=True)

    class Meta:
        model = RestoreTicket
        fields = [
            "id",
            "environment",
            "sites",
            "period_start",
            "period_end",
            "data_types",
            "point_in_time",
            "reason",
            "urgency",
            "impact",
            "visit_ids",
            "timestamps",
            "state",
            "refusal_reason",
            "comments",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "state", "refusal_reason", "comments", "created_at", "updated_at"]


class RestoreTicketViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    lookup_value_converter = "int"
    serializer_class = RestoreTicketSerializer
    permission_classes = [roles(ADMIN, read=(COMPLIANCE,))]

    def get_queryset(self):
        return RestoreTicket.objects.prefetch_related("sites", "comments")

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        sites = data.pop("sites", [])
        try:
            serializer.instance = tickets.open_ticket(
                organization=self.request.organization, by=self.request.user, sites=sites, **data
            )
        except tickets.TicketError as exc:
            raise ValidationError(exc.args[0]) from exc
