"""Journey (c) of issue 14, in Chromium against the live server, on the demo
data: a host asks for a visit whose type needs approval; the approver is told by
e-mail (read from a real SMTP server on loopback), follows the link, signs in
and approves; the guest is invited by e-mail. Then a refusal without a reason is
refused, and with one the host is told.

E-mail leaves through the real path: send-log rows written in the visit's
transaction, the Celery task run after commit (eagerly here, as a worker would),
Django's SMTP backend. The test prints the clicks, keys and seconds a person
needs for each part."""

import io
import re
import time

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from notifications.tests.servers import SmtpServer
from tenancy.demo import PASSWORD
from tests.browser import browser_page, needs_chromium

pytestmark = [pytest.mark.browser, needs_chromium, pytest.mark.django_db(transaction=True)]

HOST, APPROVER = "host@acme.demo", "admin@acme.demo"


class Person:
    """A browser page that counts what a person does on it."""

    def __init__(self, page, base_url):
        self.page, self.base_url = page, base_url
        self.clicks = self.keys = 0

    def click(self, selector):
        self.clicks += 1
        self.page.click(selector)

    def type(self, selector, text):
        self.clicks += 1  # into the field
        self.keys += len(text)
        self.page.fill(selector, text)

    def choose(self, selector, label):
        self.clicks += 2  # open the list, pick
        self.page.select_option(selector, label=label)

    def sign_in(self, email):
        self.type("#id_username", email)
        self.type("#id_password", PASSWORD)
        self.click("button[type=submit]")


@pytest.fixture
def smtp(settings, live_server):
    server = SmtpServer().start()
    for key, value in server.settings().items():
        setattr(settings, key, value)
    settings.PUBLIC_URL = live_server.url  # the links in e-mails lead to this server
    yield server
    server.stop()


@pytest.fixture
def worker():
    """Celery tasks run where they are queued (after commit), as a worker would
    run them a moment later."""
    from config.celery import app

    saved = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = saved


@pytest.fixture
def demo():
    call_command("seed_demo", stdout=io.StringIO())


def mail_to(smtp, address, subject_part, timeout=10.0):
    """The message to `address` whose subject contains `subject_part` (the send
    happens after the request's commit, on another thread's SMTP session)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for recipients, message in list(smtp.messages):
            if address in recipients and subject_part in message["Subject"]:
                return message
        time.sleep(0.05)
    got = [(r, m["Subject"]) for r, m in smtp.messages]
    raise AssertionError(f"no e-mail to {address} about {subject_part!r}; got {got}")


def body(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def ask_for_a_visit(host: Person, first: str, last: str, email: str):
    host.click("nav.side a[href='/visits/new/']")
    host.type("#id_first_name", first)
    host.type("#id_last_name", last)
    host.type("#id_email", email)
    host.choose("#id_site", "Lyon — Siège")
    host.choose("#id_visit_type", "Entretien")
    host.click("form.card button")
    expect(host.page.locator(".messages")).to_be_visible()


def approver_opens(approver: Person, link: str):
    approver.page.goto(link)  # from the e-mail: one click in the mail reader
    approver.clicks += 1
    if "/login/" in approver.page.url:
        approver.sign_in(APPROVER)
    expect(approver.page.locator("#decision")).to_be_visible()


def test_approval_journey_host_asks_approver_told_approves_guest_invited_then_refusal_needs_reason(
    live_server, demo, smtp, worker
):
    with browser_page() as page:
        host = Person(page, live_server.url)
        approver = Person(page.context.browser.new_context(locale="fr-FR").new_page(), live_server.url)
        approver.page.set_default_timeout(10_000)

        # 1. The host asks; the approver is told, with a link to the visit.
        started = time.monotonic()
        page.goto(f"{live_server.url}/login/")
        host.sign_in(HOST)
        expect(page).to_have_url(f"{live_server.url}/visits/")  # a host lands on its visits
        ask_for_a_visit(host, "Zoé", "Martin", "zoe.martin@invite.test")
        asked = time.monotonic() - started
        told = mail_to(smtp, APPROVER, "Visite à approuver")
        link = re.search(r"http://\S+/visits/\d+/", body(told)).group(0)
        assert link.startswith(live_server.url) and "Zoé Martin" in told["Subject"]
        assert not [m for r, m in smtp.messages if "zoe.martin@invite.test" in r]  # not invited yet

        # 2. The approver follows the link, signs in, approves; the guest is invited.
        started = time.monotonic()
        approver_opens(approver, link)
        expect(approver.page.locator("h1")).to_contain_text("Zoé Martin")
        approver.click("#decision button[value=approve]")
        expect(approver.page.locator(".messages")).to_contain_text("Visite approuvée")
        expect(approver.page.locator("#history")).to_contain_text("Approuvée par Admin Acme Industrie")
        approved = time.monotonic() - started
        invitation = mail_to(smtp, "zoe.martin@invite.test", "Votre visite chez Acme Industrie")
        assert "Bonjour Zoé" in body(invitation)
        assert "Zoé Martin" in mail_to(smtp, HOST, "Visite approuvée")["Subject"]
        approval_clicks, approval_keys = approver.clicks, approver.keys

        # 3. A second request; a refusal without a reason is refused, with one the host is told.
        ask_for_a_visit(host, "Noé", "Garçon", "noe.garcon@invite.test")
        link = re.search(r"http://\S+/visits/\d+/", body(mail_to(smtp, APPROVER, "Noé Garçon"))).group(0)
        started = time.monotonic()
        approver.clicks = approver.keys = 0
        approver_opens(approver, link)
        approver.click("#decision button[value=refuse]")
        expect(approver.page.locator(".messages")).to_contain_text("Indiquez le motif du refus")
        expect(approver.page.locator("#decision")).to_be_visible()  # still waiting
        approver.type("#refusal-reason-input", "Pas d'accompagnateur ce jour-là")
        approver.click("#decision button[value=refuse]")
        expect(approver.page.locator("#refusal-reason")).to_have_text("Pas d'accompagnateur ce jour-là")
        refused = time.monotonic() - started
        to_host = mail_to(smtp, HOST, "Visite refusée")
        assert "Noé Garçon" in to_host["Subject"] and "Pas d'accompagnateur ce jour-là" in body(to_host)
        assert not [m for r, m in smtp.messages if "noe.garcon@invite.test" in r]  # never invited

    print(
        f"\n[journey c] host asks for a visit (sign-in included): {host.clicks} clicks, {host.keys} keys "
        f"for two requests; first request {asked:.1f} s"
        f"\n[journey c] approver from the e-mail link, sign-in, approve: {approval_clicks} clicks, "
        f"{approval_keys} keys, {approved:.1f} s"
        f"\n[journey c] refusal refused without reason, then with one: {approver.clicks} clicks, "
        f"{approver.keys} keys, {refused:.1f} s"
    )
