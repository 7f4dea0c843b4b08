"""Fixtures for the reports tests: visits of organization A spread over known
days, and an export storage in a temporary folder."""

import datetime
import zoneinfo

import pytest

PARIS = zoneinfo.ZoneInfo("Europe/Paris")


def at(day: str, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime.fromisoformat(day).replace(hour=hour, minute=minute, tzinfo=PARIS)


@pytest.fixture
def store(settings, tmp_path):
    """Export files go to a private folder, so a test can list what was written."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "media")},
        },
    }
    from django.core.files.storage import storages

    storages._storages.pop("default", None)
    yield tmp_path / "media"
    storages._storages.pop("default", None)


@pytest.fixture
def visits(orgs):
    """Org A: five visits at HQ on 2026-03-02/03, one at the plant (outside the
    reception perimeter), a 'Livraison' visit type with none; org B: one visit."""
    from tenancy.scope import tenant_scope
    from visitors.tests.factories import make_visit, make_visit_type, make_visitor

    a = orgs.a
    with tenant_scope(a.org):
        # The fixture's visits are months old: a long consultation period keeps
        # them in exports (test_diagnostics shortens it to archive them).
        from retention.models import RetentionPolicy

        RetentionPolicy.objects.create(
            organization=a.org,
            data_type="visits",
            consultation_days=3650,
            retention_days=3650,
            action="anonymise",
        )
        meeting = make_visit_type(a, name_fr="Réunion", name_en="Meeting")
        delivery = make_visit_type(a, name_fr="Livraison", name_en="Delivery")
        rows = [
            make_visit(
                a,
                visit_type=meeting,
                status="departed",
                expected_at=at("2026-03-02", 9),
                expected_until=at("2026-03-02", 11),
                arrived_at=at("2026-03-02", 9, 5),
                departed_at=at("2026-03-02", 10, 35),
            ),
            make_visit(
                a,
                visit_type=meeting,
                status="departed",
                expected_at=at("2026-03-02", 14),
                expected_until=at("2026-03-02", 15),
                arrived_at=at("2026-03-02", 14, 10),
                departed_at=at("2026-03-02", 14, 40),
            ),
            make_visit(
                a,
                visit_type=meeting,
                status="arrived",
                expected_at=at("2026-03-03", 9),
                expected_until=at("2026-03-03", 18),
                arrived_at=at("2026-03-03", 9, 15),
                visitor=make_visitor(a, first_name='=HYPERLINK("http://x")', phone="+33612345678"),
            ),
            make_visit(
                a,
                visit_type=meeting,
                status="no_show",
                expected_at=at("2026-03-03", 10),
                expected_until=at("2026-03-03", 11),
            ),
            make_visit(
                a,
                visit_type=meeting,
                status="expected",
                expected_at=at("2026-03-03", 23, 30),
                expected_until=at("2026-03-03", 23, 45),
            ),
            make_visit(
                a,
                site=a.site2,
                visit_type=meeting,
                status="expected",
                expected_at=at("2026-03-02", 9),
                expected_until=at("2026-03-02", 10),
            ),
        ]
        # auto_now_add ignores a value given at creation: pre-registration days
        # are set afterwards.
        from visitors.models import Visit

        Visit.objects.filter(pk__in=[v.pk for v in rows]).update(created_at=at("2026-02-27", 8))
        Visit.objects.filter(pk=rows[1].pk).update(created_at=at("2026-03-02", 7))
    with tenant_scope(orgs.b.org):
        make_visit(orgs.b, expected_at=at("2026-03-02", 9), expected_until=at("2026-03-02", 10))
    return {"rows": rows, "meeting": meeting, "delivery": delivery}


@pytest.fixture
def admin(orgs, client_for):
    return client_for(orgs.a.members["admin"])


@pytest.fixture
def narrowed(orgs, client_for):
    """Org A's compliance officer, narrowed to the HQ site (a perimeter)."""
    from tenancy.scope import tenant_scope

    member = orgs.a.members["compliance"]
    with tenant_scope(orgs.a.org):
        member.sites.set([orgs.a.site])
    return client_for(member)
