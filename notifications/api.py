"""API: notification-lists/, notification-rules/, message-templates/, messages/
and notification-config/ (export/import)."""

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action, api_view, permission_classes
from rest_framework.response import Response

from config.filters import ListFilterBackend
from sites.models import Desk, Site
from tenancy.models import LANGUAGE_CHOICES, Membership
from tenancy.permissions import ADMIN, COMPLIANCE, roles
from visitors.models import VisitType

from . import delivery, services, templating
from .filters import MessageFilter
from .models import Channel, Message, MessageTemplate, NotificationRule, RecipientList
from .phones import InvalidPhone, mask, normalize_phone
from .selectors import send_log


class ScopedRelated(serializers.PrimaryKeyRelatedField):
    """Another organization's object is 'does not exist' (400 naming the field)."""

    def __init__(self, model, **kwargs):
        self.model = model
        super().__init__(**kwargs)

    def get_queryset(self):
        return self.model.objects.all()


class RecipientListSerializer(serializers.ModelSerializer):
    members = ScopedRelated(Membership, many=True, required=False)
    emails = serializers.ListField(child=serializers.EmailField(), required=False)
    phones = serializers.ListField(child=serializers.CharField(max_length=40), required=False)

    class Meta:
        model = RecipientList
        fields = ["id", "name", "description", "members", "emails", "phones", "created_at"]
        read_only_fields = ["id", "created_at"]

    def validate_name(self, value):
        if RecipientList.objects.filter(name=value).exclude(pk=getattr(self.instance, "pk", None)).exists():
            raise serializers.ValidationError(_("A list with this name already exists."))
        return value

    def validate_phones(self, value):
        try:
            return [normalize_phone(p) for p in value]
        except InvalidPhone as exc:
            raise serializers.ValidationError(str(exc)) from exc

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["emails"] = [mask("email", e) for e in instance.emails]
        data["phones"] = [mask("sms", p) for p in instance.phones]
        return data


class RecipientListViewSet(viewsets.ModelViewSet):
    lookup_value_converter = "int"
    serializer_class = RecipientListSerializer
    permission_classes = [roles(ADMIN)]

    def get_queryset(self):
        return RecipientList.objects.prefetch_related("members")

    def _save(self, serializer, instance=None):
        data = dict(serializer.validated_data)
        if instance is not None:
            data.setdefault("name", instance.name)
            data.setdefault("description", instance.description)
            data.setdefault("members", list(instance.members.all()))
            data.setdefault("emails", instance.emails)
            data.setdefault("phones", instance.phones)
        serializer.instance = services.save_list(
            organization=self.request.organization, recipient_list=instance, **data
        )

    def perform_create(self, serializer):
        self._save(serializer)

    def perform_update(self, serializer):
        self._save(serializer, serializer.instance)

    def perform_destroy(self, instance):
        services.delete_list(recipient_list=instance)


class NotificationRuleSerializer(serializers.ModelSerializer):
    sites = ScopedRelated(Site, many=True, required=False)
    desks = ScopedRelated(Desk, many=True, required=False)
    visit_types = ScopedRelated(VisitType, many=True, required=False)
    lists = ScopedRelated(RecipientList, many=True, required=False)

    class Meta:
        model = NotificationRule
        fields = [
            "id",
            "name",
            "event",
            "active",
            "sites",
            "desks",
            "visit_types",
            "to_host",
            "to_visitor",
            "to_approvers",
            "lists",
            "by_email",
            "by_sms",
            "is_default",
            "created_at",
        ]
        read_only_fields = ["id", "is_default", "created_at"]

    def validate(self, attrs):
        current = self.instance
        by_email = attrs.get("by_email", current.by_email if current else True)
        by_sms = attrs.get("by_sms", current.by_sms if current else False)
        if not (by_email or by_sms):
            raise serializers.ValidationError({"by_email": _("Choose at least one channel.")})
        return attrs


class NotificationRuleViewSet(viewsets.ModelViewSet):
    lookup_value_converter = "int"
    serializer_class = NotificationRuleSerializer
    permission_classes = [roles(ADMIN)]

    def get_queryset(self):
        return NotificationRule.objects.prefetch_related("sites", "desks", "visit_types", "lists")

    def perform_create(self, serializer):
        serializer.instance = services.save_rule(
            organization=self.request.organization, **serializer.validated_data
        )

    def perform_update(self, serializer):
        services.save_rule(
            organization=self.request.organization, rule=serializer.instance, **serializer.validated_data
        )

    def perform_destroy(self, instance):
        services.delete_rule(rule=instance)


class MessageTemplateSerializer(serializers.ModelSerializer):
    language = serializers.ChoiceField(choices=LANGUAGE_CHOICES)

    class Meta:
        model = MessageTemplate
        fields = ["id", "event", "channel", "language", "subject", "body", "updated_at"]
        read_only_fields = ["id", "updated_at"]
        validators = []  # (event, channel, language) is an upsert, not a conflict

    def validate(self, attrs):
        merged = {
            f: attrs.get(f, getattr(self.instance, f, ""))
            for f in ("event", "channel", "language", "subject", "body")
        }
        try:
            templating.validate(
                channel=merged["channel"],
                subject=merged["subject"] if merged["channel"] == "email" else "",
                body=merged["body"],
                sample=templating.sample_context(merged["language"]),
            )
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.message_dict) from exc
        return merged


class PreviewSerializer(serializers.Serializer):
    channel = serializers.ChoiceField(choices=Channel.choices)
    language = serializers.ChoiceField(choices=LANGUAGE_CHOICES, default=settings.LANGUAGE_CODE)
    subject = serializers.CharField(required=False, allow_blank=True, default="")
    body = serializers.CharField()


class MessageTemplateViewSet(viewsets.ModelViewSet):
    lookup_value_converter = "int"
    serializer_class = MessageTemplateSerializer
    permission_classes = [roles(ADMIN)]

    def get_queryset(self):
        return MessageTemplate.objects.all()

    def perform_create(self, serializer):
        serializer.instance = services.save_template(
            organization=self.request.organization, **serializer.validated_data
        )

    def perform_update(self, serializer):
        serializer.instance = services.save_template(
            organization=self.request.organization, **serializer.validated_data
        )

    def perform_destroy(self, instance):
        services.reset_template(template=instance)

    @extend_schema(request=PreviewSerializer, responses={200: dict})
    @action(detail=False, methods=["post"], serializer_class=PreviewSerializer)
    def preview(self, request):
        """The template rendered with sample data, its problems and SMS length."""
        payload = PreviewSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        shown = services.preview(**payload.validated_data)
        if "sms" in shown:
            length = shown["sms"]
            shown["sms"] = {"encoding": length.encoding, "units": length.units, "segments": length.segments}
        return Response(shown)


class MessageSerializer(serializers.ModelSerializer):
    recipient = serializers.SerializerMethodField()

    class Meta:
        model = Message
        fields = [
            "id",
            "channel",
            "recipient",
            "recipient_kind",
            "event",
            "rule",
            "site",
            "visit_id",
            "journal_entry_id",
            "template",
            "language",
            "subject",
            "status",
            "attempts",
            "provider_id",
            "last_error",
            "created_at",
            "sent_at",
            "delivered_at",
            "failed_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_recipient(self, obj) -> str:
        return mask(obj.channel, obj.recipient)


class MessageViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The send log: filters `from`, `to` (dates), `site`, `channel`, `status`, `event`."""

    lookup_value_converter = "int"
    serializer_class = MessageSerializer
    permission_classes = [roles(ADMIN, read=(COMPLIANCE,))]

    filter_backends = [ListFilterBackend]
    filterset_class = MessageFilter
    queryset = Message.objects.none()  # the filters' model, for the schema; rows come from get_queryset()

    def get_queryset(self):
        return send_log()

    @extend_schema(request=None, responses={202: MessageSerializer, 409: dict})
    @action(detail=True, methods=["post"])
    def retry(self, request, pk=None):
        message = self.get_object()
        if not delivery.retry(message=message):
            return Response({"status": [_("Only a failed message can be retried.")]}, status=409)
        message.refresh_from_db()
        return Response(MessageSerializer(message).data, status=status.HTTP_202_ACCEPTED)


@extend_schema(request=dict, responses={200: dict})
@api_view(["GET", "POST"])
@permission_classes([roles(ADMIN)])
def notification_config(request):
    """GET: the lists, rules and templates as JSON. POST the same to replace them."""
    if request.method == "GET":
        return Response(services.export_config())
    try:
        counts = services.import_config(organization=request.organization, data=request.data)
    except (ValueError, KeyError, TypeError) as exc:
        return Response({"detail": str(exc)}, status=400)
    except DjangoValidationError as exc:
        return Response({"templates": exc.messages}, status=400)
    return Response(counts)
