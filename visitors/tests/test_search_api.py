"""Search results over the API: the page and its count come from one query
(config.pagination.SearchPagination); what the caller reads must not change."""

import pytest

from visitors.tests.factories import make_visit, make_visitor

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(orgs, scoped):
    """Five "Garçon" visitors of org A (each with a visit hosted by A's host),
    one other person, and a "Garçon" of org B that must never be counted."""
    with scoped(orgs.a.org):
        found = [make_visitor(orgs.a, first_name="Zoé", last_name=f"Garçon {i}") for i in range(5)]
        make_visitor(orgs.a, first_name="Marc", last_name="Durand")
        for visitor in found:
            make_visit(orgs.a, visitor=visitor, host=orgs.a.members["host"])
    with scoped(orgs.b.org):
        make_visitor(orgs.b, first_name="Zoé", last_name="Garçon B")
    return found


@pytest.mark.parametrize("role", ["reception", "host"])  # host: a DISTINCT queryset, counted apart
@pytest.mark.parametrize(
    ("offset", "shown"),
    [(0, 2), (2, 2), (4, 1), (9, 0)],
)
def test_a_search_page_counts_every_match_of_the_organization(orgs, api, people, role, offset, shown):
    r = api(orgs.a, role).get("/api/v1/visitors/", {"q": "garcon", "limit": 2, "offset": offset})
    assert r.status_code == 200
    body = r.json()
    assert body["count"] == 5
    assert len(body["results"]) == shown
    assert all(row["last_name"].startswith("Garçon ") for row in body["results"])
    assert (body["next"] is not None) == (offset + 2 < 5)


def test_the_pages_of_a_search_hold_each_match_once(orgs, api, people):
    client = api(orgs.a, "reception")
    seen = []
    for offset in (0, 2, 4):
        seen += [
            row["id"]
            for row in client.get(
                "/api/v1/visitors/", {"q": "zoe garcon", "limit": 2, "offset": offset}
            ).json()["results"]
        ]
    assert sorted(seen) == sorted(v.pk for v in people)


def test_a_search_that_finds_nothing_counts_zero(orgs, api, people):
    body = api(orgs.a, "reception").get("/api/v1/visits/", {"q": "nobody"}).json()
    assert body == {"count": 0, "next": None, "previous": None, "results": []}


def test_visits_search_counts_like_the_list(orgs, api, people):
    client = api(orgs.a, "admin")
    searched = client.get("/api/v1/visits/", {"q": "garcon", "limit": 3}).json()
    assert searched["count"] == 5 and len(searched["results"]) == 3
