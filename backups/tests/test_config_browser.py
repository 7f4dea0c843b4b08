"""Journey (f) in Chromium: an admin exports the configuration, imports the
same file, and is told that nothing changed."""

import time

import pytest

from backups import capture
from tenancy.scope import tenant_scope
from tests.browser import browser_page, needs_chromium, sign_in

pytestmark = [pytest.mark.browser, needs_chromium]


@pytest.mark.django_db(transaction=True)
def test_admin_exports_then_imports_the_configuration_and_sees_no_change(live_server, orgs, tmp_path):
    with tenant_scope(orgs.a.org):
        before = capture.export_config()
    with browser_page() as page:
        sign_in(page, live_server.url, "admin@org-a.test")
        started, clicks = time.monotonic(), 0
        page.click("text=Sauvegardes & restauration")
        clicks += 1
        with page.expect_download() as download_info:
            page.click("text=Télécharger la capture de paramétrage")
            clicks += 1
        saved = tmp_path / download_info.value.suggested_filename
        download_info.value.save_as(saved)
        assert saved.name == "configuration-org-a.json"
        page.click("text=Importer une capture de paramétrage")
        clicks += 1
        page.set_input_files("input[name=document]", str(saved))
        clicks += 1
        page.click("form.card button")
        clicks += 1
        page.wait_for_load_state()
        message = page.locator("ul.messages").inner_text()
        seconds = time.monotonic() - started
        assert "Aucun changement" in message, message
        assert page.locator("h1").inner_text() == "Sauvegardes & restauration"
        # A truncated file: one clear message, still on the import page.
        half = tmp_path / "half.json"
        half.write_bytes(saved.read_bytes()[:200])
        page.click("text=Importer une capture de paramétrage")
        page.set_input_files("input[name=document]", str(half))
        page.click("form.card button")
        page.wait_for_load_state()
        assert "pas un document de paramétrage complet" in page.locator("ul.messages").inner_text()
    with tenant_scope(orgs.a.org):
        assert capture.export_config() == before
    print(f"\njourney (f) configuration round trip: {clicks} clicks (one file chosen), {seconds:.1f} s")
