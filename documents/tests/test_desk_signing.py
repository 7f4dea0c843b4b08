"""Consents at the desk: "Faire signer" on the row of a visit still missing one,
the signing page and its way back (`next`, same-site paths only), the walk-in
that goes from its form to signing, and the admin's watchlist override that
lifts the watchlist only."""

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.utils import translation

from audit.models import JournalEntry
from documents.models import SignedConsent
from documents.services import text_digest
from tenancy.scope import tenant_scope
from visitors import configuration
from visitors import services as visits
from visitors.errors import VisitError
from visitors.models import Visit
from visitors.tests.factories import make_visit, make_visitor

from .helpers import consent_text, sign

pytestmark = pytest.mark.django_db


@pytest.fixture
def text_a(orgs, visit_a):
    with tenant_scope(orgs.a.org):
        return consent_text(orgs.a, [visit_a.visit_type])


def sign_form(text, **extra):
    v = text.current_version
    return {
        "action": "sign",
        "language": "fr",
        "version": [v.pk],
        f"accept_{v.pk}": "1",
        f"digest_{v.pk}": text_digest(v, "fr"),
        "signer_name": "Hélène Lefèvre",
        **extra,
    }


def french(client):
    client.cookies["vestibule_language"] = "fr"
    return client


def test_the_desk_row_offers_faire_signer_then_arrival_once_signed(orgs, visit_a, text_a, client_for):
    desk = french(client_for(orgs.a.members["reception"]))
    with tenant_scope(orgs.a.org):
        plain = make_visit(orgs.a)  # a type with no consent: no step
    page = desk.get(f"/desk/?desk={orgs.a.desk.pk}").content.decode()
    row = re.search(rf'<tr data-visit="{visit_a.pk}">.*?</tr>', page, re.S).group(0)
    link = re.search(r'<a class="button desk-step" href="([^"]+)" data-primary>Faire signer</a>', row)
    assert link, row
    url = link.group(1).replace("&amp;", "&")
    assert url.startswith(f"/visits/{visit_a.pk}/consents/?next=")
    back = parse_qs(urlsplit(url).query)["next"][0]
    assert back == f"/desk/?desk={orgs.a.desk.pk}&visit={visit_a.pk}"
    plain_row = re.search(rf'<tr data-visit="{plain.pk}">.*?</tr>', page, re.S).group(0)
    assert "Faire signer" not in plain_row and "data-primary>Arrivée" in plain_row
    # Signing on the desk's screen returns to the desk, the visit selected.
    signing = desk.get(url).content.decode()
    assert 'value="Hélène' in signing  # the visitor's name, typed already at the desk
    done = desk.post(url, sign_form(text_a))
    assert done.status_code == 302 and done["Location"] == back
    returned = desk.get(back).content.decode()
    assert f'data-selected-visit="{visit_a.pk}"' in returned and "Documents signés." in returned
    row = re.search(rf'<tr data-visit="{visit_a.pk}">.*?</tr>', returned, re.S).group(0)
    assert "Faire signer" not in row and "data-primary>Arrivée" in row
    # The one key: Enter presses the row's Arrival.
    assert desk.post(f"/desk/visits/{visit_a.pk}/arrive/", {"desk": orgs.a.desk.pk}).status_code == 200
    with tenant_scope(orgs.a.org):
        assert Visit.objects.get(pk=visit_a.pk).status == "arrived"


@pytest.mark.parametrize(
    "next_url",
    [
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example",
        "javascript:alert(1)",
        "http://testserver/x",
    ],
)
def test_the_signing_page_goes_back_to_same_site_paths_only(orgs, visit_a, text_a, client_for, next_url):
    desk = french(client_for(orgs.a.members["reception"]))
    url = f"/visits/{visit_a.pk}/consents/"
    response = desk.post(url, sign_form(text_a, next=next_url))
    assert response.status_code == 200  # signed, and stays here
    assert next_url not in response.content.decode()
    with tenant_scope(orgs.a.org):
        assert SignedConsent.objects.filter(visit=visit_a).count() == 1


def test_an_arrival_refused_for_a_consent_offers_the_signing(orgs, visit_a, text_a, client_for):
    desk = french(client_for(orgs.a.members["reception"]))
    refused = desk.post(f"/desk/visits/{visit_a.pk}/arrive/", {"desk": orgs.a.desk.pk})
    page = refused.content.decode()
    assert refused.status_code == 409 and "Consentement non signé" in page
    assert re.search(
        rf'class="alert error".*href="/visits/{visit_a.pk}/consents/\?next=[^"]+">Faire signer', page
    )


def test_a_walk_in_goes_from_its_form_to_signing_with_nothing_retyped(orgs, visit_a, text_a, client_for):
    desk = french(client_for(orgs.a.members["reception"]))
    response = desk.post(
        "/desk/walk-in/",
        {
            "desk": orgs.a.desk.pk,
            "first_name": "Zoé",
            "last_name": "Marchand",
            "company": "Éclat",
            "visit_type": visit_a.visit_type.pk,
        },
        HTTP_HX_REQUEST="true",
    )
    with tenant_scope(orgs.a.org):
        walk_in = Visit.objects.get(visitor__last_name="Marchand")
        assert walk_in.status == "expected"
    assert response.status_code == 204
    target = response["HX-Redirect"]
    assert target.startswith(f"/visits/{walk_in.pk}/consents/?next=")
    signing = desk.get(target).content.decode()
    assert 'value="Zoé Marchand"' in signing
    done = desk.post(target, sign_form(text_a, signer_name="Zoé Marchand"))
    assert done.status_code == 302 and f"visit={walk_in.pk}" in done["Location"]
    assert desk.post(f"/desk/visits/{walk_in.pk}/arrive/", {"desk": orgs.a.desk.pk}).status_code == 200
    with tenant_scope(orgs.a.org):
        assert Visit.objects.get(pk=walk_in.pk).status == "arrived"
        assert Visit.objects.filter(visitor__last_name="Marchand").count() == 1


def test_the_admin_watchlist_override_lifts_the_watchlist_only(orgs, visit_a, text_a):
    admin, reception = orgs.a.members["admin"], orgs.a.members["reception"]
    with translation.override("fr"), tenant_scope(orgs.a.org):
        configuration.add_watchlist_entry(
            organization=orgs.a.org, first_name="Paul", last_name="Noir", reason="Incident"
        )
        listed = make_visit(
            orgs.a,
            visit_type=visit_a.visit_type,
            visitor=make_visitor(orgs.a, first_name="Paul", last_name="Noir"),
        )
        with pytest.raises(VisitError) as refused:
            visits.arrive(visit=listed, desk=orgs.a.desk, by=admin, override_reason="Escorté par la sécurité")
        assert "Consentement non signé" in refused.value.message
        assert "surveillance" not in refused.value.message  # the watchlist is lifted, not the consent
        assert not refused.value.overridable
        assert Visit.objects.get(pk=listed.pk).status == "expected"
        sign(listed, text_a)
        with pytest.raises(VisitError) as still_listed:
            visits.arrive(visit=listed, desk=orgs.a.desk, by=reception)
        assert "surveillance" in still_listed.value.message and still_listed.value.overridable
        arrived = visits.arrive(
            visit=listed, desk=orgs.a.desk, by=admin, override_reason="Escorté par la sécurité"
        )
        assert arrived.status == "arrived" and arrived.override_reason == "Escorté par la sécurité"
        assert JournalEntry.objects.filter(verb="visit.override", target_id=str(listed.pk)).count() == 1


def test_an_admin_walk_in_over_the_watchlist_still_signs_then_arrives(orgs, visit_a, text_a, client_for):
    """The override given in the walk-in form holds for the arrival after
    signing: the admin does not type it again."""
    with tenant_scope(orgs.a.org):
        configuration.add_watchlist_entry(
            organization=orgs.a.org, first_name="Paul", last_name="Noir", reason="Incident"
        )
    desk = french(client_for(orgs.a.members["admin"]))
    response = desk.post(
        "/desk/walk-in/",
        {
            "desk": orgs.a.desk.pk,
            "first_name": "Paul",
            "last_name": "Noir",
            "visit_type": visit_a.visit_type.pk,
            "override_reason": "Escorté par la sécurité",
        },
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 204, response.content.decode()
    with tenant_scope(orgs.a.org):
        listed = Visit.objects.get(visitor__last_name="Noir")
    assert desk.post(f"/desk/visits/{listed.pk}/arrive/", {"desk": orgs.a.desk.pk}).status_code == 409
    assert desk.post(response["HX-Redirect"], sign_form(text_a, signer_name="Paul Noir")).status_code == 302
    assert desk.post(f"/desk/visits/{listed.pk}/arrive/", {"desk": orgs.a.desk.pk}).status_code == 200
    with tenant_scope(orgs.a.org):
        listed.refresh_from_db()
        assert listed.status == "arrived" and listed.override_reason == "Escorté par la sécurité"
