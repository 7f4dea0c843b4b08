"""Export files as a retention data type (config.registries; registered at
import, which the retention app does at start-up): a policy on
"export_files" can remove them sooner than their expiry. Both anonymising and
deleting remove the file (an export file is nothing but personal data); deleting
also removes the job row. Files are checked gone before a row changes."""

from django.utils.translation import gettext_lazy as _

from config.registries import PurgeResult, RetentionType, retention_types

from .models import ExportJob, JobStatus
from .services import export_storage


class ExportFilesRetention(RetentionType):
    key = "export_files"
    label = _("Export files")
    order = 40
    timestamp_field = "created_at"
    site_field = None
    default_consultation_days = 7
    default_retention_days = 7
    default_action = "delete"

    def queryset(self):
        return ExportJob.objects.all()

    def pending(self):
        # An expired export has no file left: nothing more to anonymise.
        return ExportJob.objects.exclude(status=JobStatus.EXPIRED)

    def _drop(self, job, result: PurgeResult) -> bool:
        if not job.storage_key:
            return True
        store = export_storage()
        store.delete(job.storage_key)
        if store.exists(job.storage_key):
            result.object_failures.append(job.storage_key)
            return False
        result.objects_deleted += 1
        return True

    def anonymise(self, ids) -> PurgeResult:
        result = PurgeResult()
        for job in ExportJob.objects.filter(pk__in=list(ids)).exclude(status=JobStatus.EXPIRED):
            if self._drop(job, result):
                ExportJob.objects.filter(pk=job.pk).update(status=JobStatus.EXPIRED, storage_key="")
                result.rows_anonymised += 1
        return result

    def delete(self, ids) -> PurgeResult:
        result = PurgeResult()
        for job in ExportJob.objects.filter(pk__in=list(ids)):
            if self._drop(job, result):
                job.delete()
                result.rows_deleted += 1
        return result


retention_types.register(ExportFilesRetention())
