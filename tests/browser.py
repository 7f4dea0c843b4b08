"""Chromium through Playwright, for browser tests. Debian's chromium is used
(never a downloaded browser); without it the tests skip and say so."""

import os
import shutil
from contextlib import contextmanager

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

needs_chromium = pytest.mark.skipif(
    CHROMIUM is None, reason="chromium is not installed (apt-get install chromium)"
)


@contextmanager
def browser_page(locale="fr-FR"):
    """A page in headless Chromium."""
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; Django's guard
    # against database calls from async code would trip on the test's own ORM
    # calls. Only for the browser's lifetime, so no subprocess inherits it.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with _browser(sync_playwright, locale) as page:
            yield page
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@contextmanager
def _browser(sync_playwright, locale="fr-FR"):
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        try:
            page = browser.new_page(locale=locale)
            page.set_default_timeout(10_000)
            yield page
        finally:
            browser.close()


def sign_in(page, base_url, email, password="pw-Secret-123"):
    page.goto(f"{base_url}/login/")
    page.fill("#id_username", email)
    page.fill("#id_password", password)
    page.click("button[type=submit]")


def screenshot_path(name: str, fallback_dir) -> str:
    """docs/screens/NAME when VESTIBULE_SCREENSHOTS=1 (to refresh the committed
    screenshots), else a temporary folder: `make test` leaves the checkout clean."""
    from pathlib import Path

    if os.environ.get("VESTIBULE_SCREENSHOTS") == "1":
        folder = Path(__file__).resolve().parent.parent / "docs" / "screens"
        folder.mkdir(parents=True, exist_ok=True)
        return str(folder / name)
    return str(Path(fallback_dir) / name)
