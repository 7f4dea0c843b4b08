"""Journeys of issue 14 in Chromium, against the live server, on demo data
(every demo visit type requires two consents): nobody is stranded by a consent.

(a) a host pre-registers a guest; the guest opens the invitation link from the
    e-mail (read from the SMTP server on loopback), switches to English, signs
    and sends a document; arrives at the kiosk with the e-mail's code; the kiosk
    prints the badge; the desk scans the badge: departed.
(b) a walk-in at the desk with its consents, keyboard only, timed.
(d) an admin's watchlist override still requires the consents.
And the kiosk: its language holds through every step, its signing page leads to
no staff page, its welcome returns to the start.

Each journey prints the keys, clicks and seconds a person needs. With
VESTIBULE_SCREENSHOTS=1, the screenshots of the README (docs/screens/) are
written there."""

import re
import time

import pytest
from django.conf import settings
from playwright.sync_api import expect

from badges.models import BadgePrint
from documents.models import Attachment, SignedConsent
from notifications.tests.servers import SmtpServer
from tests.browser import browser_page, needs_chromium, screenshot_path, sign_in
from visitors import configuration, invitations
from visitors.codes import make_code
from visitors.models import Visit, VisitStatus, VisitType

pytestmark = [pytest.mark.browser, needs_chromium, pytest.mark.django_db(transaction=True)]

PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< >>\n%%EOF\n"


def screenshot(page, name: str, tmp_path) -> None:
    page.screenshot(path=screenshot_path(name, tmp_path), full_page=True)


class Counter:
    """Keys and clicks a person makes, and the seconds they take."""

    def __init__(self, page):
        self.page, self.keys, self.clicks, self.scans = page, 0, 0, 0
        self.started = time.monotonic()

    def scan(self, code: str):
        """A QR scanner types the code and Enter: one gesture, no key."""
        self.page.keyboard.type(code)
        self.page.keyboard.press("Enter")
        self.scans += 1

    def press(self, key: str, times: int = 1):
        for _ in range(times):
            self.page.keyboard.press(key)
        self.keys += times

    def type(self, text: str):
        self.page.keyboard.type(text)
        self.keys += len(text)

    def click(self, locator):
        locator.click()
        self.clicks += 1

    def report(self, journey: str) -> str:
        seconds = time.monotonic() - self.started
        scans = f", {self.scans} scan" if self.scans else ""
        line = f"[journey {journey}] {self.keys} keys, {self.clicks} clicks{scans}, {seconds:.1f} s"
        print(line)
        return line


@pytest.fixture
def demo(orgs, scoped):
    """Org A with the demo's visit types, visits and consents (two texts
    required by every type), and a kiosk at its first site."""
    from badges import demo as badges_demo
    from documents import demo as documents_demo
    from visitors import demo as visitors_demo

    with scoped(orgs.a.org):
        visitors_demo.seed(orgs.a.org, visits=24)
        documents_demo.seed(orgs.a.org)
        badges_demo.seed(orgs.a.org)
        _token, key = configuration.create_kiosk_token(site=orgs.a.site, name="Hall")
        visitor_type = VisitType.objects.get(name_fr="Visiteur")
    return {"kiosk": key, "visitor_type": visitor_type}


@pytest.fixture
def smtp(settings, live_server):
    server = SmtpServer().start()
    for key, value in server.settings().items():
        setattr(settings, key, value)
    settings.PUBLIC_URL = live_server.url
    saved = invitations.sender
    invitations.sender = invitations.default_sender  # straight to SMTP after commit
    yield server
    invitations.sender = saved
    server.stop()


def french_desk(page, live_server, email):
    page.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": "fr", "url": live_server.url}])
    sign_in(page, live_server.url, email)
    page.wait_for_selector("nav.side")
    page.goto(f"{live_server.url}/desk/")
    expect(page.locator("h1")).to_have_text("Poste d'accueil")


def kiosk_printer(page) -> list:
    """The kiosk's printer, for a headless browser, whose print of a PDF frame
    crashes it: the badge URL the welcome page asks for is noted and its frame
    gets a page headless Chromium can print; the print is counted
    (`window.__printed` of the kiosk page). `served()` then fetches the noted
    URLs as the browser would have: the PDF, the print recorded once. (Call it
    once the browser is closed: inside Playwright's sync API, the ORM would
    open a connection of its own that outlives the test.)"""
    asked = []

    def badge(route):
        asked.append(route.request.url)
        route.fulfill(status=200, content_type="text/html", body="<p>badge</p>")

    page.route(re.compile(r"/kiosk/[^/]+/badge/"), badge)
    page.add_init_script(
        "window.print = function () { window.top.__printed = (window.top.__printed || 0) + 1; };"
    )
    return asked


def served(urls) -> list:
    from urllib.parse import urlsplit

    from django.test import Client

    answers = [Client().get(urlsplit(url).path) for url in urls]
    return [(r.status_code, r["Content-Type"], r.content[:4]) for r in answers]


def draw_signature(page):
    pad = page.locator("#signature-pad")
    pad.scroll_into_view_if_needed()
    box = pad.bounding_box()
    page.mouse.move(box["x"] + 20, box["y"] + 100)
    page.mouse.down()
    for x, y in ((80, 40), (140, 120), (220, 50), (300, 110)):
        page.mouse.move(box["x"] + x, box["y"] + y, steps=4)
    page.mouse.up()


# --- (a) invitation → English signing and upload → kiosk by QR → badge → desk scan ----------------
def test_journey_a_invitation_signing_kiosk_badge_and_departure(
    live_server, orgs, scoped, demo, smtp, tmp_path
):
    started = time.monotonic()
    with browser_page() as page:
        host = Counter(page)
        sign_in(page, live_server.url, "host@org-a.test")
        page.wait_for_selector("nav.side")
        page.goto(f"{live_server.url}/visits/new/")
        page.fill("#id_first_name", "Zoé")
        page.fill("#id_last_name", "Martin")
        page.fill("#id_email", "zoe@guest.test")
        page.select_option("#id_site", label=orgs.a.site.name)
        page.select_option("#id_visit_type", label="Visiteur")
        host.keys += len("Zoé" + "Martin" + "zoe@guest.test")
        host.clicks += 2
        host.click(page.locator("main form.card button").first)
        expect(page.locator(".messages")).to_be_visible()
        host.report("a, host pre-registers")
    with scoped(orgs.a.org):
        visit = Visit.objects.select_related("visitor").get(visitor__email="zoe@guest.test")
    # The e-mail left after commit, before the host's page came back.
    [(_recipients, email)] = [m for m in smtp.messages if m[0] == ["zoe@guest.test"]]
    text = email.get_body(preferencelist=("plain",)).get_content()
    link = re.search(r"(http://\S+/invitation/documents/\S+)", text).group(1)
    # The QR's text, printed below it for typing: a signed code.
    code = re.search(r"^\s*([\w.\-]+:[\w\-]+:[\w\-]+)\s*$", text, re.M).group(1)
    assert link.startswith(live_server.url)

    with browser_page(locale="en-US") as page:
        guest = Counter(page)
        page.goto(link)
        expect(page.locator("h1")).to_have_text("Documents à signer")  # the site's language first
        guest.click(page.locator("#language-link"))
        expect(page.locator("h1")).to_have_text("Documents to sign")
        expect(page.locator("#sign-form h2")).to_have_text(["How we use your personal data", "Safety rules"])
        for box in page.locator("#sign-form input[type=checkbox]").all():
            guest.click(box)
        page.fill("#signer_name", "Zoé Martin")
        guest.keys += len("Zoé Martin")
        draw_signature(page)
        guest.click(page.locator("#sign-button"))
        expect(page.locator("[role=status]")).to_have_text("Thank you, your signature has been recorded.")
        expect(page.locator("text=Nothing left to sign.")).to_be_visible()
        page.select_option("#id_kind", "insurance")
        page.set_input_files(
            "#id_file", {"name": "assurance.pdf", "mimeType": "application/pdf", "buffer": PDF}
        )
        guest.clicks += 2
        guest.click(page.locator("#upload-form button"))
        expect(page.locator("[role=status]")).to_have_text("Thank you, your document has been received.")
        expect(page.locator("h1")).to_have_text("Documents to sign")  # still English
        guest.report("a, guest signs and sends a document")
    with scoped(orgs.a.org):
        consents = list(SignedConsent.objects.filter(visit=visit))
        assert len(consents) == 2 and {(c.channel, c.language) for c in consents} == {("invitation", "en")}
        assert all(c.signature_key for c in consents)  # the drawn signature
        assert Attachment.objects.get(visit=visit).kind == "insurance"

    with browser_page() as page:
        tablet = Counter(page)
        printed = kiosk_printer(page)
        page.goto(f"{live_server.url}/kiosk/{demo['kiosk']}/")
        expect(page.locator("#k-code")).to_be_focused()
        tablet.scan(code)  # the invitation's QR, shown to the kiosk's scanner
        expect(page.locator("[role=status]")).to_have_text(re.compile(r"^Bienvenue, Zoé"))
        expect(page.locator("#kiosk-badge")).to_be_visible()
        page.wait_for_function("window.__printed === 1")
        assert 0 < int(page.locator("main").get_attribute("data-restart-seconds")) <= 10
        tablet.click(page.locator("h1"))  # a touch: ready for the next visitor
        expect(page.locator("#k-code")).to_be_visible()
        tablet.report("a, kiosk by QR (the scan, then a touch)")
    assert served(printed) == [(200, "application/pdf", b"%PDF")]
    with scoped(orgs.a.org):
        visit.refresh_from_db()
        assert visit.status == VisitStatus.ARRIVED and visit.arrived_desk_id is None
        assert BadgePrint.objects.filter(visit=visit).count() == 1
        badge_code = make_code(visit, "badge")

    with browser_page() as page:
        french_desk(page, live_server, "reception@org-a.test")
        desk = Counter(page)
        desk.press("Escape")  # out of the search field
        desk.press("s")
        desk.scan(badge_code)  # the badge's QR
        expect(page.locator("#desk-rows [role=status]")).to_contain_text("Zoé Martin")
        desk.report("a, departure by badge scan at the desk")
    with scoped(orgs.a.org):
        visit.refresh_from_db()
        assert visit.status == VisitStatus.DEPARTED
    print(f"[journey a] whole journey {time.monotonic() - started:.1f} s of test time")


# --- (b) walk-in with consents, keyboard only, timed ------------------------------------------------
def test_journey_b_walk_in_with_consents_by_keyboard_only(live_server, orgs, scoped, demo, tmp_path):
    # A guest expected now, whose consents are still to sign: the demo's own
    # visits are spread over the day, and at some hours none is on the desk.
    from django.utils import timezone

    from visitors import services

    with scoped(orgs.a.org):
        services.pre_register(
            organization=orgs.a.org,
            site=orgs.a.site,
            visit_type=demo["visitor_type"],
            expected_at=timezone.now(),
            visitor_values={"first_name": "Léon", "last_name": "Attendu"},
            host=orgs.a.members["host"],
            invite=False,
        )
    with browser_page() as page:
        french_desk(page, live_server, "reception@org-a.test")
        steps = page.locator("#desk-rows a.desk-step")
        expect(steps.first).to_have_text("Faire signer")  # the demo's visits still to sign
        screenshot(page, "desk-sign.png", tmp_path)
        person = Counter(page)
        person.press("Escape")  # out of the search field, where the page starts
        person.press("n")
        expect(page.locator("#walk-in #id_first_name")).to_be_focused()
        person.type("Zoé")
        person.press("Tab")
        person.type("Marchand")
        person.press("Tab")
        person.type("Éclat")
        person.press("Tab", 3)  # e-mail, phone: none for a walk-in
        expect(page.locator("#walk-in #id_visit_type")).to_be_focused()
        person.type("v")  # Visiteur
        expect(page.locator("#walk-in #id_visit_type option:checked")).to_have_text("Visiteur")
        person.press("Tab")
        person.type("h")  # the host: "host org-a"
        expect(page.locator("#walk-in #id_host option:checked")).to_have_text("host org-a")
        person.press("Tab", 2)  # the override reason (admins), the button
        person.press("Enter")
        # From the form straight to signing, the name already there.
        expect(page.locator("h1")).to_have_text("Documents à signer — Zoé Marchand")
        expect(page.locator("#signer_name")).to_have_value("Zoé Marchand")
        boxes = page.locator("#sign-form input[type=checkbox]")
        expect(boxes.first).to_be_focused()
        person.press("Space")
        person.press("Tab")
        expect(boxes.nth(1)).to_be_focused()
        person.press("Space")
        person.press("Tab")
        expect(page.locator("#signer_name")).to_be_focused()
        person.press("Enter")
        # Back at the desk, the walk-in selected: one key arrives it.
        expect(page.locator("#desk-rows tr.selected")).to_contain_text("Zoé Marchand")
        with page.expect_popup() as popup:
            person.press("Enter")
        popup.value.wait_for_load_state()
        assert "/badges/print/" in popup.value.url
        expect(page.locator("#desk-rows [role=status]")).to_contain_text("Zoé Marchand")
        line = person.report("b, walk-in with consents, keyboard only")
        assert person.clicks == 0 and "keys" in line
    with scoped(orgs.a.org):
        walk_in = Visit.objects.get(visitor__last_name="Marchand")
        assert walk_in.status == VisitStatus.ARRIVED
        assert SignedConsent.objects.filter(visit=walk_in, channel="desk").count() == 2
        assert Visit.objects.filter(visitor__last_name="Marchand").count() == 1


# --- (d) an admin's watchlist override still requires the consents ------------------------------------
def test_journey_d_watchlist_override_by_an_admin_still_requires_consents(live_server, orgs, scoped, demo):
    with scoped(orgs.a.org):
        configuration.add_watchlist_entry(
            organization=orgs.a.org, first_name="Paul", last_name="Noir", reason="Incident du 3 mars"
        )
    with browser_page() as page:
        french_desk(page, live_server, "admin@org-a.test")
        admin = Counter(page)
        admin.press("Escape")
        admin.press("n")
        page.fill("#walk-in #id_first_name", "Paul")
        page.fill("#walk-in #id_last_name", "Noir")
        page.select_option("#walk-in #id_visit_type", label="Visiteur")
        page.select_option("#walk-in #id_host", label="host org-a")
        page.fill("#walk-in #id_override_reason", "Escorté par la sécurité")
        admin.keys += len("Paul" + "Noir" + "Escorté par la sécurité")
        admin.clicks += 2
        admin.click(page.locator("#walk-in-form button"))
        # The override let the person in past the watchlist, not past the consents.
        expect(page.locator("h1")).to_have_text("Documents à signer — Paul Noir")
        for box in page.locator("#sign-form input[type=checkbox]").all():
            admin.click(box)
        admin.click(page.locator("#sign-button"))
        expect(page.locator("#desk-rows tr.selected")).to_contain_text("Paul Noir")
        with page.expect_popup():
            admin.press("Enter")  # the override given in the walk-in form holds
        expect(page.locator("#desk-rows [role=status]")).to_contain_text("Paul Noir")
        admin.report("d, admin walk-in over the watchlist, consents signed")
    with scoped(orgs.a.org):
        listed = Visit.objects.get(visitor__last_name="Noir")
        assert listed.status == VisitStatus.ARRIVED and listed.override_reason == "Escorté par la sécurité"
        assert SignedConsent.objects.filter(visit=listed).count() == 2


# --- the kiosk: its language through every step, no staff page, the welcome returns ---------------
def test_the_kiosk_keeps_its_language_and_its_visitor_signs_then_arrives(
    live_server, orgs, scoped, demo, tmp_path
):
    from visitors.tests.factories import make_visit, make_visitor

    with scoped(orgs.a.org):
        lea = make_visit(
            orgs.a,
            visit_type=demo["visitor_type"],
            visitor=make_visitor(orgs.a, first_name="Léa", last_name="Perrin-Sud"),
        )
        tom = make_visit(
            orgs.a,
            visit_type=demo["visitor_type"],
            visitor=make_visitor(orgs.a, first_name="Tom", last_name="Walker-Nord"),
        )
    kiosk = f"{live_server.url}/kiosk/{demo['kiosk']}/"
    with browser_page() as page:
        # French: find the visit, sign on the kiosk (the README's screenshot), arrive.
        printed = kiosk_printer(page)
        visitor = Counter(page)
        page.goto(kiosk)
        visitor.click(page.locator("#k-name"))
        visitor.type("Perrin-Sud")
        visitor.press("Enter")
        visitor.click(page.locator(".choices button"))
        visitor.click(page.locator("a.kiosk-link"))
        expect(page.locator("h1")).to_have_text("Documents à signer")
        assert page.locator("a[href*='/login/'], a[href='/']").count() == 0  # no way to a staff page
        screenshot(page, "kiosk-signing.png", tmp_path)
        for box in page.locator("#sign-form input[type=checkbox]").all():
            visitor.click(box)
        visitor.click(page.locator("#signer_name"))
        visitor.type("Léa Perrin-Sud")
        draw_signature(page)
        visitor.click(page.locator("#sign-button"))
        expect(page.locator("[role=status]")).to_have_text(re.compile(r"^Bienvenue, Léa"))
        visitor.report("kiosk, name search, signing, arrival (fr)")
        # The welcome returns to the start by itself.
        page.wait_for_url(re.compile(r"/kiosk/[^/]+/$"), timeout=15_000)
        expect(page.locator("#k-name")).to_be_visible()

        # English chosen at the start holds through the search, the signing and the welcome.
        page.click("text=English")
        page.fill("#k-name", "Walker-Nord")
        page.press("#k-name", "Enter")
        page.click(".choices button")
        expect(page.locator("[role=alert]")).to_have_text(
            "Some documents must be signed before your arrival."
        )
        page.click("a.kiosk-link")
        expect(page.locator("h1")).to_have_text("Documents to sign")
        expect(page.locator("#sign-form h2")).to_have_text(["How we use your personal data", "Safety rules"])
        for box in page.locator("#sign-form input[type=checkbox]").all():
            box.check()
        page.fill("#signer_name", "Tom Walker-Nord")
        page.click("#sign-button")
        expect(page.locator("[role=status]")).to_have_text(re.compile(r"^Welcome, Tom"))
        page.wait_for_function("window.__printed === 1")
    assert [status for status, _type, _body in served(printed)] == [200, 200]
    with scoped(orgs.a.org):
        for visit in (lea, tom):
            visit.refresh_from_db()
            assert visit.status == VisitStatus.ARRIVED
            assert SignedConsent.objects.filter(visit=visit, channel="kiosk").count() == 2
        assert set(SignedConsent.objects.filter(visit=tom).values_list("language", flat=True)) == {"en"}
