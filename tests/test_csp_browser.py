"""The Content-Security-Policy in Chromium (issue 15, point 7): every page of
every role opens with the console listened to, and any CSP violation (the
`securitypolicyviolation` event, or Chromium's console error for it), any other
console error or uncaught script error fails the test. The scripts moved out of
the templates are exercised too: the desk's keyboard, the organization switcher,
the signature pad, the API documentation.

A control first proves the listener catches what the policy blocks."""

import time

import pytest
from django.conf import settings
from playwright.sync_api import expect

from tenancy.models import Membership

from .browser import browser_page, needs_chromium, sign_in

pytestmark = [pytest.mark.browser, needs_chromium, pytest.mark.django_db(transaction=True)]

LISTEN = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__cspViolations.push(e.violatedDirective + " " + (e.blockedURI || "inline"));
  console.error("CSP violation: " + e.violatedDirective + " blocked " + (e.blockedURI || "inline"));
});
"""


class Console:
    """Everything the browser complained about, for every page of the context
    (popups included)."""

    def __init__(self, page):
        self.problems: list[str] = []
        self.statuses: list[tuple[int, str]] = []
        page.context.add_init_script(LISTEN)
        page.context.on("page", self.watch)
        self.watch(page)

    def watch(self, page):
        page.on("console", lambda m: m.type == "error" and self.problems.append(f"{page.url}: {m.text}"))
        page.on("pageerror", lambda exc: self.problems.append(f"{page.url}: uncaught {exc}"))

        def on_response(response):
            if response.request.resource_type in ("document", "script", "stylesheet", "xhr", "fetch"):
                self.statuses.append((response.status, response.url))

        page.on("response", on_response)

    def expect_missing(self, url):
        """A 404 the test asked for."""
        self.statuses.remove((404, url))
        self.problems = [p for p in self.problems if not (p.startswith(url) and "404" in p)]

    def assert_clean(self):
        failed = [f"{status} {url}" for status, url in self.statuses if status >= 400]
        assert self.problems == [], "\n".join(self.problems)
        assert failed == [], "\n".join(failed)


def settle(page):
    page.wait_for_load_state("networkidle")
    violations = page.evaluate("window.__cspViolations || []")
    assert violations == [], f"{page.url}: {violations}"


def open_every_menu_entry(page, base_url):
    """Each link of the side menu, and each page of that list, in turn."""
    page.goto(f"{base_url}/")
    links = page.locator("nav.side a").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    assert links, "no menu"
    for href in dict.fromkeys(links):
        page.goto(f"{base_url}{href}")
        settle(page)
        if href == "/api/docs/":
            # The schema UI's own script ran: it drew the operations.
            expect(page.locator(".swagger-ui .opblock").first).to_be_visible(timeout=15_000)
    return links


@pytest.fixture
def scene(orgs, scoped):
    """What the pages show: an expected visit at reception's site (with a
    consent to sign), a kiosk, and a second organization for org A's admin."""
    from documents.tests.helpers import consent_text
    from documents.tokens import invitation_token, kiosk_token
    from visitors import configuration
    from visitors.tests.factories import make_visit, make_visit_type, make_visitor

    with scoped(orgs.a.org):
        vtype = make_visit_type(orgs.a, name_fr="Livraison", name_en="Delivery")
        consent_text(orgs.a, [vtype])
        visit = make_visit(
            orgs.a, visit_type=vtype, visitor=make_visitor(orgs.a, first_name="Zélie", last_name="Portail")
        )
        walk_up = make_visit(
            orgs.a,
            visit_type=make_visit_type(orgs.a, name_fr="Réunion", name_en="Meeting"),
            visitor=make_visitor(orgs.a, first_name="Yvon", last_name="Quai"),
        )
        _token, kiosk_key = configuration.create_kiosk_token(site=orgs.a.site, name="Hall")
        links = {"kiosk": kiosk_token(visit), "invitation": invitation_token(visit)}
    with scoped(orgs.b.org):
        Membership.objects.create(
            organization=orgs.b.org, user=orgs.a.members["admin"].user, role="compliance"
        )
    return {"visit": visit, "walk_up": walk_up, "kiosk_key": kiosk_key, **links}


def test_the_listener_catches_what_the_policy_blocks(live_server, orgs):
    with browser_page() as page:
        console = Console(page)
        page.goto(f"{live_server.url}/login/")
        assert "script-src 'self'" in page.evaluate(
            "async () => (await fetch('/login/')).headers.get('content-security-policy')"
        )
        page.evaluate(
            """() => { const s = document.createElement("script");
                       s.textContent = "window.__ran = true"; document.body.appendChild(s); }"""
        )
        page.wait_for_function("window.__cspViolations.length > 0")
        assert page.evaluate("window.__ran === undefined")
        assert any("Content Security Policy" in p or "CSP violation" in p for p in console.problems)


@pytest.mark.parametrize("role", ["admin", "reception", "host", "compliance"])
def test_every_menu_page_of_each_role_runs_under_the_policy(live_server, orgs, scene, role):
    started = time.monotonic()
    with browser_page() as page:
        console = Console(page)
        sign_in(page, live_server.url, f"{role}@org-a.test")
        page.wait_for_selector("nav.side")
        links = open_every_menu_entry(page, live_server.url)
        # The API as a browser sees it (DRF's browsable pages).
        page.goto(f"{live_server.url}/api/v1/sites/")
        settle(page)
        expect(page.locator(".response-info")).to_be_visible()
        # A missing page: the error page is under the policy too.
        page.goto(f"{live_server.url}/no-such-page/")
        expect(page.locator("h1")).to_have_text("Page introuvable")
        console.expect_missing(f"{live_server.url}/no-such-page/")
        console.assert_clean()
    print(
        f"\n[csp] {role}: {len(links)} menu pages opened in {time.monotonic() - started:.1f} s, no violation"
    )


def test_public_pages_run_under_the_policy(live_server, orgs, scene):
    with browser_page() as page:
        console = Console(page)
        for path in ("/login/", "/password-reset/", f"/kiosk/{scene['kiosk_key']}/", "/api/docs/"):
            page.goto(f"{live_server.url}{path}")
            settle(page)
        expect(page.locator(".swagger-ui .info .title")).to_be_visible()
        console.assert_clean()


def test_the_desk_keyboard_arrival_and_badge_window_run_from_files(live_server, orgs, scene):
    """Moved out of the page: / to search, Enter to arrive; the badge window that
    opens prints from its own file."""
    visit = scene["walk_up"]
    with browser_page() as page:
        console = Console(page)
        page.context.add_cookies(
            [{"name": settings.LANGUAGE_COOKIE_NAME, "value": "en", "url": live_server.url}]
        )
        sign_in(page, live_server.url, "reception@org-a.test")
        page.wait_for_selector("nav.side")
        page.goto(f"{live_server.url}/desk/")
        settle(page)
        started = time.monotonic()
        page.locator("h1").click()
        page.keyboard.press("/")
        expect(page.locator("#desk-search")).to_be_focused()
        page.keyboard.type("Quai")
        expect(page.locator(f"#desk-rows tr[data-visit='{visit.pk}']")).to_be_visible()
        with page.expect_popup() as popup_info:
            page.keyboard.press("Enter")
        popup = popup_info.value
        popup.wait_for_load_state()
        seconds = time.monotonic() - started
        assert popup.url == f"{live_server.url}/badges/print/{visit.pk}/"
        assert popup.locator("iframe#badge-pdf").get_attribute("data-autoprint") == "1"
        # Closed before print.js calls the print dialog (300 ms after the PDF
        # loads), which headless Chromium cannot show.
        assert popup.evaluate("window.__cspViolations") == []
        popup.close()
        expect(page.locator("#desk-rows")).to_contain_text("arrived")
        # The walk-in shortcut, from the same file.
        page.locator("h1").click()
        page.keyboard.press("n")
        expect(page.locator("#walk-in input").first).to_be_focused()
        settle(page)
        console.assert_clean()
    print(f"\n[csp] desk: '/', 4 letters, Enter -> arrival and badge window in {seconds:.1f} s")


def test_the_organization_switcher_submits_itself(live_server, orgs, scene):
    with browser_page() as page:
        console = Console(page)
        sign_in(page, live_server.url, "admin@org-a.test")
        page.wait_for_selector("#switch-org")
        with page.expect_navigation():
            page.select_option("#switch-org", label="Org B")
        expect(page.locator("header.top")).to_contain_text("Org B")
        settle(page)
        console.assert_clean()


@pytest.mark.parametrize("link", ["kiosk", "invitation"])
def test_the_signature_pad_runs_under_the_policy(live_server, orgs, scene, link):
    """The pad (documents/signature.js) draws and puts the drawing in the form.
    The form is caught on its way out: what the server does with it is the
    signing tests' business (documents/tests)."""
    path = {"kiosk": f"/kiosk/{scene['kiosk_key']}/consents/", "invitation": "/invitation/documents/"}[link]
    sent = []

    def catch(route):
        if route.request.method == "POST":
            sent.append(route.request.post_data)
            route.fulfill(status=200, content_type="text/html", body="<p id=sent>ok</p>")
        else:
            route.continue_()

    with browser_page() as page:
        console = Console(page)
        url = f"{live_server.url}{path}{scene[link]}/"
        page.route(url, catch)
        page.goto(url)
        settle(page)
        page.locator("input[type=checkbox][name^=accept_]").check()
        page.fill("#signer_name", "Zélie Portail")
        pad = page.locator("#signature-pad").bounding_box()
        page.mouse.move(pad["x"] + 20, pad["y"] + 40)
        page.mouse.down()
        page.mouse.move(pad["x"] + 120, pad["y"] + 90, steps=8)
        page.mouse.up()
        page.locator("#sign-form button:not(.secondary)").click()
        expect(page.locator("#sent")).to_have_text("ok")
        console.assert_clean()
    from urllib.parse import parse_qs

    form = parse_qs(sent[0])
    assert form["signer_name"] == ["Zélie Portail"]
    assert form["signature"][0].startswith("data:image/png;base64,")  # the drawing
