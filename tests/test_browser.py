"""The UI shell in a real browser: French by default, English on demand, the
navigation a role should see."""

import pytest

from .browser import browser_page, needs_chromium, sign_in

pytestmark = [pytest.mark.browser, needs_chromium]


@pytest.mark.django_db(transaction=True)
def test_french_login_then_role_navigation_then_english(live_server, orgs, tmp_path):
    with browser_page(locale="en-US") as page:
        page.goto(f"{live_server.url}/login/")
        # An English-speaking browser still gets the French product by default.
        assert page.locator("h1").inner_text() == "Connexion à Vestibule"
        sign_in(page, live_server.url, "reception@org-a.test")
        nav = page.locator("nav.side")
        assert "Sites & guichets" in nav.inner_text()
        assert "Journal d'activité" not in nav.inner_text()  # reception does not audit
        page.screenshot(path=str(tmp_path / "home-fr.png"))
        page.click("#language-switcher button[value=en]")
        page.wait_for_load_state()
        assert "Sites & desks" in page.locator("nav.side").inner_text()


@pytest.mark.django_db(transaction=True)
def test_admin_sees_administration_and_the_journal(live_server, orgs):
    with browser_page() as page:
        sign_in(page, live_server.url, "admin@org-a.test")
        page.click("text=Journal d'activité & audit")
        assert page.locator("h1").inner_text() == "Journal d'activité & audit"
        assert page.locator("table tbody tr").count() >= 1  # at least the sign-in itself
