"""The template editor in a real browser: the preview follows the form (htmx)."""

import pytest

from badges import services
from badges.models import BadgePrint
from tests.browser import browser_page, needs_chromium, sign_in

from .conftest import on_site

pytestmark = [pytest.mark.browser, needs_chromium]


@pytest.mark.django_db(transaction=True)
def test_editing_an_element_refreshes_the_preview_then_saving_makes_a_version(
    live_server, orgs, scoped, tmp_path
):
    with scoped(orgs.a.org):
        template = services.create_template(
            organization=orgs.a.org, by=None, name="Navigateur", preset="cr80"
        )
    with browser_page() as page:
        sign_in(page, live_server.url, "admin@org-a.test")
        page.goto(f"{live_server.url}/badges/templates/{template.pk}/")
        assert page.locator("h1").inner_text().startswith("Navigateur")
        page.fill("input[name=el-2-font_size]", "9")
        page.locator("input[name=el-2-font_size]").dispatch_event("change")
        page.wait_for_selector("#badge-preview iframe[src*='draft.pdf']")
        page.fill("input[name=el-2-x]", "500")
        page.locator("input[name=el-2-x]").dispatch_event("change")
        page.wait_for_selector("#badge-preview .errorlist")
        assert "hors du badge" in page.locator("#badge-preview .errorlist").inner_text()
        page.fill("input[name=el-2-x]", "2")
        page.click("text=Enregistrer (nouvelle version)")
        page.wait_for_selector("text=Modèle enregistré.")
        page.screenshot(path=str(tmp_path / "badge-editor.png"), full_page=True)
    with scoped(orgs.a.org):
        template.refresh_from_db()
        assert template.version == 2 and template.layout[2]["font_size"] == 9


@pytest.mark.django_db(transaction=True)
def test_the_desk_page_shows_the_badge_to_print(live_server, orgs, scoped):
    with scoped(orgs.a.org):
        visit = on_site(orgs.a)
    with browser_page() as page:
        sign_in(page, live_server.url, "reception@org-a.test")
        page.goto(f"{live_server.url}/badges/print/{visit.pk}/")
        frame = page.locator("iframe#badge-pdf")
        assert frame.get_attribute("data-autoprint") == "1"
        assert "badges.pdf?ids=" in frame.get_attribute("src")
    with scoped(orgs.a.org):
        assert BadgePrint.objects.filter(visit=visit).count() == 1
