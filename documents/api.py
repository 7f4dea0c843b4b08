"""API: consent texts, signatures and attachments of a visit, downloads, archives."""

from django.conf import settings
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from config import translated
from config.inputs import FormParser, JSONParser, MultiPartParser
from sites.models import Site
from tenancy.context import client_ip
from tenancy.models import LANGUAGE_CHOICES
from tenancy.permissions import ADMIN, COMPLIANCE, HOST, RECEPTION, get_for_member, roles
from visitors.models import VisitType

from . import archive as archives
from . import files, services, storage
from .models import (
    Attachment,
    AttachmentKind,
    ConsentText,
    ConsentVersion,
    DocumentArchive,
    SignedConsent,
    SigningChannel,
    UploadChannel,
)
from .selectors import archives_for, attachments_for, consents_for, missing_texts, visits_for
from .services import SigningRefused


class VersionSerializer(serializers.ModelSerializer):
    # {"fr": ..., "en": ..., "de": ...}: one key per language of settings.LANGUAGES.
    title = translated.TranslationsField(attribute="title", max_length=200, read_only=True)
    body = translated.TranslationsField(attribute="body", read_only=True)

    class Meta:
        model = ConsentVersion
        fields = ["id", "number", "title", "body", "created_at"]


class ScopedVisitTypes(serializers.PrimaryKeyRelatedField):
    def get_queryset(self):
        return VisitType.objects.all()


class ConsentTextSerializer(serializers.ModelSerializer):
    visit_types = ScopedVisitTypes(many=True, required=False)
    current_version = VersionSerializer(read_only=True)
    versions = serializers.SerializerMethodField()
    # The wording of the new (or corrected) version, one text per configured
    # language: {"fr": ..., "en": ..., "de": ...} (fr required).
    title = translated.TranslationsField(attribute="title", max_length=200, write_only=True)
    body = translated.TranslationsField(attribute="body", write_only=True)

    class Meta:
        model = ConsentText
        fields = [
            "id", "kind", "visit_types", "validity_months", "active", "current_version", "versions",
            "title", "body", "created_at",
        ]  # fmt: skip
        read_only_fields = ["id", "created_at"]

    def get_versions(self, text) -> list[dict]:
        return [{"id": v.pk, "number": v.number, "created_at": v.created_at} for v in text.versions.all()]


class ConsentTextViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Consent texts; editing a signed text creates a new version."""

    serializer_class = ConsentTextSerializer
    permission_classes = [roles(ADMIN, read=(RECEPTION, HOST, COMPLIANCE))]

    def get_queryset(self):
        return (
            ConsentText.objects.select_related("current_version")
            .prefetch_related("visit_types", "versions")
            .order_by("kind", "pk")
        )

    def perform_create(self, serializer):
        serializer.instance = services.create_consent_text(
            organization=self.request.organization, by=self.request.user, **serializer.validated_data
        )

    def perform_update(self, serializer):
        serializer.instance = services.update_consent_text(
            text=serializer.instance, by=self.request.user, **serializer.validated_data
        )


class SignedConsentSerializer(serializers.ModelSerializer):
    consent_text = serializers.IntegerField(source="version.consent_text_id", read_only=True)
    certificate_url = serializers.SerializerMethodField()

    class Meta:
        model = SignedConsent
        fields = [
            "id", "visit", "visitor", "consent_text", "version", "text_sha256", "language", "signer_name",
            "channel", "signed_at", "certificate_sha256", "certificate_url",
        ]  # fmt: skip

    def get_certificate_url(self, consent) -> str:
        return reverse("consent-certificate", kwargs={"pk": consent.pk})


class SignSerializer(serializers.Serializer):
    versions = serializers.ListField(child=serializers.IntegerField(), allow_empty=False)
    language = serializers.ChoiceField(choices=LANGUAGE_CHOICES, default=settings.LANGUAGE_CODE)
    signer_name = serializers.CharField(max_length=200)
    signature = serializers.CharField(required=False, allow_blank=True)
    accepted = serializers.BooleanField()
    channel = serializers.ChoiceField(choices=SigningChannel.choices, default=SigningChannel.DESK)

    def validate_accepted(self, value):
        if not value:
            raise serializers.ValidationError(_("The text must be accepted to be signed."))
        return value


def _visit(request, pk):
    return get_for_member(visits_for(request.membership), pk=pk)


class VisitConsentsView(APIView):
    """GET: the visit's signed consents and the texts still missing. POST: sign."""

    permission_classes = [roles(ADMIN, RECEPTION, read=(HOST, COMPLIANCE))]
    parser_classes = [JSONParser, FormParser, MultiPartParser]

    @extend_schema(
        responses=inline_serializer(
            "VisitConsents",
            {
                "signed": SignedConsentSerializer(many=True),
                "missing": serializers.ListField(child=serializers.DictField()),
            },
        )
    )
    def get(self, request, pk):
        visit = _visit(request, pk)
        signed = consents_for(request.membership).filter(visit=visit)
        missing = [
            {"consent_text": t.pk, "version": t.current_version_id, "title": t.current_version.title_in()}
            for t in missing_texts(visit)
        ]
        return Response({"signed": SignedConsentSerializer(signed, many=True).data, "missing": missing})

    @extend_schema(request=SignSerializer, responses={201: SignedConsentSerializer(many=True)})
    def post(self, request, pk):
        visit = _visit(request, pk)
        serializer = SignSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            versions = services.versions_to_sign(visit, data["versions"])
            consents = services.sign_consents(
                visit=visit,
                versions=versions,
                language=data["language"],
                signer_name=data["signer_name"],
                signature_data=data.get("signature"),
                channel=data["channel"],
                ip=client_ip(request),
                user_agent=request.META.get("HTTP_USER_AGENT", ""),
                by=request.user,
            )
        except SigningRefused as exc:
            return Response({"versions": [str(exc)]}, status=status.HTTP_400_BAD_REQUEST)
        except storage.StorageUnavailable as exc:
            return Response({"detail": str(exc)}, status=exc.status)
        return Response(SignedConsentSerializer(consents, many=True).data, status=status.HTTP_201_CREATED)


class AttachmentSerializer(serializers.ModelSerializer):
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = Attachment
        fields = [
            "id", "visit", "kind", "original_name", "content_type", "size", "sha256", "channel",
            "uploaded_by", "uploaded_at", "download_url",
        ]  # fmt: skip

    def get_download_url(self, attachment) -> str:
        return reverse("attachment-download", kwargs={"pk": attachment.pk})


class UploadSerializer(serializers.Serializer):
    file = serializers.FileField(allow_empty_file=True, use_url=False)
    kind = serializers.ChoiceField(choices=AttachmentKind.choices, default=AttachmentKind.OTHER)


class VisitAttachmentsView(APIView):
    """GET: the visit's attachments. POST (multipart `file`, `kind`): upload one."""

    permission_classes = [roles(ADMIN, RECEPTION, HOST, read=(COMPLIANCE,))]
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(responses=AttachmentSerializer(many=True))
    def get(self, request, pk):
        visit = _visit(request, pk)
        found = attachments_for(request.membership).filter(visit=visit, purged_at__isnull=True)
        return Response(AttachmentSerializer(found, many=True).data)

    @extend_schema(request=UploadSerializer, responses={201: AttachmentSerializer})
    def post(self, request, pk):
        visit = _visit(request, pk)
        serializer = UploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        channel = UploadChannel.HOST if request.membership.role == HOST else UploadChannel.DESK
        if request.api_token is not None:
            channel = UploadChannel.API
        try:
            attachment = services.upload_attachment(
                visit=visit,
                upload=serializer.validated_data["file"],
                kind=serializer.validated_data["kind"],
                channel=channel,
                by=request.user,
            )
        except files.RefusedFile as exc:
            return Response({"file": [str(exc)]}, status=exc.status)
        except storage.StorageUnavailable as exc:
            return Response({"detail": str(exc)}, status=exc.status)
        return Response(AttachmentSerializer(attachment).data, status=status.HTTP_201_CREATED)


class AttachmentDownloadView(APIView):
    permission_classes = [roles(ADMIN, RECEPTION, HOST, COMPLIANCE)]

    # The file as it was uploaded: its own type (a PDF, an image...).
    @extend_schema(responses={(200, "*/*"): OpenApiTypes.BINARY, 302: None})
    def get(self, request, pk):
        attachment = get_for_member(attachments_for(request.membership, archive=True), pk=pk)
        response = services.download_attachment(attachment=attachment)
        if response is None:
            raise Http404(_("This file is no longer available."))
        return response


class ConsentCertificateView(APIView):
    permission_classes = [roles(ADMIN, RECEPTION, HOST, COMPLIANCE)]

    @extend_schema(responses={(200, "application/pdf"): OpenApiTypes.BINARY, 302: None})
    def get(self, request, pk):
        consent = get_for_member(consents_for(request.membership, archive=True), pk=pk)
        response = services.download_certificate(consent=consent)
        if response is None:
            raise Http404(_("This file is no longer available."))
        return response


class ArchiveSerializer(serializers.ModelSerializer):
    site_ids = serializers.ListField(child=serializers.IntegerField(), allow_empty=False)

    class Meta:
        model = DocumentArchive
        fields = [
            "id", "site_ids", "date_from", "date_to", "status", "size", "sha256", "included", "left_out",
            "created_at", "finished_at", "expires_at",
        ]  # fmt: skip
        read_only_fields = [f for f in fields if f not in ("site_ids", "date_from", "date_to")]

    def validate_site_ids(self, value):
        known = set(Site.objects.filter(pk__in=value).values_list("pk", flat=True))
        if set(value) - known:
            raise serializers.ValidationError(_("Unknown site."))
        return value

    def validate(self, attrs):
        if attrs["date_to"] < attrs["date_from"]:
            raise serializers.ValidationError({"date_to": _("The end of the period is before its start.")})
        return attrs


class DocumentArchiveViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """Archives of documents and certificates: POST answers 202, poll until ready."""

    serializer_class = ArchiveSerializer
    permission_classes = [roles(ADMIN, COMPLIANCE)]

    def get_queryset(self):
        return archives_for(self.request.membership)

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        archive = archives.request_archive(membership=request.membership, **serializer.validated_data)
        return Response(self.get_serializer(archive).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(responses={(200, "application/zip"): OpenApiTypes.BINARY, 302: None})
    @action(detail=True, methods=["get"])
    def download(self, request, pk=None):
        response = archives.download_archive(archive=self.get_object())
        if response is None:
            raise Http404(_("This archive is not ready or has expired."))
        return response
