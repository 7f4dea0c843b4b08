"""What a scoped restore brings back of visits and visitors, how erasures made
since the backup keep them erased, the badge-number check, and the first step
of the restore drill's journey (pre-register, arrive). Registered at import;
the backups app autodiscovers `APP/restore.py`."""

from django.db import connection
from django.utils.translation import gettext_lazy as _

from config.registries import (
    CapturedSettings,
    JourneyStep,
    RestoreCheck,
    RestorePart,
    RestoreTable,
    captured_settings,
    restore_checks,
    restore_journey,
    restore_parts,
)
from tenancy.models import Organization
from tenancy.scope import tenant_scope

from . import services
from .models import Visit, VisitType

IN_PERIOD = "site_id = ANY(%(sites)s) AND expected_at >= %(start)s AND expected_at < %(end)s"


class VisitTypesRestore(RestorePart):
    key = "visit_types"
    data_type = "settings"
    order = 20
    tables = (RestoreTable("visitors.VisitType", "TRUE", label=_("Visit types")),)


class VisitsRestore(RestorePart):
    key = "visits"
    data_type = "visits"
    order = 30
    tables = (
        # The people of the scope's visits: parents first.
        RestoreTable(
            "visitors.Visitor",
            "id IN (SELECT visitor_id FROM visitors_visit WHERE organization_id = %(org)s AND "  # noqa: S608 - constants
            + IN_PERIOD
            + ")",
            label=_("Visitors"),
            erased_as=("visitor_identities",),
        ),
        RestoreTable("visitors.Visit", IN_PERIOD, label=_("Visits"), erased_as=("visits",)),
    )

    def known_ids(self, ids) -> set[int]:
        """The visits a restore ticket names that exist (in the current scope)."""
        return set(Visit.objects.filter(pk__in=ids).values_list("pk", flat=True))


DUPLICATES = (
    "SELECT site_id, badge_day, badge_number FROM visitors_visit WHERE badge_number IS NOT NULL "
    "GROUP BY 1, 2, 3 HAVING count(*) > 1"
)


class BadgeNumbersCheck(RestoreCheck):
    key = "badge_numbers"
    label = _("Badge numbers unique per site and day")
    order = 30

    def after_apply(self, organization_id):
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT count(*) FROM ({DUPLICATES}) d")  # noqa: S608 - a constant
            duplicates = cursor.fetchone()[0]
        return not duplicates, f"{duplicates} duplicates"

    def after_drill(self):
        duplicates = []
        for org in Organization.objects.order_by("pk"):
            with tenant_scope(org), connection.cursor() as cursor:
                cursor.execute(f"{DUPLICATES} LIMIT 20")
                duplicates += [f"site {s} {d} #{n}" for s, d, n in cursor.fetchall()]
        return not duplicates, "; ".join(duplicates) or "unique per site and day"


class VisitStep(JourneyStep):
    """Pre-register a visit of the drill's own type and arrive it."""

    key = "visit"
    order = 10

    def run(self, state: dict) -> str:
        org, admin = state["organization"], state["admin"]
        with tenant_scope(org):
            # A type of the drill's own: the customer's types may require consents,
            # which no override lifts and a drill cannot sign.
            visit_type = VisitType.objects.filter(
                active=True, host_required=False, name_en="Restore drill"
            ).first() or VisitType.objects.create(
                organization=org,
                name_fr="Exercice de restauration",
                name_en="Restore drill",
                host_required=False,
            )
            visit = services.pre_register(
                organization=org,
                site=state["site"],
                visit_type=visit_type,
                expected_at=state["now"],
                visitor_values={"first_name": "Exercice", "last_name": state["marker"]},
                by=admin,
                invite=False,
            )
            line = f"pre-registered visit {visit.pk}"
            visit = services.arrive(
                visit=visit, desk=state["desk"], by=admin, override_reason="restore drill"
            )
        state["visit"] = visit
        return f"{line}; arrived, badge #{visit.badge_number}"


restore_parts.register(VisitTypesRestore())
restore_parts.register(VisitsRestore())
restore_checks.register(BadgeNumbersCheck())
restore_journey.register(VisitStep())
captured_settings.register(CapturedSettings("visitors.VisitType", ("name",), order=20))
