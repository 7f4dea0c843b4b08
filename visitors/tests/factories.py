"""Test factories for visitors, visit types and visits. Other apps' tests import
these: call them inside `tenant_scope(org_fixture.org)`."""

import datetime
import itertools

from django.utils import timezone

from visitors.models import Visit, Visitor, VisitStatus, VisitType

_seq = itertools.count(1)


def make_visitor(org_fixture, **kw) -> Visitor:
    n = next(_seq)
    values = {
        "first_name": "Hélène",
        "last_name": f"Lefèvre{n}",
        "email": f"visitor{n}@example.test",
        "company": "Acme",
    }
    values.update(kw)
    return Visitor.objects.create(organization=org_fixture.org, **values)


def make_visit_type(org_fixture, **kw) -> VisitType:
    values = {"name_fr": "Visiteur", "name_en": "Visitor", "host_required": False}
    values.update(kw)
    return VisitType.objects.create(organization=org_fixture.org, **values)


def make_visit(org_fixture, status="expected", arrived=False, **kw) -> Visit:
    """A visit today at the organization's first site. `arrived=True` (or
    status="arrived") fills the arrival fields as a desk would, without a badge
    number; use visitors.services for the real life cycle."""
    now = timezone.now()
    values = {
        "site": org_fixture.site,
        "host": org_fixture.members["host"],
        "expected_at": now - datetime.timedelta(minutes=5),
        "expected_until": now + datetime.timedelta(hours=2),
    }
    values.update(kw)
    if "visitor" not in values:
        values["visitor"] = make_visitor(org_fixture)
    if "visit_type" not in values:
        values["visit_type"] = make_visit_type(org_fixture)
    if arrived and status == "expected":
        status = VisitStatus.ARRIVED
    if status in (VisitStatus.ARRIVED, VisitStatus.DEPARTED):
        values.setdefault("arrived_at", now)
        values.setdefault("arrived_desk", org_fixture.desk if values["site"] == org_fixture.site else None)
        values.setdefault("desk", values["arrived_desk"])
    if status == VisitStatus.DEPARTED:
        values.setdefault("departed_at", now)
    return Visit.objects.create(organization=org_fixture.org, status=status, **values)
