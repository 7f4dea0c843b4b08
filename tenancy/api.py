"""API: token sign-in, the caller's tokens, who am I."""

from django.contrib.auth import authenticate
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import (
    api_view,
    authentication_classes,
    permission_classes,
    throttle_classes,
)
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle

from .auth import lockout_message
from .models import ApiToken, Membership, Organization, Role
from .scope import tenant_scope
from .tokens import create_token, revoke_token


class TokenRequestSerializer(serializers.Serializer):
    email = serializers.EmailField()
    password = serializers.CharField(trim_whitespace=False)
    organization = serializers.SlugField()
    name = serializers.CharField(required=False, allow_blank=True, max_length=100)


class TokenThrottle(AnonRateThrottle):
    scope = "token"


@extend_schema(
    request=TokenRequestSerializer,
    responses={200: inline_serializer("TokenResponse", {"token": serializers.CharField()})},
)
@api_view(["POST"])
@authentication_classes([])
@permission_classes([AllowAny])
@throttle_classes([TokenThrottle])
def obtain_token(request):
    """Exchange e-mail, password and organization slug for an API key.

    Unknown organization, unknown e-mail and wrong password get the same answer,
    so the endpoint does not tell which accounts or organizations exist."""
    form = TokenRequestSerializer(data=request.data)
    form.is_valid(raise_exception=True)
    data = form.validated_data
    refused = Response(
        {"detail": _("Unable to sign in with these credentials.")},
        status=status.HTTP_400_BAD_REQUEST,
    )
    user = authenticate(request._request, email=data["email"], password=data["password"])
    if user is None:
        if getattr(request._request, "axes_locked_out", False):
            return Response({"detail": lockout_message()}, status=status.HTTP_429_TOO_MANY_REQUESTS)
        return refused
    org = Organization.objects.filter(slug=data["organization"]).first()
    if org is None:
        return refused
    with tenant_scope(org, user=user):
        membership = Membership.objects.filter(user=user, is_active=True).first()
        if membership is None:
            return refused
        _token, key = create_token(membership=membership, name=data.get("name", ""))
    return Response({"token": key})


class ApiTokenSerializer(serializers.ModelSerializer):
    membership = serializers.IntegerField(source="membership_id", read_only=True)
    active = serializers.BooleanField(source="is_active", read_only=True)

    class Meta:
        model = ApiToken
        fields = [
            "id",
            "name",
            "prefix",
            "membership",
            "created_at",
            "last_used_at",
            "revoked_at",
            "active",
        ]
        read_only_fields = fields


class ApiTokenViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """The caller's own tokens; admins see and revoke every token of the organization."""

    lookup_value_converter = "int"

    serializer_class = ApiTokenSerializer

    def get_queryset(self):
        tokens = ApiToken.objects.all()
        if self.request.membership.role != Role.ADMIN:
            tokens = tokens.filter(membership=self.request.membership)
        return tokens

    def perform_destroy(self, instance):
        revoke_token(token=instance)


class MeSerializer(serializers.Serializer):
    user_id = serializers.IntegerField()
    email = serializers.EmailField()
    organization = serializers.CharField()
    role = serializers.CharField()
    site_ids = serializers.ListField(child=serializers.IntegerField())


@extend_schema(responses=MeSerializer)
@api_view(["GET"])
def me(request):
    m = request.membership
    return Response(
        {
            "user_id": request.user.pk,
            "email": request.user.email,
            "organization": m.organization.slug,
            "role": m.role,
            "site_ids": sorted(m.site_ids),
        }
    )
