"""Inputs that were HTTP 500s (issue 15), each refused with a 400 (or a 409)
that names the field, in the caller's language (French here, the default),
with the status and body the OpenAPI schema states."""

import datetime

import pytest
from django.utils import timezone

from tenancy.scope import tenant_scope
from visitors.tests.factories import make_visit, make_visit_type

pytestmark = pytest.mark.django_db

NUL_FR = "Cette valeur contient un caractère NUL, qui n\u2019est pas accepté."


@pytest.fixture
def admin(orgs, client_for):
    return client_for(orgs.a.members["admin"])


@pytest.fixture
def schema(client):
    return client.get("/api/schema/?format=json").json()


def test_a_consent_text_without_kind_is_created_with_the_default_kind(admin, orgs):
    """`kind` is optional in the schema (the model's default): it was a TypeError."""
    body = {"title": {"fr": "Charte", "en": "Charter"}, "body": {"fr": "Texte", "en": "Text"}}
    r = admin.post("/api/v1/consent-texts/", body, content_type="application/json")
    assert r.status_code == 201, r.content
    assert r.json()["kind"] == "other"


@pytest.mark.parametrize(
    "path", ["/api/v1/sites/", "/api/v1/visits/", "/api/v1/visitors/", "/api/v1/journal/"]
)
@pytest.mark.parametrize("limit", ["9223372036854775808", "250000", "501", "0", "-1", "²"])
def test_a_limit_outside_1_to_500_is_400_naming_limit(admin, path, limit):
    r = admin.get(path, {"limit": limit})
    assert r.status_code == 400
    assert r.json() == {"limit": ["Saisissez un nombre entier entre 1 et 500."]}


def test_an_offset_past_bigint_is_400_naming_offset(admin):
    r = admin.get("/api/v1/visits/", {"offset": "9223372036854775808"})
    assert r.status_code == 400
    assert r.json() == {"offset": ["Saisissez un nombre entier entre 0 et 1000000000."]}


def test_the_limit_maximum_is_stated_in_the_schema_and_served(admin, orgs, schema):
    limit = next(p for p in schema["paths"]["/api/v1/visits/"]["get"]["parameters"] if p["name"] == "limit")
    assert limit["schema"]["maximum"] == 500 and limit["schema"]["minimum"] == 1
    with tenant_scope(orgs.a.org):
        for _ in range(3):
            make_visit(orgs.a)
    r = admin.get("/api/v1/visits/", {"limit": 500})
    assert r.status_code == 200 and len(r.json()["results"]) == 3


@pytest.mark.parametrize("path", ["/api/v1/visits/", "/api/v1/visitors/"])
def test_a_nul_byte_in_a_query_parameter_is_400_naming_it(admin, path):
    r = admin.get(f"{path}?q=a%00b")
    assert r.status_code == 400
    assert r.json() == {"q": [NUL_FR]}


def test_a_nul_byte_in_a_page_query_is_400(admin):
    r = admin.get("/visits/?q=a%00b")
    assert r.status_code == 400
    assert NUL_FR in r.content.decode()


def test_a_nul_byte_in_a_json_string_is_400_naming_the_field(admin, orgs):
    r = admin.post(
        "/api/v1/visitors/", {"first_name": "Ana", "last_name": "a\x00b"}, content_type="application/json"
    )
    assert r.status_code == 400
    assert r.json() == {"last_name": [NUL_FR]}
    visit_type = _visit_type(orgs)
    body = _visit_body(orgs, visit_type, visitor={"first_name": "A\x00", "last_name": "B"})
    r = admin.post("/api/v1/visits/", body, content_type="application/json")
    assert r.status_code == 400
    assert r.json() == {"visitor.first_name": [NUL_FR]}


def test_a_nul_byte_in_a_form_field_is_400_naming_the_field(admin):
    r = admin.post("/api/v1/visitors/", {"first_name": "Ana", "last_name": "a\x00b"})  # multipart
    assert r.status_code == 400
    assert r.json() == {"last_name": [NUL_FR]}
    r = admin.post(
        "/api/v1/visitors/",
        "first_name=Ana&last_name=a%00b",
        content_type="application/x-www-form-urlencoded",
    )
    assert r.status_code == 400
    assert r.json() == {"last_name": [NUL_FR]}


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("2026-02-30", "Saisissez une date au format AAAA-MM-JJ."),
        ("0000-01-01", "Saisissez une date au format AAAA-MM-JJ."),
        ("0001-01-01", "Saisissez une date entre le 01/01/2000 et le 31/12/2199."),
        ("9999-12-31", "Saisissez une date entre le 01/01/2000 et le 31/12/2199."),
        ("2026-01-01T10:00:00+99:00", "Saisissez une date AAAA-MM-JJ ou une date et heure ISO 8601."),
        ("2026-01-01T10:00:00+18:30", "Saisissez un décalage horaire entre -18:00 et +18:00."),
    ],
)
def test_a_bad_date_filter_is_400_naming_it(admin, value, message):
    r = admin.get("/api/v1/visits/", {"from": value})
    assert r.status_code == 400
    assert r.json() == {"from": [message]}
    r = admin.get("/api/v1/journal/", {"to": value})
    assert r.status_code == 400
    assert r.json() == {"to": [message]}


@pytest.mark.parametrize("path", ["/api/v1/exports/", "/api/v1/exports/preview/"])
@pytest.mark.parametrize("field", ["from", "to"])
def test_an_export_period_in_year_9999_is_400_naming_the_filter(admin, path, field):
    filters = {"period": "custom", "from": "2026-03-01", "to": "2026-03-31", field: "9999-12-31"}
    r = admin.post(path, {"dataset": "visits", "filters": filters}, content_type="application/json")
    assert r.status_code == 400
    assert r.json() == {"filters": {field: ["Saisissez une date entre le 01/01/2000 et le 31/12/2199."]}}


@pytest.mark.parametrize("path", ["/api/v1/exports/", "/api/v1/exports/preview/"])
def test_an_impossible_export_date_is_400_naming_the_filter(admin, path):
    filters = {"period": "custom", "from": "2026-02-30", "to": "2026-03-31"}
    r = admin.post(path, {"dataset": "visits", "filters": filters}, content_type="application/json")
    assert r.status_code == 400
    assert r.json() == {"filters": {"from": ["Saisissez une date au format AAAA-MM-JJ."]}}


def _visit_type(orgs):
    with tenant_scope(orgs.a.org):
        return make_visit_type(orgs.a).pk


def _visit_body(orgs, visit_type, **changes):
    start = timezone.now() + datetime.timedelta(hours=1)
    body = {
        "visitor": {"first_name": "Hélène", "last_name": "Lefèvre"},
        "site": orgs.a.site.pk,
        "visit_type": visit_type,
        "host": orgs.a.members["host"].pk,
        "expected_at": start.isoformat(),
        "expected_until": (start + datetime.timedelta(hours=2)).isoformat(),
    }
    return {**body, **changes}


@pytest.mark.parametrize("field", ["expected_at", "expected_until"])
@pytest.mark.parametrize("value", ["0001-01-01T10:00:00Z", "9999-12-31T23:59:00+01:00"])
def test_a_visit_dated_year_1_or_9999_is_refused_naming_the_field(admin, orgs, field, value):
    body = _visit_body(orgs, _visit_type(orgs), **{field: value})
    if field == "expected_at":
        body.pop("expected_until")
    r = admin.post("/api/v1/visits/", body, content_type="application/json")
    assert r.status_code == 400
    assert r.json() == {field: ["Saisissez une date entre le 01/01/2000 et le 31/12/2199."]}
    with tenant_scope(orgs.a.org):
        from visitors.models import Visit

        assert not Visit.objects.exists()


def test_deleting_a_site_with_visits_is_409_saying_what_uses_it(admin, orgs, schema):
    with tenant_scope(orgs.a.org):
        for _ in range(2):
            make_visit(orgs.a, site=orgs.a.site2)
    r = admin.delete(f"/api/v1/sites/{orgs.a.site2.pk}/")
    assert r.status_code == 409
    body = r.json()
    assert body["detail"] == (
        "Ce site est encore utilisé par\u202f: 2 visites. Supprimez-les ou déplacez-les d\u2019abord."
    )
    assert body["in_use"] == [{"model": "visitors.visit", "label": "visites", "count": 2}]
    with tenant_scope(orgs.a.org):
        from sites.models import Site

        assert Site.objects.filter(pk=orgs.a.site2.pk).exists()
    documented = schema["paths"]["/api/v1/sites/{id}/"]["delete"]["responses"]
    assert "409" in documented


def test_deleting_an_unused_site_still_works(admin, orgs):
    r = admin.post(
        "/api/v1/sites/", {"name": "Annexe", "timezone": "Europe/Paris"}, content_type="application/json"
    )
    assert r.status_code == 201, r.content
    r = admin.delete(f"/api/v1/sites/{r.json()['id']}/")
    assert r.status_code == 204
