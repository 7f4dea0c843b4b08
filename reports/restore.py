"""The reports app's part in a restore: once a scope is back, the scheduled
exports of its interval that are missing (never run, or lost with the data) run
again; and the restore drill's last journey step exports the day's visits and
finds the drill's visit in the CSV. Registered at import; the backups app
autodiscovers `APP/restore.py`."""

import csv
import datetime
import io

from config.registries import JourneyFailed, JourneyStep, RestorePart, restore_journey, restore_parts
from tenancy.scope import tenant_scope

from . import services
from .models import ExportJob
from .scheduling import tick


class ExportsAfterRestore(RestorePart):
    """No rows of its own: `data_type` "" is none a ticket names."""

    key = "exports"
    order = 95

    def after_apply(self, scope: dict) -> dict[str, int]:
        """`tick` is idempotent per schedule and period, so asking it "as of"
        each day of the interval creates only the runs that do not exist."""
        start, end = scope["start"], scope["end"]
        if isinstance(start, str):
            start, end = datetime.datetime.fromisoformat(start), datetime.datetime.fromisoformat(end)
        started, day = 0, start
        while day <= end + datetime.timedelta(days=1):
            started += tick(organization_id=scope["organization"], now=day.replace(hour=23, minute=59))
            day += datetime.timedelta(days=1)
        return {"exports_started": started}


class ExportStep(JourneyStep):
    """Export the day's visits to CSV and find the drill's visit in it."""

    key = "export"
    order = 30

    def run(self, state: dict) -> str:
        org, day = state["organization"], state["now"].astimezone(datetime.UTC).date()
        filters = {
            "from": (day - datetime.timedelta(days=1)).isoformat(),
            "to": (day + datetime.timedelta(days=1)).isoformat(),
        }
        with tenant_scope(org):
            job = services.create_export(membership=state["admin"], dataset="visits", filters=filters)
        services.run_export(organization_id=org.pk, job_id=job.pk)
        with tenant_scope(org):
            job = ExportJob.objects.get(pk=job.pk)
            with services.export_storage().open(job.storage_key, "rb") as stream:
                text = stream.read().decode("utf-8-sig")
        rows = csv.reader(io.StringIO(text), delimiter=";")
        if not any(state["marker"] in cell for row in rows for cell in row):
            raise JourneyFailed(f"the visit is not in the export ({job.storage_key})")
        return f"found in the CSV export of the day ({len(text.splitlines()) - 1} rows)"


restore_parts.register(ExportsAfterRestore())
restore_journey.register(ExportStep())
