"""Issue 16: an admin ends support's access to a restore ticket's data early,
from the ticket screen, after a confirmation step, in Chromium."""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from playwright.sync_api import expect

from audit.models import JournalEntry
from backups import tickets
from backups.models import BackupRun, RestoreTicket, SupportGrant
from tenancy.scope import tenant_scope
from tests.browser import browser_page, needs_chromium, screenshot_path, sign_in

pytestmark = [pytest.mark.browser, needs_chromium]


def test_admin_clicks_end_access_confirms_and_sees_the_grant_ended(live_server, orgs, tmp_path):
    now = timezone.now()
    BackupRun.objects.create(backup_id="vst-old", started_at=now - datetime.timedelta(days=5), status="ok")
    get_user_model().objects.create_user("support@vestibule.test", "pw-Secret-123", is_platform_support=True)
    with tenant_scope(orgs.a.org):
        ticket = RestoreTicket.objects.create(
            organization=orgs.a.org,
            environment="production",
            period_start=now - datetime.timedelta(days=3),
            period_end=now - datetime.timedelta(days=2),
            point_in_time=now - datetime.timedelta(days=2),
            data_types=["visits"],
            reason="Visites supprimées",
        )
        ticket.sites.set([orgs.a.site])
        tickets.grant_by_customer(ticket=ticket, by=orgs.a.members["admin"].user, hours=4)
    with browser_page() as page:
        sign_in(page, live_server.url, "admin@org-a.test")
        page.goto(f"{live_server.url}/backups/restore-tickets/{ticket.pk}/")
        expect(page.locator("#ticket-access")).to_contain_text("Accès accordé du")
        page.click("#end-access")
        page.click("#confirm-end-access")
        expect(page.locator("#access-ended")).to_be_visible()
        expect(page.locator("body")).to_contain_text("a pris fin")
        expect(page.locator("#end-access")).to_have_count(0)
        page.screenshot(path=screenshot_path("backups-end-access.png", tmp_path), full_page=True)
    with tenant_scope(orgs.a.org):
        assert SupportGrant.objects.get(ticket=ticket).revoked_at is not None
        assert JournalEntry.objects.filter(verb="support.access_revoked").count() == 1
