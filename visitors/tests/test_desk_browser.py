"""The reception desk's keyboard workflow in a real browser (issue 3): search, ↑ ↓
and Enter, the shortcuts, the QR scan field, refusals shown in the page and
walk-ins. English UI (language cookie), so the assertions read the visible text.

Each test checks what the receptionist sees, then what the database holds."""

import re
from contextlib import contextmanager

import pytest
from django.conf import settings
from playwright.sync_api import expect

from tests.browser import browser_page, needs_chromium, sign_in
from visitors import configuration
from visitors.codes import make_code
from visitors.models import Visit, VisitStatus
from visitors.tests.factories import make_visit, make_visit_type, make_visitor

pytestmark = [pytest.mark.browser, needs_chromium, pytest.mark.django_db(transaction=True)]

ROWS = "#desk-rows tr[data-visit]"


@contextmanager
def desk(live_server):
    """The desk screen, signed in as org A's reception (perimeter: the first
    site, whose first desk is chosen by default), in English."""
    with browser_page(locale="en-US") as page:
        page.context.add_cookies(
            [{"name": settings.LANGUAGE_COOKIE_NAME, "value": "en", "url": live_server.url}]
        )
        sign_in(page, live_server.url, "reception@org-a.test")
        page.wait_for_selector("nav.side")
        page.goto(f"{live_server.url}/desk/")
        expect(page.locator("h1")).to_have_text("Reception desk")
        yield page


def row(page, visit):
    return page.locator(f"#desk-rows tr[data-visit='{visit.pk}']")


def select(page, visit):
    """↓ until the visit's row is the selected one (whatever the table's order)."""
    ids = page.locator(ROWS).evaluate_all("rows => rows.map(r => r.dataset.visit)")
    for _ in range(ids.index(str(visit.pk)) + 1):
        page.keyboard.press("ArrowDown")
    expect(row(page, visit)).to_have_class(re.compile(r"\bselected\b"))
    expect(page.locator(f"{ROWS}.selected")).to_have_count(1)


def blur(page):
    """Focus out of every input, as a click on the page's background does."""
    page.locator("h1").click()
    expect(page.locator("#desk-search")).not_to_be_focused()


def badge_popup(page, live_server, visit, key="Enter"):
    """Press `key`, expect the badge window for the visit, close it once loaded."""
    with page.expect_popup() as popup_info:
        page.keyboard.press(key)
    popup = popup_info.value
    popup.wait_for_load_state()
    assert popup.url == f"{live_server.url}/badges/print/{visit.pk}/"
    popup.close()


def test_enter_while_the_new_rows_settle_waits_for_them_instead_of_reloading_the_page(
    live_server, orgs, scoped
):
    """htmx wires the buttons of swapped-in rows only when they settle: an Enter
    in between used to submit the row's form natively, reloading the page with
    no arrival. A long settle delay makes that moment wide enough to hit."""
    with scoped(orgs.a.org):
        vtype = make_visit_type(orgs.a)
        helene = make_visit(
            orgs.a, visit_type=vtype, visitor=make_visitor(orgs.a, first_name="Hélène", last_name="Dupré")
        )
        make_visit(
            orgs.a, visit_type=vtype, visitor=make_visitor(orgs.a, first_name="Marc", last_name="Durand")
        )
    with desk(live_server) as page:
        page.evaluate("htmx.config.defaultSettleDelay = 1500")
        page.keyboard.type("helene")
        expect(page.locator(ROWS)).to_have_count(1)  # swapped in, not settled yet
        badge_popup(page, live_server, helene)
        expect(page.locator("#desk-rows [role=status]")).to_have_text("Hélène Dupré has arrived — badge 1.")
        expect(page.locator("#desk-search")).to_have_value("helene")  # the same page, not a reload
    with scoped(orgs.a.org):
        helene.refresh_from_db()
        assert helene.status == VisitStatus.ARRIVED


def test_search_accent_insensitive_then_arrow_down_and_enter_arrives_and_opens_the_badge(
    live_server, orgs, scoped
):
    with scoped(orgs.a.org):
        vtype = make_visit_type(orgs.a)
        helene = make_visit(
            orgs.a, visit_type=vtype, visitor=make_visitor(orgs.a, first_name="Hélène", last_name="Dupré")
        )
        marc = make_visit(
            orgs.a, visit_type=vtype, visitor=make_visitor(orgs.a, first_name="Marc", last_name="Durand")
        )
    with desk(live_server) as page:
        search = page.locator("#desk-search")
        expect(search).to_be_focused()  # autofocus: the receptionist types at once
        expect(page.locator(ROWS)).to_have_count(2)
        page.keyboard.type("helene")
        expect(page.locator(ROWS)).to_have_count(1)
        expect(row(page, helene)).to_contain_text("Hélène Dupré")
        expect(row(page, marc)).to_have_count(0)

        page.keyboard.press("ArrowDown")
        expect(row(page, helene)).to_have_class(re.compile(r"\bselected\b"))
        badge_popup(page, live_server, helene)

        expect(page.locator("#desk-rows [role=status]")).to_have_text("Hélène Dupré has arrived — badge 1.")
        expect(row(page, helene)).to_contain_text("On site · badge 1")
        expect(row(page, helene).locator("button[data-primary]")).to_have_text("Departure")
        expect(page.locator(ROWS)).to_have_count(1)  # the search still applies
        expect(search).to_have_value("helene")
    with scoped(orgs.a.org):
        helene.refresh_from_db()
        marc.refresh_from_db()
    assert helene.status == VisitStatus.ARRIVED
    assert helene.arrived_desk_id == orgs.a.desk.pk and helene.badge_number == 1
    assert marc.status == VisitStatus.EXPECTED and marc.arrived_at is None


def test_enter_right_after_typing_acts_on_the_typed_name_not_on_the_older_rows(live_server, orgs, scoped):
    """A receptionist types a name and presses Enter at once, before the search
    has answered: the visitor typed arrives, not the first of the older list."""
    import datetime

    from django.utils import timezone

    with scoped(orgs.a.org):
        first = make_visit(
            orgs.a,
            visitor=make_visitor(orgs.a, first_name="Marc", last_name="Durand"),
            expected_at=timezone.now() - datetime.timedelta(minutes=30),
        )
        helene = make_visit(orgs.a, visitor=make_visitor(orgs.a, first_name="Hélène", last_name="Dupré"))
    with desk(live_server) as page:
        expect(page.locator(ROWS).first).to_have_attribute("data-visit", str(first.pk))
        with page.expect_popup() as popup_info:
            page.keyboard.type("helene")
            page.keyboard.press("Enter")
        assert popup_info.value.url == f"{live_server.url}/badges/print/{helene.pk}/"
        expect(row(page, helene)).to_contain_text("On site · badge 1")
    with scoped(orgs.a.org):
        helene.refresh_from_db()
        first.refresh_from_db()
    assert helene.status == VisitStatus.ARRIVED and first.status == VisitStatus.EXPECTED


def test_keyboard_shortcuts_focus_search_scan_and_walk_in(live_server, orgs):
    with desk(live_server) as page:
        search, scan = page.locator("#desk-search"), page.locator("#desk-scan")
        walk_in = page.locator("#walk-in")
        # While typing, the keys are text, not shortcuts.
        page.keyboard.type("sn/")
        expect(search).to_have_value("sn/")
        expect(search).to_be_focused()
        expect(walk_in).not_to_have_attribute("open", "")
        search.fill("")

        blur(page)
        page.keyboard.press("s")
        expect(scan).to_be_focused()
        expect(scan).to_have_value("")

        blur(page)
        page.keyboard.press("/")
        expect(search).to_be_focused()
        expect(search).to_have_value("")

        blur(page)
        page.keyboard.press("n")
        expect(walk_in).to_have_attribute("open", "")
        expect(page.locator("#walk-in #id_first_name")).to_be_focused()
        expect(page.locator("#walk-in #id_first_name")).to_have_value("")


def test_scanning_a_code_arrives_the_visit_and_a_forged_code_is_refused(live_server, orgs, scoped):
    with scoped(orgs.a.org):
        vtype = make_visit_type(orgs.a)
        scanned = make_visit(orgs.a, visit_type=vtype)
        other = make_visit(orgs.a, visit_type=vtype)
        code, other_code = make_code(scanned), make_code(other)
    forged = other_code[:-1] + ("A" if other_code[-1] != "A" else "B")
    with desk(live_server) as page:
        scan = page.locator("#desk-scan")
        blur(page)
        page.keyboard.press("s")
        expect(scan).to_be_focused()

        page.keyboard.type(forged)
        page.keyboard.press("Enter")
        expect(page.locator("#desk-rows [role=alert]")).to_have_text(
            "This code is not valid (unreadable or forged)."
        )
        expect(scan).to_have_value("")  # ready for the next scan
        expect(page.locator("#badge-to-print")).to_have_count(0)
        expect(row(page, other)).to_contain_text("Expected")

        scan.focus()
        page.keyboard.type(code)
        badge_popup(page, live_server, scanned)
        expect(page.locator("#desk-rows [role=status]")).to_have_text(
            f"{scanned.visitor} has arrived — badge 1."
        )
        expect(page.locator("#desk-rows [role=alert]")).to_have_count(0)
        expect(row(page, scanned)).to_contain_text("On site · badge 1")
        expect(scan).to_have_value("")
    with scoped(orgs.a.org):
        scanned.refresh_from_db()
        other.refresh_from_db()
    assert scanned.status == VisitStatus.ARRIVED and scanned.arrived_desk_id == orgs.a.desk.pk
    assert other.status == VisitStatus.EXPECTED
    assert other.arrived_at is None and other.badge_number is None


def test_enter_on_an_arrived_row_departs_it(live_server, orgs, scoped):
    with scoped(orgs.a.org):
        vtype = make_visit_type(orgs.a)
        waiting = make_visit(orgs.a, visit_type=vtype)
        here = make_visit(
            orgs.a,
            visit_type=vtype,
            arrived=True,
            visitor=make_visitor(orgs.a, first_name="Bruno", last_name="Keller"),
        )
    with desk(live_server) as page:
        expect(row(page, here)).to_contain_text("On site")
        select(page, here)
        page.keyboard.press("Enter")
        expect(page.locator("#desk-rows [role=status]")).to_have_text("Bruno Keller has left.")
        expect(row(page, here)).to_contain_text("Departed")
        expect(row(page, here).locator("button")).to_have_count(0)
        expect(row(page, waiting)).to_contain_text("Expected")
        expect(page.locator("#badge-to-print")).to_have_count(0)  # no badge for a departure
        assert len(page.context.pages) == 1
    with scoped(orgs.a.org):
        here.refresh_from_db()
        waiting.refresh_from_db()
    assert here.status == VisitStatus.DEPARTED and here.departed_desk_id == orgs.a.desk.pk
    assert waiting.status == VisitStatus.EXPECTED


def test_a_refused_arrival_shows_the_reason_and_the_visit_stays_expected(live_server, orgs, scoped):
    with scoped(orgs.a.org):
        configuration.add_watchlist_entry(
            organization=orgs.a.org, first_name="Helene", last_name="MARTIN", reason="Banned"
        )
        listed = make_visit(orgs.a, visitor=make_visitor(orgs.a, first_name="Hélène", last_name="Martin"))
    with desk(live_server) as page:
        expect(page.locator(ROWS)).to_have_count(1)
        page.keyboard.press("Enter")  # nothing selected: the first row
        expect(page.locator("#desk-rows [role=alert]")).to_have_text(
            "This person is on the watchlist: do not let them in, call security."
        )
        expect(row(page, listed)).to_contain_text("Expected")
        expect(row(page, listed).locator("button[data-primary]")).to_have_text("Arrival")
        expect(page.locator("#badge-to-print")).to_have_count(0)
        assert len(page.context.pages) == 1
    with scoped(orgs.a.org):
        listed.refresh_from_db()
    assert listed.status == VisitStatus.EXPECTED
    assert listed.arrived_at is None and listed.badge_number is None


def test_a_walk_in_needing_approval_waits_instead_of_arriving(live_server, orgs, scoped):
    with scoped(orgs.a.org):
        make_visit_type(orgs.a, name_en="Contractor", name_fr="Prestataire", approval_required=True)
    with desk(live_server) as page:
        blur(page)
        page.keyboard.press("n")
        first_name = page.locator("#walk-in #id_first_name")
        expect(first_name).to_be_focused()
        page.keyboard.type("Zoé")
        page.locator("#walk-in #id_last_name").fill("Brûlé")
        page.locator("#walk-in #id_visit_type").select_option(label="Contractor")
        page.locator("#walk-in button", has_text="Register the arrival").click()
        expect(page.locator("#desk-rows [role=status]")).to_have_text("Zoé Brûlé is waiting for approval.")
        expect(page.locator(ROWS, has_text="Zoé Brûlé")).to_contain_text("Pending approval")
        expect(page.locator(ROWS, has_text="Zoé Brûlé").locator("button")).to_have_count(0)
        expect(first_name).to_have_value("")  # the form is ready for the next one
        expect(page.locator("#badge-to-print")).to_have_count(0)
        assert len(page.context.pages) == 1
    with scoped(orgs.a.org):
        visit = Visit.objects.get(visitor__last_name="Brûlé")
    assert visit.status == VisitStatus.PENDING_APPROVAL
    assert visit.arrived_at is None and visit.badge_number is None
    assert visit.site_id == orgs.a.site.pk


def test_keys_meant_for_other_controls_are_left_to_them(live_server, orgs, scoped):
    with scoped(orgs.a.org):
        first_type = make_visit_type(orgs.a, name_en="Contractor", name_fr="Prestataire")
        make_visit_type(orgs.a, name_en="Delivery", name_fr="Livraison")
        visit = make_visit(orgs.a, visit_type=first_type)
    with desk(live_server) as page:
        expect(row(page, visit)).to_contain_text("Expected")
        # Enter on the walk-in's summary opens it; it does not arrive the first visit.
        page.locator("#walk-in summary").focus()
        page.keyboard.press("Enter")
        expect(page.locator("#walk-in")).to_have_attribute("open", "")
        # ↓ in a drop-down list chooses an option; it does not move the selected visit.
        visit_type = page.locator("#walk-in #id_visit_type")
        visit_type.focus()
        page.keyboard.press("ArrowDown")
        expect(visit_type).not_to_have_value("")
        expect(page.locator(f"{ROWS}.selected")).to_have_count(0)
        expect(page.locator("#desk-rows [role=status]")).to_have_count(0)
        assert len(page.context.pages) == 1
    with scoped(orgs.a.org):
        visit.refresh_from_db()
    assert visit.status == VisitStatus.EXPECTED and visit.arrived_at is None


def test_a_refused_walk_in_keeps_the_form_filled(live_server, orgs, scoped):
    with scoped(orgs.a.org):
        configuration.add_watchlist_entry(
            organization=orgs.a.org, first_name="Zoe", last_name="BRULE", reason="Banned"
        )
        make_visit_type(orgs.a, name_en="Contractor", name_fr="Prestataire")
    with desk(live_server) as page:
        blur(page)
        page.keyboard.press("n")
        page.keyboard.type("Zoé")
        page.locator("#walk-in #id_last_name").fill("Brûlé")
        page.locator("#walk-in #id_visit_type").select_option(label="Contractor")
        page.locator("#walk-in #id_last_name").press("Enter")
        expect(page.locator("#desk-rows [role=alert]")).to_have_text(
            "This person is on the watchlist: do not let them in, call security."
        )
        # Kept for a second try (an admin adds an override reason), not wiped.
        expect(page.locator("#walk-in #id_first_name")).to_have_value("Zoé")
        expect(page.locator("#walk-in #id_last_name")).to_have_value("Brûlé")
        expect(page.locator(ROWS, has_text="Brûlé")).to_have_count(0)
    with scoped(orgs.a.org):
        assert not Visit.objects.filter(visitor__last_name="Brûlé").exists()
