"""Post-restore checks and the end-to-end journey, run *inside* a Vestibule
process whose database is the restored copy (`manage.py drill_checks`).

Running them in a separate process with DATABASE_URL pointed at the copy means
they use the application role under row-level security, the tenant scopes and
the real services, exactly as production would, and cannot touch the live
database by mistake."""

import csv
import datetime
import io
import secrets
import time

from django.core.files.storage import default_storage
from django.db import connection
from django.utils import timezone

from tenancy.models import Organization
from tenancy.scope import tenant_scope


def _check(name, func) -> dict:
    started = time.monotonic()
    try:
        ok, detail = func()
    except Exception as exc:  # a check that crashes is a failed check, reported
        ok, detail = False, f"{type(exc).__name__}: {exc}"
    return {"name": name, "ok": ok, "detail": detail, "seconds": round(time.monotonic() - started, 3)}


def journals() -> tuple[bool, str]:
    from audit.services import verify

    broken = []
    count = 0
    for org in Organization.objects.order_by("pk"):
        with tenant_scope(org):
            result = verify(org)
        count += result.checked
        if not result.ok:
            broken.append(f"{org.slug}: #{result.broken_seq} {result.reason}")
    return not broken, "; ".join(broken) or f"{count} entries in {Organization.objects.count()} journals"


def attachments() -> tuple[bool, str]:
    import hashlib

    try:
        from documents.models import Attachment
    except ImportError:
        return True, "no documents app"
    problems, checked = [], 0
    for org in Organization.objects.order_by("pk"):
        with tenant_scope(org):
            for pk, key, digest in Attachment.objects.values_list("pk", "storage_key", "sha256").iterator():
                checked += 1
                if not default_storage.exists(key):
                    problems.append(f"attachment {pk}: object missing")
                    continue
                sha = hashlib.sha256()
                with default_storage.open(key, "rb") as stream:
                    for chunk in iter(lambda s=stream: s.read(1 << 20), b""):
                        sha.update(chunk)
                if sha.hexdigest() != digest:
                    problems.append(f"attachment {pk}: SHA-256 differs")
    return not problems, "; ".join(problems[:20]) or f"{checked} attachments with their objects"


def badge_numbers() -> tuple[bool, str]:
    duplicates = []
    for org in Organization.objects.order_by("pk"):
        with tenant_scope(org), connection.cursor() as cursor:
            cursor.execute(
                "SELECT site_id, badge_day, badge_number FROM visitors_visit WHERE badge_number IS NOT NULL "
                "GROUP BY 1, 2, 3 HAVING count(*) > 1 LIMIT 20"
            )
            duplicates += [f"site {s} {d} #{n}" for s, d, n in cursor.fetchall()]
    return not duplicates, "; ".join(duplicates) or "unique per site and day"


def journey() -> tuple[bool, str]:
    """Pre-register → arrive → render the badge → export the day's visits to CSV
    and find the visit in it, in the first organization that has a site and an
    active admin."""
    from badges import compose
    from reports import services as reports
    from reports.models import ExportJob
    from sites.models import Desk, Site
    from tenancy.models import Membership
    from visitors import services as visits
    from visitors.models import VisitType

    admin = None
    for org_id in Organization.objects.order_by("pk").values_list("pk", flat=True):
        with tenant_scope(org_id):
            if Site.objects.exists():
                admin = (
                    Membership.objects.select_related("organization", "user")
                    .filter(role="admin", is_active=True)
                    .order_by("pk")
                    .first()
                )
        if admin is not None:
            break
    if admin is None:
        return True, "no organization with a site and an admin: journey skipped"
    org = admin.organization
    marker = f"Drill-{secrets.token_hex(4)}"
    steps = []
    with tenant_scope(org):
        site = Site.objects.order_by("pk").first()
        desk = Desk.objects.filter(site=site).order_by("pk").first()
        # A type of the drill's own: the customer's types may require consents,
        # which no override lifts and a drill cannot sign.
        visit_type = VisitType.objects.filter(
            active=True, host_required=False, i18n__name_en="Restore drill"
        ).first() or VisitType.objects.create(
            organization=org,
            name="Exercice de restauration",
            i18n={"name_en": "Restore drill"},
            host_required=False,
        )
        visit = visits.pre_register(
            organization=org,
            site=site,
            visit_type=visit_type,
            expected_at=timezone.now(),
            visitor_values={"first_name": "Exercice", "last_name": marker},
            by=admin,
            invite=False,
        )
        steps.append(f"pre-registered visit {visit.pk}")
        visit = visits.arrive(visit=visit, desk=desk, by=admin, override_reason="restore drill")
        steps.append(f"arrived, badge #{visit.badge_number}")
        pdf = compose.render_visit(visit)
        if not pdf.startswith(b"%PDF"):
            return False, "the badge is not a PDF"
        steps.append(f"badge rendered ({len(pdf)} bytes)")
        day = timezone.localtime(timezone.now(), datetime.UTC).date()
        filters = {
            "from": (day - datetime.timedelta(days=1)).isoformat(),
            "to": (day + datetime.timedelta(days=1)).isoformat(),
        }
        job = reports.create_export(membership=admin, dataset="visits", filters=filters)
    reports.run_export(organization_id=org.pk, job_id=job.pk)
    with tenant_scope(org):
        job = ExportJob.objects.get(pk=job.pk)
        with reports.export_storage().open(job.storage_key, "rb") as stream:
            text = stream.read().decode("utf-8-sig")
    found = [
        row for row in csv.reader(io.StringIO(text), delimiter=";") if any(marker in cell for cell in row)
    ]
    if not found:
        return False, "; ".join(steps) + f"; the visit is not in the export ({job.storage_key})"
    steps.append(f"found in the CSV export of the day ({len(text.splitlines()) - 1} rows)")
    return True, "; ".join(steps)


def run_all(*, with_journey: bool = True) -> list[dict]:
    out = [
        _check("journals", journals),
        _check("attachments", attachments),
        _check("badge_numbers", badge_numbers),
    ]
    # A restore keeps its target as the backup left it: the journey, which
    # creates a visit, runs only in drills.
    if with_journey:
        out.append(_check("journey", journey))
    return out
