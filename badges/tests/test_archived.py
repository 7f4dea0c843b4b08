"""A badge shows the visitor's name: once a visit is past its consultation
period (issue 8), neither its badge nor its recorded prints can be opened from
the daily screens and API any more."""

import datetime

import pytest
from django.utils import timezone

from badges import services
from badges.models import BadgePrint
from visitors.models import Visit

from .conftest import on_site, pdf_text

pytestmark = pytest.mark.django_db


def test_badges_of_archived_visits_are_gone_and_todays_stay(orgs, client_for, scoped):
    a = orgs.a
    with scoped(a.org):
        services.create_template(organization=a.org, by=None, name="Étiquette", preset="brother_ql_62x100")
        old, today = on_site(a, number=3), on_site(a, number=4)
        [old_print, today_print] = services.print_badges(visits=[old, today], desk=a.desk, by=None)
        # The old visit left 40 days ago: past the default 30-day consultation of visits.
        start = timezone.now() - datetime.timedelta(days=40)
        Visit.objects.filter(pk=old.pk).update(
            status="departed",
            expected_at=start,
            expected_until=start + datetime.timedelta(hours=2),
            departed_at=start + datetime.timedelta(hours=1),
        )
        old_name, today_name = str(old.visitor.last_name), str(today.visitor.last_name)
    client = client_for(a.members["reception"])

    assert client.get(f"/badges/print/{old.pk}/").status_code == 404
    assert client.get(f"/badges/print/badges.pdf?ids={old_print.pk}").status_code == 404
    assert client.get(f"/badges/print/badges.pdf?ids={old_print.pk},{today_print.pk}").status_code == 404
    assert client.get(f"/api/v1/visits/{old.pk}/badge.pdf").status_code == 404
    reprint = client.post(f"/api/v1/visits/{old.pk}/badge/reprint/", {"reason": "perdu"})
    assert reprint.status_code == 404
    listed = client.get("/api/v1/badge-prints/").json()
    assert [row["id"] for row in listed["results"]] == [today_print.pk]

    response = client.get(f"/badges/print/badges.pdf?ids={today_print.pk}")
    assert response.status_code == 200
    text = pdf_text(response.content)
    assert today_name in text and old_name not in text
    with scoped(a.org):
        assert BadgePrint.objects.count() == 2  # nothing recorded by the refusals
