"""The visit page's badge section (issue 14): print the badge of a visitor on
site, reprint it with a reason, through the print page's own services."""

from tenancy.scope import tenant_scope
from visitors.tests.factories import make_visit


def test_reception_prints_then_reprints_with_a_reason_from_the_visit_page(orgs, client_for):
    with tenant_scope(orgs.a.org):
        visit = make_visit(orgs.a, arrived=True)
    desk = client_for(orgs.a.members["reception"])
    html = desk.get(f"/visits/{visit.pk}/").content.decode()
    assert f'href="/badges/print/{visit.pk}/"' in html and 'name="reason"' not in html
    assert desk.get(f"/badges/print/{visit.pk}/").status_code == 200  # the first print is recorded
    html = desk.get(f"/visits/{visit.pk}/").content.decode()
    assert f'action="/badges/print/{visit.pk}/"' in html and 'name="reason"' in html
    r = desk.post(f"/badges/print/{visit.pk}/", {"reason": "Badge abîmé"})
    assert r.status_code == 302
    html = desk.get(f"/visits/{visit.pk}/").content.decode()
    assert "Badge abîmé" in html
    with tenant_scope(orgs.a.org):
        assert [p.reprint_reason for p in visit.badge_prints.order_by("pk")] == ["", "Badge abîmé"]


def test_a_host_sees_no_badge_actions(orgs, client_for):
    with tenant_scope(orgs.a.org):
        visit = make_visit(orgs.a, arrived=True)
    html = client_for(orgs.a.members["host"]).get(f"/visits/{visit.pk}/").content.decode()
    assert "/badges/print/" not in html
