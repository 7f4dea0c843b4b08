"""Bad input on the visitor's signing pages and the kiosk, under CSRF as a real
browser meets it.

Chromium sends `Origin: null` (and no Referer) on a form's POST when the page's
referrer policy hides its origin: the pages now send `same-origin`, and on these
public pages such a POST is still judged by its CSRF token alone. Another
origin, or a missing or wrong token, is refused. A kiosk revoked while its page
is open records nothing more. A stale form (a text replaced, or signed from
another tab) signs nothing and shows what is current."""

import re

import pytest
from django.test import Client

from documents import services, tokens
from documents.models import SignedConsent
from tenancy.scope import tenant_scope
from visitors import configuration
from visitors.models import Visit

from .helpers import consent_text

pytestmark = pytest.mark.django_db

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@pytest.fixture
def text_a(orgs, visit_a):
    with tenant_scope(orgs.a.org):
        return consent_text(orgs.a, [visit_a.visit_type])


@pytest.fixture
def kiosk(orgs, visit_a):
    with tenant_scope(orgs.a.org):
        token, key = configuration.create_kiosk_token(site=visit_a.site)
    return token, key


def browser():
    """A client that checks CSRF, as the middleware does for a real browser."""
    return Client(enforce_csrf_checks=True)


def page_form(client, url):
    """GET the page as the browser does: the CSRF cookie and the form's token."""
    page = client.get(url)
    assert page.status_code == 200
    return TOKEN.search(page.content.decode()).group(1), page.content.decode()


def form_values(page: str) -> dict:
    """The signing form as the page shows it (hidden fields, every box ticked)."""
    versions = re.findall(r'name="version" value="(\d+)"', page)
    values = {"action": "sign", "version": versions, "signer_name": "Hélène Lefèvre"}
    values["language"] = re.search(r'type="hidden" name="language" value="(\w+)"', page).group(1)
    for v in versions:
        values[f"digest_{v}"] = re.search(rf'name="digest_{v}" value="(\w+)"', page).group(1)
        values[f"accept_{v}"] = "1"
    return values


def signatures(org) -> int:
    with tenant_scope(org):
        return SignedConsent.objects.count()


# --- Origin: null, as Chromium sends it ---------------------------------------------------------
@pytest.mark.parametrize("where", ["invitation", "kiosk"])
def test_a_post_with_origin_null_and_a_valid_token_signs(orgs, visit_a, text_a, kiosk, where):
    url = (
        tokens.invitation_url(visit_a)
        if where == "invitation"
        else tokens.kiosk_url(visit_a, kiosk_key=kiosk[1])
    )
    client = browser()
    token, page = page_form(client, url)
    response = client.post(url, {**form_values(page), "csrfmiddlewaretoken": token}, HTTP_ORIGIN="null")
    assert response.status_code == 200
    assert signatures(orgs.a.org) == 1


@pytest.mark.parametrize(
    ("case", "headers"),
    [
        ("missing token", {"HTTP_ORIGIN": "null"}),
        ("wrong token", {"HTTP_ORIGIN": "null"}),
        ("another origin", {"HTTP_ORIGIN": "https://evil.example"}),
        (
            "null origin, another site's referer",
            {"HTTP_ORIGIN": "null", "HTTP_REFERER": "https://evil.example/x"},
        ),
    ],
)
@pytest.mark.parametrize("where", ["invitation", "kiosk"])
def test_a_post_without_its_token_or_from_elsewhere_is_refused(
    orgs, visit_a, text_a, kiosk, where, case, headers
):
    url = (
        tokens.invitation_url(visit_a)
        if where == "invitation"
        else tokens.kiosk_url(visit_a, kiosk_key=kiosk[1])
    )
    client = browser()
    token, page = page_form(client, url)
    values = form_values(page)
    if case != "missing token":
        values["csrfmiddlewaretoken"] = "x" * 64 if case == "wrong token" else token
    assert client.post(url, values, **headers).status_code == 403
    assert signatures(orgs.a.org) == 0


def test_the_kiosk_itself_takes_origin_null_with_its_token_and_refuses_without(orgs, visit_a, kiosk):
    """The kiosk's own steps (search, confirm) are under CSRF too."""
    url = f"/kiosk/{kiosk[1]}/"
    client = browser()
    token, _page = page_form(client, url + "?lang=en")
    confirm = {"action": "confirm", "visit": visit_a.pk, "lang": "en"}
    assert client.post(url, confirm, HTTP_ORIGIN="null").status_code == 403
    assert client.post(url, confirm, HTTP_ORIGIN="https://evil.example").status_code == 403
    with tenant_scope(orgs.a.org):
        assert Visit.objects.get(pk=visit_a.pk).status == "expected"
    done = client.post(url, {**confirm, "csrfmiddlewaretoken": token}, HTTP_ORIGIN="null")
    assert done.status_code == 200 and "Welcome, Hélène" in done.content.decode()


def test_the_desk_signing_page_keeps_the_strict_rule(orgs, visit_a, text_a, client_for):
    """A staff page rides a session: `Origin: null` stays refused there."""
    client = client_for(orgs.a.members["reception"])
    client.handler.enforce_csrf_checks = True
    url = f"/visits/{visit_a.pk}/consents/"
    token, page = page_form(client, url)
    values = {**form_values(page), "csrfmiddlewaretoken": token}
    assert client.post(url, values, HTTP_ORIGIN="null").status_code == 403
    ok = client.post(url, values, HTTP_ORIGIN="http://testserver")
    assert ok.status_code == 200, re.findall(r"alert error[^<]*<", ok.content.decode())
    assert signatures(orgs.a.org) == 1


# --- a kiosk revoked while its page is open ---------------------------------------------------------
def test_a_kiosk_revoked_while_signing_is_open_says_closed_and_records_nothing(orgs, visit_a, text_a, kiosk):
    token_row, key = kiosk
    url = tokens.kiosk_url(visit_a, kiosk_key=key) + "?lang=en"
    client = browser()
    csrf, page = page_form(client, url)
    with tenant_scope(orgs.a.org):
        configuration.revoke_kiosk_token(token=token_row)
    closed = client.post(url, {**form_values(page), "csrfmiddlewaretoken": csrf})
    assert closed.status_code == 404 and "This kiosk is closed" in closed.content.decode()
    assert signatures(orgs.a.org) == 0
    with tenant_scope(orgs.a.org):
        assert Visit.objects.get(pk=visit_a.pk).status == "expected"


def test_a_kiosk_revoked_while_its_start_page_is_open_says_closed_and_records_nothing(orgs, visit_a, kiosk):
    token_row, key = kiosk
    client = browser()
    csrf, _page = page_form(client, f"/kiosk/{key}/")
    with tenant_scope(orgs.a.org):
        configuration.revoke_kiosk_token(token=token_row)
    closed = client.post(
        f"/kiosk/{key}/",
        {"action": "confirm", "visit": visit_a.pk, "lang": "fr", "csrfmiddlewaretoken": csrf},
    )
    assert closed.status_code == 404 and "Cette borne est fermée" in closed.content.decode()
    with tenant_scope(orgs.a.org):
        assert Visit.objects.get(pk=visit_a.pk).status == "expected"


# --- stale forms ----------------------------------------------------------------------------------
def test_signing_twice_from_two_tabs_records_one_signature(orgs, visit_a, text_a):
    url = tokens.invitation_url(visit_a) + "?lang=en"
    client = browser()
    token, page = page_form(client, url)
    values = {**form_values(page), "csrfmiddlewaretoken": token}
    assert client.post(url, values).status_code == 200
    again = client.post(url, values)
    assert again.status_code == 400
    assert "already been signed" in again.content.decode()
    assert signatures(orgs.a.org) == 1


def test_the_service_refuses_a_second_signature_of_the_same_version(orgs, visit_a, text_a):
    from .helpers import sign

    with tenant_scope(orgs.a.org):
        sign(visit_a, text_a)
        with pytest.raises(services.SigningRefused):
            sign(visit_a, text_a)
        assert SignedConsent.objects.count() == 1


@pytest.mark.parametrize("how", ["new version", "corrected in place"])
def test_a_text_replaced_since_the_page_opened_is_shown_again_and_nothing_signed(orgs, visit_a, text_a, how):
    from visitors.tests.factories import make_visit

    from .helpers import sign

    url = tokens.invitation_url(visit_a) + "?lang=en"
    client = browser()
    token, page = page_form(client, url)
    with tenant_scope(orgs.a.org):
        if how == "new version":
            # Someone else signed version 1, so the new wording is version 2.
            sign(make_visit(orgs.a, visit_type=visit_a.visit_type), text_a)
        services.update_consent_text(text=text_a, body_en="Helmet on at all times.")
        text_a.refresh_from_db()
        before = SignedConsent.objects.filter(visit=visit_a).count()
    response = client.post(url, {**form_values(page), "csrfmiddlewaretoken": token})
    shown = response.content.decode()
    assert response.status_code == 400 and "has changed since the page was opened" in shown
    assert (
        "Helmet on at all times." in shown and f'name="version" value="{text_a.current_version_id}"' in shown
    )
    with tenant_scope(orgs.a.org):
        assert SignedConsent.objects.filter(visit=visit_a).count() == before == 0
