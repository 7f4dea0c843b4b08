"""The cross-tenant permission table: every URL of the project, every role, our
organization and the other one, and the status each must get.

One row: (url name, method, kwargs, role, organization, expected status).
- kwargs name fixture objects ("site", "desk", ...) looked up in the organization
  of the row: "own" is the acting member's organization, "other" the other
  tenant's, "own-outside" our organization but outside the reception perimeter.
- role "anon" is a request with no session and no token.
Every issue adds the URLs it creates; test_permissions fails on a URL missing here.
"""

ANON, ADMIN, RECEPTION, HOST, COMPLIANCE = "anon", "admin", "reception", "host", "compliance"
MEMBERS = (ADMIN, RECEPTION, HOST, COMPLIANCE)
EVERYONE = (ANON, *MEMBERS)

TABLE: list[tuple[str, str, dict, str, str, int]] = []

# Callables taking an organization fixture (conftest.make_org) and returning
# {name: object} for kwargs; "own"/"other" use OBJECTS, "own-outside" OUTSIDE.
OBJECTS: list = []
OUTSIDE: list = []


def objects(func):
    """Register a function giving fixture objects of one organization."""
    OBJECTS.append(func)
    return func


def outside_objects(func):
    """Objects of our organization outside the reception member's perimeter."""
    OUTSIDE.append(func)
    return func


def add(name, method, expected: dict, kwargs=None, org="own"):
    for role, status in expected.items():
        TABLE.append((name, method, kwargs or {}, role, org, status))


def each(roles, status):
    return dict.fromkeys(roles, status)


def other_org(name, method, kwargs, status_by_role):
    """Objects of the other organization: never visible, whatever the role."""
    add(name, method, status_by_role, kwargs, org="other")


# --- tenancy: sign-in, home, members, tokens ---------------------------------------
# Reception lands on its desk and a host on its visits (redirects); admins and
# compliance read what needs them.
add("home", "GET", {ANON: 302, ADMIN: 200, COMPLIANCE: 200, RECEPTION: 302, HOST: 302})
add("login", "GET", {ANON: 200, **each(MEMBERS, 302)})
add("logout", "POST", each(EVERYONE, 302))
add("switch_organization", "POST", each(EVERYONE, 302))
add("members", "GET", {ANON: 302, ADMIN: 200, RECEPTION: 403, HOST: 403, COMPLIANCE: 403})
add(
    "member_edit",
    "GET",
    {ANON: 302, ADMIN: 200, RECEPTION: 403, HOST: 403, COMPLIANCE: 403},
    {"pk": "member"},
)
other_org("member_edit", "GET", {"pk": "member"}, {ADMIN: 404})
add("tokens", "GET", {ANON: 302, **each(MEMBERS, 200)})
add(
    "token_revoke",
    "POST",
    {ANON: 302, ADMIN: 302, RECEPTION: 404, HOST: 404, COMPLIANCE: 404},
    {"pk": "token"},
)
other_org("token_revoke", "POST", {"pk": "token"}, each(MEMBERS, 404))
for name in ("password_reset", "password_reset_done", "password_reset_complete"):
    add(name, "GET", each(EVERYONE, 200))
add("password_reset_confirm", "GET", each(EVERYONE, 200), {"uidb64": "MQ", "token": "bad-token"})
add("set_language", "POST", each(EVERYONE, 302))

# --- sites: HTML -----------------------------------------------------------------------
add("site_list", "GET", {ANON: 302, ADMIN: 200, RECEPTION: 200, HOST: 403, COMPLIANCE: 200})
add("site_create", "GET", {ANON: 302, ADMIN: 200, RECEPTION: 403, HOST: 403, COMPLIANCE: 403})
add(
    "site_edit",
    "GET",
    {ANON: 302, ADMIN: 200, RECEPTION: 403, HOST: 403, COMPLIANCE: 403},
    {"pk": "site"},
)
other_org("site_edit", "GET", {"pk": "site"}, {ADMIN: 404})
add("desk_create", "GET", {ANON: 302, ADMIN: 200, RECEPTION: 403}, {"site_pk": "site"})
other_org("desk_create", "GET", {"site_pk": "site"}, {ADMIN: 404})
add("desk_edit", "GET", {ANON: 302, ADMIN: 200, RECEPTION: 403}, {"site_pk": "site", "pk": "desk"})
other_org("desk_edit", "GET", {"site_pk": "site", "pk": "desk"}, {ADMIN: 404})

# --- audit: HTML -----------------------------------------------------------------------
for name in ("journal", "journal_verify"):
    add(name, "GET", {ANON: 302, ADMIN: 200, RECEPTION: 403, HOST: 403, COMPLIANCE: 200})

# --- API ---------------------------------------------------------------------------------
add("api-root", "GET", {ANON: 401, **each(MEMBERS, 200)})
add("schema", "GET", each(EVERYONE, 200))
add("api-docs", "GET", each(EVERYONE, 200))
add("api-token", "POST", each(EVERYONE, 400))
add("api-me", "GET", {ANON: 401, **each(MEMBERS, 200)})

add("site-list", "GET", {ANON: 401, **each(MEMBERS, 200)})
add("site-list", "POST", {ANON: 401, ADMIN: 400, RECEPTION: 403, HOST: 403, COMPLIANCE: 403})
add("site-detail", "GET", {ANON: 401, **each(MEMBERS, 200)}, {"pk": "site"})
add("site-detail", "GET", {ADMIN: 200, RECEPTION: 404}, {"pk": "site"}, org="own-outside")
add(
    "site-detail",
    "PATCH",
    {ANON: 401, ADMIN: 200, RECEPTION: 403, HOST: 403, COMPLIANCE: 403},
    {"pk": "site"},
)
add("site-detail", "DELETE", {ADMIN: 204}, {"pk": "site"})
other_org("site-detail", "GET", {"pk": "site"}, each(MEMBERS, 404))
other_org("site-detail", "PATCH", {"pk": "site"}, {ADMIN: 404})
other_org("site-detail", "DELETE", {"pk": "site"}, {ADMIN: 404})

add("desk-list", "GET", {ANON: 401, **each(MEMBERS, 200)})
add("desk-list", "POST", {ANON: 401, ADMIN: 400, RECEPTION: 403, HOST: 403, COMPLIANCE: 403})
add("desk-detail", "GET", {ANON: 401, **each(MEMBERS, 200)}, {"pk": "desk"})
add("desk-detail", "GET", {ADMIN: 200, RECEPTION: 404}, {"pk": "desk"}, org="own-outside")
add("desk-detail", "PATCH", {ADMIN: 200, RECEPTION: 403}, {"pk": "desk"})
other_org("desk-detail", "GET", {"pk": "desk"}, each(MEMBERS, 404))
other_org("desk-detail", "PATCH", {"pk": "desk"}, {ADMIN: 404})

add("journal-list", "GET", {ANON: 401, ADMIN: 200, RECEPTION: 403, HOST: 403, COMPLIANCE: 200})
add("journal-verify", "GET", {ANON: 401, ADMIN: 200, RECEPTION: 403, HOST: 403, COMPLIANCE: 200})
add(
    "journal-detail",
    "GET",
    {ANON: 401, ADMIN: 200, COMPLIANCE: 200, RECEPTION: 403},
    {"pk": "journal"},
)
other_org("journal-detail", "GET", {"pk": "journal"}, {ADMIN: 404, COMPLIANCE: 404})

add("token-list", "GET", {ANON: 401, **each(MEMBERS, 200)})
add(
    "token-detail",
    "GET",
    {ANON: 401, ADMIN: 200, RECEPTION: 404, HOST: 404, COMPLIANCE: 404},
    {"pk": "token"},
)
add("token-detail", "DELETE", {ADMIN: 204, HOST: 404}, {"pk": "token"})
other_org("token-detail", "GET", {"pk": "token"}, each(MEMBERS, 404))
other_org("token-detail", "DELETE", {"pk": "token"}, {ADMIN: 404})


# --- later apps: each keeps its rows in APP/tests/permission_rows.py ---------------
def _load_app_rows():
    import importlib
    from importlib.util import find_spec

    for app in ("visitors", "documents", "badges", "notifications", "reports", "retention", "backups"):
        if find_spec(app) is not None and find_spec(f"{app}.tests.permission_rows") is not None:
            importlib.import_module(f"{app}.tests.permission_rows")


_load_app_rows()
