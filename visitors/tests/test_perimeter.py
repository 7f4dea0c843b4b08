"""Who reaches which visitor (issue 15, point 8): reception through a visit of its
sites, hosts their own guests with the fields an invitation needs, admins and
compliance everyone. Anything else answers 404, like another tenant's row."""

import pytest

from visitors.models import Visit, VisitStatus
from visitors.tests.factories import make_visit, make_visit_type, make_visitor

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(orgs, scoped):
    """Élise, known only from the second site (outside reception's perimeter);
    Bruno, known from both sites; Chloé, a guest of the first site nobody hosts."""
    with scoped(orgs.a.org):
        vtype = make_visit_type(orgs.a)
        elise = make_visitor(orgs.a, first_name="Élise", last_name="Outre", phone="+33600000001")
        make_visit(orgs.a, site=orgs.a.site2, visitor=elise, visit_type=vtype)
        bruno = make_visitor(orgs.a, first_name="Bruno", last_name="Deux")
        make_visit(orgs.a, site=orgs.a.site2, visitor=bruno, visit_type=vtype)
        make_visit(orgs.a, site=orgs.a.site, visitor=bruno, visit_type=vtype, host=None)
        chloe = make_visitor(orgs.a, first_name="Chloé", last_name="Seule")
        make_visit(orgs.a, site=orgs.a.site, visitor=chloe, visit_type=vtype, host=None)
    return {"elise": elise, "bruno": bruno, "chloe": chloe, "vtype": vtype}


def listed(response):
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def test_reception_neither_reads_nor_edits_a_visitor_known_only_from_another_site(orgs, api, people, scoped):
    reception = api(orgs.a, "reception")
    elise = people["elise"]
    assert reception.get(f"/api/v1/visitors/{elise.pk}/").status_code == 404
    patched = reception.patch(
        f"/api/v1/visitors/{elise.pk}/", {"phone": "+33699999999"}, content_type="application/json"
    )
    assert patched.status_code == 404
    with scoped(orgs.a.org):
        elise.refresh_from_db()
    assert elise.phone == "+33600000001"  # nothing changed
    assert elise.pk not in listed(reception.get("/api/v1/visitors/", {"q": "Outre"}))
    # Choosing her by id for a new visit is "does not exist", naming the field.
    refused = reception.post(
        "/api/v1/visits/",
        {"visitor_id": elise.pk, "site": orgs.a.site.pk, "visit_type": people["vtype"].pk,
         "expected_at": "2026-12-02T15:00:00Z"},
        content_type="application/json",
    )  # fmt: skip
    assert refused.status_code == 400 and "visitor_id" in refused.json()


def test_reception_reaches_a_visitor_through_any_visit_of_its_sites(orgs, api, people):
    reception = api(orgs.a, "reception")
    bruno, chloe = people["bruno"], people["chloe"]
    assert reception.get(f"/api/v1/visitors/{bruno.pk}/").json()["last_name"] == "Deux"
    assert listed(reception.get("/api/v1/visitors/")) == {bruno.pk, chloe.pk}
    patched = reception.patch(
        f"/api/v1/visitors/{chloe.pk}/", {"company": "Globex"}, content_type="application/json"
    )
    assert patched.status_code == 200 and patched.json()["company"] == "Globex"


def test_a_walk_in_at_the_desk_brings_a_visitor_into_the_perimeter(orgs, api, people, scoped):
    """A person known from the other site arrives at reception's desk: the walk-in
    creates the visit (the same person, found by e-mail), and from then on
    reception reaches them."""
    reception = api(orgs.a, "reception")
    elise = people["elise"]
    response = reception.post(
        "/desk/walk-in/",
        {"desk": orgs.a.desk.pk, "first_name": "Élise", "last_name": "Outre", "email": elise.email,
         "visit_type": people["vtype"].pk},
    )  # fmt: skip
    assert response.status_code == 200, response.content.decode()
    with scoped(orgs.a.org):
        visit = Visit.objects.get(visitor=elise, site=orgs.a.site)
    assert visit.status == VisitStatus.ARRIVED
    assert reception.get(f"/api/v1/visitors/{elise.pk}/").status_code == 200


def test_reception_registers_visitors_with_their_visit_not_alone(orgs, api):
    body = {"first_name": "Jeanne", "last_name": "Seule", "email": "jeanne@example.test"}
    refused = api(orgs.a, "reception").post("/api/v1/visitors/", body, content_type="application/json")
    assert refused.status_code == 403
    assert "POST /api/v1/visits/" in refused.json()["detail"]
    french = api(orgs.a, "reception", language="fr").post(
        "/api/v1/visitors/", body, content_type="application/json"
    )
    assert "périmètre" in french.json()["detail"]
    assert (
        api(orgs.a, "admin").post("/api/v1/visitors/", body, content_type="application/json").status_code
        == 201
    )


def test_hosts_see_their_own_guests_with_no_contact_details(orgs, api, people, scoped):
    host = api(orgs.a, "host")
    with scoped(orgs.a.org):
        mine = make_visit(orgs.a, visitor=make_visitor(orgs.a, last_name="Invitée", phone="+33611111111"))
    rows = host.get("/api/v1/visitors/").json()["results"]
    # Élise and Bruno's second-site visits are the host's (the factory's default host).
    assert {row["id"] for row in rows} == {mine.visitor_id, people["elise"].pk, people["bruno"].pk}
    for row in rows:
        assert set(row) == {"id", "first_name", "last_name", "company", "language"}
    detail = host.get(f"/api/v1/visitors/{mine.visitor_id}/").json()
    assert detail["last_name"] == "Invitée" and "phone" not in detail and "email" not in detail
    assert host.get(f"/api/v1/visitors/{people['chloe'].pk}/").status_code == 404
    # Inviting a returning guest again needs only the id.
    created = host.post(
        "/api/v1/visits/",
        {"visitor_id": mine.visitor_id, "site": orgs.a.site.pk, "visit_type": people["vtype"].pk,
         "expected_at": "2026-12-02T15:00:00Z"},
        content_type="application/json",
    )  # fmt: skip
    assert created.status_code == 201, created.content


def test_admins_and_compliance_see_everyone(orgs, api, people):
    for role in ("admin", "compliance"):
        found = listed(api(orgs.a, role).get("/api/v1/visitors/"))
        assert {people["elise"].pk, people["bruno"].pk, people["chloe"].pk} <= found
        assert (
            api(orgs.a, role).get(f"/api/v1/visitors/{people['elise'].pk}/").json()["phone"] == "+33600000001"
        )
