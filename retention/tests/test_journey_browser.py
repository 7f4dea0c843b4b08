"""Issue 21, journey (b) in Chromium: the DPO (compliance role) changes a
retention policy, runs a dry run, places a legal hold, answers an access
request with its ZIP, erases the person after the confirmation page, and
downloads the purge proof."""

import io
import time
import zipfile

import pytest
from django.db import connections
from django.utils import timezone
from playwright.sync_api import expect

from tenancy.scope import tenant_scope
from tests.browser import browser_page, needs_chromium, sign_in
from visitors.models import Visitor

from .factories import old_visit, stored_attachment

pytestmark = [pytest.mark.browser, needs_chromium, pytest.mark.django_db(transaction=True)]


def test_journey_b_the_dpo_day(live_server, orgs, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    with tenant_scope(orgs.a.org):
        visit = old_visit(orgs.a, days=5, first_name="Léa", last_name="Parcours")
        Visitor.objects.filter(pk=visit.visitor_id).update(language="fr")
        stored_attachment(orgs.a, visit, original_name="Carte d'identité.pdf")
    today = timezone.localdate().isoformat()
    with browser_page() as page:
        started, clicks, keys = time.monotonic(), 0, 0
        sign_in(page, live_server.url, "compliance@org-a.test")
        clicks += 1
        page.click("nav.side >> text=Conservation & RGPD")
        clicks += 1
        # 1. A policy, shortened: saved with its 24 hours' delay.
        page.click("table >> a >> nth=0")
        clicks += 1
        page.fill("#id_consultation_days", "10")
        page.fill("#id_retention_days", "30")
        keys += 2
        page.click("form.card button:not(.secondary)")
        clicks += 1
        expect(page.locator("ul.messages")).to_contain_text("prend effet le")
        expect(page.locator("ul.messages")).to_contain_text("UTC")
        # 2. The dry run.
        page.click("a[href$='/retention/dry-run/']")
        clicks += 1
        expect(page.locator("h1")).to_have_text("Simulation de la prochaine purge")
        expect(page.locator("#dry-run")).to_contain_text("Visites")
        page.go_back()
        # 3. A legal hold.
        page.click("a[href$='/retention/holds/']")
        clicks += 1
        page.fill("#id_reason", "Contrôle de l'inspection du travail")
        keys += 1
        # On the other site: the person's data stays erasable.
        page.select_option("#id_sites", label="Org A Plant")
        clicks += 1
        page.click("#place-hold")
        clicks += 1
        expect(page.locator("table")).to_contain_text("Contrôle de l'inspection du travail")
        # 4. An access request and its ZIP.
        page.goto(f"{live_server.url}/retention/requests/")
        page.select_option("#id_kind", "access")
        page.fill("#id_received_on", today)
        page.fill("#id_full_name", "Léa Parcours")
        keys += 2
        clicks += 1
        page.click("form.card button")
        clicks += 1
        with page.expect_download() as download:
            page.click("text=Télécharger l'export (ZIP)")
        clicks += 1
        archive = zipfile.ZipFile(io.BytesIO(download.value.path().read_bytes()))
        names = archive.namelist()
        assert "LISEZ-MOI.txt" in names and len(names) == len(set(names))
        assert any(n.startswith("documents/") and n.endswith("-carte-didentite.pdf") for n in names), names
        # 5. The erasure, after its confirmation page.
        page.goto(f"{live_server.url}/retention/requests/")
        page.select_option("#id_kind", "erasure")
        page.fill("#id_received_on", today)
        page.fill("#id_full_name", "Léa Parcours")
        keys += 2
        clicks += 1
        page.click("form.card button")
        clicks += 1
        page.click("text=Effacer les données de cette personne…")
        clicks += 1
        preview = page.locator("#erase-preview")
        expect(preview).to_contain_text("Ce qui sera effacé")
        expect(preview.locator("tr", has_text="Visites")).to_contain_text("1")
        with tenant_scope(orgs.a.org):
            assert Visitor.objects.get(pk=visit.visitor_id).last_name == "Parcours"  # not yet
        # Playwright's event loop gives this block its own database connection: close it.
        connections.close_all()
        page.click("#confirm-erase")
        clicks += 1
        # 6. The purge proof.
        with page.expect_download() as proof:
            page.click("text=Rapport (PDF)")
        clicks += 1
        assert proof.value.path().read_bytes().startswith(b"%PDF")
        seconds = time.monotonic() - started
    with tenant_scope(orgs.a.org):
        assert Visitor.objects.get(pk=visit.visitor_id).last_name == "[anonymised]"
    print(f"\njourney (b) the DPO's day: {clicks} clicks, {keys} fields typed, {seconds:.1f} s")
