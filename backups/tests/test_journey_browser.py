"""Issue 21, journey (a) in Chromium: a customer's admin asks for the visits of
one site and one afternoon back; they grant support a time-boxed access;
support signs in, sees the ticket in its console, prepares the preview and
applies it. The afternoon's visits are back, a person erased after the backup
stays erased, the other organization is unchanged, and the admin reads the
outcome on the ticket. Real pg_dump/pg_restore, a real backup on disk."""

import datetime
import io
import time

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from audit.models import JournalEntry
from backups import scoped
from backups.models import BackupRun, RestoreTicket
from tenancy.scope import tenant_scope
from tests.browser import browser_page, needs_chromium, screenshot_path, sign_in
from visitors.models import Visit, Visitor

from .test_restore import _erase

pytestmark = [pytest.mark.browser, needs_chromium, pytest.mark.usefixtures("backup_settings")]


def _local(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def test_journey_a_restore_one_site_and_one_afternoon(live_server, data, orgs, tmp_path):
    get_user_model().objects.create_user("support@vestibule.test", "pw-Secret-123", is_platform_support=True)
    call_command("backup", "--destination", "local", stdout=io.StringIO())
    # The nightly backup "of 14:00": minute precision, as a person types it.
    run = BackupRun.objects.get()
    taken = run.started_at.replace(second=0, microsecond=0)
    BackupRun.objects.filter(pk=run.pk).update(started_at=taken)
    lost = data.visits["a"][:2]  # the afternoon's visits at the first site
    erased_person = data.visitors["a"][1]
    with tenant_scope(orgs.a.org):
        Visit.objects.filter(pk__in=[v.pk for v in lost]).delete()
    _erase(orgs.a, erased_person)  # after the backup: must stay erased
    other_before = scoped.others_checksum(orgs.a.org.pk)
    afternoon_start = lost[0].expected_at - datetime.timedelta(hours=1)
    afternoon_end = lost[0].expected_at + datetime.timedelta(hours=3)
    clicks, keys, started = 0, 0, time.monotonic()
    with browser_page() as page:
        # The customer's admin asks.
        sign_in(page, live_server.url, "admin@org-a.test")
        clicks += 1
        page.click("nav.side >> text=Sauvegardes & restauration")
        page.click("text=Demander une restauration")
        clicks += 2
        page.select_option("#id_environment", "production")
        page.check(f"input[name=sites][value='{orgs.a.site.pk}']")
        page.fill("#id_period_start", _local(afternoon_start))
        page.fill("#id_period_end", _local(afternoon_end))
        page.check("input[name=data_types][value=visits]")
        page.fill("#id_point_in_time", _local(taken))
        page.fill("#id_reason", "Les visites de l'après-midi ont été supprimées par erreur.")
        clicks += 3
        keys += 4
        page.click("form.card button")
        clicks += 1
        expect(page.locator("h1")).to_contain_text("Nouveau")
        ticket_url = page.url
        page.fill("#grant-hours", "2")
        page.click("#grant-access")
        clicks += 1
        keys += 1
        expect(page.locator("#ticket-access")).to_contain_text("Accès accordé du")
        page.click("text=Se déconnecter")
        clicks += 1
        admin_seconds = time.monotonic() - started
        # Support signs in: the console lists every organization's tickets.
        support_started = time.monotonic()
        support_clicks = 1
        sign_in(page, live_server.url, "support@vestibule.test")
        expect(page.locator("h1")).to_have_text("Console du support")
        row = page.locator("table tbody tr", has_text="Org A").first
        expect(row).to_contain_text("Nouveau")
        row.locator("a").first.click()
        support_clicks += 1
        scope = page.locator("#ticket-scope")
        expect(scope).to_contain_text("Org A HQ")
        expect(page.locator("#ticket-access")).to_contain_text("Accès accordé du")
        page.select_option("#next-state", "accepted")
        page.click("#change-state")
        support_clicks += 2
        page.click("#run-preview")
        support_clicks += 1
        preview = page.locator("#ticket-preview")
        expect(preview).to_contain_text("1 ligne effacée depuis la sauvegarde reste effacée", timeout=60_000)
        expect(preview.locator("tr", has_text="Visites")).to_contain_text("2")
        page.screenshot(path=screenshot_path("support-console.png", tmp_path), full_page=True)
        page.click("#run-apply")
        support_clicks += 1
        result = page.locator("#ticket-result")
        expect(result).to_contain_text("Autres organisations", timeout=60_000)
        expect(result).to_contain_text("inchangées")
        expect(result).to_contain_text("Chaîne du journal intacte")
        support_seconds = time.monotonic() - support_started
        page.click("text=Se déconnecter")
        # The admin reads the outcome.
        sign_in(page, live_server.url, "admin@org-a.test")
        page.goto(ticket_url)
        expect(page.locator("h1")).to_contain_text("Appliqué")
        expect(page.locator("#ticket-result")).to_contain_text("Visites")
        expect(page.locator("#ticket-result")).to_contain_text("recréés")
    with tenant_scope(orgs.a.org):
        back = {v.pk: v for v in Visit.objects.filter(pk__in=[v.pk for v in lost]).select_related("visitor")}
        assert set(back) == {v.pk for v in lost}
        assert back[lost[0].pk].visitor.first_name == "Jeanne0"
        assert not Visitor.objects.filter(email=erased_person.email).exists()
        ticket = RestoreTicket.objects.get()
        verbs = list(JournalEntry.objects.filter(target_id=str(ticket.pk)).values_list("verb", flat=True))
        for verb in ("restore.ticket_opened", "support.access_granted", "restore.ticket_state"):
            assert verb in verbs, verbs
    assert scoped.others_checksum(orgs.a.org.pk) == other_before
    subjects = [m.subject for m in mail.outbox]
    assert any("accès accordé au support" in s for s in subjects) and any(
        "Appliqué" in s for s in subjects
    ), subjects
    print(
        f"\njourney (a) restore ticket: admin {clicks} clicks, {keys} fields typed, {admin_seconds:.1f} s; "
        f"support {support_clicks} clicks, {support_seconds:.1f} s"
    )
