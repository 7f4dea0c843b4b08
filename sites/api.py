"""API: /api/v1/sites/ and /api/v1/desks/."""

import zoneinfo

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.response import Response

from config.filters import ListFilterBackend
from tenancy.permissions import ADMIN, COMPLIANCE, HOST, RECEPTION, roles

from . import services
from .filters import DeskFilter
from .models import Desk, Site
from .selectors import desks_for, sites_for

TIMEZONES = zoneinfo.available_timezones()


class SiteSerializer(serializers.ModelSerializer):
    class Meta:
        model = Site
        fields = ["id", "name", "address", "timezone", "language", "end_of_day", "kiosk_badge", "created_at"]
        read_only_fields = ["id", "created_at"]

    def validate_timezone(self, value):
        if value not in TIMEZONES:
            raise serializers.ValidationError(_("Unknown time zone: %(tz)s.") % {"tz": value})
        return value

    def validate_name(self, value):
        others = Site.objects.filter(name=value)
        if self.instance is not None:
            others = others.exclude(pk=self.instance.pk)
        if others.exists():
            raise serializers.ValidationError(_("A site with this name already exists."))
        return value


class ScopedSitesField(serializers.PrimaryKeyRelatedField):
    """Only sites the caller can see are valid choices: another organization's
    site, or one outside the perimeter, is 'does not exist'."""

    def get_queryset(self):
        return sites_for(self.context["request"].membership)


class DeskSerializer(serializers.ModelSerializer):
    site = ScopedSitesField()

    class Meta:
        model = Desk
        fields = ["id", "site", "name", "active"]
        read_only_fields = ["id"]

    def validate(self, attrs):
        site = attrs.get("site", getattr(self.instance, "site", None))
        name = attrs.get("name", getattr(self.instance, "name", None))
        others = Desk.objects.filter(site=site, name=name)
        if self.instance is not None:
            others = others.exclude(pk=self.instance.pk)
        if others.exists():
            raise serializers.ValidationError({"name": _("This site already has a desk with this name.")})
        return attrs


class _UseSerializer(serializers.Serializer):
    model = serializers.CharField(help_text="app_label.model of the rows, e.g. visitors.visit")
    label = serializers.CharField(help_text="Their name, in the caller's language")
    count = serializers.IntegerField()


class SiteInUseSerializer(serializers.Serializer):
    """409 to a DELETE of a site that rows still use."""

    detail = serializers.CharField()
    in_use = _UseSerializer(many=True)


class SiteViewSet(viewsets.ModelViewSet):
    lookup_value_converter = "int"
    serializer_class = SiteSerializer
    permission_classes = [roles(ADMIN, read=(RECEPTION, HOST, COMPLIANCE))]

    def get_queryset(self):
        return sites_for(self.request.membership)

    def perform_create(self, serializer):
        serializer.instance = services.create_site(
            organization=self.request.organization, **serializer.validated_data
        )

    def perform_update(self, serializer):
        services.update_site(site=serializer.instance, **serializer.validated_data)

    @extend_schema(responses={204: None, 409: SiteInUseSerializer})
    def destroy(self, request, *args, **kwargs):
        try:
            return super().destroy(request, *args, **kwargs)
        except services.SiteInUse as in_use:
            body = {"detail": in_use.message(), "in_use": in_use.as_list()}
            return Response(body, status=status.HTTP_409_CONFLICT)

    def perform_destroy(self, instance):
        services.delete_site(site=instance)


class DeskViewSet(viewsets.ModelViewSet):
    lookup_value_converter = "int"
    serializer_class = DeskSerializer
    permission_classes = [roles(ADMIN, read=(RECEPTION, HOST, COMPLIANCE))]
    filter_backends = [ListFilterBackend]
    filterset_class = DeskFilter
    queryset = Desk.objects.none()  # the filters' model, for the schema; rows come from get_queryset()

    def get_queryset(self):
        return desks_for(self.request.membership)

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        serializer.instance = services.create_desk(site=data.pop("site"), **data)

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        data.pop("site", None)  # a desk does not move between sites
        services.update_desk(desk=serializer.instance, **data)
