"""Serializers of the visitors API (visitors.api holds the viewsets): the
fields a client reads and writes, and the checks of a single request body.

Component names in the OpenAPI schema come from the class names, not from
this module: renaming a class renames its schema component."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import ValidationError

from config import translated
from config.serializers import BoundedDateTimeField, PrebuiltFields
from sites.selectors import desks_for, sites_for
from tenancy.models import Membership

from . import contact, invitations, selectors
from .models import KioskToken, Visit, Visitor, VisitType, WatchlistEntry


@extend_schema_field(OpenApiTypes.INT)
class Scoped(serializers.PrimaryKeyRelatedField):
    """Choices limited to what the caller may see: another tenant's id, or one
    outside the perimeter, is 'does not exist' (400 naming the field)."""

    def __init__(self, chooser, **kwargs):
        self.chooser = chooser
        super().__init__(**kwargs)

    def get_queryset(self):
        return self.chooser(self.context["request"].membership)


def _members(membership):
    return Membership.objects.filter(is_active=True)


def _types(membership):
    return VisitType.objects.filter(active=True)


class VisitorSerializer(PrebuiltFields, serializers.ModelSerializer):
    class Meta:
        model = Visitor
        fields = ["id", "first_name", "last_name", "email", "phone", "company", "language"]
        read_only_fields = ["id"]
        extra_kwargs = {
            "phone": {"help_text": "Stored in E.164 (+33612345678); national numbers are read as French."}
        }

    # The same checks as every other path that saves a visitor (visitors.contact).
    def validate_email(self, value):
        return _contact(contact.clean_email, value)

    def validate_phone(self, value):
        return _contact(contact.clean_phone, value)


def _contact(check, value):
    try:
        return check(value)
    except contact.ContactError as exc:
        raise ValidationError(exc.message) from None


class InviteeSerializer(PrebuiltFields, serializers.ModelSerializer):
    """What a host reads of a visitor: enough to recognise a returning guest and
    invite them again by id (`visitor_id`), no contact details. The invitation
    goes to the address and phone the visitor record already holds."""

    class Meta:
        model = Visitor
        fields = ["id", "first_name", "last_name", "company", "language"]
        read_only_fields = fields


class VisitTypeSerializer(serializers.ModelSerializer):
    # `name`: in the request's language; `name_translations`: {"fr": ..., "en": ...},
    # one key per language of settings.LANGUAGES (fr required).
    name = serializers.CharField(read_only=True, source="__str__")
    name_translations = translated.TranslationsField(attribute="name", max_length=100)
    approvers = Scoped(_members, many=True, required=False)

    class Meta:
        model = VisitType
        fields = [
            "id",
            "name",
            "name_translations",
            "color",
            "host_required",
            "approval_required",
            "default_duration_minutes",
            "kiosk_allowed",
            "active",
            "approvers",
        ]
        read_only_fields = ["id", "name"]


class VisitSerializer(PrebuiltFields, serializers.ModelSerializer):
    visitor = VisitorSerializer(required=False)
    visitor_id = Scoped(selectors.visitors_for, required=False, write_only=True, source="existing_visitor")
    site = Scoped(sites_for)
    desk = Scoped(desks_for, required=False, allow_null=True)
    host = Scoped(_members, required=False, allow_null=True)
    visit_type = Scoped(_types)
    expected_until = BoundedDateTimeField(required=False)
    override_reason = serializers.CharField(required=False, allow_blank=True, write_only=True)

    class Meta:
        model = Visit
        fields = [
            "id",
            "status",
            "site",
            "desk",
            "visitor",
            "visitor_id",
            "host",
            "visit_type",
            "expected_at",
            "expected_until",
            "arrived_at",
            "arrived_desk",
            "departed_at",
            "departed_desk",
            "departure_automatic",
            "badge_number",
            "cancellation_reason",
            "refusal_reason",
            "notes",
            "override_reason",
            "created_at",
        ]
        read_only_fields = [
            "id",
            "status",
            "arrived_at",
            "arrived_desk",
            "departed_at",
            "departed_desk",
            "departure_automatic",
            "badge_number",
            "cancellation_reason",
            "refusal_reason",
            "created_at",
        ]

    def validate(self, attrs):
        if self.instance is None and not attrs.get("visitor") and not attrs.get("existing_visitor"):
            raise ValidationError({"visitor": [_("Give a visitor object or a visitor_id.")]})
        start = attrs.get("expected_at", getattr(self.instance, "expected_at", None))
        end = attrs.get("expected_until", getattr(self.instance, "expected_until", None))
        if start and end and end < start:
            raise ValidationError({"expected_until": [_("The end of the visit must be after its start.")]})
        site = attrs.get("site", getattr(self.instance, "site", None))
        desk = attrs.get("desk", getattr(self.instance, "desk", None))
        if desk is not None and site is not None and desk.site_id != site.pk:
            raise ValidationError({"desk": [_("This desk belongs to another site.")]})
        return attrs


class VisitCreatedSerializer(VisitSerializer):
    """A new visit, and what became of its invitation."""

    invitation = serializers.ChoiceField(
        choices=[
            (invitations.QUEUED, "queued"),
            (invitations.AWAITING_APPROVAL, "awaiting_approval"),
            (invitations.NO_EMAIL, "no_email"),
            (invitations.NOT_SENT, "not_sent"),
        ],
        read_only=True,
        help_text=(
            "queued: the invitation is in the send log and leaves after the commit; "
            "awaiting_approval: it leaves once the visit is approved; "
            "no_email: the visitor has no e-mail address; "
            "not_sent: the organization's invitation rule is off."
        ),
    )

    class Meta(VisitSerializer.Meta):
        fields = [*VisitSerializer.Meta.fields, "invitation"]
        read_only_fields = [*VisitSerializer.Meta.read_only_fields, "invitation"]


# What `Scoped` answers for a desk outside the perimeter, for the arrival that
# reads its desk itself.
UNKNOWN_DESK = serializers.PrimaryKeyRelatedField.default_error_messages["does_not_exist"]


class ArriveSerializer(serializers.Serializer):
    desk = serializers.IntegerField(required=False, allow_null=True)
    override_reason = serializers.CharField(required=False, allow_blank=True)


class DepartSerializer(serializers.Serializer):
    desk = Scoped(desks_for, required=False, allow_null=True)


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True)


class ScanSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=1000)
    desk = Scoped(desks_for, required=False, allow_null=True)
    override_reason = serializers.CharField(required=False, allow_blank=True)


class OnSiteSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    visitor = serializers.CharField()
    company = serializers.CharField()
    host = serializers.CharField()
    arrived_at = serializers.DateTimeField()
    desk = serializers.CharField()
    badge_number = serializers.IntegerField(allow_null=True)


class WatchlistSerializer(serializers.ModelSerializer):
    class Meta:
        model = WatchlistEntry
        fields = ["id", "first_name", "last_name", "company", "email", "reason", "expires_at", "created_at"]
        read_only_fields = ["id", "created_at"]


class KioskTokenSerializer(serializers.ModelSerializer):
    site = Scoped(sites_for)
    active = serializers.SerializerMethodField()

    class Meta:
        model = KioskToken
        fields = ["id", "site", "name", "created_at", "revoked_at", "active"]
        read_only_fields = ["id", "created_at", "revoked_at", "active"]

    def get_active(self, token) -> bool:
        return token.revoked_at is None
