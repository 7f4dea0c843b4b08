"""The visit page (issue 14): what a member reads about one visit, its history
in words, the decisions and the cancellation asked for with confirmation, and
where each role lands after signing in."""

import html
import re
import zoneinfo

import pytest
from django.utils import timezone

from audit import services as audit
from tenancy.context import Actor, current_actor
from visitors import services
from visitors.models import VisitStatus
from visitors.tests.factories import make_visit, make_visit_type, make_visitor


def text(response) -> str:
    """The page's words, without tags and with spaces collapsed."""
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode())))


@pytest.fixture
def visit(orgs, scoped):
    with scoped(orgs.a.org):
        vtype = make_visit_type(orgs.a, name_fr="Entretien", name_en="Interview")
        return make_visit(
            orgs.a, visit_type=vtype, visitor=make_visitor(orgs.a, first_name="Zoé", last_name="Brûlé")
        )


def test_the_page_names_visitor_host_type_times_with_the_zone_and_the_arrival_in_words(orgs, scoped, api):
    with scoped(orgs.a.org):
        vtype = make_visit_type(orgs.a, name_fr="Entretien", name_en="Interview")
        visit = make_visit(
            orgs.a, visit_type=vtype, visitor=make_visitor(orgs.a, first_name="Zoé", last_name="Brûlé")
        )
        reception = orgs.a.members["reception"]
        reception.user.full_name = "Marie Dupont"
        reception.user.save()
        acting = current_actor.set(Actor(user_id=reception.user_id))  # as the request sets it
        try:
            services.arrive(visit=visit, desk=orgs.a.desk, by=reception)
        finally:
            current_actor.reset(acting)
        arrived = timezone.localtime(visit.arrived_at, zoneinfo.ZoneInfo("Europe/Paris"))
    page = text(api(orgs.a, "reception", "fr").get(f"/visits/{visit.pk}/"))
    assert "Zoé Brûlé" in page and "host org-a" in page and "Entretien" in page
    assert "(Europe/Paris)" in page and "Desk 1" in page and "Sur site" in page
    assert (
        f"Arrivée enregistrée par Marie Dupont au guichet Desk 1, {arrived:%d/%m/%Y %H:%M} (Europe/Paris)"
        in page
    )
    assert "visit.arrived" not in page and "#" + str(visit.pk) not in page


def test_an_actor_erased_since_reads_erased_person(orgs, scoped, api, visit):
    with scoped(orgs.a.org):
        audit.record("visit.updated", target=visit, data={"visit_id": visit.pk}, actor=Actor(user_id=987654))
    page = text(api(orgs.a, "admin", "fr").get(f"/visits/{visit.pk}/"))
    assert "Modifiée par personne effacée" in page


def test_a_host_sees_its_own_visits_only(orgs, scoped, api):
    with scoped(orgs.a.org):
        own = make_visit(orgs.a)
        someone_elses = make_visit(orgs.a, host=orgs.a.members["admin"])
    host = api(orgs.a, "host")
    assert host.get(f"/visits/{own.pk}/").status_code == 200
    assert host.get(f"/visits/{someone_elses.pk}/").status_code == 404
    assert api(orgs.b, "admin").get(f"/visits/{own.pk}/").status_code == 404


def test_every_list_row_links_to_the_visit_page(orgs, scoped, api, visit):
    with scoped(orgs.a.org):
        on_site = make_visit(orgs.a, arrived=True)
    link = f'href="/visits/{visit.pk}/"'
    reception = api(orgs.a, "reception")
    assert link in reception.get("/visits/").content.decode()
    assert link in reception.get("/visits/", {"q": "brule"}).content.decode()
    assert link in reception.get("/desk/visits/", {"desk": orgs.a.desk.pk}).content.decode()
    assert link in reception.get("/desk/visits/", {"desk": orgs.a.desk.pk, "q": "zoe"}).content.decode()
    assert f'href="/visits/{on_site.pk}/"' in reception.get(f"/on-site/{orgs.a.site.pk}/").content.decode()


def test_a_refusal_without_reason_is_refused_and_with_one_it_is_kept_and_shown(orgs, scoped, api):
    with scoped(orgs.a.org):
        pending = make_visit(orgs.a, status="pending_approval")
    admin = api(orgs.a, "admin")
    page = admin.get(f"/visits/{pending.pk}/").content.decode()
    assert 'name="decision" value="refuse"' in page
    r = admin.post(f"/visits/{pending.pk}/decide/", {"decision": "refuse", "reason": "  "}, follow=True)
    assert "Give the reason for the refusal" in r.content.decode()
    r = admin.post(f"/api/v1/visits/{pending.pk}/refuse/", {}, content_type="application/json")
    assert r.status_code == 400 and "reason" in r.json()
    with scoped(orgs.a.org):
        pending.refresh_from_db()
        assert pending.status == VisitStatus.PENDING_APPROVAL
    r = admin.post(
        f"/visits/{pending.pk}/decide/", {"decision": "refuse", "reason": "Pas d'escorte"}, follow=True
    )
    assert "Pas d'escorte" in text(r) and "Visit refused; the host is told." in text(r)
    with scoped(orgs.a.org):
        pending.refresh_from_db()
        assert (pending.status, pending.refusal_reason) == (VisitStatus.REFUSED, "Pas d'escorte")


def test_cancelling_asks_for_confirmation_then_keeps_the_reason(orgs, scoped, api, visit):
    host = api(orgs.a, "host")
    assert f'href="/visits/{visit.pk}/cancel/"' in host.get(f"/visits/{visit.pk}/").content.decode()
    confirm = host.get(f"/visits/{visit.pk}/cancel/")
    assert confirm.status_code == 200 and "Yes, cancel the visit" in text(confirm)
    assert re.search(
        r"will be cancelled at \d\d:\d\d \(Europe/Paris\)|at \d\d:\d\d \(Europe/Paris\) will be",
        text(confirm),
    )
    assert not re.search(r"<script(?![^>]*\bsrc=)|\bon[a-z]+=", confirm.content.decode())  # no inline JS
    with scoped(orgs.a.org):
        visit.refresh_from_db()
        assert visit.status == VisitStatus.EXPECTED  # opening the page cancels nothing
    r = host.post(f"/visits/{visit.pk}/cancel/", {"reason": "Réunion reportée"})
    assert r.status_code == 302 and r.url == f"/visits/{visit.pk}/"
    with scoped(orgs.a.org):
        visit.refresh_from_db()
        assert (visit.status, visit.cancellation_reason) == (VisitStatus.CANCELLED, "Réunion reportée")
    assert "Réunion reportée" in text(host.get(f"/visits/{visit.pk}/"))


def test_each_role_lands_where_its_day_starts(orgs, scoped, api):
    with scoped(orgs.a.org):
        make_visit(orgs.a, status="pending_approval")
    assert api(orgs.a, "reception").get("/").url == "/desk/"
    assert api(orgs.a, "host").get("/").url == "/visits/"
    home = text(api(orgs.a, "admin", "fr").get("/"))
    assert "1 visite attend une approbation." in home
    assert "Aucun e-mail ni SMS en échec ces 7 derniers jours." in home
    assert "Aucune purge n'est encore terminée." in home
    assert "sites visibles" not in home
    compliance = text(api(orgs.a, "compliance", "fr").get("/"))
    assert "visite attend" not in compliance  # not an approver of anything
    assert "Aucun exercice de restauration" in compliance


def test_the_menu_leads_admins_to_kiosks_and_the_watchlist(orgs, api):
    admin = api(orgs.a, "admin").get("/").content.decode()
    assert 'href="/kiosks/"' in admin and 'href="/watchlist/"' in admin
    for role in ("reception", "host", "compliance"):
        page = api(orgs.a, role).get("/visits/").content.decode()
        assert 'href="/kiosks/"' not in page and 'href="/watchlist/"' not in page
