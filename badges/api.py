"""API: badge templates, assignments, prints, and a visit's badge PDF."""

import base64
import binascii
from collections.abc import Callable

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action, api_view, permission_classes
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from config.filters import ListFilterBackend
from sites.selectors import desks_for, sites_for
from tenancy.permissions import ADMIN, COMPLIANCE, RECEPTION, get_for_member, roles
from tenancy.responses import MadeAfterCommit
from visitors.models import VisitType

from . import capture, compose, selectors, services
from .filters import BadgePrintFilter
from .models import BadgeAssignment, BadgePrint, BadgeTemplate
from .presets import ORIENTATIONS, preset_choices

PDF_BODY = OpenApiResponse(OpenApiTypes.BINARY, description="The PDF")
CONFLICT = OpenApiResponse(description="not on site, or already printed (reprint instead)")


def pdf_response(
    content: bytes | Callable[[], bytes], filename: str, status_code: int = 200, *, api: bool = True
) -> HttpResponse:
    """`content` as a callable (`compose.drawing(...)`) is drawn after the
    request's transaction (tenancy.responses): nothing stays locked meanwhile.
    If the drawing fails then, what the request recorded (a print) stays, and
    the answer says so (503, JSON for the API, text for a page's frame)."""
    if callable(content):
        # Worded now, in the request's language.
        message = _(
            "The badge could not be drawn. What was recorded is kept: open the badge again "
            "from the visit in a moment, or tell your administrator if it keeps failing."
        )

        def failed() -> HttpResponse:
            if api:
                return JsonResponse({"detail": message}, status=status.HTTP_503_SERVICE_UNAVAILABLE)
            return HttpResponse(
                message, content_type="text/plain; charset=utf-8", status=status.HTTP_503_SERVICE_UNAVAILABLE
            )

        response = MadeAfterCommit(content, failed=failed, content_type="application/pdf", status=status_code)
    else:
        response = HttpResponse(content, content_type="application/pdf", status=status_code)
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    # The desk shows the badge in an iframe of our own page; production denies
    # framing by default, so this response says SAMEORIGIN itself.
    response["X-Frame-Options"] = "SAMEORIGIN"
    response["Cache-Control"] = "no-store"
    return response


def drf_errors(exc: DjangoValidationError) -> ValidationError:
    return ValidationError(exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages})


def conflict(exc: services.BadgeError) -> Response:
    return Response({"detail": exc.message, "code": exc.code}, status=status.HTTP_409_CONFLICT)


class LogoField(serializers.CharField):
    """A logo as base64 (a `data:image/png;base64,` prefix is accepted)."""

    def to_internal_value(self, data):
        text = super().to_internal_value(data)
        if text.startswith("data:") and "," in text:
            text = text.split(",", 1)[1]
        try:
            return base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise serializers.ValidationError(_("The logo data is not valid base64.")) from exc


class BadgeTemplateSerializer(serializers.ModelSerializer):
    preset = serializers.ChoiceField(choices=preset_choices())
    orientation = serializers.ChoiceField(choices=ORIENTATIONS, default="portrait")
    layout = serializers.JSONField(required=False)
    logo = LogoField(write_only=True, required=False, allow_blank=False, trim_whitespace=True)
    logo_file = serializers.FileField(write_only=True, required=False)
    remove_logo = serializers.BooleanField(write_only=True, required=False, default=False)
    has_logo = serializers.SerializerMethodField()

    class Meta:
        model = BadgeTemplate
        fields = ["id", "name", "preset", "orientation", "layout", "version", "active", "has_logo",
                  "logo", "logo_file", "remove_logo", "created_at", "updated_at"]  # fmt: skip
        read_only_fields = ["id", "version", "created_at", "updated_at"]

    def get_has_logo(self, obj) -> bool:
        return obj.logo_id is not None

    def validate(self, attrs):
        upload = attrs.pop("logo_file", None)
        if upload is not None:
            attrs["logo"] = upload.read(services.images.MAX_LOGO_BYTES + 1)
        return attrs


class BadgeTemplateViewSet(viewsets.ModelViewSet):
    lookup_value_converter = "int"
    serializer_class = BadgeTemplateSerializer
    permission_classes = [roles(ADMIN, read=(RECEPTION,))]

    def get_queryset(self):
        return selectors.templates()

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        data.pop("remove_logo", None)
        data.pop("active", None)
        try:
            serializer.instance = services.create_template(
                organization=self.request.organization, by=self.request.user, **data
            )
        except DjangoValidationError as exc:
            raise drf_errors(exc) from exc

    def perform_update(self, serializer):
        try:
            services.update_template(
                template=serializer.instance, by=self.request.user, **serializer.validated_data
            )
        except DjangoValidationError as exc:
            raise drf_errors(exc) from exc
        serializer.instance = self.get_queryset().get(pk=serializer.instance.pk)

    @extend_schema(responses={204: None, 409: OpenApiResponse(description="the template is still in use")})
    def destroy(self, request, *args, **kwargs):
        try:
            services.delete_template(template=self.get_object())
        except services.BadgeError as exc:
            return conflict(exc)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    @action(detail=True, methods=["get"], url_path="export")
    def export(self, request, pk=None):
        template = self.get_object()
        response = Response(capture.export_template(template))
        response["Content-Disposition"] = f'attachment; filename="badge-template-{template.pk}.json"'
        return response

    @extend_schema(
        request=inline_serializer(
            "BadgeTemplateImport",
            {"template": serializers.JSONField(), "name": serializers.CharField(required=False)},
        ),
        responses={201: BadgeTemplateSerializer},
    )
    @action(detail=False, methods=["post"], url_path="import", url_name="import")
    def import_(self, request):
        data = request.data if isinstance(request.data, dict) else {}
        document = data.get("template", data)
        try:
            template = capture.import_template(
                organization=request.organization, by=request.user, document=document, name=data.get("name")
            )
        except DjangoValidationError as exc:
            raise drf_errors(exc) from exc
        return Response(BadgeTemplateSerializer(template).data, status=status.HTTP_201_CREATED)


@extend_schema(responses={(200, "application/pdf"): PDF_BODY})
@api_view(["GET"])
@permission_classes([roles(ADMIN, read=(RECEPTION,))])
def template_preview(request, pk):
    """The saved template drawn with sample values (a full sheet for sheet presets)."""
    template = get_for_member(selectors.templates(), pk=pk)
    design = compose.design_of(template.current)
    badges = compose.preview_badges(design, design.preset.per_page)
    return pdf_response(compose.drawing(badges, _("Badge preview")), f"badge-template-{pk}.pdf")


class DraftSerializer(serializers.Serializer):
    preset = serializers.ChoiceField(choices=preset_choices())
    orientation = serializers.ChoiceField(choices=ORIENTATIONS, default="portrait")
    layout = serializers.JSONField()


@extend_schema(request=DraftSerializer, responses={(200, "application/pdf"): PDF_BODY})
@api_view(["POST"])
@permission_classes([roles(ADMIN)])
def draft_preview(request):
    """A layout not saved yet, drawn with sample values (for editors)."""
    data = request.data if isinstance(request.data, dict) else {}
    preset, orientation = str(data.get("preset", "")), str(data.get("orientation", "portrait"))
    try:
        layout = services.check_design(preset, orientation, data.get("layout"))
    except DjangoValidationError as exc:
        raise drf_errors(exc) from exc
    design = compose.draft_design(preset=preset, orientation=orientation, layout=layout)
    return pdf_response(
        compose.drawing(compose.preview_badges(design), _("Badge preview")), "badge-preview.pdf"
    )


@extend_schema_field(OpenApiTypes.INT)
class ScopedField(serializers.PrimaryKeyRelatedField):
    def __init__(self, getter, **kwargs):
        self.getter = getter
        super().__init__(**kwargs)

    def get_queryset(self):
        return self.getter(self.context["request"].membership)


class BadgeAssignmentSerializer(serializers.ModelSerializer):
    template = ScopedField(lambda m: BadgeTemplate.objects.all())
    site = ScopedField(sites_for, required=False, allow_null=True)
    desk = ScopedField(desks_for, required=False, allow_null=True)
    visit_type = ScopedField(lambda m: VisitType.objects.all(), required=False, allow_null=True)

    class Meta:
        model = BadgeAssignment
        fields = ["id", "template", "site", "desk", "visit_type", "created_at"]
        read_only_fields = ["id", "created_at"]
        validators = []  # the service replaces an assignment of the same target


class BadgeAssignmentViewSet(
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    lookup_value_converter = "int"
    serializer_class = BadgeAssignmentSerializer
    permission_classes = [roles(ADMIN, read=(RECEPTION,))]

    def get_queryset(self):
        return BadgeAssignment.objects.select_related("template", "site", "desk", "visit_type")

    def perform_create(self, serializer):
        try:
            serializer.instance = services.assign_template(**serializer.validated_data)
        except DjangoValidationError as exc:
            raise drf_errors(exc) from exc

    def perform_destroy(self, instance):
        services.unassign_template(assignment=instance)


class BadgePrintSerializer(serializers.ModelSerializer):
    template = serializers.IntegerField(source="template_version.template_id", read_only=True)
    template_version = serializers.IntegerField(source="template_version.number", read_only=True)

    class Meta:
        model = BadgePrint
        fields = ["id", "visit", "template", "template_version", "desk", "site", "printed_by",
                  "printed_at", "badge_number", "reprint_reason", "is_reprint"]  # fmt: skip
        read_only_fields = fields


class BadgePrintViewSet(viewsets.ReadOnlyModelViewSet):
    lookup_value_converter = "int"
    serializer_class = BadgePrintSerializer
    permission_classes = [roles(ADMIN, read=(RECEPTION, COMPLIANCE))]

    filter_backends = [ListFilterBackend]
    filterset_class = BadgePrintFilter
    queryset = BadgePrint.objects.none()  # the filters' model, for the schema; rows come from get_queryset()

    def get_queryset(self):
        return selectors.prints_for(self.request.membership)


class PrintSerializer(serializers.Serializer):
    desk = ScopedField(desks_for, required=False, allow_null=True)
    reason = serializers.CharField(required=False, allow_blank=True, max_length=200)


class GroupPrintSerializer(PrintSerializer):
    visits = serializers.ListField(child=serializers.IntegerField(), min_length=1, max_length=500)


def _print(request, visits, *, reason=""):
    """Record the prints, answer with the PDF that goes to the printer."""
    body = PrintSerializer(data=request.data, context={"request": request})
    body.is_valid(raise_exception=True)
    try:
        prints = services.print_badges(
            visits=visits, desk=body.validated_data.get("desk"), by=request.user, reprint_reason=reason
        )
    except services.BadgeError as exc:
        return conflict(exc)
    # Read now (in the transaction), drawn after it commits.
    drawing = compose.drawing(compose.recorded_badges(prints), _("Badges"))
    response = pdf_response(drawing, "badges.pdf", status.HTTP_201_CREATED)
    response["X-Badge-Prints"] = ",".join(str(p.pk) for p in prints)
    return response


@extend_schema(responses={(200, "application/pdf"): PDF_BODY, 409: CONFLICT})
@api_view(["GET"])
@permission_classes([roles(ADMIN, RECEPTION)])
def visit_badge_pdf(request, pk):
    """The badge as it prints now (no print is recorded)."""
    visit = get_for_member(selectors.printable_visits(request.membership), pk=pk)
    if visit.status != "arrived":
        return Response({"detail": _("The visitor has not arrived: no badge to print.")}, status=409)
    last = BadgePrint.objects.filter(visit=visit).select_related("template_version__logo").first()
    if last is not None:
        version = last.template_version
    else:
        template = selectors.resolve_template(
            site=visit.site_id, desk=visit.arrived_desk_id, visit_type=visit.visit_type_id
        )
        version = template.current if template else None
    return pdf_response(
        compose.drawing(compose.visit_badges(visit, version), _("Badge")), f"badge-{visit.pk}.pdf"
    )


@extend_schema(request=PrintSerializer, responses={(201, "application/pdf"): PDF_BODY, 409: CONFLICT})
@api_view(["POST"])
@permission_classes([roles(ADMIN, RECEPTION)])
def visit_badge_print(request, pk):
    visit = get_for_member(selectors.printable_visits(request.membership), pk=pk)
    return _print(request, [visit])


@extend_schema(request=PrintSerializer, responses={(201, "application/pdf"): PDF_BODY, 409: CONFLICT})
@api_view(["POST"])
@permission_classes([roles(ADMIN, RECEPTION)])
def visit_badge_reprint(request, pk):
    visit = get_for_member(selectors.printable_visits(request.membership), pk=pk)
    reason = str(request.data.get("reason", "") if isinstance(request.data, dict) else "").strip()
    if not reason:
        raise ValidationError({"reason": _("A reason is required to reprint a badge.")})
    return _print(request, [visit], reason=reason)


@extend_schema(request=GroupPrintSerializer, responses={(201, "application/pdf"): PDF_BODY, 409: CONFLICT})
@api_view(["POST"])
@permission_classes([roles(ADMIN, RECEPTION)])
def group_print(request):
    """A group arrival: one PDF, one badge per page (or per cell of a sheet)."""
    body = GroupPrintSerializer(data=request.data, context={"request": request})
    body.is_valid(raise_exception=True)
    wanted = list(dict.fromkeys(body.validated_data["visits"]))
    visits = list(selectors.printable_visits(request.membership).filter(pk__in=wanted))
    if len(visits) != len(wanted):
        missing = sorted(set(wanted) - {v.pk for v in visits})
        raise ValidationError({"visits": _("Unknown visits: %(ids)s.") % {"ids": missing}})
    visits.sort(key=lambda v: wanted.index(v.pk))
    return _print(request, visits)
