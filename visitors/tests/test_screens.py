"""The HTML screens: desk (htmx), pre-registration forms, admin pages, demo data."""

import datetime

import pytest
from django.core import mail
from django.utils import timezone

from visitors.models import Visit, VisitType
from visitors.tests.factories import make_visit, make_visit_type, make_visitor

pytestmark = pytest.mark.django_db(transaction=True)


def test_desk_search_ignores_accents_and_case(orgs, api, scoped):
    with scoped(orgs.a.org):
        helene = make_visit(
            orgs.a, visitor=make_visitor(orgs.a, first_name="Hélène", last_name="Lefèvre", company="Ïle")
        )
        make_visit(orgs.a, visitor=make_visitor(orgs.a, first_name="Paul", last_name="Martin", company="Zed"))
    desk = api(orgs.a, "reception")
    page = desk.get("/desk/").content.decode()
    assert 'id="desk-search"' in page and "Hélène" in page and "Martin" in page
    for q in ("helene", "LEFEVRE", "ile", "hel lef"):
        rows = desk.get("/desk/visits/", {"q": q, "desk": orgs.a.desk.pk}).content.decode()
        assert f'data-visit="{helene.pk}"' in rows, q
        assert "Martin" not in rows, q
    # Search by host name too.
    rows = desk.get("/desk/visits/", {"q": "host org-a", "desk": orgs.a.desk.pk}).content.decode()
    assert f'data-visit="{helene.pk}"' in rows


def test_desk_lists_who_is_expected_before_who_is_on_site(orgs, api, scoped):
    # Enter with no row selected acts on the first row: it must be an arrival.
    from visitors import services

    with scoped(orgs.a.org):
        on_site = make_visit(orgs.a, expected_at=timezone.now() - datetime.timedelta(hours=1))
        services.arrive(visit=on_site, desk=orgs.a.desk)
        expected = make_visit(orgs.a, expected_at=timezone.now() + datetime.timedelta(hours=1))
    rows = api(orgs.a, "reception").get("/desk/visits/", {"desk": orgs.a.desk.pk}).content.decode()
    assert rows.index(f'data-visit="{expected.pk}"') < rows.index(f'data-visit="{on_site.pk}"')


def test_desk_arrive_and_depart_with_htmx(orgs, api, scoped):
    with scoped(orgs.a.org):
        visit = make_visit(orgs.a)
    desk = api(orgs.a, "reception")
    r = desk.post(f"/desk/visits/{visit.pk}/arrive/", {"desk": orgs.a.desk.pk}, HTTP_HX_REQUEST="true")
    assert r.status_code == 200 and "has arrived — badge 1" in r.content.decode()
    r = desk.post(f"/desk/visits/{visit.pk}/arrive/", {"desk": orgs.a.desk.pk}, HTTP_HX_REQUEST="true")
    assert r.status_code == 409 and "already arrived" in r.content.decode()
    r = desk.post(f"/desk/visits/{visit.pk}/depart/", {"desk": orgs.a.desk.pk}, HTTP_HX_REQUEST="true")
    assert r.status_code == 200 and "has left" in r.content.decode()
    # A desk outside the perimeter is not a choice.
    r = desk.get("/desk/", {"desk": orgs.a.desk_other_site.pk})
    assert r.status_code == 404


def test_desk_scan_field(orgs, api, scoped):
    from visitors.codes import make_code

    with scoped(orgs.a.org):
        code = make_code(make_visit(orgs.a))
    desk = api(orgs.a, "reception")
    assert "has arrived" in desk.post("/desk/scan/", {"code": code, "desk": orgs.a.desk.pk}).content.decode()
    r = desk.post("/desk/scan/", {"code": "garbage", "desk": orgs.a.desk.pk})
    assert r.status_code == 409 and "forged" in r.content.decode()


def _form(org, vtype, **kw):
    start = timezone.localtime() + datetime.timedelta(days=1)
    data = {
        "first_name": "Noémie",
        "last_name": "Garçon",
        "email": "noemie@example.test",
        "site": org.site.pk,
        "visit_type": vtype,
        "expected_at": start.strftime("%Y-%m-%dT%H:%M"),
        "expected_until": (start + datetime.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
    }
    data.update(kw)
    return data


def test_host_pre_registers_for_themself(orgs, api, scoped):
    with scoped(orgs.a.org):
        vtype = make_visit_type(orgs.a, host_required=True).pk
    host = api(orgs.a, "host")
    r = host.post("/visits/new/", _form(orgs.a, vtype, host=orgs.a.members["admin"].pk))
    assert r.status_code == 302, r.content.decode()[:2000]
    with scoped(orgs.a.org):
        visit = Visit.objects.get()
        assert visit.host_id == orgs.a.members["host"].pk
    assert len(mail.outbox) == 1
    # The same person again is found, not duplicated.
    host.post("/visits/new/", _form(orgs.a, vtype, first_name="NOEMIE", email=""))
    with scoped(orgs.a.org):
        assert Visit.objects.count() == 2
        assert len({v.visitor_id for v in Visit.objects.all()}) == 1
    # Hosts see their own visits only.
    with scoped(orgs.a.org):
        make_visit(orgs.a, host=orgs.a.members["admin"])
    assert host.get("/api/v1/visits/").json()["count"] == 2
    r = host.post(f"/visits/{visit.pk}/edit/", _form(orgs.a, vtype, expected_until="2000-01-01T00:00"))
    assert "The end of the visit must be after its start." in r.content.decode()


def test_group_form_is_all_or_nothing(orgs, api, scoped):
    with scoped(orgs.a.org):
        vtype = make_visit_type(orgs.a).pk
    admin = api(orgs.a, "admin")
    form = _form(orgs.a, vtype, people="Ann;Lee;Acme;ann@example.test\n;NoFirst\nBob;Ray")
    r = admin.post("/visits/group/", form)
    assert "Line 2: first and last name are required." in r.content.decode()
    with scoped(orgs.a.org):
        assert not Visit.objects.exists()
    form["people"] = "Ann;Lee;Acme;ann@example.test\nBob;Ray"
    assert admin.post("/visits/group/", form).status_code == 302
    with scoped(orgs.a.org):
        assert Visit.objects.count() == 2


def test_admin_pages(orgs, api, scoped):
    admin = api(orgs.a, "admin")
    r = admin.post(
        "/visit-types/",
        {
            "name_fr": "Audit",
            "name_en": "Audit",
            "color": "#123456",
            "default_duration_minutes": 60,
            "active": "on",
        },
    )
    assert r.status_code == 302
    r = admin.post("/watchlist/", {"first_name": "Éve", "last_name": "Nope", "reason": "banned"})
    assert r.status_code == 302
    r = admin.post("/kiosks/", {"site": orgs.a.site.pk, "name": "Hall"})
    assert "/kiosk/kiosk_" in r.content.decode()
    with scoped(orgs.a.org):
        assert VisitType.objects.filter(name_fr="Audit").exists()


def test_seed_demo_hook(orgs, scoped):
    from visitors import demo

    with scoped(orgs.a.org):
        demo.seed(orgs.a.org, visits=120)
        assert set(VisitType.objects.values_list("name_fr", flat=True)) == {
            "Visiteur",
            "Prestataire",
            "Livraison",
            "Entretien",
        }
        assert Visit.objects.count() == 120
        today = Visit.objects.filter(expected_at__date=timezone.now().date())
        assert today.exists()
        numbers = list(
            Visit.objects.filter(badge_number__isnull=False).values_list(
                "site_id", "badge_day", "badge_number"
            )
        )
        assert len(numbers) == len(set(numbers))
