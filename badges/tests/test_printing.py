"""Printing at the desk: which template, what is recorded, what is refused."""

import io

import pytest
from pypdf import PdfReader

from audit.models import JournalEntry
from badges import selectors, services
from badges.models import BadgePrint

from .conftest import on_site, page_sizes

pytestmark = pytest.mark.django_db


def make(org, name, preset="brother_ql_62x100", **kw):
    return services.create_template(organization=org.org, by=None, name=name, preset=preset, **kw)


def test_resolution_prefers_desk_then_visit_type_then_site_then_default(orgs, scoped):
    from visitors.tests.factories import make_visit_type

    a = orgs.a
    with scoped(a.org):
        vip = make_visit_type(a, name_fr="VIP", name_en="VIP")
        default, site, kind, desk, both = (
            make(a, n) for n in ("default", "site", "type", "desk", "desk+type")
        )
        assert (
            selectors.resolve_template(site=a.site, desk=a.desk, visit_type=vip) == default
        )  # first by name
        services.assign_template(template=default)
        services.assign_template(template=site, site=a.site)
        services.assign_template(template=kind, visit_type=vip)
        services.assign_template(template=desk, desk=a.desk)
        services.assign_template(template=both, desk=a.desk, visit_type=vip)

        def resolve(site_, desk_=None, type_=None):
            return selectors.resolve_template(site=site_, desk=desk_, visit_type=type_).name

        assert resolve(a.site2) == "default"
        assert resolve(a.site) == "site"
        assert resolve(a.site, type_=vip) == "type"
        assert resolve(a.site, a.desk) == "desk"
        assert resolve(a.site, a.desk, vip) == "desk+type"
        assert resolve(a.site2, a.desk_other_site, vip) == "type"
        services.update_template(template=both, by=None, active=False)
        assert resolve(a.site, a.desk, vip) == "desk"


def test_reassigning_a_target_replaces_it_and_a_desk_of_another_site_is_refused(orgs, scoped):
    from django.core.exceptions import ValidationError

    a = orgs.a
    with scoped(a.org):
        one, two = make(a, "one"), make(a, "two")
        first = services.assign_template(template=one, site=a.site)
        second = services.assign_template(template=two, site=a.site)
        assert first.pk == second.pk and second.template == two
        with pytest.raises(ValidationError):
            services.assign_template(template=one, site=a.site, desk=a.desk_other_site)


def test_print_records_version_desk_person_and_journal_event(orgs, client_for, scoped):
    a = orgs.a
    with scoped(a.org):
        visit = on_site(a, number=12)
        template = make(a, "Étiquette")
        services.assign_template(template=template, site=a.site)
        services.update_template(template=template, by=None, orientation="landscape", layout=None)
    response = client_for(a.members["reception"]).post(
        f"/api/v1/visits/{visit.pk}/badge/print/", {"desk": a.desk.pk}
    )
    assert response.status_code == 201, response.content
    [(width, height)] = page_sizes(response.content)
    assert width > height  # version 2 is landscape
    with scoped(a.org):
        badge = BadgePrint.objects.get(visit=visit)
        assert badge.template_version.number == 2
        assert (badge.desk, badge.printed_by, badge.badge_number) == (a.desk, a.members["reception"].user, 12)
        event = JournalEntry.objects.get(verb="badge.printed")
        assert event.target_id == str(visit.pk)
        assert event.data["print"] == badge.pk and event.data["version"] == 2
        assert event.data["reprint"] is False
        assert "Lefèvre" not in str(event.data)


def test_reprint_keeps_the_badge_number_and_needs_a_reason(orgs, client_for, scoped):
    a = orgs.a
    with scoped(a.org):
        visit = on_site(a, number=5)
    client = client_for(a.members["reception"])
    assert client.post(f"/api/v1/visits/{visit.pk}/badge/print/").status_code == 201
    twice = client.post(f"/api/v1/visits/{visit.pk}/badge/print/")
    assert twice.status_code == 409 and twice.json()["code"] == "printed"
    no_reason = client.post(f"/api/v1/visits/{visit.pk}/badge/reprint/", {"reason": "  "})
    assert no_reason.status_code == 400 and "reason" in no_reason.json()
    again = client.post(f"/api/v1/visits/{visit.pk}/badge/reprint/", {"reason": "Bourrage imprimante"})
    assert again.status_code == 201
    with scoped(a.org):
        prints = list(BadgePrint.objects.filter(visit=visit).order_by("pk"))
        visit.refresh_from_db()
        assert [p.badge_number for p in prints] == [5, 5] and visit.badge_number == 5
        assert [p.reprint_reason for p in prints] == ["", "Bourrage imprimante"]
        assert [
            e.data["reprint"] for e in JournalEntry.objects.filter(verb="badge.printed").order_by("seq")
        ] == [
            False,
            True,
        ]


def test_reprint_before_any_print_is_refused(orgs, client_for, scoped):
    with scoped(orgs.a.org):
        visit = on_site(orgs.a)
    response = client_for(orgs.a.members["admin"]).post(
        f"/api/v1/visits/{visit.pk}/badge/reprint/", {"reason": "perdu"}
    )
    assert response.status_code == 409


@pytest.mark.parametrize("status", ["expected", "departed", "cancelled", "pending_approval"])
def test_printing_for_a_visit_not_on_site_is_refused(orgs, client_for, scoped, status):
    from visitors.tests.factories import make_visit

    with scoped(orgs.a.org):
        visit = make_visit(orgs.a, status=status)
    client = client_for(orgs.a.members["reception"])
    response = client.post(f"/api/v1/visits/{visit.pk}/badge/print/")
    assert response.status_code == 409 and response.json()["code"] == "not_arrived"
    assert client.get(f"/badges/print/{visit.pk}/").status_code == 409
    with scoped(orgs.a.org):
        assert not BadgePrint.objects.exists()


def test_printing_another_organizations_visit_is_404_and_records_nothing(orgs, client_for, scoped):
    with scoped(orgs.b.org):
        theirs = on_site(orgs.b)
    client = client_for(orgs.a.members["admin"])
    assert client.post(f"/api/v1/visits/{theirs.pk}/badge/print/").status_code == 404
    assert client.get(f"/api/v1/visits/{theirs.pk}/badge.pdf").status_code == 404
    assert client.get(f"/badges/print/{theirs.pk}/").status_code == 404
    group = client.post(
        "/api/v1/badge-prints/group/", {"visits": [theirs.pk]}, content_type="application/json"
    )
    assert group.status_code == 400 and "visits" in group.json()
    with scoped(orgs.b.org):
        assert not BadgePrint.objects.exists()


def test_a_desk_of_another_organization_or_site_is_refused(orgs, client_for, scoped):
    with scoped(orgs.a.org):
        visit = on_site(orgs.a)
    client = client_for(orgs.a.members["admin"])
    other = client.post(f"/api/v1/visits/{visit.pk}/badge/print/", {"desk": orgs.b.desk.pk})
    assert other.status_code == 400 and "desk" in other.json()
    wrong_site = client.post(f"/api/v1/visits/{visit.pk}/badge/print/", {"desk": orgs.a.desk_other_site.pk})
    assert wrong_site.status_code == 409


def test_group_print_is_one_pdf_one_page_per_badge_all_or_nothing(orgs, client_for, scoped):
    from visitors.tests.factories import make_visit

    a = orgs.a
    with scoped(a.org):
        group = [on_site(a, number=n) for n in (1, 2, 3)]
        late = make_visit(a, status="expected")
    client = client_for(a.members["reception"])
    ids = [v.pk for v in group]
    refused = client.post(
        "/api/v1/badge-prints/group/", {"visits": [*ids, late.pk]}, content_type="application/json"
    )
    assert refused.status_code == 409
    with scoped(a.org):
        assert not BadgePrint.objects.exists()
    response = client.post(
        "/api/v1/badge-prints/group/", {"visits": ids, "desk": a.desk.pk}, content_type="application/json"
    )
    assert response.status_code == 201
    assert len(PdfReader(io.BytesIO(response.content)).pages) == 3
    with scoped(a.org):
        assert BadgePrint.objects.count() == 3
        assert JournalEntry.objects.filter(verb="badge.printed").count() == 3


def test_group_print_on_a_sheet_fills_its_cells(orgs, client_for, scoped):
    a = orgs.a
    with scoped(a.org):
        services.assign_template(template=make(a, "Planche", preset="a4_8up"))
        group = [on_site(a, number=n) for n in range(1, 11)]
    response = client_for(a.members["admin"]).post(
        "/api/v1/badge-prints/group/", {"visits": [v.pk for v in group]}, content_type="application/json"
    )
    assert response.status_code == 201
    assert len(page_sizes(response.content)) == 2  # 8 + 2


def test_first_print_ever_creates_a_default_template(orgs, client_for, scoped):
    with scoped(orgs.a.org):
        visit = on_site(orgs.a)
    assert (
        client_for(orgs.a.members["admin"]).post(f"/api/v1/visits/{visit.pk}/badge/print/").status_code == 201
    )
    with scoped(orgs.a.org):
        assert BadgePrint.objects.get().template_version.template.name == services.DEFAULT_NAME


def test_badge_pdf_does_not_record_a_print(orgs, client_for, scoped):
    with scoped(orgs.a.org):
        visit = on_site(orgs.a)
    response = client_for(orgs.a.members["reception"]).get(f"/api/v1/visits/{visit.pk}/badge.pdf")
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    with scoped(orgs.a.org):
        assert not BadgePrint.objects.exists()


def test_desk_page_prints_once_and_reload_does_not_print_again(orgs, client_for, scoped):
    a = orgs.a
    with scoped(a.org):
        visit = on_site(a)
    client = client_for(a.members["reception"])
    first = client.get(f"/badges/print/{visit.pk}/?desk={a.desk.pk}")
    assert first.status_code == 200
    assert b"data-autoprint" in first.content
    reload = client.get(f"/badges/print/{visit.pk}/")
    assert reload.status_code == 200 and b"data-autoprint" not in reload.content
    with scoped(a.org):
        badge = BadgePrint.objects.get(visit=visit)
        assert badge.desk == a.desk
    pdf = client.get(first.context["pdf_url"])
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    reprint = client.post(f"/badges/print/{visit.pk}/", {"reason": "Badge abîmé"})
    assert reprint.status_code == 302
    assert b"data-autoprint" in client.get(reprint["Location"]).content
    with scoped(a.org):
        assert BadgePrint.objects.filter(visit=visit).count() == 2
        assert BadgePrint.objects.filter(visit=visit, reprint_reason="Badge abîmé").exists()


def test_desk_group_page_prints_every_visit_in_one_pdf(orgs, client_for, scoped):
    a = orgs.a
    with scoped(a.org):
        group = [on_site(a, number=n) for n in (1, 2)]
    client = client_for(a.members["reception"])
    page = client.get("/badges/print/group/", {"visits": [v.pk for v in group]})
    assert page.status_code == 200
    pdf = client.get(page.context["pdf_url"])
    assert len(page_sizes(pdf.content)) == 2


def test_reception_cannot_render_prints_outside_its_perimeter(orgs, client_for, scoped):
    a = orgs.a
    with scoped(a.org):
        [badge] = services.print_badges(visits=[on_site(a, site=a.site2)], desk=None, by=None)
    response = client_for(a.members["reception"]).get(f"/badges/print/badges.pdf?ids={badge.pk}")
    assert response.status_code == 404
    assert client_for(a.members["admin"]).get(f"/badges/print/badges.pdf?ids={badge.pk}").status_code == 200


def test_print_list_for_dashboards(orgs, client_for, scoped):
    with scoped(orgs.a.org):
        visit = on_site(orgs.a)
        services.print_badges(visits=[visit], desk=orgs.a.desk, by=None)
    body = client_for(orgs.a.members["compliance"]).get(f"/api/v1/badge-prints/?visit={visit.pk}").json()
    assert body["count"] == 1 and body["results"][0]["template_version"] == 1
