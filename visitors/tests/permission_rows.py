"""Rows of the cross-tenant permission table for the visitors app."""

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


@objects
def visitor_objects(org):
    from sites.models import Desk, Site
    from visitors import configuration
    from visitors.tests.factories import make_visit, make_visit_type

    # Visits live on a site of their own (in the reception perimeter): the
    # foundation's rows delete `site`, which visits would protect.
    site = Site.objects.create(organization=org.org, name=f"{org.org.name} Visits")
    desk = Desk.objects.create(organization=org.org, site=site, name="Front")
    org.members["reception"].sites.add(site)
    vtype = make_visit_type(org)
    visit = make_visit(org, visit_type=vtype, site=site)
    # A visitor of the reception's site whom the host did not invite.
    unhosted = make_visit(org, visit_type=vtype, site=site, host=None).visitor
    arrived = make_visit(org, visit_type=vtype, site=site, arrived=True, arrived_desk=desk)
    pending = make_visit(org, visit_type=vtype, site=site, status="pending_approval")
    entry = configuration.add_watchlist_entry(
        organization=org.org, first_name="Eve", last_name="Nope", reason="x"
    )
    token, key = configuration.create_kiosk_token(site=org.site, name="Hall")
    from visitors.models import ImportJob

    # Reception's own import: admins see every import, others only theirs.
    import_job = ImportJob.objects.create(
        organization=org.org, site=org.site, requested_by=org.members["reception"], file_name="v.csv"
    )
    return {
        "import_job": import_job,
        "visit": visit,
        "arrived_visit": arrived,
        "pending_visit": pending,
        "visitor": visit.visitor,
        "unhosted_visitor": unhosted,
        "visit_type": vtype,
        "watchlist_entry": entry,
        "kiosk_token": token,
        "visit_site": site,
        "visit_desk": desk,
        # The kiosk URL carries the key itself, not an id.
        "kiosk_key": SimpleNamespace(pk=key),
    }


@outside_objects
def visitor_outside_objects(org):
    from visitors.tests.factories import make_visit

    visit = make_visit(org, site=org.site2)
    # A visitor known only from the second site (issue 15, point 8).
    return {"visit": visit, "visit_site": org.site2, "visitor": visit.visitor}


NOT_ANON = {ANON: 401}
READ_ALL = {ANON: 401, **each(MEMBERS, 200)}

# --- API ---------------------------------------------------------------------------------
add("visitor-list", "GET", READ_ALL)
# Reception registers people with their visit (a visitor alone would be outside
# its perimeter); admins without a perimeter may create one.
add("visitor-list", "POST", {ANON: 401, ADMIN: 400, RECEPTION: 403, HOST: 403, COMPLIANCE: 403})
add(
    "visitor-detail",
    "GET",
    {ANON: 401, ADMIN: 200, RECEPTION: 200, HOST: 200, COMPLIANCE: 200},
    {"pk": "visitor"},
)
add("visitor-detail", "PATCH", {ADMIN: 200, RECEPTION: 200, HOST: 403, COMPLIANCE: 403}, {"pk": "visitor"})
# Known only from a site outside the reception's perimeter: not found for it.
add(
    "visitor-detail",
    "GET",
    {ADMIN: 200, RECEPTION: 404, HOST: 200, COMPLIANCE: 200},
    {"pk": "visitor"},
    org="own-outside",
)
add("visitor-detail", "PATCH", {ADMIN: 200, RECEPTION: 404, HOST: 403}, {"pk": "visitor"}, org="own-outside")
# A guest of the reception's site whom the host did not invite: not the host's.
add("visitor-detail", "GET", {RECEPTION: 200, HOST: 404}, {"pk": "unhosted_visitor"})
other_org("visitor-detail", "GET", {"pk": "visitor"}, each(MEMBERS, 404))
other_org("visitor-detail", "PATCH", {"pk": "visitor"}, {ADMIN: 404, RECEPTION: 404})

add("visit-type-list", "GET", READ_ALL)
add("visit-type-list", "POST", {ANON: 401, ADMIN: 400, RECEPTION: 403, HOST: 403, COMPLIANCE: 403})
add("visit-type-detail", "GET", READ_ALL, {"pk": "visit_type"})
add(
    "visit-type-detail",
    "PATCH",
    {ADMIN: 200, RECEPTION: 403, HOST: 403, COMPLIANCE: 403},
    {"pk": "visit_type"},
)
other_org("visit-type-detail", "GET", {"pk": "visit_type"}, each(MEMBERS, 404))
other_org("visit-type-detail", "PATCH", {"pk": "visit_type"}, {ADMIN: 404})

add("visit-list", "GET", READ_ALL)
add("visit-list", "POST", {ANON: 401, ADMIN: 400, RECEPTION: 400, HOST: 400, COMPLIANCE: 403})
add("visit-detail", "GET", READ_ALL, {"pk": "visit"})
add(
    "visit-detail",
    "GET",
    {ADMIN: 200, RECEPTION: 404, HOST: 200, COMPLIANCE: 200},
    {"pk": "visit"},
    org="own-outside",
)
add(
    "visit-detail",
    "PATCH",
    {ANON: 401, ADMIN: 200, RECEPTION: 200, HOST: 200, COMPLIANCE: 403},
    {"pk": "visit"},
)
other_org("visit-detail", "GET", {"pk": "visit"}, each(MEMBERS, 404))
other_org("visit-detail", "PATCH", {"pk": "visit"}, {ADMIN: 404, RECEPTION: 404, HOST: 404})

# Rows run in order on the same objects: the second arrival of a visit is refused.
add(
    "visit-arrive",
    "POST",
    {ANON: 401, HOST: 403, COMPLIANCE: 403, RECEPTION: 200, ADMIN: 409},
    {"pk": "visit"},
)
add("visit-arrive", "POST", {ADMIN: 200, RECEPTION: 404}, {"pk": "visit"}, org="own-outside")
other_org("visit-arrive", "POST", {"pk": "visit"}, {ADMIN: 404, RECEPTION: 404, HOST: 404})
add(
    "visit-depart",
    "POST",
    {ANON: 401, HOST: 403, COMPLIANCE: 403, RECEPTION: 200, ADMIN: 409},
    {"pk": "arrived_visit"},
)
other_org("visit-depart", "POST", {"pk": "arrived_visit"}, {ADMIN: 404, RECEPTION: 404})
add(
    "visit-cancel",
    "POST",
    {ANON: 401, COMPLIANCE: 403, HOST: 200, RECEPTION: 409, ADMIN: 409},
    {"pk": "visit"},
)
other_org("visit-cancel", "POST", {"pk": "visit"}, {ADMIN: 404, RECEPTION: 404, HOST: 404})
# A refusal without its reason answers 400 naming `reason`.
for verb, decided in (("approve", 200), ("refuse", 400)):
    add(
        f"visit-{verb}",
        "POST",
        {ANON: 401, ADMIN: decided, RECEPTION: 403, HOST: 403, COMPLIANCE: 403},
        {"pk": "pending_visit"},
    )
    other_org(f"visit-{verb}", "POST", {"pk": "pending_visit"}, {ADMIN: 404})
add("visit-scan", "POST", {ANON: 401, ADMIN: 400, RECEPTION: 400, HOST: 403, COMPLIANCE: 403})

add(
    "site-on-site",
    "GET",
    {ANON: 401, ADMIN: 200, RECEPTION: 200, HOST: 403, COMPLIANCE: 200},
    {"pk": "visit_site"},
)
add("site-on-site", "GET", {ADMIN: 200, RECEPTION: 404}, {"pk": "visit_site"}, org="own-outside")
other_org("site-on-site", "GET", {"pk": "visit_site"}, {ADMIN: 404, RECEPTION: 404, COMPLIANCE: 404})

add("watchlist-entry-list", "GET", {ANON: 401, ADMIN: 200, RECEPTION: 403, HOST: 403, COMPLIANCE: 403})
add("watchlist-entry-list", "POST", {ADMIN: 400, RECEPTION: 403})
add("watchlist-entry-detail", "GET", {ANON: 401, ADMIN: 200, RECEPTION: 403}, {"pk": "watchlist_entry"})
add("watchlist-entry-detail", "DELETE", {ADMIN: 204, RECEPTION: 403}, {"pk": "watchlist_entry"})
other_org("watchlist-entry-detail", "GET", {"pk": "watchlist_entry"}, {ADMIN: 404})
other_org("watchlist-entry-detail", "DELETE", {"pk": "watchlist_entry"}, {ADMIN: 404})

add("kiosk-token-list", "GET", {ANON: 401, ADMIN: 200, RECEPTION: 403, HOST: 403, COMPLIANCE: 403})
add("kiosk-token-list", "POST", {ADMIN: 400, RECEPTION: 403})
add("kiosk-token-detail", "GET", {ANON: 401, ADMIN: 200, RECEPTION: 403}, {"pk": "kiosk_token"})
add("kiosk-token-detail", "DELETE", {ADMIN: 204, HOST: 403}, {"pk": "kiosk_token"})
other_org("kiosk-token-detail", "GET", {"pk": "kiosk_token"}, {ADMIN: 404})
other_org("kiosk-token-detail", "DELETE", {"pk": "kiosk_token"}, {ADMIN: 404})

# --- HTML ----------------------------------------------------------------------------------
FRONT = {ANON: 302, ADMIN: 200, RECEPTION: 200, HOST: 403, COMPLIANCE: 403}
ADMIN_ONLY = {ANON: 302, ADMIN: 200, RECEPTION: 403, HOST: 403, COMPLIANCE: 403}
WRITERS = {ANON: 302, ADMIN: 200, RECEPTION: 200, HOST: 200, COMPLIANCE: 403}
READERS = {ANON: 302, ADMIN: 200, RECEPTION: 200, HOST: 403, COMPLIANCE: 200}

add("desk_screen", "GET", FRONT)
add("desk_rows", "GET", FRONT)
add(
    "desk_arrive",
    "POST",
    {ANON: 302, HOST: 403, COMPLIANCE: 403, RECEPTION: 200, ADMIN: 409},
    {"pk": "visit"},
)
add("desk_arrive", "POST", {ADMIN: 200, RECEPTION: 404}, {"pk": "visit"}, org="own-outside")
other_org("desk_arrive", "POST", {"pk": "visit"}, {ADMIN: 404, RECEPTION: 404})
add(
    "desk_depart",
    "POST",
    {ANON: 302, HOST: 403, COMPLIANCE: 403, RECEPTION: 200, ADMIN: 409},
    {"pk": "arrived_visit"},
)
other_org("desk_depart", "POST", {"pk": "arrived_visit"}, {ADMIN: 404, RECEPTION: 404})
add("desk_scan", "POST", {ANON: 302, HOST: 403, COMPLIANCE: 403, RECEPTION: 409, ADMIN: 409})
add("desk_walk_in", "POST", {ANON: 302, HOST: 403, COMPLIANCE: 403, RECEPTION: 400, ADMIN: 400})

add("visit_list", "GET", {ANON: 302, **each(MEMBERS, 200)})
add("visit_create", "GET", WRITERS)
add("visit_group_create", "GET", WRITERS)
add("visit_import", "GET", WRITERS)
add("visit_detail", "GET", {ANON: 302, **each(MEMBERS, 200)}, {"pk": "visit"})
add("visit_detail", "GET", {ADMIN: 200, RECEPTION: 404, HOST: 200}, {"pk": "visit"}, org="own-outside")
other_org("visit_detail", "GET", {"pk": "visit"}, each(MEMBERS, 404))
add("visit_detail", "GET", {ANON: 302, **each(MEMBERS, 200)}, {"pk": "arrived_visit"})
add(
    "visit_cancel",
    "GET",
    {ANON: 302, COMPLIANCE: 403, HOST: 200, RECEPTION: 200, ADMIN: 200},
    {"pk": "visit"},
)
other_org("visit_cancel", "GET", {"pk": "visit"}, {ADMIN: 404, RECEPTION: 404, HOST: 404})
for _name in ("visit_import_job", "visit_import_progress"):
    add(
        _name,
        "GET",
        {ANON: 302, ADMIN: 200, RECEPTION: 200, HOST: 404, COMPLIANCE: 403},
        {"pk": "import_job"},
    )
    other_org(_name, "GET", {"pk": "import_job"}, {ADMIN: 404, RECEPTION: 404, HOST: 404, COMPLIANCE: 403})
add("visit_edit", "GET", {ANON: 302, **each(MEMBERS, 200)}, {"pk": "visit"})
add("visit_edit", "GET", {ADMIN: 200, RECEPTION: 404, HOST: 200}, {"pk": "visit"}, org="own-outside")
other_org("visit_edit", "GET", {"pk": "visit"}, each(MEMBERS, 404))
add(
    "visit_cancel",
    "POST",
    {ANON: 302, COMPLIANCE: 403, HOST: 302, RECEPTION: 302, ADMIN: 302},
    {"pk": "visit"},
)
other_org("visit_cancel", "POST", {"pk": "visit"}, {ADMIN: 404, RECEPTION: 404, HOST: 404})
add(
    "visit_decide",
    "POST",
    {ANON: 302, RECEPTION: 403, HOST: 403, COMPLIANCE: 403, ADMIN: 302},
    {"pk": "pending_visit"},
)
other_org("visit_decide", "POST", {"pk": "pending_visit"}, {ADMIN: 404})

add("on_site_index", "GET", READERS)
add("on_site", "GET", READERS, {"site_pk": "visit_site"})
add("on_site", "GET", {ADMIN: 200, RECEPTION: 404}, {"site_pk": "visit_site"}, org="own-outside")
other_org("on_site", "GET", {"site_pk": "visit_site"}, {ADMIN: 404, RECEPTION: 404, COMPLIANCE: 404})
add("on_site_pdf", "GET", READERS, {"site_pk": "visit_site"})
other_org("on_site_pdf", "GET", {"site_pk": "visit_site"}, {ADMIN: 404, RECEPTION: 404, COMPLIANCE: 404})

add("visit_types", "GET", ADMIN_ONLY)
add("visit_type_edit", "GET", ADMIN_ONLY, {"pk": "visit_type"})
other_org("visit_type_edit", "GET", {"pk": "visit_type"}, {ADMIN: 404})
add("watchlist", "GET", ADMIN_ONLY)
add(
    "watchlist_delete",
    "POST",
    {ANON: 302, RECEPTION: 403, HOST: 403, COMPLIANCE: 403, ADMIN: 302},
    {"pk": "watchlist_entry"},
)
other_org("watchlist_delete", "POST", {"pk": "watchlist_entry"}, {ADMIN: 404})
add("kiosk_admin", "GET", ADMIN_ONLY)
add(
    "kiosk_revoke",
    "POST",
    {ANON: 302, RECEPTION: 403, HOST: 403, COMPLIANCE: 403, ADMIN: 302},
    {"pk": "kiosk_token"},
)
other_org("kiosk_revoke", "POST", {"pk": "kiosk_token"}, {ADMIN: 404})

# The public kiosk: its key opens it for anyone (a tablet has no login); a wrong
# key opens nothing.
add("kiosk", "GET", each(EVERYONE, 200), {"key": "kiosk_key"})
add("kiosk", "GET", each(EVERYONE, 404), {"key": "not-a-kiosk-key"})
