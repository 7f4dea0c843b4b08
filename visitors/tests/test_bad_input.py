"""Every bad input of the issue: refused with the reason, nothing changed."""

import datetime
import threading

import pytest
from django.core import signing
from django.db import connections
from django.utils import timezone, translation

from tenancy.scope import tenant_scope
from visitors import codes, configuration, services
from visitors.errors import VisitError
from visitors.models import Visit, VisitStatus
from visitors.tests.factories import make_visit, make_visit_type

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize(
    ("status", "reason"),
    [
        ("cancelled", "This visit was cancelled."),
        ("refused", "This visit was refused."),
        ("departed", "This visit is over: the visitor has already left."),
    ],
)
def test_arrival_of_a_finished_visit_is_409(orgs, api, scoped, status, reason):
    with scoped(orgs.a.org):
        visit = make_visit(orgs.a, status=status)
    r = api(orgs.a, "reception").post(f"/api/v1/visits/{visit.pk}/arrive/", {"desk": orgs.a.desk.pk})
    assert r.status_code == 409 and r.json()["detail"] == reason


def test_arrival_at_a_desk_of_another_site_is_409(orgs, api, scoped):
    with scoped(orgs.a.org):
        visit = make_visit(orgs.a, site=orgs.a.site2)
    r = api(orgs.a, "admin").post(f"/api/v1/visits/{visit.pk}/arrive/", {"desk": orgs.a.desk.pk})
    assert r.status_code == 409 and "another site" in r.json()["detail"]
    with scoped(orgs.a.org):
        assert Visit.objects.get(pk=visit.pk).status == "expected"


@pytest.mark.parametrize("desk", ["other site outside the perimeter", "other organization", "no such desk"])
def test_arrival_at_a_desk_the_member_cannot_see_is_400_naming_the_desk(orgs, api, scoped, desk):
    """Reception's perimeter is the first site: a desk of the second, or of
    another tenant, is 'does not exist', as on every other action."""
    with scoped(orgs.a.org):
        visit = make_visit(orgs.a)
    desk_id = {
        "other site outside the perimeter": orgs.a.desk_other_site.pk,
        "other organization": orgs.b.desk.pk,
        "no such desk": 987654,
    }[desk]
    r = api(orgs.a, "reception").post(f"/api/v1/visits/{visit.pk}/arrive/", {"desk": desk_id})
    assert r.status_code == 400
    assert r.json()["desk"] == [f'Invalid pk "{desk_id}" - object does not exist.']
    with scoped(orgs.a.org):
        assert Visit.objects.get(pk=visit.pk).status == "expected"


def test_arrival_with_ids_past_the_database_range_is_404_or_400_not_an_error(orgs, api, scoped):
    with scoped(orgs.a.org):
        visit = make_visit(orgs.a)
    client = api(orgs.a, "reception")
    assert client.post(f"/api/v1/visits/{2**63}/arrive/", {"desk": orgs.a.desk.pk}).status_code == 404
    r = client.post(f"/api/v1/visits/{visit.pk}/arrive/", {"desk": 2**63})
    assert r.status_code == 400 and "desk" in r.json()
    with scoped(orgs.a.org):
        assert Visit.objects.get(pk=visit.pk).status == "expected"


def test_departure_without_arrival_is_409(orgs, api, scoped):
    with scoped(orgs.a.org):
        visit = make_visit(orgs.a)
    r = api(orgs.a, "reception").post(f"/api/v1/visits/{visit.pk}/depart/")
    assert r.status_code == 409 and "never arrived" in r.json()["detail"]


def _body(org, vtype, **kw):
    start = timezone.now()
    body = {
        "visitor": {"first_name": "A", "last_name": "B"},
        "site": org.site.pk,
        "visit_type": vtype,
        "expected_at": start.isoformat(),
        "expected_until": (start + datetime.timedelta(hours=1)).isoformat(),
    }
    body.update(kw)
    return body


def test_bad_fields_are_400_naming_the_field(orgs, api, scoped):
    with scoped(orgs.a.org):
        vtype = make_visit_type(orgs.a).pk
    client = api(orgs.a, "admin")
    start = timezone.now()
    cases = {
        "expected_until": {"expected_until": (start - datetime.timedelta(hours=1)).isoformat()},
        "site": {"site": orgs.b.site.pk},
        "desk": {"desk": orgs.a.desk_other_site.pk},
        "visitor": {"visitor": None},
    }
    for field, change in cases.items():
        body = _body(orgs.a, vtype, **change)
        if body.get("visitor") is None:
            body.pop("visitor")
        r = client.post("/api/v1/visits/", body, content_type="application/json")
        assert r.status_code == 400, (field, r.content)
        assert field in r.json(), (field, r.json())
    with scoped(orgs.a.org):
        assert not Visit.objects.exists()


def test_host_required_is_400(orgs, api, scoped):
    with scoped(orgs.a.org):
        vtype = make_visit_type(orgs.a, host_required=True).pk
    r = api(orgs.a, "admin").post("/api/v1/visits/", _body(orgs.a, vtype), content_type="application/json")
    assert r.status_code == 400 and "host" in r.json()


def test_illegal_transitions_in_services(orgs, scoped):
    with scoped(orgs.a.org):
        visit = make_visit(orgs.a)
        with pytest.raises(VisitError, match="never arrived"):
            services.depart(visit=visit)
        services.cancel(visit=visit, reason="x")
        with pytest.raises(VisitError):
            services.cancel(visit=visit)
        with pytest.raises(VisitError):
            services.approve(visit=visit)


# --- codes -----------------------------------------------------------------------------------
def test_forged_expired_reused_and_foreign_codes(orgs, api, scoped):
    with scoped(orgs.a.org):
        visit = make_visit(orgs.a)
        good = codes.make_code(visit)
    with scoped(orgs.b.org):
        foreign = codes.make_code(make_visit(orgs.b))
    client = api(orgs.a, "reception")

    def scan(code):
        return client.post("/api/v1/visits/scan/", {"code": code}, content_type="application/json")

    forged = good[:-3] + ("AAA" if not good.endswith("AAA") else "BBB")
    assert "forged" in scan(forged).json()["detail"]
    assert "another organization" in scan(foreign).json()["detail"]
    payload = signing.loads(good, salt=codes.SALT)
    payload["x"] = int((timezone.now() - datetime.timedelta(minutes=1)).timestamp())
    expired = signing.dumps(payload, salt=codes.SALT, compress=True)
    r = scan(expired)
    assert r.status_code == 409 and "expired" in r.json()["detail"]
    with scoped(orgs.a.org):
        assert Visit.objects.get(pk=visit.pk).status == "expected"
    assert scan(good).json()["action"] == "arrived"
    assert scan(good).json()["action"] == "departed"
    r = scan(good)
    assert r.status_code == 409 and "already used" in r.json()["detail"]
    # A rotated token kills every code issued before.
    with scoped(orgs.a.org):
        other = make_visit(orgs.a)
        old = codes.make_code(other)
        Visit.objects.filter(pk=other.pk).update(token="rotated")
    assert "no longer valid" in scan(old).json()["detail"]


def test_cancelled_code_refused(orgs, api, scoped):
    with scoped(orgs.a.org):
        visit = make_visit(orgs.a, status="cancelled")
        code = codes.make_code(visit)
    r = api(orgs.a, "reception").post("/api/v1/visits/scan/", {"code": code}, content_type="application/json")
    assert r.status_code == 409 and r.json()["detail"] == "This visit was cancelled."


# --- concurrency -----------------------------------------------------------------------------
def test_two_desks_arrive_the_same_visit(orgs, scoped):
    """Two connections arrive at once: one arrival, one refusal, one badge."""
    with scoped(orgs.a.org):
        visit = make_visit(orgs.a)
        others = [make_visit(orgs.a) for _ in range(4)]
    barrier = threading.Barrier(2)
    results = []

    def desk(target):
        try:
            barrier.wait()
            with translation.override("en"), tenant_scope(orgs.a.org):
                services.arrive(visit=Visit.objects.get(pk=target), desk=orgs.a.desk)
            results.append("ok")
        except VisitError as exc:
            results.append(exc.message)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=desk, args=(visit.pk,)) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["This visitor has already arrived.", "ok"]
    # Concurrent arrivals of different visits: numbers 2..5, no gap, no duplicate.
    barrier = threading.Barrier(4)
    threads = [threading.Thread(target=desk, args=(v.pk,)) for v in others]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with scoped(orgs.a.org):
        numbers = sorted(
            Visit.objects.filter(status=VisitStatus.ARRIVED).values_list("badge_number", flat=True)
        )
    assert numbers == [1, 2, 3, 4, 5]


# The CSV import's bad input is in test_import.py.


# --- kiosk -----------------------------------------------------------------------------------
def test_kiosk_journey_and_revocation(orgs, client, scoped):
    with scoped(orgs.a.org):
        token, key = configuration.create_kiosk_token(site=orgs.a.site)
        visit = make_visit(orgs.a)
        desk_only = make_visit(orgs.a, visit_type=make_visit_type(orgs.a, kiosk_allowed=False))
        code = codes.make_code(desk_only)
    url = f"/kiosk/{key}/"
    page = client.get(url + "?lang=en")
    assert page.status_code == 200 and "Welcome" in page.content.decode()
    assert "Bienvenue" in client.get(url + "?lang=fr").content.decode()
    found = client.post(
        url, {"action": "search", "name": visit.visitor.last_name[:6], "lang": "en"}
    ).content.decode()
    assert f'name="visit" value="{visit.pk}"' in found
    assert visit.visitor.last_name not in found  # first name and initial only
    done = client.post(url, {"action": "confirm", "visit": visit.pk, "lang": "en"}).content.decode()
    assert "Welcome, Hélène" in done
    sent_away = client.post(url, {"action": "scan", "code": code, "lang": "en"}).content.decode()
    assert "reception desk" in sent_away
    with scoped(orgs.a.org):
        assert Visit.objects.get(pk=visit.pk).status == "arrived"
        assert Visit.objects.get(pk=desk_only.pk).status == "expected"
    # The kiosk key is no API token and opens nothing else.
    assert client.get("/api/v1/visits/", HTTP_AUTHORIZATION=f"Token {key}").status_code == 401
    assert client.get("/desk/").status_code == 302
    with scoped(orgs.a.org):
        configuration.revoke_kiosk_token(token=token)
    assert client.get(url).status_code == 404


def test_refusals_speak_french_by_default(orgs, api, scoped):
    with scoped(orgs.a.org):
        visit = make_visit(orgs.a)
    r = api(orgs.a, "reception", language="fr").post(f"/api/v1/visits/{visit.pk}/depart/")
    assert r.status_code == 409 and r.json()["detail"].startswith("Ce visiteur n'est jamais arrivé")
