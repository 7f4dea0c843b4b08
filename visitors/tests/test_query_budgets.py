"""Query budgets of the desk's busiest screens and actions: a change that adds
a query (an N+1 in the desk's table, a second read of the visit, a lookup per
row of the roll call) fails here. Each budget is what the code does today plus
one for margin; lower it when the code does better.

Every action reads its visit once, locked, through its service
(visitors.services); the counts below include the request's own queries
(session, membership, tenant scope, the test's savepoints) and the journal's."""

import pytest

from tenancy.tokens import create_token
from visitors import codes
from visitors.tests.factories import make_visit, make_visit_type

pytestmark = pytest.mark.django_db

# Several rows, so that a query per row shows.
ROWS = 6

ARRIVAL_API = 15
ARRIVAL_API_TOKEN = 13
ARRIVAL_DESK = 22
DEPARTURE_API = 15
DEPARTURE_DESK = 20
SCAN_API = 17
SCAN_DESK = 20
DESK_LIST = 20
ROLL_CALL_API = 12
ROLL_CALL_PAGE = 16


@pytest.fixture
def day(orgs, scoped):
    """ROWS visits expected today and ROWS on site at the first site of org A."""
    with scoped(orgs.a.org):
        visit_type = make_visit_type(orgs.a)
        expected = [make_visit(orgs.a, visit_type=visit_type) for _ in range(ROWS)]
        on_site = [make_visit(orgs.a, visit_type=visit_type, arrived=True) for _ in range(ROWS)]
    return expected, on_site


def test_arrival_through_the_api(orgs, api, day, django_assert_max_num_queries):
    client = api(orgs.a, "reception")
    visit = day[0][0]
    with django_assert_max_num_queries(ARRIVAL_API):
        r = client.post(
            f"/api/v1/visits/{visit.pk}/arrive/", {"desk": orgs.a.desk.pk}, content_type="application/json"
        )
    assert r.status_code == 200 and r.json()["status"] == "arrived"


def test_arrival_through_the_api_with_a_token(orgs, client, scoped, day, django_assert_max_num_queries):
    with scoped(orgs.a.org):
        _token, key = create_token(membership=orgs.a.members["reception"], name="desk")
    visit = day[0][0]
    with django_assert_max_num_queries(ARRIVAL_API_TOKEN):
        r = client.post(
            f"/api/v1/visits/{visit.pk}/arrive/",
            {"desk": orgs.a.desk.pk},
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Token {key}",
        )
    assert r.status_code == 200 and r.json()["status"] == "arrived"


def test_arrival_at_the_desk(orgs, api, day, django_assert_max_num_queries):
    client = api(orgs.a, "reception")
    visit = day[0][0]
    with django_assert_max_num_queries(ARRIVAL_DESK):
        r = client.post(f"/desk/visits/{visit.pk}/arrive/", {"desk": orgs.a.desk.pk}, HTTP_HX_REQUEST="true")
    assert r.status_code == 200 and "badge 1" in r.content.decode()


def test_departure_through_the_api(orgs, api, day, django_assert_max_num_queries):
    client = api(orgs.a, "reception")
    visit = day[1][0]
    with django_assert_max_num_queries(DEPARTURE_API):
        r = client.post(
            f"/api/v1/visits/{visit.pk}/depart/", {"desk": orgs.a.desk.pk}, content_type="application/json"
        )
    assert r.status_code == 200 and r.json()["status"] == "departed"


def test_departure_at_the_desk(orgs, api, day, django_assert_max_num_queries):
    client = api(orgs.a, "reception")
    visit = day[1][0]
    with django_assert_max_num_queries(DEPARTURE_DESK):
        r = client.post(f"/desk/visits/{visit.pk}/depart/", {"desk": orgs.a.desk.pk}, HTTP_HX_REQUEST="true")
    assert r.status_code == 200 and "has left" in r.content.decode()


def test_scan_through_the_api(orgs, api, scoped, day, django_assert_max_num_queries):
    client = api(orgs.a, "reception")
    with scoped(orgs.a.org):
        code = codes.make_code(day[0][0])
    with django_assert_max_num_queries(SCAN_API):
        r = client.post(
            "/api/v1/visits/scan/", {"code": code, "desk": orgs.a.desk.pk}, content_type="application/json"
        )
    assert r.status_code == 200 and r.json()["action"] == "arrived"


def test_scan_at_the_desk(orgs, api, scoped, day, django_assert_max_num_queries):
    client = api(orgs.a, "reception")
    with scoped(orgs.a.org):
        code = codes.make_code(day[1][0], "badge")
    with django_assert_max_num_queries(SCAN_DESK):
        r = client.post("/desk/scan/", {"code": code, "desk": orgs.a.desk.pk}, HTTP_HX_REQUEST="true")
    assert r.status_code == 200 and "has left" in r.content.decode()


def test_desk_list(orgs, api, day, django_assert_max_num_queries):
    client = api(orgs.a, "reception")
    with django_assert_max_num_queries(DESK_LIST):
        r = client.get("/desk/visits/", {"desk": orgs.a.desk.pk})
    assert r.status_code == 200
    assert all(f'data-visit="{v.pk}"' in r.content.decode() for v in day[0] + day[1])


def test_roll_call_through_the_api(orgs, api, day, django_assert_max_num_queries):
    client = api(orgs.a, "reception")
    with django_assert_max_num_queries(ROLL_CALL_API):
        r = client.get(f"/api/v1/sites/{orgs.a.site.pk}/on-site/")
    assert r.status_code == 200 and len(r.json()) == ROWS


def test_roll_call_page(orgs, api, day, django_assert_max_num_queries):
    client = api(orgs.a, "reception")
    with django_assert_max_num_queries(ROLL_CALL_PAGE):
        r = client.get(f"/on-site/{orgs.a.site.pk}/")
    assert r.status_code == 200
