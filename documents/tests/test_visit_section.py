"""The visit page's documents section (issue 14): consents still to sign with a
"have it signed" link that brings the desk back to the visit page, signed ones
with their certificate, and attachments."""

from urllib.parse import quote

from django.conf import settings

from tenancy.scope import tenant_scope

from .helpers import consent_text, sign


def page(client_for, member, visit, language="en"):
    client = client_for(member)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client.get(f"/visits/{visit.pk}/").content.decode()


def test_a_missing_consent_offers_the_desk_its_signing_page_returning_to_the_visit(orgs, client_for, visit_a):
    with tenant_scope(orgs.a.org):
        consent_text(orgs.a, visit_types=[visit_a.visit_type])
    html = page(client_for, orgs.a.members["reception"], visit_a, "fr")
    assert "Consignes de sécurité" in html and "Faire signer" in html
    assert f'href="/visits/{visit_a.pk}/documents/?next={quote(f"/visits/{visit_a.pk}/", safe="")}"' in html
    # A host reads what is missing but does not run the desk's signing.
    host_html = page(client_for, orgs.a.members["host"], visit_a, "fr")
    assert "Consignes de sécurité" in host_html and "Faire signer" not in host_html


def test_a_signed_consent_shows_its_certificate_and_no_signing_link(orgs, client_for, visit_a):
    with tenant_scope(orgs.a.org):
        text = consent_text(orgs.a, visit_types=[visit_a.visit_type])
        (signed,) = sign(visit_a, text)
    html = page(client_for, orgs.a.members["reception"], visit_a)
    assert f'href="/api/v1/signed-consents/{signed.pk}/certificate/"' in html
    assert "Have it signed" not in html and "Hélène Lefèvre" in html
