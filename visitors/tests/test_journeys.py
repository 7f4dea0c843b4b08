"""The journeys of the issue, end to end through the API and the services."""

import datetime

import pytest
from django.core import mail, signing
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from audit.models import JournalEntry
from visitors import services
from visitors.codes import SALT
from visitors.models import Visit, VisitStatus
from visitors.tests.factories import make_visit, make_visit_type, make_visitor

pytestmark = pytest.mark.django_db(transaction=True)


def verbs(org, scoped):
    with scoped(org.org):
        return list(
            JournalEntry.objects.filter(verb__startswith="visit.")
            .order_by("seq")
            .values_list("verb", flat=True)
        )


def _code_in(body: str) -> str | None:
    for word in body.split():
        try:
            signing.loads(word, salt=SALT)
        except signing.BadSignature:
            continue
        return word
    return None


def _visit_body(org, **kw):
    start = timezone.now() + datetime.timedelta(minutes=10)
    body = {
        "visitor": {
            "first_name": "Hélène",
            "last_name": "Lefèvre",
            "email": "helene@example.test",
            "company": "Écla",
        },
        "site": org.site.pk,
        "visit_type": kw.pop("visit_type"),
        "host": org.members["host"].pk,
        "expected_at": start.isoformat(),
        "expected_until": (start + datetime.timedelta(hours=2)).isoformat(),
    }
    body.update(kw)
    return body


def test_pre_register_invite_scan_arrive_depart(orgs, api, scoped):
    with scoped(orgs.a.org):
        vtype = make_visit_type(orgs.a, host_required=True).pk
    host = api(orgs.a, "host")
    r = host.post("/api/v1/visits/", _visit_body(orgs.a, visit_type=vtype), content_type="application/json")
    assert r.status_code == 201, r.content
    visit_id = r.json()["id"]
    assert r.json()["status"] == "expected"
    # The invitation left after commit, with a QR image and a calendar file.
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["helene@example.test"]
    assert "Org A HQ" in message.subject
    names = [a.get_filename() if hasattr(a, "get_filename") else a[0] for a in message.attachments]
    assert "invitation.ics" in names and "qr.png" in names
    # The code typed from the e-mail (signing stamps the second it was made, so
    # it is read from the body rather than made again here).
    code = _code_in(message.body)
    assert code is not None and signing.loads(code, salt=SALT)["v"] == visit_id
    desk = api(orgs.a, "reception")
    r = desk.post(
        "/api/v1/visits/scan/", {"code": code, "desk": orgs.a.desk.pk}, content_type="application/json"
    )
    assert r.status_code == 200, r.content
    assert r.json()["action"] == "arrived" and r.json()["badge_number"] == 1
    r = desk.post(
        f"/api/v1/visits/{visit_id}/depart/", {"desk": orgs.a.desk.pk}, content_type="application/json"
    )
    assert r.status_code == 200 and r.json()["status"] == "departed"
    # The code of a departed visit is refused, with the reason.
    r = desk.post("/api/v1/visits/scan/", {"code": code}, content_type="application/json")
    assert r.status_code == 409 and "left" in r.json()["detail"]
    assert verbs(orgs.a, scoped) == ["visit.pre_registered", "visit.arrived", "visit.departed"]
    with scoped(orgs.a.org):
        entry = JournalEntry.objects.get(verb="visit.arrived")
    assert entry.data["visit_id"] == visit_id and entry.data["desk_id"] == orgs.a.desk.pk
    assert not {"first_name", "email"} & set(entry.data)


def test_invitation_in_english_update_and_cancel(orgs, api, scoped):
    with scoped(orgs.a.org):
        visit = make_visit(orgs.a, visitor=make_visitor(orgs.a, language="en", email="en@example.test"))
        services.update_visit(
            visit=visit,
            expected_at=visit.expected_at + datetime.timedelta(hours=1),
            expected_until=visit.expected_until + datetime.timedelta(hours=1),
        )
    assert len(mail.outbox) == 1 and mail.outbox[0].subject.startswith("Visit changed")
    r = api(orgs.a, "host").post(
        f"/api/v1/visits/{visit.pk}/cancel/", {"reason": "ill"}, content_type="application/json"
    )
    assert r.status_code == 200
    assert mail.outbox[-1].subject.startswith("Visit cancelled")
    assert "METHOD:CANCEL" in str(mail.outbox[-1].message())


def test_sender_is_replaceable(orgs, scoped):
    from visitors import invitations

    seen = []
    invitations.sender = lambda message, *, visit, kind: seen.append((visit.pk, kind))
    invitations.extra_links.append(lambda visit: [("Sign", "https://example.test/sign")])
    try:
        with scoped(orgs.a.org):
            visit = make_visit(orgs.a)
            invitations.send_invitation(visit, "created")
            message = invitations.build_message(visit, "created")
        assert seen == [(visit.pk, "created")]
        assert "https://example.test/sign" in message.body
    finally:
        invitations.extra_links.pop()


def test_walk_in_arrives_at_once(orgs, api, scoped):
    with scoped(orgs.a.org):
        vtype = make_visit_type(orgs.a)
    r = api(orgs.a, "reception").post(
        "/desk/walk-in/",
        {"desk": orgs.a.desk.pk, "first_name": "Zoé", "last_name": "Brûlé", "visit_type": vtype.pk},
    )
    assert r.status_code == 200
    assert "badge 1" in r.content.decode()
    with scoped(orgs.a.org):
        visit = Visit.objects.get(visitor__last_name="Brûlé")
    assert visit.status == VisitStatus.ARRIVED and visit.arrived_desk_id == orgs.a.desk.pk
    assert mail.outbox == []  # nobody to invite: they are here


def test_approval(orgs, api, scoped):
    with scoped(orgs.a.org):
        vtype = make_visit_type(orgs.a, approval_required=True)
        vtype.approvers.add(orgs.a.members["compliance"])
    r = api(orgs.a, "host").post(
        "/api/v1/visits/", _visit_body(orgs.a, visit_type=vtype.pk), content_type="application/json"
    )
    assert r.json()["status"] == "pending_approval" and mail.outbox == []
    visit_id = r.json()["id"]
    r = api(orgs.a, "reception").post(
        f"/api/v1/visits/{visit_id}/arrive/", {}, content_type="application/json"
    )
    assert r.status_code == 409 and "approval" in r.json()["detail"]
    assert api(orgs.a, "host").post(f"/api/v1/visits/{visit_id}/approve/").status_code == 403
    r = api(orgs.a, "compliance").post(f"/api/v1/visits/{visit_id}/approve/")
    assert r.status_code == 200 and r.json()["status"] == "expected"
    assert len(mail.outbox) == 1
    r = api(orgs.a, "admin").post(f"/api/v1/visits/{visit_id}/refuse/")
    assert r.status_code == 409
    assert verbs(orgs.a, scoped) == ["visit.pre_registered", "visit.pending_approval", "visit.approved"]


def test_refusal_then_arrival_refused(orgs, api, scoped):
    with scoped(orgs.a.org):
        visit = make_visit(orgs.a, status="pending_approval")
    assert (
        api(orgs.a, "admin").post(f"/api/v1/visits/{visit.pk}/refuse/", {"reason": "no"}).status_code == 200
    )
    r = api(orgs.a, "reception").post(f"/api/v1/visits/{visit.pk}/arrive/")
    assert r.status_code == 409 and r.json()["detail"] == "This visit was refused."


def test_watchlist_blocks_reception_and_admin_overrides(orgs, api, scoped):
    from visitors import configuration

    with scoped(orgs.a.org):
        configuration.add_watchlist_entry(
            organization=orgs.a.org, first_name="Helene", last_name="LEFEVRE", reason="x"
        )
        vtype = make_visit_type(orgs.a).pk
        visit = make_visit(orgs.a, visitor=make_visitor(orgs.a, first_name="Hélène", last_name="Lefèvre"))
    body = _visit_body(orgs.a, visit_type=vtype)
    r = api(orgs.a, "reception").post("/api/v1/visits/", body, content_type="application/json")
    assert r.status_code == 409 and "security" in r.json()["detail"]
    r = api(orgs.a, "reception").post(f"/api/v1/visits/{visit.pk}/arrive/", {"override_reason": "boss says"})
    assert r.status_code == 409  # only an admin may override
    r = api(orgs.a, "admin").post(
        f"/api/v1/visits/{visit.pk}/arrive/",
        {"override_reason": "escorted by security"},
        content_type="application/json",
    )
    assert r.status_code == 200, r.content
    assert verbs(orgs.a, scoped) == ["visit.denied", "visit.denied", "visit.override", "visit.arrived"]
    with scoped(orgs.a.org):
        assert Visit.objects.get(pk=visit.pk).override_reason == "escorted by security"


@pytest.mark.parametrize(
    ("visitor", "listed"),
    [
        ({"first_name": "hélène", "last_name": "LEFÈVRE", "company": ""}, True),
        ({"first_name": "Helene", "last_name": "Lefevre", "company": "Écla"}, True),
        ({"first_name": "Helene", "last_name": "Lefevre", "company": "Other"}, False),
        ({"first_name": "Paul", "last_name": "Martin", "email": "BANNED@example.test"}, True),
        ({"first_name": "Paul", "last_name": "Martin", "email": ""}, False),
        ({"first_name": "Old", "last_name": "Entry"}, False),
    ],
)
def test_the_watchlist_gate_agrees_with_matches(orgs, scoped, visitor, listed):
    """The arrival's SQL gate and the ORM rule used at pre-registration are two
    writings of one rule: same answer for names, accents, company and e-mail, and
    an expired entry counts for neither."""
    from django.db import connection

    from visitors import configuration, watchlist

    with scoped(orgs.a.org):
        configuration.add_watchlist_entry(
            organization=orgs.a.org, first_name="Hélène", last_name="Lefèvre", company="ECLA", reason="x"
        )
        configuration.add_watchlist_entry(
            organization=orgs.a.org, first_name="X", last_name="Y", email="banned@example.test", reason="x"
        )
        configuration.add_watchlist_entry(
            organization=orgs.a.org,
            first_name="Old",
            last_name="Entry",
            reason="x",
            expires_at=timezone.now() - datetime.timedelta(days=1),
        )
        visit = make_visit(orgs.a, visitor=make_visitor(orgs.a, **{"email": "", "company": "", **visitor}))
        sql, params = watchlist.listed_gate(visit)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {sql}", params)
            gate = cursor.fetchone()[0]
        assert gate is listed
        assert bool(watchlist.matches_for_visitor(visit.visitor)) is listed
        assert bool(watchlist.watchlist_check(visit)) is listed


def test_arrival_check_hook(orgs, api, scoped):
    from visitors.checks import register_arrival_check, unregister_arrival_check

    def missing_consent(visit):
        return ["Consent missing."]

    register_arrival_check(missing_consent)
    try:
        with scoped(orgs.a.org):
            visit = make_visit(orgs.a)
        r = api(orgs.a, "reception").post(f"/api/v1/visits/{visit.pk}/arrive/")
        assert r.status_code == 409 and r.json()["problems"] == ["Consent missing."]
    finally:
        unregister_arrival_check(missing_consent)


def test_a_gated_check_runs_only_when_its_gate_opens(orgs, api, scoped):
    from visitors.checks import register_arrival_check, unregister_arrival_check

    ran = []

    def vip_only(visit):
        ran.append(visit.pk)
        return ["Escort required."]

    def gate(visit):
        return "%s = 'Needs escort'", [visit.notes]

    register_arrival_check(vip_only, gate=gate)
    try:
        with scoped(orgs.a.org):
            plain = make_visit(orgs.a)
            escorted = make_visit(orgs.a, notes="Needs escort")
        assert api(orgs.a, "reception").post(f"/api/v1/visits/{plain.pk}/arrive/").status_code == 200
        r = api(orgs.a, "reception").post(f"/api/v1/visits/{escorted.pk}/arrive/")
        assert r.status_code == 409 and r.json()["problems"] == ["Escort required."]
        assert ran == [escorted.pk]
    finally:
        unregister_arrival_check(vip_only)


@pytest.mark.parametrize(
    ("role", "with_desk"),
    [("reception", True), ("reception", False), ("admin", True)],  # admin: no perimeter, every site
)
def test_the_arrival_answers_the_visit_as_the_api_shows_it(orgs, api, scoped, role, with_desk):
    with scoped(orgs.a.org):
        visit = make_visit(orgs.a, notes="Parking B")
    client = api(orgs.a, role)
    r = client.post(
        f"/api/v1/visits/{visit.pk}/arrive/",
        {"desk": orgs.a.desk.pk} if with_desk else {},
        content_type="application/json",
    )
    assert r.status_code == 200
    answer = r.json()
    assert answer["status"] == "arrived" and answer["badge_number"] == 1
    assert answer["arrived_desk"] == (orgs.a.desk.pk if with_desk else None)
    assert answer["visitor"]["first_name"] and answer["notes"] == "Parking B"
    assert answer == client.get(f"/api/v1/visits/{visit.pk}/").json()


def test_auto_checkout_and_no_show_are_idempotent(orgs, scoped):
    import zoneinfo

    with scoped(orgs.a.org):
        tz = zoneinfo.ZoneInfo("Europe/Paris")
        day = timezone.localtime(timezone.now(), tz).date() - datetime.timedelta(days=1)
        morning = datetime.datetime.combine(day, datetime.time(9), tz)
        stayed = make_visit(
            orgs.a,
            arrived=True,
            arrived_at=morning,
            expected_at=morning,
            expected_until=morning + datetime.timedelta(hours=1),
        )
        absent = make_visit(orgs.a, expected_at=morning, expected_until=morning + datetime.timedelta(hours=1))
        today = make_visit(orgs.a)
        assert services.auto_checkout() == 1
        assert services.mark_no_shows() == 1
        assert services.auto_checkout() == 0 and services.mark_no_shows() == 0
        stayed.refresh_from_db()
        absent.refresh_from_db()
        today.refresh_from_db()
        assert stayed.status == "departed" and stayed.departure_automatic
        assert timezone.localtime(stayed.departed_at, tz).time() == datetime.time(20, 0)
        assert absent.status == "no_show" and today.status == "expected"
        departed = JournalEntry.objects.get(verb="visit.departed")
        assert departed.data["automatic"] is True
        assert JournalEntry.objects.filter(verb="visit.no_show").count() == 1


def test_tasks_run_in_the_tenant_scope(orgs, scoped):
    from visitors import tasks

    with scoped(orgs.a.org):
        old = timezone.now() - datetime.timedelta(days=3)
        make_visit(orgs.a, expected_at=old, expected_until=old + datetime.timedelta(hours=1))
    assert tasks.mark_no_shows(orgs.a.org.pk) == 1
    assert tasks.mark_no_shows(orgs.b.org.pk) == 0


def test_on_site_roll_call(orgs, api, scoped):
    with scoped(orgs.a.org):
        here = make_visit(orgs.a, arrived=True, badge_number=7)
        make_visit(orgs.a)
    r = api(orgs.a, "reception").get(f"/api/v1/sites/{orgs.a.site.pk}/on-site/")
    assert r.status_code == 200
    assert [row["id"] for row in r.json()] == [here.pk] and r.json()[0]["badge_number"] == 7
    pdf = api(orgs.a, "reception").get(f"/on-site/{orgs.a.site.pk}/roll-call.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def test_visit_list_filters_and_query_count(orgs, api, scoped):
    with scoped(orgs.a.org):
        for _ in range(5):
            make_visit(orgs.a)
        make_visit(orgs.a, site=orgs.a.site2)
        make_visit(orgs.a, visitor=make_visitor(orgs.a, first_name="Noémie", last_name="Garçon"))
    client = api(orgs.a, "admin")
    assert client.get("/api/v1/visits/", {"site": orgs.a.site2.pk}).json()["count"] == 1
    assert client.get("/api/v1/visits/", {"q": "noemie garcon"}).json()["count"] == 1
    assert client.get("/api/v1/visits/", {"status": "bogus"}).status_code == 400
    assert client.get("/api/v1/visits/", {"limit": 2}).json()["next"]
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/api/v1/visits/").status_code == 200
    assert len(queries) <= 12
    # Reception sees its perimeter only; hosts their own visits.
    assert api(orgs.a, "reception").get("/api/v1/visits/").json()["count"] == 6
