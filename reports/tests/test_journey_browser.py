"""Issue 21, journey (c) in Chromium: an export whose filters match nothing,
asked from the reports page, says in the exports list why it is empty, with the
preview's own sentences. The export job runs through Celery (eagerly, in the
server's thread, after commit), writes its file and keeps its diagnostics."""

import time

import pytest
from playwright.sync_api import expect

from config.celery import app as celery_app
from tests.browser import browser_page, needs_chromium, sign_in

pytestmark = [pytest.mark.browser, needs_chromium, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def eager_celery():
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


def test_journey_c_an_empty_export_says_why(live_server, orgs, visits, store, eager_celery):
    with browser_page() as page:
        started, clicks, keys = time.monotonic(), 0, 0
        sign_in(page, live_server.url, "admin@org-a.test")
        clicks += 1
        page.click("nav.side >> text=Rapports & exports")
        clicks += 1
        expect(page.locator("h1")).to_have_text("Rapports & exports")
        page.fill("#f-from", "2026-03-02")
        page.fill("#f-to", "2026-03-02")
        keys += 2
        page.select_option("#f-status", ["no_show"])
        clicks += 1
        page.click("form.filters button")  # Aperçu
        clicks += 1
        preview = page.locator("#preview")
        expect(preview).to_contain_text("Pourquoi des lignes peuvent manquer")
        expected = preview.locator(".alert li").all_inner_texts()
        assert any("sans le filtre sur les états" in note for note in expected), expected
        page.click("#preview button:has-text('Exporter')")
        clicks += 1
        expect(page.locator("ul.messages")).to_contain_text("Export lancé")
        job = page.locator("h2:has-text('Exports') ~ table tbody tr").first
        expect(job).to_contain_text("Pourquoi des lignes peuvent manquer")
        expect(job).to_contain_text("0 ligne ")
        assert job.locator(".alert li").all_inner_texts() == expected
        seconds = time.monotonic() - started
    print(f"\njourney (c) empty export says why: {clicks} clicks, {keys} fields typed, {seconds:.1f} s")
