"""Signing in: web login, API tokens, lockout, and what each leaves in the journal."""

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from audit.models import JournalEntry
from tenancy.models import ApiToken
from tenancy.scope import tenant_scope

pytestmark = pytest.mark.django_db
PASSWORD = "pw-Secret-123"


def token_request(client, email, password, organization):
    return client.post(
        "/api/v1/auth/token/",
        {"email": email, "password": password, "organization": organization},
        content_type="application/json",
    )


def test_login_page_is_french_by_default(client):
    response = client.get("/login/")
    assert response.status_code == 200
    body = response.content.decode()
    assert 'lang="fr"' in body
    assert "Adresse e-mail" in body and "Mot de passe" in body


def test_language_switch_gives_english(client):
    client.post("/i18n/setlang/", {"language": "en", "next": "/login/"})
    body = client.get("/login/").content.decode()
    assert 'lang="en"' in body and "Password" in body


def test_web_login_with_email_and_password_journals_it(orgs):
    client = Client()
    user = orgs.a.members["reception"].user
    response = client.post("/login/", {"username": user.email, "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/").url == "/desk/"  # reception lands on its desk
    with tenant_scope(orgs.a.org):
        assert JournalEntry.objects.filter(verb="auth.login", target_id=str(user.pk)).exists()


def test_wrong_password_shows_a_french_error(orgs):
    response = Client().post("/login/", {"username": "admin@org-a.test", "password": "nope"})
    assert response.status_code == 200
    assert "Adresse e-mail ou mot de passe incorrect" in response.content.decode()


def test_token_for_valid_credentials_works_as_authorization_header(orgs):
    client = Client()
    response = token_request(client, "host@org-a.test", PASSWORD, "org-a")
    assert response.status_code == 200
    key = response.json()["token"]
    me = client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {key}")
    assert me.status_code == 200
    assert me.json()["organization"] == "org-a" and me.json()["role"] == "host"
    with tenant_scope(orgs.a.org):
        token = ApiToken.objects.get()
        assert token.key_hash != key and key not in token.key_hash  # stored hashed
        assert token.last_used_at is not None
        assert JournalEntry.objects.filter(verb="auth.token_created").exists()


def test_token_request_failures_all_look_the_same(orgs):
    client = Client()
    answers = [
        token_request(client, "host@org-a.test", PASSWORD, "no-such-org"),
        token_request(client, "nobody@org-a.test", PASSWORD, "org-a"),
        token_request(client, "host@org-a.test", "wrong", "org-a"),
        token_request(client, "host@org-a.test", PASSWORD, "org-b"),  # a real org, not theirs
    ]
    assert {r.status_code for r in answers} == {400}
    assert len({r.content for r in answers}) == 1


def test_repeated_wrong_passwords_lock_the_account_and_are_journaled(orgs):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/login/", {"username": "admin@org-a.test", "password": "wrong"})
    locked = client.post("/login/", {"username": "admin@org-a.test", "password": PASSWORD})
    assert locked.status_code == 429
    assert "verrouillé" in locked.content.decode()
    api = token_request(client, "admin@org-a.test", PASSWORD, "org-a")
    assert api.status_code == 429
    with tenant_scope(orgs.a.org):
        verbs = list(JournalEntry.objects.values_list("verb", flat=True))
    # The failures are counted by axes; the journal says it once each.
    assert verbs.count("auth.login_failed") == 1
    assert verbs.count("auth.locked_out") == 1
    # Another account is not locked by it.
    assert Client().post("/login/", {"username": "host@org-a.test", "password": PASSWORD}).status_code == 302


def test_revoked_token_is_refused(orgs):
    client = Client()
    key = token_request(client, "admin@org-a.test", PASSWORD, "org-a").json()["token"]
    with tenant_scope(orgs.a.org):
        token_id = ApiToken.objects.get().pk
    assert (
        client.delete(f"/api/v1/auth/tokens/{token_id}/", HTTP_AUTHORIZATION=f"Token {key}").status_code
        == 204
    )
    assert client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {key}").status_code == 401
    assert client.get("/api/v1/me/", HTTP_AUTHORIZATION="Token vst_forged").status_code == 401


def test_a_token_only_ever_sees_its_own_organization(orgs):
    client = Client()
    key = token_request(client, "admin@org-a.test", PASSWORD, "org-a").json()["token"]
    response = client.get(f"/api/v1/sites/{orgs.b.site.pk}/", HTTP_AUTHORIZATION=f"Token {key}")
    assert response.status_code == 404
    listed = client.get("/api/v1/sites/", HTTP_AUTHORIZATION=f"Token {key}").json()["results"]
    assert {s["id"] for s in listed} == {orgs.a.site.pk, orgs.a.site2.pk}


def test_switching_organization_changes_what_a_member_of_two_sees(orgs, client_for):
    from tenancy.models import Membership

    user = orgs.a.members["admin"].user
    with tenant_scope(orgs.b.org):
        second = Membership.objects.create(organization=orgs.b.org, user=user, role="compliance")
    client = client_for(orgs.a.members["admin"])
    assert {s["id"] for s in client.get("/api/v1/sites/").json()["results"]} == {
        orgs.a.site.pk,
        orgs.a.site2.pk,
    }
    client.post(reverse("switch_organization"), {"membership": second.pk})
    assert {s["id"] for s in client.get("/api/v1/sites/").json()["results"]} == {
        orgs.b.site.pk,
        orgs.b.site2.pk,
    }
    assert client.get("/api/v1/me/").json()["role"] == "compliance"


def test_switching_to_a_membership_that_is_not_yours_does_nothing(orgs, client_for):
    client = client_for(orgs.a.members["admin"])
    client.post(reverse("switch_organization"), {"membership": orgs.b.members["admin"].pk})
    assert client.get("/api/v1/me/").json()["organization"] == "org-a"


def test_sessions_expire_when_idle():
    assert settings.SESSION_SAVE_EVERY_REQUEST is True
    assert settings.SESSION_COOKIE_AGE <= 3600


def test_password_reset_sends_a_link(orgs, mailoutbox):
    response = Client().post("/password-reset/", {"email": "host@org-a.test"})
    assert response.status_code == 302
    assert len(mailoutbox) == 1
    assert "/password-reset/" in mailoutbox[0].body


def _auth_verbs(org):
    with tenant_scope(org):
        return list(
            JournalEntry.objects.filter(verb__startswith="auth.")
            .order_by("pk")
            .values_list("verb", flat=True)
        )


def test_a_flood_of_wrong_passwords_writes_two_journal_entries_not_hundreds(orgs):
    """An anonymous caller posting wrong passwords for a known address: the
    first failure and the lockout are journaled, the rest only counted."""
    from axes.models import AccessAttempt

    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT + 20):
        client.post("/login/", {"username": "host@org-a.test", "password": "wrong"})
    for _ in range(5):
        token_request(client, "host@org-a.test", "wrong", "org-a")
    assert _auth_verbs(orgs.a.org) == ["auth.login_failed", "auth.locked_out"]
    with tenant_scope(orgs.a.org):
        locked = JournalEntry.objects.get(verb="auth.locked_out")
    assert locked.data == {"failures": settings.AXES_FAILURE_LIMIT}
    # The count is axes' own, and attempts while locked neither count nor
    # push the unlock time further.
    attempt = AccessAttempt.objects.get(username="host@org-a.test")
    assert attempt.failures_since_start == settings.AXES_FAILURE_LIMIT
    # The other organization's journal holds nothing of it.
    assert _auth_verbs(orgs.b.org) == []


def test_attempts_while_locked_do_not_extend_the_lockout(orgs):
    from axes.models import AccessAttempt

    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/login/", {"username": "host@org-a.test", "password": "wrong"})
    locked_at = AccessAttempt.objects.get(username="host@org-a.test").attempt_time
    for _ in range(3):
        assert client.post("/login/", {"username": "host@org-a.test", "password": "wrong"}).status_code == 429
    assert AccessAttempt.objects.get(username="host@org-a.test").attempt_time == locked_at


def test_a_successful_sign_in_opens_a_new_window(orgs):
    client = Client()
    client.post("/login/", {"username": "host@org-a.test", "password": "wrong"})
    client.post("/login/", {"username": "host@org-a.test", "password": "wrong"})
    assert client.post("/login/", {"username": "host@org-a.test", "password": PASSWORD}).status_code == 302
    Client().post("/login/", {"username": "host@org-a.test", "password": "wrong"})
    assert _auth_verbs(orgs.a.org) == ["auth.login_failed", "auth.login", "auth.login_failed"]


def test_unknown_addresses_journal_nothing(orgs):
    for _ in range(settings.AXES_FAILURE_LIMIT + 2):
        Client().post("/login/", {"username": "nobody@org-a.test", "password": "wrong"})
    assert _auth_verbs(orgs.a.org) == []


def _reset(email, ip="192.0.2.10", language=None):
    client = Client(REMOTE_ADDR=ip)
    if language:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client.post("/password-reset/", {"email": email})


def test_password_reset_is_limited_per_account(orgs, mailoutbox):
    """40 requests in a row for one account send 3 e-mails; the rest are refused
    with a message in the reader's language."""
    answers = [_reset("host@org-a.test", ip=f"192.0.2.{n}") for n in range(40)]
    assert [a.status_code for a in answers[:3]] == [302, 302, 302]
    assert {a.status_code for a in answers[3:]} == {429}
    assert len(mailoutbox) == settings.PASSWORD_RESET_LIMIT_PER_ACCOUNT == 3
    assert "Trop de demandes de réinitialisation" in answers[3].content.decode()
    english = _reset("host@org-a.test", ip="192.0.2.99", language="en")
    assert english.status_code == 429
    assert "Too many reset requests" in english.content.decode()
    # Another account is not held by it.
    assert _reset("admin@org-a.test", ip="192.0.2.100").status_code == 302


def test_password_reset_is_limited_per_client_address(orgs, mailoutbox):
    emails = [f"person{n}@org-a.test" for n in range(settings.PASSWORD_RESET_LIMIT_PER_ADDRESS)]
    assert {_reset(e).status_code for e in emails} == {302}
    refused = _reset("host@org-a.test")
    assert refused.status_code == 429
    assert mailoutbox == []  # none of those addresses has an account
    # The account itself was not charged by the refused request: its owner,
    # from another address, still receives the link.
    assert _reset("host@org-a.test", ip="198.51.100.7").status_code == 302
    assert len(mailoutbox) == 1


def test_password_reset_limit_does_not_tell_which_accounts_exist(orgs, mailoutbox):
    import re

    def run(email, ip):
        pages = []
        for _ in range(5):
            response = _reset(email, ip)
            page = re.sub(r"[A-Za-z0-9]{64}", "TOKEN", response.content.decode().replace(email, "EMAIL"))
            pages.append((response.status_code, response.get("Location"), page))
        return pages

    known = run("host@org-a.test", "203.0.113.1")
    unknown = run("nobody@org-a.test", "203.0.113.2")
    assert [status for status, _, _ in known] == [302, 302, 302, 429, 429]
    assert known == unknown


def test_password_reset_with_a_malformed_address_is_a_form_error(orgs, mailoutbox):
    response = _reset("not-an-address")
    assert response.status_code == 200
    assert "Saisissez une adresse e-mail valide" in response.content.decode()
    assert mailoutbox == []
