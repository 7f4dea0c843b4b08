"""Journeys in Chromium against the live server, on the demo data, from the
login page (issue 14):

(g) every menu entry of every role, in French and in English, opens without a
    4xx/5xx answer and shows no code written for developers (tests/words.py);
(e) compliance: opens the retention archive with a stated reason, finds a
    person for a data-subject request, then erases that person through the
    confirmation page (what will be erased, counted per data type, shown before
    anything runs); the person's visit then reads "personne effacée".

Each journey prints the clicks, keys and seconds a person needs."""

import datetime
import os
import re
import time

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connections
from django.utils import translation
from playwright.sync_api import expect

from tenancy.demo import DEMO, PASSWORD, ROLES

from .browser import browser_page, needs_chromium, screenshot_path
from .words import code_faults, journal_some_days_work, typography_faults

pytestmark = [pytest.mark.browser, needs_chromium, pytest.mark.django_db(transaction=True)]

SLUG = DEMO[0]["slug"]
# Swagger's page lists the API's codes on purpose: it is for developers.
DEVELOPER_PAGES = ("/api/docs/",)


@pytest.fixture
def demo(transactional_db):
    call_command("seed_demo", verbosity=0)
    journal_some_days_work(SLUG)


class Person:
    """Counts what a person does: clicks, keys, seconds."""

    def __init__(self, page):
        self.page = page
        self.clicks = 0
        self.keys = 0
        self.started = time.monotonic()

    def click(self, target):
        self.clicks += 1
        (self.page.locator(target) if isinstance(target, str) else target).click()

    def type(self, selector, text):
        self.keys += len(text)
        self.page.fill(selector, text)

    def sign_in(self, base_url, role):
        self.page.goto(f"{base_url}/login/")
        self.type("#id_username", f"{role}@{SLUG}.demo")
        self.type("#id_password", PASSWORD)
        self.click("button[type=submit]")
        expect(self.page.locator("nav.side")).to_be_visible()

    def subject_request(self, kind, full_name):
        """Records a data-subject request received today, from the menu."""
        self.click(self.page.get_by_role("link", name="Conservation & RGPD"))
        self.click(self.page.get_by_role("link", name="Demandes des personnes concernées"))
        self.page.select_option("#id_kind", value=kind)
        self.clicks += 1
        self.type("#id_received_on", datetime.date.today().isoformat())
        self.type("#id_full_name", full_name)
        self.click(self.page.get_by_role("button", name="Enregistrer", exact=True))

    def report(self, journey):
        seconds = time.monotonic() - self.started
        print(f"\n[journey {journey}] {self.clicks} clicks, {self.keys} keys, {seconds:.1f} s")


def _failed_responses(page):
    failures = []

    def seen(response):
        if response.status >= 400 and response.request.resource_type in ("document", "xhr", "fetch"):
            failures.append(f"{response.status} {response.url}")

    page.on("response", seen)
    return failures


@pytest.mark.parametrize("language", ["fr", "en"])
@pytest.mark.parametrize("role", ROLES)
def test_g_every_menu_entry_opens_in_words(live_server, demo, role, language):
    with browser_page(locale="fr-FR") as page:
        failures = _failed_responses(page)
        person = Person(page)
        person.sign_in(live_server.url, role)
        if language == "en":
            person.click("#language-switcher button[value=en]")
        expect(page.locator("html")).to_have_attribute("lang", language)
        entries = page.locator("nav.side a")
        names = entries.all_inner_texts()
        assert len(names) >= 4, names
        faults = []
        for index, name in enumerate(names):
            person.click(page.locator("nav.side a").nth(index))
            page.wait_for_load_state("load")
            path = page.url.removeprefix(live_server.url).split("?")[0]
            if path.startswith(DEVELOPER_PAGES):
                # Swagger's own page has no menu: the person comes back.
                page.go_back()
                person.clicks += 1
                continue
            expect(page.locator("html")).to_have_attribute("lang", language)
            text = page.locator("body").inner_text()
            faults += [f"{name} ({path}): {fault}" for fault in code_faults(text)]
            if language == "fr":
                faults += [f"{name} ({path}): {fault}" for fault in typography_faults(text)]
        person.report(f"g {role}/{language}, {len(names)} menu entries")
    assert not failures, failures
    assert not faults, "\n".join(faults)


def test_e_compliance_archive_with_a_reason_data_subject_search_then_erasure(live_server, demo):
    from config.registries import consultation, retention_types
    from retention.models import SubjectRequest
    from tenancy.models import Organization
    from tenancy.scope import tenant_scope
    from visitors.models import Visit, Visitor
    from visitors.subjects import matching_visitors

    organization = Organization.objects.get(slug=SLUG)
    with tenant_scope(organization):
        someone = (
            Visitor.objects.filter(anonymized_at__isnull=True, visits__isnull=False)
            .exclude(last_name="")
            .order_by("pk")
            .first()
        )
        full_name = f"{someone.first_name} {someone.last_name}"
        homonyms = Visitor.objects.filter(last_name=someone.last_name, first_name=someone.first_name).count()
        # Who the erasure will find (every visitor the name matches) and their visits.
        matched = set(
            matching_visitors(SubjectRequest(organization=organization, full_name=full_name)).values_list(
                "pk", flat=True
            )
        )
        visits = Visit.objects.filter(visitor_id__in=matched)
        # The visit page shows visits still in their consultation period; the demo's
        # data is drawn per organization id, so which of them are is not fixed.
        shown = consultation.within(visits, "visits")
        visit_count, one_visit = visits.count(), shown.order_by("pk").first().pk
    with translation.override("fr"):
        identities_label = str(retention_types.get("visitor_identities").label)
        visits_label = str(retention_types.get("visits").label)
    with browser_page(locale="fr-FR") as page:
        failures = _failed_responses(page)
        person = Person(page)
        person.sign_in(live_server.url, "compliance")

        # The archive opens once a reason is stated (and journaled).
        person.click(page.get_by_role("link", name="Conservation & RGPD"))
        person.click(page.get_by_role("link", name="Archives", exact=True))
        page.select_option("#id_data_type", label="Visites")
        person.clicks += 1
        person.type("#id_reason", "Contrôle de la CNIL, dossier 2026-114")
        person.click(page.get_by_role("button", name="Ouvrir les archives"))
        expect(page.locator("main")).to_contain_text("Contrôle de la CNIL, dossier 2026-114")
        expect(page.locator("h1")).to_contain_text("Visites")

        # A data-subject request finds the person by name.
        person.subject_request("access", full_name)
        expect(page.locator("h1")).to_contain_text("Accès")
        found = page.locator("main form label")
        expect(found.filter(has_text=full_name)).to_have_count(homonyms)
        expect(page.locator("main")).to_contain_text("Données trouvées")
        texts = [page.locator("body").inner_text()]

        # The erasure request: the same person, then the confirmation page.
        person.subject_request("erasure", full_name)
        expect(page.locator("h1")).to_contain_text("Effacement")
        expect(page.locator("main form input[name=visitor]:checked")).to_have_count(len(matched))
        person.click(page.get_by_role("link", name="Effacer les données de cette personne…"))
        preview = page.locator("#erase-preview")
        expect(preview).to_contain_text("Ce qui sera effacé")
        for label, count in ((identities_label, len(matched)), (visits_label, visit_count)):
            row = preview.locator("tbody tr").filter(
                has=page.locator("td", has_text=re.compile(f"^{label}$"))
            )
            expect(row.locator("td").nth(1)).to_have_text(str(count))
        texts.append(page.locator("body").inner_text())
        with tenant_scope(organization):
            assert not Visitor.objects.filter(pk__in=matched, anonymized_at__isnull=False).exists()  # not yet
        # Playwright's event loop gives this block its own database connection: close it.
        connections.close_all()
        person.click(page.get_by_role("button", name="Effacer définitivement"))
        expect(page.locator("ul.messages")).to_contain_text("Les données de la personne ont été effacées.")

        # The person's visit now reads as erased: no name left on it.
        page.goto(f"{live_server.url}/visits/{one_visit}/")
        expect(page.locator("#visit-title")).to_contain_text("personne effacée")
        expect(page.locator("main")).not_to_contain_text(full_name)
        texts.append(page.locator("body").inner_text())
        person.report("e compliance: archive with a reason, data-subject search, erasure with confirmation")
    assert not failures, failures
    with tenant_scope(organization):
        assert Visitor.objects.filter(pk__in=matched, anonymized_at__isnull=True).count() == 0
        assert not Visit.objects.filter(pk=one_visit, visitor__isnull=False).exists()
    faults = [fault for text in texts for fault in code_faults(text) + typography_faults(text)]
    assert not faults, faults


def test_dashboard_charts_show_values_and_axes(live_server, demo):
    """Also writes docs/screens/dashboard.png when VESTIBULE_SCREENSHOTS=1."""
    with browser_page(locale="fr-FR") as page:
        page.set_viewport_size({"width": 1280, "height": 900})
        person = Person(page)
        person.sign_in(live_server.url, "admin")
        person.click(page.get_by_role("link", name="Rapports & exports"))
        person.click(page.get_by_role("link", name="Tableaux de bord"))
        chart = page.locator("svg.chart").first
        expect(chart).to_be_visible()
        # A scale from 0, and the value of each day with visits written above its bar.
        scale = chart.locator("text[text-anchor=end]").all_text_contents()
        assert scale[0] == "0" and len(scale) >= 2
        values = page.locator("svg.chart text.value").all_text_contents()
        assert values and all(re.fullmatch(r"\d+", v) for v in values)
        person.report("dashboard")
        if os.environ.get("VESTIBULE_SCREENSHOTS") == "1":
            page.screenshot(path=screenshot_path("dashboard.png", "."), full_page=True)
    assert settings.LANGUAGE_CODE == "fr"
