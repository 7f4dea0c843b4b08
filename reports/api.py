"""API: /api/v1/exports/ (on demand), /api/v1/export-schedules/, and the list
of datasets with their columns and filters."""

from django.http import FileResponse, JsonResponse
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action, api_view, permission_classes
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from config.exports import datasets
from tenancy.permissions import ADMIN, COMPLIANCE, roles

from . import previews, scheduling, services
from .filters import FilterError
from .models import ExportJob, ExportSchedule, JobStatus
from .selectors import jobs_for, schedules_for

EXPORTERS = roles(ADMIN, COMPLIANCE)


def field_error(exc: FilterError) -> ValidationError:
    """Filter names are reported under "filters", the rest at the top level,
    so a client can point at the exact input."""
    top = {"dataset", "columns", "delimiter", "prefix", "created_by"}
    if exc.field in top:
        return ValidationError({exc.field: [exc.message]})
    return ValidationError({"filters": {exc.field: [exc.message]}})


class ExportRequestSerializer(serializers.Serializer):
    dataset = serializers.CharField()
    filters = serializers.DictField(required=False, default=dict)
    columns = serializers.ListField(child=serializers.CharField(), required=False, default=list)
    delimiter = serializers.ChoiceField(choices=[";", ","], required=False, default=";")


class ExportJobSerializer(serializers.ModelSerializer):
    progress = serializers.SerializerMethodField()
    download_url = serializers.SerializerMethodField()
    diagnostics = serializers.ListField(
        child=serializers.CharField(),
        read_only=True,
        help_text=(
            "Why the file is empty or has few rows (fewer than 20), one sentence each, in the language of "
            "the export, as the preview says it: rows at sites outside your perimeter, rows past the "
            "consultation period (archived), rows outside the period (and where the first or last one "
            "falls), rows each other filter leaves out, chosen sites or visit types without rows. Counts "
            "only; empty when nothing is filtered out or while the job runs."
        ),
    )

    class Meta:
        model = ExportJob
        fields = [
            "id",
            "dataset",
            "filters",
            "columns",
            "delimiter",
            "status",
            "progress",
            "rows_done",
            "rows_total",
            "size",
            "sha256",
            "attempts",
            "error",
            "diagnostics",
            "created_at",
            "finished_at",
            "expires_at",
            "download_url",
        ]
        read_only_fields = fields

    def get_progress(self, job) -> dict:
        return services.progress(job)

    def get_download_url(self, job) -> str | None:
        if job.status != JobStatus.DONE:
            return None
        return f"/api/v1/exports/{job.pk}/download/"


class ExportViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    lookup_value_converter = "int"
    serializer_class = ExportJobSerializer
    permission_classes = [EXPORTERS]

    def get_queryset(self):
        return jobs_for(self.request.membership)

    @extend_schema(request=ExportRequestSerializer, responses={202: ExportJobSerializer})
    def create(self, request):
        payload = ExportRequestSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        try:
            job = services.create_export(membership=request.membership, **payload.validated_data)
        except FilterError as exc:
            raise field_error(exc) from exc
        return Response(ExportJobSerializer(job).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(request=ExportRequestSerializer, responses={200: dict})
    @action(detail=False, methods=["post"])
    def preview(self, request):
        payload = ExportRequestSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        try:
            result = previews.preview(request.membership, data["dataset"], data["filters"], data["columns"])
        except FilterError as exc:
            raise field_error(exc) from exc
        return Response(result.as_dict())

    @extend_schema(responses={(200, "text/csv"): bytes, 409: dict, 410: dict})
    @action(detail=True, methods=["get"])
    def download(self, request, pk=None):
        return download_response(self.get_object())


def download_response(job: ExportJob):
    """The file, streamed; 410 with the expiry date once it has expired."""
    if services.is_expired(job):
        when = job.expires_at
        return JsonResponse(
            {
                "detail": _("This export expired on %(date)s.")
                % {"date": date_format(when, "DATETIME_FORMAT") if when else "?"},
                "expired_at": when.isoformat() if when else None,
            },
            status=410,
        )
    if job.status != JobStatus.DONE:
        return JsonResponse({"detail": _("This export is not ready yet."), "status": job.status}, status=409)
    services.record_download(job=job)
    handle = services.export_storage().open(job.storage_key, "rb")
    response = FileResponse(handle, as_attachment=True, filename=job.filename, content_type="text/csv")
    response["X-Content-SHA256"] = job.sha256
    return response


class ScheduleRunSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    period_start = serializers.DateField()
    period_end = serializers.DateField()
    status = serializers.CharField()
    attempts = serializers.IntegerField()
    error = serializers.CharField()
    job = serializers.IntegerField(source="job_id", allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)


class ExportScheduleSerializer(serializers.ModelSerializer):
    class Meta:
        model = ExportSchedule
        fields = [
            "id",
            "name",
            "dataset",
            "filters",
            "columns",
            "delimiter",
            "frequency",
            "time_of_day",
            "recipients",
            "prefix",
            "language",
            "active",
            "created_at",
        ]
        read_only_fields = ["id", "created_at"]
        extra_kwargs = {"delimiter": {"required": False}, "filters": {"required": False}}

    def validate_delimiter(self, value):
        if value not in (";", ","):
            raise serializers.ValidationError(_("Use ';' or ','."))
        return value


class ExportScheduleViewSet(viewsets.ModelViewSet):
    lookup_value_converter = "int"
    serializer_class = ExportScheduleSerializer
    permission_classes = [roles(ADMIN, read=(COMPLIANCE,))]

    def get_queryset(self):
        return schedules_for(self.request.membership)

    def perform_create(self, serializer):
        try:
            serializer.instance = scheduling.create_schedule(
                membership=self.request.membership, **serializer.validated_data
            )
        except FilterError as exc:
            raise field_error(exc) from exc

    def perform_update(self, serializer):
        try:
            scheduling.update_schedule(
                schedule=serializer.instance, membership=self.request.membership, **serializer.validated_data
            )
        except FilterError as exc:
            raise field_error(exc) from exc

    def perform_destroy(self, instance):
        scheduling.delete_schedule(schedule=instance)

    @extend_schema(responses={200: ScheduleRunSerializer(many=True)})
    @action(detail=True, methods=["get"], pagination_class=None)
    def runs(self, request, pk=None):
        schedule = self.get_object()
        return Response(ScheduleRunSerializer(schedule.runs.all()[:100], many=True).data)


class _ColumnSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    default = serializers.BooleanField()


class DatasetSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    filters = serializers.ListField(child=serializers.CharField())
    columns = _ColumnSerializer(many=True)


@extend_schema(responses={200: DatasetSerializer(many=True)})
@api_view(["GET"])
@permission_classes([EXPORTERS])
def dataset_list(request):
    """Each dataset with its columns (key, label in the request's language,
    ticked by default) and the filters it accepts."""
    return Response(
        [
            {
                "key": d.key,
                "label": str(d.label),
                "filters": sorted(d.filters),
                "columns": [{"key": c.key, "label": str(c.label), "default": c.default} for c in d.columns],
            }
            for d in datasets()
        ]
    )
