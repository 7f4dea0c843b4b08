"""Request budgets (issue 20, "1,000 searches per second → limited, per
membership and per IP, others unaffected"): real Redis counters through the
whole middleware stack, with the production budgets unless a test says so."""

import time

import pytest
from django.test import Client, override_settings

from tenancy.scope import tenant_scope
from tenancy.tokens import create_token

ATTACKER_IP = "203.0.113.7"
OFFICE_IP = "198.51.100.20"
OTHER_IP = "192.0.2.55"


def token_for(membership):
    with tenant_scope(membership.organization):
        _token, key = create_token(membership=membership, name="rate test")
    return key


def api(key, ip, **headers):
    return Client(HTTP_AUTHORIZATION=f"Token {key}", REMOTE_ADDR=ip, **headers)


def budgets(**changed):
    """The production budgets with some changed. Windows of a day where a test
    counts to a refusal: windows are aligned on the clock, and one that ends in
    the middle of a test would hand it a fresh budget."""
    from django.conf import settings

    return override_settings(RATE_LIMITS={**settings.RATE_LIMITS, **changed})


def production_counts_per_day():
    """The production budgets' counts over a day's window instead of a minute's:
    a burst that takes tens of seconds on a busy machine would otherwise straddle
    a minute boundary (windows are aligned on the clock), and its second part
    would start from a fresh budget."""
    from django.conf import settings

    return budgets(
        **{
            name: rate.split("/")[0] + "/d"
            for name, rate in settings.RATE_LIMITS.items()
            if "/" in (rate or "")
        }
    )


@production_counts_per_day()
def test_a_burst_of_a_thousand_searches_is_refused_and_others_still_get_through(orgs):
    attacker = api(token_for(orgs.a.members["reception"]), ATTACKER_IP)
    statuses, refusals = [], []
    for i in range(1000):
        response = attacker.get("/api/v1/visits/", {"q": f"dupont{i % 10}"})
        statuses.append(response.status_code)
        if response.status_code == 429:
            refusals.append(response)
    assert set(statuses) <= {200, 429}, "no 500, no other status"
    assert len(refusals) > 600, f"{len(refusals)} of 1000 refused"
    last = refusals[-1]
    assert 1 <= int(last["Retry-After"]) <= 86400  # the seconds left in the window
    assert last.json()["detail"].startswith("Trop de requêtes. Patientez "), last.json()

    # Within the same window: another member behind another address, a member
    # of another organization, and the same organization's admin on the
    # attacker's address (its address budget is far from spent) all get answers.
    for client in (
        api(token_for(orgs.a.members["admin"]), OTHER_IP),
        api(token_for(orgs.b.members["reception"]), OTHER_IP),
        api(token_for(orgs.a.members["admin"]), ATTACKER_IP),
    ):
        assert client.get("/api/v1/visits/", {"q": "dupont"}).status_code == 200
    # Refused searches are requests too: past 1,000 of them the attacker's
    # general budget is spent as well, and it waits like the rest.
    assert attacker.get("/api/v1/me/").status_code == 429


def test_the_message_is_in_the_readers_language(orgs):
    key = token_for(orgs.a.members["reception"])
    with budgets(member_search="1/d"):
        assert api(key, ATTACKER_IP).get("/api/v1/visitors/", {"q": "x"}).status_code == 200
        english = api(key, ATTACKER_IP, HTTP_ACCEPT_LANGUAGE="en").get("/api/v1/visitors/", {"q": "x"})
        german = api(key, ATTACKER_IP, HTTP_ACCEPT_LANGUAGE="de").get("/api/v1/visitors/", {"q": "x"})
    assert english.status_code == german.status_code == 429
    assert english.json()["detail"].startswith("Too many requests. Please wait ")
    assert german.json()["detail"].startswith("Zu viele Anfragen. Bitte warten Sie ")


def test_one_address_has_its_own_budget_across_members(orgs):
    """Many members behind one address share the address budget; another
    address is not touched by it."""
    first = api(token_for(orgs.a.members["reception"]), OFFICE_IP)
    second = api(token_for(orgs.a.members["admin"]), OFFICE_IP)
    with budgets(ip_search="4/d"):
        assert [first.get("/api/v1/visits/", {"q": "a"}).status_code for _ in range(2)] == [200, 200]
        assert [second.get("/api/v1/visits/", {"q": "a"}).status_code for _ in range(2)] == [200, 200]
        assert second.get("/api/v1/visits/", {"q": "a"}).status_code == 429
        assert first.get("/api/v1/visits/", {"q": "a"}).status_code == 429
        # Not a search: the address's general budget is not spent.
        assert first.get("/api/v1/visits/").status_code == 200
        elsewhere = api(token_for(orgs.a.members["host"]), OTHER_IP)
        assert elsewhere.get("/api/v1/visits/", {"q": "a"}).status_code == 200


def test_the_budget_comes_back_when_the_window_ends(orgs):
    client = api(token_for(orgs.a.members["reception"]), ATTACKER_IP)
    with budgets(member_search="3/s"):
        time.sleep(1 - time.time() % 1 + 0.01)  # start at the beginning of a window
        assert [client.get("/api/v1/visits/", {"q": "a"}).status_code for _ in range(4)] == [200] * 3 + [429]
        refused = client.get("/api/v1/visits/", {"q": "a"})
        assert refused.status_code == 429 and refused["Retry-After"] == "1"
        time.sleep(1 - time.time() % 1 + 0.01)
        assert client.get("/api/v1/visits/", {"q": "a"}).status_code == 200


def test_the_desk_shows_the_refusal_in_place_of_its_rows(orgs, client_for):
    desk = client_for(orgs.a.members["reception"])
    with budgets(member_search="2/d"):
        for _ in range(2):
            assert desk.get("/desk/visits/", {"q": "du"}, HTTP_HX_REQUEST="true").status_code == 200
        refused = desk.get("/desk/visits/", {"q": "dup"}, HTTP_HX_REQUEST="true")
        page = desk.get("/visits/", {"q": "dup"})
        # The desk's refresh (no search) is still answered.
        assert desk.get("/desk/visits/", HTTP_HX_REQUEST="true").status_code == 200
    assert refused.status_code == 429 and int(refused["Retry-After"]) >= 1
    body = refused.content.decode()
    assert body.startswith('<p class="alert error" role="alert">Trop de requêtes.') and "<html" not in body
    assert page.status_code == 429 and page["Retry-After"]
    assert "<title>Trop de requêtes — Vestibule</title>" in page.content.decode()


def test_the_kiosk_name_search_counts_as_a_search(orgs):
    from visitors import configuration

    with tenant_scope(orgs.a.org):
        _token, key = configuration.create_kiosk_token(site=orgs.a.site, name="Hall")
    kiosk = Client(REMOTE_ADDR=ATTACKER_IP)
    with budgets(ip_search="3/d"):
        answers = [kiosk.post(f"/kiosk/{key}/", {"action": "search", "name": "Dupont"}) for _ in range(4)]
        # The kiosk's start screen is not a search.
        assert kiosk.get(f"/kiosk/{key}/").status_code == 200
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert "Trop de requêtes" in answers[-1].content.decode()


def test_a_busy_desk_minute_is_never_limited(orgs, client_for):
    """With the production budgets: a refresh every 10 s and ten names typed
    letter by letter (search-as-you-type sends one request per key), in one
    minute, from one receptionist."""
    desk = client_for(orgs.a.members["reception"])
    desk.defaults["REMOTE_ADDR"] = OFFICE_IP
    statuses = [desk.get("/desk/").status_code]
    for name in (
        "dupont",
        "martin",
        "bernard",
        "thomas",
        "petit",
        "robert",
        "richard",
        "durand",
        "dubois",
        "moreau",
    ):
        statuses.append(desk.get("/desk/visits/", HTTP_HX_REQUEST="true").status_code)
        for end in range(1, len(name) + 1):
            statuses.append(desk.get("/desk/visits/", {"q": name[:end]}, HTTP_HX_REQUEST="true").status_code)
    assert statuses == [200] * len(statuses)


def test_fifty_desks_behind_one_office_address_are_not_limited(orgs, client_for):
    """An office's NAT: 50 receptionists, each refreshing and typing the start
    of a name, in the same minute from one address. (A real minute has six
    refreshes and a few names per desk, about 2,000 requests: still under the
    address budgets of 9,000 and 3,000 searches; kept short to stay fast.)"""
    from django.contrib.auth import get_user_model

    from tenancy.models import Membership

    users = get_user_model().objects.bulk_create(
        get_user_model()(email=f"desk{i}@org-a.test", full_name=f"Desk {i}") for i in range(50)
    )
    with tenant_scope(orgs.a.org):
        members = Membership.objects.bulk_create(
            Membership(organization=orgs.a.org, user=user, role="reception") for user in users
        )
        for membership in members:
            membership.sites.set([orgs.a.site])
    refused = 0
    for membership in members:
        desk = client_for(membership)
        desk.defaults["REMOTE_ADDR"] = OFFICE_IP
        answers = [desk.get("/desk/visits/", HTTP_HX_REQUEST="true")]
        answers += [
            desk.get("/desk/visits/", {"q": "dur"[:end]}, HTTP_HX_REQUEST="true") for end in range(1, 4)
        ]
        refused += sum(a.status_code == 429 for a in answers)
        assert {a.status_code for a in answers} <= {200, 429}
    assert refused == 0


@pytest.mark.parametrize(
    ("rate", "expected"), [("600/min", (600, 60)), ("3/s", (3, 1)), ("10/hour", (10, 3600)), ("off", None)]
)
def test_budgets_are_read_from_settings_text(rate, expected):
    from tenancy.throttle import parse_rate

    assert parse_rate(rate) == expected


def test_a_mistyped_budget_stops_the_server_from_starting():
    from django.core.exceptions import ImproperlyConfigured

    from tenancy.throttle import RateLimitMiddleware

    with budgets(member="600 per minute"), pytest.raises(ImproperlyConfigured, match="member"):
        RateLimitMiddleware(lambda request: None)


def test_with_redis_unreachable_requests_are_answered_uncounted(orgs):
    key = token_for(orgs.a.members["reception"])
    with override_settings(
        CACHES={
            "default": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens there
            }
        }
    ):
        answer = api(key, ATTACKER_IP).get("/api/v1/visits/", {"q": "a"})
    assert answer.status_code == 200
