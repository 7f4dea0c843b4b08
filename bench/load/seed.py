"""The head office of `make load`: the demo organization (Acme, from `seed_demo`:
its notification rules, badge templates, consent texts) grown to 20 sites, 50
desks and 300 hosts, with a watchlist, kiosks, and bulk SQL history.

What the Locust users need (logins, tokens, visit ids, QR codes) is written to
a JSON plan the locustfile reads: the load generator never touches Django.
Visits are handed out in disjoint pools (desk arrivals, desk scans, kiosk
searches, kiosk codes, departures, badges), so no two users act on one visit
and a 409 is a real error."""

import json
import time
import zoneinfo
from pathlib import Path

import psycopg

from bench.visits_common import COMPANIES, FIRST, SYLLABLES, _array

PASSWORD = "bench-Pass-2026"
SITES, DESKS, HOSTS = 20, 50, 300
HQ_DESKS = 10
RECEPTION = 40  # desk clients log in as one receptionist each
SECURITY = 4
KIOSKS = 10
WATCHLIST = 50


def _users(prefix: str, n: int, role: str, org, sites=()):
    """`n` members with one password hash (hashing 300 passwords would take
    minutes of PBKDF2 for nothing)."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password

    from tenancy.services import add_member

    user_model = get_user_model()
    hashed = make_password(PASSWORD)
    users = user_model.objects.bulk_create(
        user_model(email=f"{prefix}{i}@acme.bench", full_name=f"{prefix.title()} {i}", password=hashed)
        for i in range(n)
    )
    return [add_member(organization=org, user=u, role=role, sites=sites) for u in users]


def sessions_for(org: int, emails: list[str]) -> dict[str, str]:
    from tenancy.models import Membership
    from tenancy.scope import tenant_scope

    with tenant_scope(org):
        return sessions(Membership.objects.select_related("user").filter(user__email__in=emails))


def sessions(members) -> dict[str, str]:
    """A signed-in session per member, made here: the desks of a morning are
    open already, and 40 logins (PBKDF2, hundreds of ms of CPU each) at the
    start would measure the login, not the desk."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    from tenancy.middleware import SESSION_KEY as MEMBERSHIP_KEY
    from tenancy.middleware import SESSION_ORG_KEY

    store = import_module(settings.SESSION_ENGINE).SessionStore
    keys = {}
    for member in members:
        session = store()
        session[SESSION_KEY] = str(member.user.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = member.user.get_session_auth_hash()
        session[MEMBERSHIP_KEY] = member.pk
        session[SESSION_ORG_KEY] = member.organization_id
        session.create()
        keys[member.user.email] = session.session_key
    return keys


def configure() -> dict:
    """Django rows (services, as an admin would), in the demo organization."""
    from django.core.management import call_command

    from documents.models import ConsentRequirement
    from sites import services as sites
    from sites.models import Desk, Site
    from tenancy.models import Membership, Organization
    from tenancy.scope import tenant_scope
    from tenancy.tokens import create_token
    from visitors import configuration
    from visitors.models import VisitType

    call_command("seed_demo", verbosity=0)
    org = Organization.objects.get(slug="acme")
    with tenant_scope(org):
        existing = list(Site.objects.order_by("pk"))
        hq = existing[0]
        for i in range(SITES - len(existing)):
            sites.create_site(organization=org, name=f"Agence {i + 1:02d}", timezone="Europe/Paris")
        all_sites = list(Site.objects.order_by("pk"))
        for _ in range(HQ_DESKS - Desk.objects.filter(site=hq).count()):
            sites.create_desk(site=hq, name=f"Accueil {Desk.objects.filter(site=hq).count() + 1}")
        others = [s for s in all_sites if s != hq]
        i = 0
        while Desk.objects.count() < DESKS:
            site = others[i % len(others)]
            sites.create_desk(site=site, name=f"Accueil {i // len(others) + 1}")
            i += 1
        hq_desks = list(Desk.objects.filter(site=hq).order_by("pk").values_list("pk", flat=True))
        hosts = _users("host", HOSTS, "host", org)
        reception = _users("desk", RECEPTION, "reception", org, sites=[hq])
        security = _users("security", SECURITY, "compliance", org)
        admin = Membership.objects.get(user__email="admin@acme.demo")
        vtype = VisitType.objects.order_by("pk").first()  # the demo's first: "Visiteur", host required
        # The bench's visit type needs no consent (the others keep theirs): the
        # visitors of the bench do not stop at a signing tablet.
        ConsentRequirement.objects.filter(visit_type=vtype).delete()
        for n in range(WATCHLIST):
            configuration.add_watchlist_entry(
                organization=org,
                first_name=FIRST[n % len(FIRST)],
                last_name=f"Surveillé{n}",
                company="",
                reason="bench",
            )
        kiosks = [configuration.create_kiosk_token(site=hq, name=f"Borne {n}")[1] for n in range(KIOSKS)]
        host_keys = [create_token(membership=m, name="bench")[1] for m in hosts[:40]]
        admin_key = create_token(membership=admin, name="bench")[1]
        security_key = create_token(membership=security[0], name="bench")[1]
        signed_in = sessions(reception + security)
        other_types = list(VisitType.objects.exclude(pk=vtype.pk).values_list("pk", flat=True))
    return {
        "org": org.pk,
        "hq": hq.pk,
        "hq_tz": hq.timezone,
        "sites": [s.pk for s in all_sites],
        "hq_desks": hq_desks,
        "hosts": [m.pk for m in hosts],
        "visit_type": vtype.pk,
        "other_types": other_types,
        "reception": [m.user.email for m in reception],
        "security": [m.user.email for m in security],
        "kiosks": kiosks,
        "host_keys": host_keys,
        "admin_key": admin_key,
        "security_key": security_key,
        "password": PASSWORD,
        "sessions": signed_in,
    }


def bulk(env: dict[str, str], t: dict, *, visits: int, expected: int, on_site: int) -> float:
    """History (`visits` departed visits over a year, all sites, all hosts),
    `on_site` people arrived today at the head office, `expected` visits
    expected there now; one visitor each. INSERT ... SELECT as the owner."""
    import datetime

    started = time.perf_counter()
    first, syl, comp = _array(FIRST), _array(SYLLABLES), _array(COMPANIES)
    total = visits + expected + on_site
    today = datetime.datetime.now(zoneinfo.ZoneInfo(t["hq_tz"])).date()
    params = {
        "org": t["org"],
        "n": total,
        "hq": t["hq"],
        "sites": t["sites"],
        "hosts": t["hosts"],
        "types": [t["visit_type"], *t["other_types"]],
        "vtype": t["visit_type"],
        "expected": expected,
        "onsite": on_site,
        "today": today,
    }
    with psycopg.connect(env["DATABASE_OWNER_URL"], autocommit=True) as conn:
        conn.execute(
            f"""
            INSERT INTO visitors_visitor (organization_id, first_name, last_name, email, phone, company,
                                          language, created_at)
            SELECT %(org)s, ({first})[1 + i %% 20],
                   ({syl})[1 + i %% 20] || lower(({syl})[1 + (i / 20) %% 20]) || lower(({syl})[1 + (i / 400) %% 20]),
                   'b' || i || '@example.test', '', ({comp})[1 + (i / 7) %% 10], 'fr', now()
            FROM generate_series(1, %(n)s) AS i
            """,
            params,
        )
        # Rows 1..expected: expected now at the head office; then on site there;
        # then the history, spread over the sites, hosts and types.
        conn.execute(
            """
            WITH v AS (
                SELECT id, row_number() OVER (ORDER BY id) AS i FROM visitors_visitor
                WHERE organization_id = %(org)s AND email LIKE 'b%%@example.test'
            ), p AS (
                SELECT id, i, i <= %(expected)s AS exp,
                       i > %(expected)s AND i <= %(expected)s + %(onsite)s AS here
                FROM v
            )
            INSERT INTO visitors_visit (organization_id, site_id, visitor_id, host_id, visit_type_id,
                expected_at, expected_until, status, arrived_at, departed_at, departure_automatic,
                cancellation_reason, refusal_reason, notes, override_reason, token, created_at, updated_at,
                arrived_desk_id, desk_id, badge_number, badge_day)
            SELECT %(org)s,
                   CASE WHEN exp OR here THEN %(hq)s
                        ELSE (%(sites)s::bigint[])[1 + i %% cardinality(%(sites)s::bigint[])] END,
                   id, (%(hosts)s::bigint[])[1 + i %% cardinality(%(hosts)s::bigint[])],
                   CASE WHEN exp OR here THEN %(vtype)s
                        ELSE (%(types)s::bigint[])[1 + i %% cardinality(%(types)s::bigint[])] END,
                   CASE WHEN exp OR here THEN now() - interval '30 minutes'
                        ELSE now() - (1 + i %% 365) * interval '1 day' END,
                   CASE WHEN exp OR here THEN now() + interval '3 hours'
                        ELSE now() - (1 + i %% 365) * interval '1 day' + interval '2 hours' END,
                   CASE WHEN exp THEN 'expected' WHEN here THEN 'arrived' ELSE 'departed' END,
                   CASE WHEN exp THEN NULL WHEN here THEN now() - interval '20 minutes'
                        ELSE now() - (1 + i %% 365) * interval '1 day' END,
                   CASE WHEN exp OR here THEN NULL
                        ELSE now() - (1 + i %% 365) * interval '1 day' + interval '1 hour' END,
                   false, '', '', '', '', md5(random()::text || i), now(), now(),
                   NULL, NULL,
                   CASE WHEN here THEN (i - %(expected)s) END,
                   CASE WHEN here THEN %(today)s::date END
            FROM p
            """,
            params,
        )
        conn.execute(
            "INSERT INTO visitors_badgecounter (organization_id, site_id, day, last) "
            "VALUES (%(org)s, %(hq)s, %(today)s, %(onsite)s) "
            "ON CONFLICT (site_id, day) DO UPDATE SET last = EXCLUDED.last",
            params,
        )
        conn.execute("VACUUM ANALYZE")
    return time.perf_counter() - started


def plan(env: dict[str, str], t: dict) -> dict:
    """Visit pools for the users, with the QR codes of those scanned (signed
    here with the server's SECRET_KEY, as the invitation e-mail carries them)."""
    from tenancy.scope import tenant_scope
    from visitors import codes
    from visitors.models import Visit

    with psycopg.connect(env["DATABASE_OWNER_URL"]) as conn:
        expected = conn.execute(
            "SELECT v.id, p.last_name FROM visitors_visit v JOIN visitors_visitor p ON p.id = v.visitor_id "
            "WHERE v.site_id = %s AND v.status = 'expected' AND p.email LIKE 'b%%@example.test' ORDER BY v.id",
            [t["hq"]],
        ).fetchall()
        here = [
            r[0]
            for r in conn.execute(
                "SELECT id FROM visitors_visit WHERE site_id = %s AND status = 'arrived' ORDER BY id",
                [t["hq"]],
            )
        ]
    quarter = len(expected) // 4
    desk, scan, kiosk, kiosk_qr = (expected[i * quarter : (i + 1) * quarter] for i in range(4))
    with tenant_scope(t["org"]):
        by_id = Visit.objects.in_bulk([v for v, _ in scan + kiosk_qr])
        scan_codes = [[v, codes.make_code(by_id[v])] for v, _ in scan]
        kiosk_codes = [[v, codes.make_code(by_id[v])] for v, _ in kiosk_qr]
    half = len(here) // 2
    return {
        **t,
        "arrive": [v for v, _ in desk],
        "scan": scan_codes,
        "kiosk_search": [[v, name] for v, name in kiosk],
        "kiosk_scan": kiosk_codes,
        "depart": here[:half],
        "badge": here[half:],
    }


def still_valid(env: dict[str, str], p: dict) -> dict:
    """The plan of an earlier seeding, without the visits a run acted upon."""
    with psycopg.connect(env["DATABASE_OWNER_URL"]) as conn:
        status = dict(conn.execute("SELECT id, status FROM visitors_visit WHERE site_id = %s", [p["hq"]]))
    for pool in ("arrive", "depart", "badge"):
        wanted = "expected" if pool == "arrive" else "arrived"
        p[pool] = [v for v in p[pool] if status.get(v) == wanted]
    for pool in ("scan", "kiosk_search", "kiosk_scan"):
        p[pool] = [item for item in p[pool] if status.get(item[0]) == "expected"]
    return p


def seed(env: dict[str, str], *, visits: int, expected: int, on_site: int, out: Path) -> dict:
    started = time.perf_counter()
    t = configure()
    configured = time.perf_counter() - started
    seconds = bulk(env, t, visits=visits, expected=expected, on_site=on_site)
    p = plan(env, t)
    out.write_text(json.dumps(p))
    p["seconds"] = {"configure": configured, "bulk": seconds, "total": time.perf_counter() - started}
    return p
