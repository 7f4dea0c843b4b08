"""API: retention-policies/, legal-holds/, purge-runs/, subject-requests/."""

import datetime

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from sites.api import ScopedSitesField
from sites.models import Site
from sites.selectors import sites_for
from tenancy.permissions import ADMIN, COMPLIANCE, roles
from tenancy.replica import read_heavy

from . import policies, purge, reports, services, subjects
from .holds import validate_data_types
from .models import (
    Action,
    LegalHold,
    PurgeRun,
    RequestKind,
    RetentionPolicy,
    SubjectRequest,
    person_model,
)


class PolicySerializer(serializers.ModelSerializer):
    site = ScopedSitesField(required=False, allow_null=True)
    # Plain integers: a zero or negative period is refused by our own rule,
    # which names the field, rather than by a generic "must be positive".
    consultation_days = serializers.IntegerField()
    retention_days = serializers.IntegerField()
    data_type = serializers.CharField()
    # "" while no change is pending.
    pending_action = serializers.ChoiceField(choices=Action.choices, allow_blank=True, read_only=True)

    class Meta:
        model = RetentionPolicy
        fields = [
            "id",
            "data_type",
            "site",
            "consultation_days",
            "retention_days",
            "action",
            "pending_retention_days",
            "pending_action",
            "effective_at",
            "updated_at",
        ]
        read_only_fields = ["id", "pending_retention_days", "pending_action", "effective_at", "updated_at"]

    def validate(self, attrs):
        current = self.instance
        if current is not None:
            for field in ("data_type", "site"):
                if field in attrs and attrs[field] != getattr(current, field):
                    raise serializers.ValidationError(
                        {field: _("This cannot be changed; create another policy.")}
                    )
        values = {
            "data_type": attrs.get("data_type", getattr(current, "data_type", None)),
            "site": attrs.get("site", getattr(current, "site", None)),
            "consultation_days": attrs.get("consultation_days", getattr(current, "consultation_days", None)),
            "retention_days": attrs.get(
                "retention_days",
                (current.pending_retention_days or current.retention_days) if current else None,
            ),
            "action": attrs.get("action", (current.pending_action or current.action) if current else None),
        }
        errors = policies.validate(**values)
        if errors:
            raise serializers.ValidationError(errors)
        if current is None:
            if values["site"] is None:
                raise serializers.ValidationError(
                    {"site": _("The organization already has a policy for this type; change it instead.")}
                )
            if RetentionPolicy.objects.filter(data_type=values["data_type"], site=values["site"]).exists():
                raise serializers.ValidationError({"site": _("This site already has its own policy.")})
        return values


class PolicyViewSet(viewsets.ModelViewSet):
    lookup_value_converter = "int"
    serializer_class = PolicySerializer
    # The DPO owns retention; the admin keeps the same powers.
    permission_classes = [roles(ADMIN, COMPLIANCE)]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        return policies.policies(self.request.organization)

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        serializer.instance = policies.create_site_policy(
            organization=self.request.organization, by=self.request.user, **data
        )

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        data.pop("data_type")
        data.pop("site")
        policies.update_policy(policy=serializer.instance, by=self.request.user, **data)

    def perform_destroy(self, instance):
        if instance.site_id is None:
            raise serializers.ValidationError(
                {"site": _("The organization-wide policy cannot be removed; change it instead.")}
            )
        policies.delete_site_policy(policy=instance)


class VisitorField(serializers.PrimaryKeyRelatedField):
    def get_queryset(self):
        return person_model().objects.all()


class HoldSerializer(serializers.ModelSerializer):
    sites = ScopedSitesField(many=True, required=False)
    data_types = serializers.ListField(child=serializers.CharField(), required=False)
    visitor = VisitorField(required=False, allow_null=True)
    active = serializers.SerializerMethodField()

    class Meta:
        model = LegalHold
        fields = [
            "id",
            "reason",
            "sites",
            "data_types",
            "period_start",
            "period_end",
            "visitor",
            "ends_on",
            "released_at",
            "active",
            "created_at",
        ]
        read_only_fields = ["id", "released_at", "created_at"]

    def get_active(self, hold) -> bool:
        return hold.released_at is None and (hold.ends_on is None or hold.ends_on >= timezone.localdate())

    def validate_data_types(self, value):
        unknown = validate_data_types(value)
        if unknown:
            raise serializers.ValidationError(
                _("Unknown data type: %(type)s.") % {"type": ", ".join(unknown)}
            )
        return value

    def validate_reason(self, value):
        if not value.strip():
            raise serializers.ValidationError(_("Say why the data must be kept."))
        return value

    def validate_ends_on(self, value):
        if value is not None and value < timezone.localdate():
            raise serializers.ValidationError(_("The end date is in the past."))
        return value

    def validate(self, attrs):
        start = attrs.get("period_start", getattr(self.instance, "period_start", None))
        end = attrs.get("period_end", getattr(self.instance, "period_end", None))
        if start and end and end < start:
            raise serializers.ValidationError({"period_end": _("The period ends before it starts.")})
        return attrs


class HoldViewSet(viewsets.ModelViewSet):
    """DELETE releases the hold (it stays listed, with its release date)."""

    lookup_value_converter = "int"
    serializer_class = HoldSerializer
    permission_classes = [roles(COMPLIANCE, ADMIN)]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        return LegalHold.objects.prefetch_related("sites")

    def perform_create(self, serializer):
        serializer.instance = services.place_hold(
            organization=self.request.organization, by=self.request.user, **serializer.validated_data
        )

    def perform_update(self, serializer):
        services.update_hold(hold=serializer.instance, **serializer.validated_data)

    def perform_destroy(self, instance):
        services.release_hold(hold=instance)


class ProgressSerializer(serializers.Serializer):
    data_type = serializers.CharField()
    site = serializers.IntegerField(source="site_id", allow_null=True)
    action = serializers.CharField()
    cutoff = serializers.DateTimeField(allow_null=True)
    total = serializers.IntegerField()
    rows_anonymised = serializers.IntegerField()
    rows_deleted = serializers.IntegerField()
    objects_deleted = serializers.IntegerField()
    rows_held = serializers.IntegerField()
    object_failures = serializers.ListField(child=serializers.CharField())
    oldest = serializers.DateTimeField(allow_null=True)
    newest = serializers.DateTimeField(allow_null=True)
    digest = serializers.CharField()
    done = serializers.BooleanField()


class RunSerializer(serializers.ModelSerializer):
    types = ProgressSerializer(source="progress", many=True, read_only=True)
    percent = serializers.SerializerMethodField()

    class Meta:
        model = PurgeRun
        fields = [
            "id",
            "kind",
            "status",
            "local_date",
            "subject_request",
            "policy",
            "created_at",
            "started_at",
            "finished_at",
            "digest",
            "error",
            "percent",
            "types",
        ]
        read_only_fields = fields

    def get_percent(self, run) -> int:
        return purge.progress_of(run)["percent"]


class EditedPolicySerializer(serializers.Serializer):
    data_type = serializers.CharField()
    site = serializers.IntegerField(required=False, allow_null=True)
    retention_days = serializers.IntegerField()
    action = serializers.CharField(required=False)


class RunRequestSerializer(serializers.Serializer):
    dry_run = serializers.BooleanField(default=False)
    policies = EditedPolicySerializer(many=True, required=False)

    def validate_policies(self, value):
        visible = set(sites_for(self.context["request"].membership).values_list("pk", flat=True))
        for item in value:
            if item.get("site") is not None and item["site"] not in visible:
                raise serializers.ValidationError({"site": _("Unknown site.")})
            item["site"] = Site.objects.get(pk=item["site"]) if item.get("site") is not None else None
            errors = policies.validate(
                data_type=item["data_type"],
                site=item.get("site"),
                consultation_days=1,
                retention_days=item["retention_days"],
                action=item.get("action") or "anonymise",
            )
            if "action" not in item:
                errors.pop("action", None)
            errors.pop("consultation_days", None)
            if errors:
                raise serializers.ValidationError(errors)
        return value


def _dry_json(entries) -> list[dict]:
    out = []
    for entry in entries:
        out.append(
            {
                **{k: v for k, v in entry.items() if k not in ("cutoff", "oldest", "newest", "sample")},
                "cutoff": entry["cutoff"].isoformat(),
                "oldest": entry["oldest"].isoformat() if entry["oldest"] else None,
                "newest": entry["newest"].isoformat() if entry["newest"] else None,
                "sample": [{**s, "timestamp": s["timestamp"].isoformat()} for s in entry["sample"]],
            }
        )
    return out


class RunViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """`POST {"dry_run": true, "policies": [...]}` answers what the next purge
    would touch with the current values and with the edited ones; without
    `dry_run` it queues a purge now (202)."""

    lookup_value_converter = "int"
    serializer_class = RunSerializer
    permission_classes = [roles(ADMIN, COMPLIANCE)]

    def get_queryset(self):
        return PurgeRun.objects.prefetch_related("progress")

    def get_serializer_class(self):
        return RunRequestSerializer if self.action == "create" else RunSerializer

    @extend_schema(request=RunRequestSerializer, responses={200: dict, 202: RunSerializer})
    def create(self, request):
        incoming = RunRequestSerializer(data=request.data, context={"request": request})
        incoming.is_valid(raise_exception=True)
        org = request.organization
        if incoming.validated_data["dry_run"]:
            edited = {
                (p["data_type"], getattr(p.get("site"), "pk", None)): {
                    k: p[k] for k in ("retention_days", "action") if k in p
                }
                for p in incoming.validated_data.get("policies", [])
            }
            body = {
                "dry_run": True,
                "current": _dry_json(purge.dry_run(org)),
                "edited": _dry_json(purge.dry_run(org, overrides=edited, apply_pending=True)),
            }
            return Response(body)
        run = services.request_purge(organization=org, by=request.user)
        return Response(RunSerializer(run).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(responses={(200, "text/csv"): OpenApiTypes.BINARY})
    @action(detail=True, url_path="report.csv", url_name="report-csv")
    def report_csv(self, request, pk=None):
        run = self.get_object()
        response = HttpResponse(reports.report_csv(run), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="purge-{run.pk}.csv"'
        return response

    @extend_schema(responses={(200, "application/pdf"): OpenApiTypes.BINARY})
    @action(detail=True, url_path="report.pdf", url_name="report-pdf")
    def report_pdf(self, request, pk=None):
        run = self.get_object()
        response = HttpResponse(reports.report_pdf(run), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="purge-{run.pk}.pdf"'
        return response


class SubjectRequestSerializer(serializers.ModelSerializer):
    visitor_ids = serializers.ListField(child=serializers.IntegerField(), required=False)

    class Meta:
        model = SubjectRequest
        fields = [
            "id",
            "kind",
            "reference",
            "received_on",
            "deadline",
            "status",
            "full_name",
            "email",
            "phone",
            "visitor_ids",
            "refused_hold",
            "completed_at",
            "created_at",
        ]
        read_only_fields = ["id", "deadline", "status", "refused_hold", "completed_at", "created_at"]

    def validate_received_on(self, value):
        if value > timezone.localdate():
            raise serializers.ValidationError(_("The request cannot be received in the future."))
        if value < timezone.localdate() - datetime.timedelta(days=366):
            raise serializers.ValidationError(_("The date is more than a year ago."))
        return value

    def validate_visitor_ids(self, value):
        found = set(person_model().objects.filter(pk__in=value).values_list("pk", flat=True))
        if set(value) - found:
            raise serializers.ValidationError(_("Unknown visitor."))
        return value

    def validate(self, attrs):
        values = {k: attrs.get(k, getattr(self.instance, k, "")) for k in ("full_name", "email", "phone")}
        if not any(v.strip() for v in values.values()):
            raise serializers.ValidationError({"full_name": _("Give a name, an e-mail address or a phone.")})
        return attrs


class SubjectRequestViewSet(viewsets.ModelViewSet):
    lookup_value_converter = "int"
    serializer_class = SubjectRequestSerializer
    permission_classes = [roles(COMPLIANCE)]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return SubjectRequest.objects.all()

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        visitor_ids = data.pop("visitor_ids", [])
        serializer.instance = subjects.create_request(
            organization=self.request.organization, by=self.request.user, **data
        )
        if visitor_ids:
            serializer.instance.visitor_ids = visitor_ids
            serializer.instance.save(update_fields=["visitor_ids"])

    def perform_update(self, serializer):
        if serializer.instance.status != "open":
            raise serializers.ValidationError({"status": _("This request is closed.")})
        serializer.save()

    @action(detail=True)
    def matches(self, request, pk=None):
        subject = self.get_object()
        # The searches read from the streaming replica when it is fresh (tenancy.replica).
        return read_heavy(
            lambda: Response({"visitors": subjects.candidates(subject), "rows": subjects.targets(subject)})
        )

    @extend_schema(responses={(200, "application/zip"): OpenApiTypes.BINARY})
    @action(detail=True, url_path="export.zip", url_name="export")
    def export(self, request, pk=None):
        subject = self.get_object()
        if subject.kind != RequestKind.ACCESS:
            raise serializers.ValidationError(
                {"kind": _("Only an access request is answered with an export.")}
            )
        content = subjects.export_zip(subject, by=request.user)
        response = HttpResponse(content, content_type="application/zip")
        response["Content-Disposition"] = f'attachment; filename="subject-request-{subject.pk}.zip"'
        return response

    @extend_schema(
        request=None,
        parameters=[
            OpenApiParameter(
                "dry_run",
                bool,
                description=(
                    "true: erase nothing and answer what the erasure would remove, "
                    '`{"dry_run": true, "types": [{"data_type", "label", "count"}], "total", "hold"}` '
                    "(`hold` is the legal hold that would refuse it, or null). Ask this first and show it "
                    "to the person confirming."
                ),
            )
        ],
        responses={200: RunSerializer, 409: OpenApiTypes.OBJECT},
        description="Erase the person's data (an erasure request); with `?dry_run=true`, only count it.",
    )
    @action(detail=True, methods=["post"])
    def erase(self, request, pk=None):
        subject = self.get_object()
        if subject.kind != RequestKind.ERASURE:
            raise serializers.ValidationError({"kind": _("Only an erasure request erases data.")})
        if subject.status != "open":
            raise serializers.ValidationError({"status": _("This request is closed.")})
        if str(request.query_params.get("dry_run", "")).lower() in ("1", "true", "yes"):
            preview = subjects.erasure_preview(subject)
            hold = preview["hold"]
            return Response(
                {
                    "dry_run": True,
                    "types": preview["types"],
                    "total": preview["total"],
                    "hold": {"id": hold.pk, "reason": hold.reason} if hold else None,
                }
            )
        try:
            run = subjects.erase(subject, by=request.user)
        except subjects.SubjectHeld as held:
            return Response(
                {"detail": str(held), "hold": {"id": held.hold.pk, "reason": held.hold.reason}},
                status=status.HTTP_409_CONFLICT,
            )
        return Response(RunSerializer(run).data)
