"""List filters (django-filter FilterSets, config/filters.py): each list keeps
filtering as before, a bad value answers 400 naming its parameter in the
reader's language, and the schema describes the parameters."""

import datetime

import pytest
from django.utils import timezone

from audit import services as audit
from notifications.models import Message
from tenancy.scope import tenant_scope
from visitors.tests.factories import make_visit, make_visitor

pytestmark = pytest.mark.django_db


def ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def refused(response, parameter: str) -> str:
    assert response.status_code == 400, response.content
    body = response.json()
    assert parameter in body, body
    return body[parameter][0]


@pytest.fixture
def two_visits(orgs):
    with tenant_scope(orgs.a.org):
        here = make_visit(orgs.a, visitor=make_visitor(orgs.a, last_name="Ici"))
        there = make_visit(orgs.a, site=orgs.a.site2, status="arrived")
        later = timezone.now() + datetime.timedelta(days=1)
        tomorrow = make_visit(orgs.a, expected_at=later, expected_until=later + datetime.timedelta(hours=1))
    return here, there, tomorrow


def test_visits_list_filters_by_site_status_period_and_words(orgs, client_for, two_visits):
    here, there, tomorrow = two_visits
    admin = client_for(orgs.a.members["admin"])
    assert ids(admin.get("/api/v1/visits/", {"site": orgs.a.site2.pk})) == {there.pk}
    assert ids(admin.get("/api/v1/visits/", {"status": "arrived,departed"})) == {there.pk}
    today = timezone.localdate().isoformat()
    assert ids(admin.get("/api/v1/visits/", {"from": today, "to": today})) == {here.pk, there.pk}
    assert tomorrow.pk in ids(admin.get("/api/v1/visits/", {"from": today}))
    assert here.pk in ids(admin.get("/api/v1/visits/", {"q": "ici"}))
    # A query string on a detail URL does not hide the visit it names.
    assert admin.get(f"/api/v1/visits/{here.pk}/", {"site": orgs.a.site2.pk}).status_code == 200


@pytest.mark.parametrize(
    ("parameter", "value", "words"),
    [
        ("site", "abc", "nombre entier"),
        ("site", str(2**63), "nombre entier"),
        ("host", "-1", "nombre entier"),
        ("status", "arrived,teleported", "teleported"),
        ("from", "2026-13-45", "AAAA-MM-JJ"),
        ("to", "1999-12-31", "2000"),
    ],
)
def test_visits_list_refuses_bad_filters_in_french(orgs, client_for, parameter, value, words):
    admin = client_for(orgs.a.members["admin"])
    message = refused(admin.get("/api/v1/visits/", {parameter: value}, HTTP_ACCEPT_LANGUAGE="fr"), parameter)
    assert words in message


def test_journal_filters_and_period_check(orgs, client_for):
    with tenant_scope(orgs.a.org):
        audit.record("site.updated", target=orgs.a.site, site=orgs.a.site)
    admin = client_for(orgs.a.members["admin"])
    verbs = {row["verb"] for row in admin.get("/api/v1/journal/", {"verb": "site."}).json()["results"]}
    assert verbs == {"site.updated"}
    assert "début" in refused(
        admin.get("/api/v1/journal/", {"from": "2026-12-02", "to": "2026-12-01"}), "from"
    )
    assert refused(admin.get("/api/v1/journal/", {"actor": "x"}), "actor")
    # The screen shows the same refusal, in words, and still lists the journal.
    page = admin.get("/journal/", {"from": "2026-12-02", "to": "2026-12-01"})
    assert page.status_code == 200 and "début" in page.content.decode()


def test_send_log_filters_refuse_unknown_channel_and_bad_dates(orgs, client_for):
    with tenant_scope(orgs.a.org):
        Message.objects.create(
            organization=orgs.a.org,
            site=orgs.a.site,
            channel="sms",
            recipient="+33612345678",
            recipient_kind="visitor",
            language="fr",
            event="visit.arrived",
            body="Bonjour",
        )
    admin = client_for(orgs.a.members["admin"])
    assert len(ids(admin.get("/api/v1/messages/", {"channel": "sms", "site": orgs.a.site.pk}))) == 1
    assert ids(admin.get("/api/v1/messages/", {"channel": "email"})) == set()
    assert refused(admin.get("/api/v1/messages/", {"channel": "fax"}), "channel")
    assert refused(admin.get("/api/v1/messages/", {"from": "hier"}), "from")
    page = admin.get("/notifications/messages/", {"from": "hier"})
    assert page.status_code == 200 and "AAAA-MM-JJ" in page.content.decode()


def test_desks_and_badge_prints_filters(orgs, client_for):
    admin = client_for(orgs.a.members["admin"])
    desks = admin.get("/api/v1/desks/", {"site": orgs.a.site2.pk}).json()["results"]
    assert orgs.a.desk_other_site.pk in {d["id"] for d in desks}
    assert {d["site"] for d in desks} == {orgs.a.site2.pk}
    assert refused(admin.get("/api/v1/desks/", {"site": "Lyon"}), "site")
    assert refused(admin.get("/api/v1/badge-prints/", {"visit": "1e3"}), "visit")


def test_schema_describes_the_filters(orgs, client_for):
    schema = client_for(orgs.a.members["admin"]).get("/api/schema/", {"format": "json"})
    assert schema.status_code == 200
    parameters = {
        p["name"]: p["schema"] for p in schema.json()["paths"]["/api/v1/visits/"]["get"]["parameters"]
    }
    assert parameters["site"] == {"type": "integer", "minimum": 1, "maximum": 2**63 - 1}
    assert {"from", "to", "status", "q", "host", "desk", "visit_type"} <= set(parameters)
