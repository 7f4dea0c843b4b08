"""Why an export is empty: relax one filter at a time and count."""

import pytest
from django.utils import translation

from reports.diagnostics import diagnose
from reports.filters import select

pytestmark = pytest.mark.django_db


def notes(member, filters, scoped, dataset="visits"):
    with scoped(member.organization), translation.override("en"):
        return diagnose(select(dataset, member, filters))


def test_period_before_the_first_visit_and_a_type_without_visits(orgs, visits, scoped):
    found = notes(
        orgs.a.members["admin"],
        {"from": "2026-01-01", "to": "2026-01-31", "visit_types": [visits["delivery"].pk]},
        scoped,
    )
    assert found[0] == "0 visits match."
    assert "'Delivery' has no visits." in found
    found = notes(orgs.a.members["admin"], {"from": "2026-01-01", "to": "2026-01-31"}, scoped)
    assert "6 visits match these filters outside the period." in found
    assert "The period ends before the first of them, on March 2, 2026." in found
    found = notes(orgs.a.members["admin"], {"from": "2026-04-01", "to": "2026-04-30"}, scoped)
    assert "The period starts after the last of them, on March 3, 2026." in found


def test_perimeter_and_other_filters_are_counted(orgs, visits, scoped):
    member = orgs.a.members["compliance"]
    with scoped(orgs.a.org):
        member.sites.set([orgs.a.site])
    member._site_ids = frozenset([orgs.a.site.pk])
    found = notes(member, {"from": "2026-03-02", "to": "2026-03-02", "statuses": ["no_show"]}, scoped)
    assert "0 visits match." in found
    assert "2 more visits match without the filter on statuses." in found
    found = notes(member, {"from": "2026-03-02", "to": "2026-03-02"}, scoped)
    assert "1 of the visits matching these filters is at sites outside your perimeter." in found


def test_rows_past_the_consultation_period_are_not_exported_and_counted(orgs, visits, scoped):
    from retention.models import RetentionPolicy

    with scoped(orgs.a.org):
        RetentionPolicy.objects.filter(data_type="visits").update(consultation_days=30)
    found = notes(orgs.a.members["admin"], {"from": "2026-03-02", "to": "2026-03-03"}, scoped)
    assert found[:2] == [
        "0 visits match.",
        "6 of the visits matching these filters are past the consultation period (archived).",
    ]
