"""Badges rows of the cross-tenant permission table (tests/permission_table.py)."""

from types import SimpleNamespace

from tests.permission_table import (
    ADMIN,
    ANON,
    COMPLIANCE,
    EVERYONE,
    HOST,
    MEMBERS,
    RECEPTION,
    add,
    each,
    objects,
    other_org,
    outside_objects,
)

NOBODY_BUT_ADMIN_HTML = {ANON: 302, ADMIN: 200, RECEPTION: 403, HOST: 403, COMPLIANCE: 403}


@objects
def badge_objects(org):
    from badges import services
    from sites.models import Desk, Site
    from visitors.tests.factories import make_visit

    # Visits on a site of their own (in the reception perimeter): the
    # foundation's rows delete `site`, which visits would protect.
    site = Site.objects.create(organization=org.org, name=f"{org.org.name} Badges")
    desk = Desk.objects.create(organization=org.org, site=site, name="Badges")
    org.members["reception"].sites.add(site)

    def arrived(status="arrived"):
        return make_visit(org, status=status, site=site, arrived_desk=desk, desk=desk)

    from visitors import kiosk
    from visitors.configuration import create_kiosk_token

    template = services.create_template(organization=org.org, by=None, name="Perm", preset="cr80")
    spare = services.create_template(organization=org.org, by=None, name="Spare", preset="a6")
    printed = arrived()
    [badge] = services.print_badges(visits=[printed], desk=desk, by=None)
    return {
        "badge_template": template,
        "badge_template_spare": spare,
        "badge_assignment": services.assign_template(template=template, site=site),
        "badge_visit": arrived(),
        "badge_visit2": arrived(),
        "badge_visit_expected": make_visit(org, status="expected", site=site),
        "badge_printed_visit": printed,
        "badge_print": badge,
        # The kiosk's welcome page prints the visit it has just arrived.
        "badge_kiosk_key": SimpleNamespace(pk=create_kiosk_token(site=site)[1]),
        "badge_kiosk_token": SimpleNamespace(pk=kiosk.badge_token(arrived())),
    }


@outside_objects
def badge_outside_objects(org):
    from badges import services
    from visitors.tests.factories import make_visit

    visit = make_visit(org, status="arrived", site=org.site2)
    [badge] = services.print_badges(
        visits=[make_visit(org, status="arrived", site=org.site2)], desk=None, by=None
    )
    return {"badge_visit": visit, "badge_print": badge}


T = {"pk": "badge_template"}

# --- HTML: templates (admin) --------------------------------------------------------------
for name in ("badge_templates", "badge_template_create", "badge_template_import"):
    add(name, "GET", NOBODY_BUT_ADMIN_HTML)
add("badge_template_draft_pdf", "GET", {**NOBODY_BUT_ADMIN_HTML, ADMIN: 404})  # no draft in the session
for name in ("badge_template_edit", "badge_template_preview", "badge_template_export"):
    add(name, "GET", NOBODY_BUT_ADMIN_HTML, T)
    other_org(name, "GET", T, {ADMIN: 404})
add("badge_template_draft_preview", "POST", NOBODY_BUT_ADMIN_HTML, T)
other_org("badge_template_draft_preview", "POST", T, {ADMIN: 404})
add("badge_assignment_create", "POST", {**NOBODY_BUT_ADMIN_HTML, ADMIN: 302}, T)
other_org("badge_assignment_create", "POST", T, {ADMIN: 404})
other_org("badge_assignment_delete", "POST", {"pk": "badge_assignment"}, {ADMIN: 404})
add("badge_assignment_delete", "POST", {**NOBODY_BUT_ADMIN_HTML, ADMIN: 302}, {"pk": "badge_assignment"})

# --- HTML: printing at the desk (admin, reception within its perimeter) ---------------
V = {"pk": "badge_visit"}
add("badge_print", "GET", {ANON: 302, ADMIN: 200, RECEPTION: 200, HOST: 403, COMPLIANCE: 403}, V)
add("badge_print", "GET", {ADMIN: 200, RECEPTION: 404}, V, org="own-outside")
add("badge_print", "GET", {ADMIN: 409, RECEPTION: 409}, {"pk": "badge_visit_expected"})
add("badge_print", "POST", {ADMIN: 400, RECEPTION: 400, HOST: 403}, V)  # a reprint without a reason
other_org("badge_print", "GET", V, {ADMIN: 404, RECEPTION: 404})
add("badge_group_print", "GET", {ANON: 302, ADMIN: 400, RECEPTION: 400, HOST: 403, COMPLIANCE: 403})
add("badge_prints_pdf", "GET", {ANON: 302, ADMIN: 404, RECEPTION: 404, HOST: 403, COMPLIANCE: 403})

# --- API: templates, assignments, prints -------------------------------------------------
READ_BY_DESK = {ANON: 401, ADMIN: 200, RECEPTION: 200, HOST: 403, COMPLIANCE: 403}
WRITE_ADMIN = {ANON: 401, ADMIN: 400, RECEPTION: 403, HOST: 403, COMPLIANCE: 403}
add("badgetemplate-list", "GET", READ_BY_DESK)
add("badgetemplate-list", "POST", WRITE_ADMIN)
add("badgetemplate-draft-preview", "POST", WRITE_ADMIN)
add("badgetemplate-import", "POST", WRITE_ADMIN)
for name in ("badgetemplate-detail", "badgetemplate-preview", "badgetemplate-export"):
    add(name, "GET", READ_BY_DESK, T)
    other_org(name, "GET", T, {ADMIN: 404, RECEPTION: 404})
add("badgetemplate-detail", "PATCH", {ANON: 401, ADMIN: 200, RECEPTION: 403, HOST: 403}, T)
other_org("badgetemplate-detail", "PATCH", T, {ADMIN: 404})
other_org("badgetemplate-detail", "DELETE", T, {ADMIN: 404})
add("badgetemplate-detail", "DELETE", {RECEPTION: 403, ADMIN: 204}, {"pk": "badge_template_spare"})

A = {"pk": "badge_assignment"}
add("badgeassignment-list", "GET", READ_BY_DESK)
add("badgeassignment-list", "POST", WRITE_ADMIN)
add("badgeassignment-detail", "GET", READ_BY_DESK, A)
other_org("badgeassignment-detail", "GET", A, {ADMIN: 404, RECEPTION: 404})
other_org("badgeassignment-detail", "DELETE", A, {ADMIN: 404})
add("badgeassignment-detail", "DELETE", {RECEPTION: 403, ADMIN: 204}, A)

P = {"pk": "badge_print"}
PRINTS_READ = {ANON: 401, ADMIN: 200, RECEPTION: 200, HOST: 403, COMPLIANCE: 200}
add("badgeprint-list", "GET", PRINTS_READ)
add("badgeprint-detail", "GET", PRINTS_READ, P)
add("badgeprint-detail", "GET", {ADMIN: 200, RECEPTION: 404}, P, org="own-outside")
other_org("badgeprint-detail", "GET", P, each(MEMBERS, 404) | {HOST: 403})

# --- API: a visit's badge -----------------------------------------------------------------
DESK_ONLY = {ANON: 401, HOST: 403, COMPLIANCE: 403}
add("visit-badge-pdf", "GET", {**DESK_ONLY, ADMIN: 200, RECEPTION: 200}, V)
add("visit-badge-pdf", "GET", {ADMIN: 200, RECEPTION: 404}, V, org="own-outside")
add("visit-badge-pdf", "GET", {ADMIN: 409}, {"pk": "badge_visit_expected"})
other_org("visit-badge-pdf", "GET", V, {ADMIN: 404, RECEPTION: 404})
add("visit-badge-print", "POST", {**DESK_ONLY, ADMIN: 201}, V)
add("visit-badge-print", "POST", {RECEPTION: 201}, {"pk": "badge_visit2"})
add("visit-badge-print", "POST", {ADMIN: 409}, {"pk": "badge_printed_visit"})  # printed: reprint instead
add("visit-badge-print", "POST", {ADMIN: 409, RECEPTION: 409}, {"pk": "badge_visit_expected"})
add("visit-badge-print", "POST", {RECEPTION: 404}, {"pk": "badge_visit"}, org="own-outside")
other_org("visit-badge-print", "POST", V, {ADMIN: 404, RECEPTION: 404})
add("visit-badge-reprint", "POST", {**DESK_ONLY, ADMIN: 400, RECEPTION: 400}, {"pk": "badge_printed_visit"})
other_org("visit-badge-reprint", "POST", {"pk": "badge_printed_visit"}, {ADMIN: 404, RECEPTION: 404})
add("badge-group-print", "POST", {**DESK_ONLY, ADMIN: 400, RECEPTION: 400})

# The kiosk's badge: its key and the welcome page's signed token open it, for
# whoever holds them; a forged token or a key of no kiosk opens nothing.
kiosk_badge = {"key": "badge_kiosk_key", "token": "badge_kiosk_token"}
add("kiosk_badge", "GET", each(EVERYONE, 200), kiosk_badge)
add("kiosk_badge", "GET", each(EVERYONE, 404), {"key": "badge_kiosk_key", "token": "forged"})
add("kiosk_badge", "GET", each(EVERYONE, 404), {"key": "no-such-kiosk", "token": "badge_kiosk_token"})
other_org("kiosk_badge", "GET", kiosk_badge, {ANON: 200, ADMIN: 200})
