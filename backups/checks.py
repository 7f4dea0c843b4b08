"""Post-restore checks and the end-to-end journey, run *inside* a Vestibule
process whose database is the restored copy (`manage.py drill_checks`).

Running them in a separate process with DATABASE_URL pointed at the copy means
they use the application role under row-level security, the tenant scopes and
the real services, exactly as production would, and cannot touch the live
database by mistake.

The checks and the journey's steps are the apps' own (`APP/restore.py`,
registered into `config.registries.restore_checks` and `restore_journey`)."""

import secrets
import time

from django.utils import timezone

from config.registries import JourneyFailed, ordered, restore_checks, restore_journey
from sites.models import Desk, Site
from tenancy.models import Membership, Organization
from tenancy.scope import tenant_scope


def _check(name, func) -> dict | None:
    """Run one check, timed; None when it does not apply here."""
    started = time.monotonic()
    try:
        result = func()
        if result is None:
            return None
        ok, detail = result
    except Exception as exc:  # a check that crashes is a failed check, reported
        ok, detail = False, f"{type(exc).__name__}: {exc}"
    return {"name": name, "ok": ok, "detail": detail, "seconds": round(time.monotonic() - started, 3)}


def journey() -> tuple[bool, str]:
    """The journey's steps in order (pre-register → arrive → render the badge →
    export the day's visits to CSV and find the visit in it), in the first
    organization that has a site and an active admin."""
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
    with tenant_scope(org):
        site = Site.objects.order_by("pk").first()
        desk = Desk.objects.filter(site=site).order_by("pk").first()
    state = {
        "organization": org,
        "admin": admin,
        "site": site,
        "desk": desk,
        "marker": f"Drill-{secrets.token_hex(4)}",
        "now": timezone.now(),
    }
    steps = []
    for step in ordered(restore_journey):
        try:
            steps.append(step.run(state))
        except JourneyFailed as failed:
            return False, "; ".join([*steps, str(failed)])
    return True, "; ".join(steps)


def run_all(*, with_journey: bool = True) -> list[dict]:
    out = [_check(check.key, check.after_drill) for check in ordered(restore_checks)]
    out = [result for result in out if result is not None]
    # A restore keeps its target as the backup left it: the journey, which
    # creates a visit, runs only in drills.
    if with_journey:
        out.append(_check("journey", journey))
    return out
