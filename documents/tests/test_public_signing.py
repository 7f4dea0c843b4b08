"""Signing without an account: the invitation page and the kiosk, by signed link."""

import time

import pytest
from django.core import signing

from documents import tokens
from documents.hooks import sign_before_visit_link
from documents.models import Attachment, SignedConsent
from documents.services import text_digest
from tenancy.scope import tenant_scope
from visitors import invitations

from .helpers import consent_text, pdf_bytes, upload

pytestmark = pytest.mark.django_db


def sign_form(text, language="fr", name="Hélène Lefèvre"):
    v = text.current_version
    return {
        "action": "sign",
        "language": language,
        "version": [v.pk],
        f"accept_{v.pk}": "1",
        f"digest_{v.pk}": text_digest(v, language),
        "signer_name": name,
    }


@pytest.fixture
def text_a(orgs, visit_a):
    with tenant_scope(orgs.a.org):
        return consent_text(orgs.a, [visit_a.visit_type])


def test_invitation_page_signs_without_login(client, orgs, visit_a, text_a):
    url = tokens.invitation_url(visit_a)
    page = client.get(url + "?lang=en")
    assert page.status_code == 200
    assert "Wear the badge" in page.content.decode()
    response = client.post(url, sign_form(text_a, "en"), HTTP_USER_AGENT="Phone/2")
    assert response.status_code == 200
    with tenant_scope(orgs.a.org):
        consent = SignedConsent.objects.get()
        assert (consent.channel, consent.language, consent.recorded_by_id) == ("invitation", "en", None)
        assert consent.user_agent == "Phone/2"
    assert "Wear the badge" not in client.get(url + "?lang=en").content.decode()  # nothing left to sign


def test_invitation_page_accepts_a_document(client, orgs, visit_a):
    response = client.post(
        tokens.invitation_url(visit_a), {"action": "upload", "kind": "insurance", "file": upload(pdf_bytes())}
    )
    assert response.status_code == 200
    with tenant_scope(orgs.a.org):
        attachment = Attachment.objects.get()
        assert (attachment.channel, attachment.uploaded_by_id, attachment.kind) == (
            "invitation",
            None,
            "insurance",
        )


def test_invitation_page_refuses_a_bad_document(client, orgs, visit_a):
    response = client.post(
        tokens.invitation_url(visit_a),
        {"action": "upload", "kind": "other", "file": upload(b"MZ" + b"\0" * 99)},
    )
    assert response.status_code == 200 and "alert error" in response.content.decode()
    with tenant_scope(orgs.a.org):
        assert not Attachment.objects.exists()


def forged_tokens(visit):
    good = tokens.invitation_token(visit)
    payload = {"o": visit.organization_id, "v": visit.pk, "s": visit.token[:12], "e": int(time.time()) + 3600}
    return {
        "tampered": good[:-3] + ("aaa" if not good.endswith("aaa") else "bbb"),
        "wrong-key": signing.dumps(payload, salt=tokens.INVITATION_SALT, key="not-our-secret-" * 4),
        "wrong-salt": signing.dumps(payload, salt="something-else"),
        "kiosk-token-on-invitation": tokens.kiosk_token(visit),
        "garbage": "not-a-token",
    }


@pytest.mark.parametrize(
    "case", ["tampered", "wrong-key", "wrong-salt", "kiosk-token-on-invitation", "garbage"]
)
def test_forged_invitation_link_is_refused_and_nothing_recorded(client, orgs, visit_a, text_a, case):
    url = f"/invitation/documents/{forged_tokens(visit_a)[case]}/"
    assert client.get(url).status_code == 403
    assert client.post(url, sign_form(text_a)).status_code == 403
    assert (
        client.post(url, {"action": "upload", "kind": "other", "file": upload(pdf_bytes())}).status_code
        == 403
    )
    with tenant_scope(orgs.a.org):
        assert not SignedConsent.objects.exists() and not Attachment.objects.exists()


def test_expired_invitation_link_is_refused_and_nothing_recorded(client, orgs, visit_a, text_a):
    expired = tokens.make_token(visit_a, salt=tokens.INVITATION_SALT, expires_at=time.time() - 1)
    url = f"/invitation/documents/{expired}/"
    assert client.get(url).status_code == 403
    assert client.post(url, sign_form(text_a)).status_code == 403
    with tenant_scope(orgs.a.org):
        assert not SignedConsent.objects.exists()


def test_rotating_the_visit_secret_voids_links_already_sent(client, orgs, visit_a, text_a):
    url = tokens.invitation_url(visit_a)
    with tenant_scope(orgs.a.org):
        visit_a.token = "rotated-" + visit_a.token
        visit_a.save(update_fields=["token"])
    assert client.post(url, sign_form(text_a)).status_code == 403
    with tenant_scope(orgs.a.org):
        assert not SignedConsent.objects.exists()


def test_link_naming_another_organizations_visit_is_refused(client, orgs, visit_a, text_a):
    payload = {"o": orgs.b.org.pk, "v": visit_a.pk, "s": visit_a.token[:12], "e": int(time.time()) + 60}
    token = signing.dumps(payload, salt=tokens.INVITATION_SALT, compress=True)
    assert client.post(f"/invitation/documents/{token}/", sign_form(text_a)).status_code == 403


@pytest.fixture
def kiosk_key(orgs, visit_a):
    from visitors.configuration import create_kiosk_token

    with tenant_scope(orgs.a.org):
        return create_kiosk_token(site=visit_a.site)[1]


def test_kiosk_page_signs_with_its_short_lived_link(client, orgs, visit_a, text_a, kiosk_key):
    url = tokens.kiosk_url(visit_a, kiosk_key=kiosk_key)
    assert client.get(url).status_code == 200
    # The last consent signed, the kiosk registers the arrival and welcomes.
    done = client.post(url, sign_form(text_a))
    assert done.status_code == 200 and "Bienvenue, Hélène" in done.content.decode()
    with tenant_scope(orgs.a.org):
        assert SignedConsent.objects.get().channel == "kiosk"
    expired = tokens.make_token(visit_a, salt=tokens.KIOSK_SALT, expires_at=time.time() - 1)
    assert client.get(f"/kiosk/{kiosk_key}/consents/{expired}/").status_code == 403
    invitation = tokens.invitation_token(visit_a)
    assert client.get(f"/kiosk/{kiosk_key}/consents/{invitation}/").status_code == 403


def test_invitation_email_carries_the_signing_link(orgs, visit_a):
    assert sign_before_visit_link in invitations.extra_links
    with tenant_scope(orgs.a.org):
        [(label, url)] = sign_before_visit_link(visit_a)
    assert url.startswith("http") and "/invitation/documents/" in url and label


def test_link_pages_do_not_leak_the_link(client, visit_a):
    """`same-origin`: the link's URL reaches no other site, and the page's own
    POSTs carry its origin (`no-referrer` made Chromium send `Origin: null`)."""
    response = client.get(tokens.invitation_url(visit_a))
    assert response["Referrer-Policy"] == "same-origin"
    assert "no-store" in response["Cache-Control"] and "noindex" in response["X-Robots-Tag"]


def test_kiosk_sends_a_visitor_with_unsigned_consents_to_sign_then_arrives_them(
    client, orgs, visit_a, text_a, kiosk_key
):
    from visitors.models import Visit

    blocked = client.post(f"/kiosk/{kiosk_key}/", {"action": "confirm", "visit": visit_a.pk, "lang": "en"})
    page = blocked.content.decode()
    assert "Sign my documents" in page
    link = tokens.kiosk_url(visit_a, kiosk_key=kiosk_key).rsplit("/", 2)[0]
    assert link in page and "?lang=en" in page  # the language chosen goes along
    signing_page = client.get(tokens.kiosk_url(visit_a, kiosk_key=kiosk_key) + "?lang=en").content.decode()
    assert "Wear the badge" in signing_page and "/login/" not in signing_page
    # The visitor signs on the kiosk: arrived at once, welcomed in English.
    welcome = client.post(
        tokens.kiosk_url(visit_a, kiosk_key=kiosk_key) + "?lang=en", sign_form(text_a, "en")
    ).content.decode()
    assert "Welcome, Hélène" in welcome
    with tenant_scope(orgs.a.org):
        assert Visit.objects.get(pk=visit_a.pk).status == "arrived"
