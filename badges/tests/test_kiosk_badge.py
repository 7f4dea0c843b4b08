"""The kiosk prints the badge of the visitor it has just arrived, when the site's
badge policy says so: the welcome page shows the PDF and prints it; fetching it
records the print once."""

import re

import pytest

from badges.models import BadgePrint
from visitors import configuration
from visitors.models import Visit
from visitors.tests.factories import make_visit

pytestmark = pytest.mark.django_db


def arrive_at_kiosk(client, key, visit):
    page = client.post(f"/kiosk/{key}/", {"action": "confirm", "visit": visit.pk, "lang": "en"})
    assert "Welcome, " in page.content.decode()
    return page.content.decode()


def test_the_welcome_prints_the_badge_once(orgs, scoped, client):
    with scoped(orgs.a.org):
        _token, key = configuration.create_kiosk_token(site=orgs.a.site)
        visit = make_visit(orgs.a)
    page = arrive_at_kiosk(client, key, visit)
    url = re.search(r'<iframe id="kiosk-badge"[^>]* src="([^"]+)"', page).group(1)
    assert 'data-autoprint="1"' in page and "Your badge is printing" in page
    first = client.get(url)
    assert first.status_code == 200 and first["Content-Type"] == "application/pdf"
    assert first.content.startswith(b"%PDF")
    assert client.get(url).status_code == 200  # a reload shows it again...
    with scoped(orgs.a.org):
        [badge] = BadgePrint.objects.filter(visit=visit)  # ...without a second print
        assert badge.badge_number == Visit.objects.get(pk=visit.pk).badge_number
        assert badge.printed_by_id is None and badge.desk_id is None


def test_a_site_without_kiosk_badges_prints_none(orgs, scoped, client):
    from sites import services as sites

    with scoped(orgs.a.org):
        sites.update_site(site=orgs.a.site, kiosk_badge=False)
        _token, key = configuration.create_kiosk_token(site=orgs.a.site)
        visit = make_visit(orgs.a)
    page = arrive_at_kiosk(client, key, visit)
    assert "kiosk-badge" not in page
    from visitors.kiosk import badge_token

    with scoped(orgs.a.org):
        token = badge_token(Visit.objects.get(pk=visit.pk))
    assert client.get(f"/kiosk/{key}/badge/{token}/").status_code == 404
    with scoped(orgs.a.org):
        assert not BadgePrint.objects.exists()


def test_a_badge_link_opens_at_its_own_kiosk_only(orgs, scoped, client):
    from visitors.kiosk import badge_token

    with scoped(orgs.a.org):
        _t, key = configuration.create_kiosk_token(site=orgs.a.site)
        _t2, other_site_key = configuration.create_kiosk_token(site=orgs.a.site2)
        visit = make_visit(orgs.a)
    arrive_at_kiosk(client, key, visit)
    with scoped(orgs.a.org):
        token = badge_token(Visit.objects.get(pk=visit.pk))
    with scoped(orgs.b.org):
        _t3, other_org_key = configuration.create_kiosk_token(site=orgs.b.site)
    assert client.get(f"/kiosk/{other_site_key}/badge/{token}/").status_code == 404
    assert client.get(f"/kiosk/{other_org_key}/badge/{token}/").status_code == 404
    with scoped(orgs.a.org):
        assert not BadgePrint.objects.exists()
