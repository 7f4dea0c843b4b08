"""Consent texts, versions, signing at the desk (API and screen) and the proof."""

import base64
import datetime
import hashlib
import io

import pytest
from django.db import DatabaseError, transaction
from pypdf import PdfReader

from audit.models import JournalEntry
from documents import services
from documents.hooks import missing_consents_check
from documents.models import ConsentText, ConsentVersion, SignedConsent
from documents.selectors import missing_texts, months_before
from documents.storage import read
from tenancy.scope import tenant_scope
from visitors.checks import arrival_problems
from visitors.models import Visit
from visitors.tests.factories import make_visit, make_visit_type

from .helpers import body, consent_text, png_bytes, sign

pytestmark = pytest.mark.django_db


def signature_data_url() -> str:
    return "data:image/png;base64," + base64.b64encode(png_bytes((200, 80), "black")).decode()


def test_admin_creates_a_text_through_the_api_with_its_visit_types(orgs, client_for):
    with tenant_scope(orgs.a.org):
        vt = make_visit_type(orgs.a)
    client = client_for(orgs.a.members["admin"])
    response = client.post(
        "/api/v1/consent-texts/",
        {
            "kind": "nda",
            "title": {"fr": "Accord de confidentialité", "en": "Non-disclosure agreement"},
            "body": {"fr": "Vous ne divulguerez rien.", "en": "You will disclose nothing."},
            "visit_types": [vt.pk],
            "validity_months": 12,
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["current_version"]["number"] == 1
    assert body["visit_types"] == [vt.pk]
    listed = client_for(orgs.a.members["reception"]).get("/api/v1/consent-texts/").json()["results"]
    assert [t["id"] for t in listed] == [body["id"]]
    assert client_for(orgs.b.members["admin"]).get(f"/api/v1/consent-texts/{body['id']}/").status_code == 404
    with tenant_scope(orgs.a.org):
        assert JournalEntry.objects.filter(verb="consent_text.created", target_id=str(body["id"])).exists()


def test_visit_type_of_another_organization_is_400(orgs, client_for):
    with tenant_scope(orgs.b.org):
        foreign = make_visit_type(orgs.b)
    response = client_for(orgs.a.members["admin"]).post(
        "/api/v1/consent-texts/",
        {
            "kind": "nda",
            "title": {"fr": "a", "en": "a"},
            "body": {"fr": "b", "en": "b"},
            "visit_types": [foreign.pk],
        },
        content_type="application/json",
    )
    assert response.status_code == 400 and "visit_types" in response.json()


def test_editing_a_signed_text_creates_a_version_and_the_old_one_stays_immutable(orgs, visit_a):
    with tenant_scope(orgs.a.org):
        text = consent_text(orgs.a, [visit_a.visit_type])
        first = text.current_version
        # Unsigned: corrected in place, no new version.
        services.update_consent_text(text=text, body_fr="Portez le badge, toujours.")
        first.refresh_from_db()
        assert first.body_fr == "Portez le badge, toujours." and text.versions.count() == 1
        sign(visit_a, text)
        services.update_consent_text(text=ConsentText.objects.get(pk=text.pk), body_fr="Nouvelle règle.")
        text.refresh_from_db()
        assert text.current_version.number == 2 and text.current_version.body_fr == "Nouvelle règle."
        first.refresh_from_db()
        assert first.body_fr == "Portez le badge, toujours."
        # The database itself refuses to change a signed version.
        with pytest.raises(DatabaseError, match="cannot change"), transaction.atomic():
            ConsentVersion.objects.filter(pk=first.pk).update(body="tampered")
        assert missing_texts(visit_a) == [text]  # the new version must be signed


def test_desk_signs_through_the_api_with_hash_certificate_and_journal(orgs, client_for, visit_a, local_store):
    with tenant_scope(orgs.a.org):
        text = consent_text(orgs.a, [visit_a.visit_type])
        version = text.current_version
    client = client_for(orgs.a.members["reception"])
    response = client.post(
        f"/api/v1/visits/{visit_a.pk}/consents/",
        {
            "versions": [version.pk],
            "language": "en",
            "signer_name": "  Hélène   Lefèvre ",
            "signature": signature_data_url(),
            "accepted": True,
        },
        content_type="application/json",
        HTTP_USER_AGENT="DeskBrowser/1.0",
    )
    assert response.status_code == 201, response.content
    with tenant_scope(orgs.a.org):
        consent = SignedConsent.objects.get()
        shown = "Safety rules\n\nWear the badge. Evacuate at the signal."
        assert consent.text_sha256 == hashlib.sha256(shown.encode()).hexdigest()
        assert (consent.signer_name, consent.language, consent.channel) == ("Hélène Lefèvre", "en", "desk")
        assert consent.visitor_id == visit_a.visitor_id and consent.version_id == version.pk
        assert consent.ip == "127.0.0.1" and consent.user_agent == "DeskBrowser/1.0"
        assert consent.signed_at.tzinfo is not None
        entry = JournalEntry.objects.get(verb="consent.signed")
        assert entry.data["visit_id"] == visit_a.pk and entry.data["text_sha256"] == consent.text_sha256
        assert missing_texts(visit_a) == []
    signature = read(local_store, consent.signature_key)
    assert signature.startswith(b"\x89PNG")
    pdf = read(local_store, consent.certificate_key)
    assert hashlib.sha256(pdf).hexdigest() == consent.certificate_sha256
    text_in_pdf = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    for expected in ("Hélène Lefèvre", consent.text_sha256[:32], "Wear the badge"):
        assert expected in text_in_pdf.replace("\n", "")
    certificate = client.get(f"/api/v1/signed-consents/{consent.pk}/certificate/")
    assert certificate.status_code == 200 and body(certificate) == pdf


def test_signing_a_version_that_is_not_current_is_refused(orgs, client_for, visit_a):
    with tenant_scope(orgs.a.org):
        text = consent_text(orgs.a, [visit_a.visit_type])
        old = text.current_version
        sign(visit_a, text)
        services.update_consent_text(text=ConsentText.objects.get(pk=text.pk), body_fr="v2")
        before = SignedConsent.objects.count()
    response = client_for(orgs.a.members["admin"]).post(
        f"/api/v1/visits/{visit_a.pk}/consents/",
        {"versions": [old.pk], "signer_name": "X", "accepted": True},
        content_type="application/json",
    )
    assert response.status_code == 400 and "versions" in response.json()
    with tenant_scope(orgs.a.org):
        assert SignedConsent.objects.count() == before


def test_signing_for_a_visit_or_a_version_of_another_organization_is_refused(orgs, client_for, visit_a):
    with tenant_scope(orgs.b.org):
        visit_b = make_visit(orgs.b)
        text_b = consent_text(orgs.b, [visit_b.visit_type])
    with tenant_scope(orgs.a.org):
        text_a = consent_text(orgs.a, [visit_a.visit_type])
    client = client_for(orgs.a.members["admin"])
    payload = {"versions": [text_a.current_version_id], "signer_name": "X", "accepted": True}
    assert (
        client.post(
            f"/api/v1/visits/{visit_b.pk}/consents/", payload, content_type="application/json"
        ).status_code
        == 404
    )
    payload["versions"] = [text_b.current_version_id]
    response = client.post(f"/api/v1/visits/{visit_a.pk}/consents/", payload, content_type="application/json")
    assert response.status_code == 400
    with tenant_scope(orgs.a.org):
        assert not SignedConsent.objects.exists()
    with tenant_scope(orgs.b.org):
        assert not SignedConsent.objects.exists()


def test_not_ticked_or_no_name_is_400_nothing_recorded(orgs, client_for, visit_a):
    with tenant_scope(orgs.a.org):
        text = consent_text(orgs.a, [visit_a.visit_type])
    client = client_for(orgs.a.members["admin"])
    url = f"/api/v1/visits/{visit_a.pk}/consents/"
    v = text.current_version_id
    unticked = client.post(
        url, {"versions": [v], "signer_name": "X", "accepted": False}, content_type="application/json"
    )
    assert unticked.status_code == 400 and "accepted" in unticked.json()
    blank = client.post(
        url, {"versions": [v], "signer_name": "   ", "accepted": True}, content_type="application/json"
    )
    assert blank.status_code == 400
    bad_sig = client.post(
        url,
        {
            "versions": [v],
            "signer_name": "X",
            "accepted": True,
            "signature": "data:image/png;base64,PGh0bWw+",
        },
        content_type="application/json",
    )
    assert bad_sig.status_code == 400
    with tenant_scope(orgs.a.org):
        assert not SignedConsent.objects.exists()


def test_desk_screen_signs_every_missing_text_with_a_drawn_signature(orgs, client_for, visit_a):
    with tenant_scope(orgs.a.org):
        texts = [
            consent_text(orgs.a, [visit_a.visit_type]),
            consent_text(orgs.a, [visit_a.visit_type], kind="nda"),
        ]
    client = client_for(orgs.a.members["reception"])
    page = client.get(f"/visits/{visit_a.pk}/consents/")
    assert page.status_code == 200
    assert (
        "Consignes de sécurité" in page.content.decode() and "documents/signature.js" in page.content.decode()
    )
    form = {
        "action": "sign",
        "language": "fr",
        "signer_name": "Hélène Lefèvre",
        "signature": signature_data_url(),
    }
    form["version"] = [t.current_version_id for t in texts]
    for t in texts:
        form[f"accept_{t.current_version_id}"] = "1"
        form[f"digest_{t.current_version_id}"] = services.text_digest(t.current_version, "fr")
    response = client.post(f"/visits/{visit_a.pk}/consents/", form)
    assert response.status_code == 200, response.content.decode()[:500]
    with tenant_scope(orgs.a.org):
        consents = list(SignedConsent.objects.all())
        assert len(consents) == 2 and {c.channel for c in consents} == {"desk"}
        assert len({c.signature_key for c in consents}) == 1  # one drawing for both texts
        assert consents[0].recorded_by_id == orgs.a.members["reception"].user_id


def test_a_text_changed_while_being_read_is_refused(orgs, client_for, visit_a):
    with tenant_scope(orgs.a.org):
        text = consent_text(orgs.a, [visit_a.visit_type])
    v = text.current_version_id
    response = client_for(orgs.a.members["admin"]).post(
        f"/visits/{visit_a.pk}/consents/",
        {"version": [v], f"accept_{v}": "1", f"digest_{v}": "0" * 64, "signer_name": "X", "language": "fr"},
    )
    assert response.status_code == 400
    with tenant_scope(orgs.a.org):
        assert not SignedConsent.objects.exists()


def test_missing_consents_block_arrival_until_signed(orgs, visit_a):
    with tenant_scope(orgs.a.org):
        consent_text(orgs.a, [visit_a.visit_type])
        other_type_text = consent_text(orgs.a, [make_visit_type(orgs.a)], kind="nda")
        problems = arrival_problems(visit_a)
        assert any("Consignes de sécurité" in p for p in problems)
        assert len(missing_consents_check(visit_a)) == 1
        sign(visit_a, ConsentText.objects.exclude(pk=other_type_text.pk).get())
        assert missing_consents_check(visit_a) == []


def test_validity_period_spares_a_returning_visitor(orgs, visit_a):
    with tenant_scope(orgs.a.org):
        yearly = consent_text(orgs.a, [visit_a.visit_type], validity_months=12)
        every_visit = consent_text(orgs.a, [visit_a.visit_type], kind="privacy")
        signed = sign(visit_a, yearly) + sign(visit_a, every_visit)
        later = make_visit(orgs.a, visitor=visit_a.visitor, visit_type=visit_a.visit_type)
        assert missing_texts(later) == [every_visit]
        # Thirteen months on, the yearly text is due again.
        SignedConsent.objects.filter(pk__in=[c.pk for c in signed]).update(
            signed_at=months_before(signed[0].signed_at, 13)
        )
        assert {t.pk for t in missing_texts(later)} == {yearly.pk, every_visit.pk}
        stranger = make_visit(orgs.a, visit_type=visit_a.visit_type)
        assert len(missing_texts(stranger)) == 2


def test_months_before_handles_month_ends():
    at = datetime.datetime(2026, 3, 31, 12, tzinfo=datetime.UTC)
    assert months_before(at, 1) == datetime.datetime(2026, 2, 28, 12, tzinfo=datetime.UTC)
    assert months_before(at, 15) == datetime.datetime(2024, 12, 31, 12, tzinfo=datetime.UTC)


def test_admin_screens_create_and_version_a_text(orgs, client_for, visit_a):
    client = client_for(orgs.a.members["admin"])
    form = {
        "kind": "safety",
        "title_fr": "Sécurité",
        "title_en": "Safety",
        "body_fr": "Casque obligatoire.",
        "body_en": "Helmet required.",
        "visit_types": [visit_a.visit_type_id],
        "validity_months": "",
        "active": "on",
    }
    assert client.post("/documents/consent-texts/new/", form).status_code == 302
    with tenant_scope(orgs.a.org):
        text = ConsentText.objects.get()
        sign(visit_a, text)
    page = client.get(f"/documents/consent-texts/{text.pk}/").content.decode()
    assert "nouvelle version" in page
    assert (
        client.post(
            f"/documents/consent-texts/{text.pk}/", {**form, "body_fr": "Casque et gants."}
        ).status_code
        == 302
    )
    with tenant_scope(orgs.a.org):
        assert text.versions.count() == 2
    listing = client.get("/documents/consent-texts/").content.decode()
    assert "Sécurité" in listing and "v2" in listing
    with tenant_scope(orgs.a.org):
        first = text.versions.get(number=1)
    old = client.get(f"/documents/consent-texts/{text.pk}/versions/{first.pk}/")
    assert "Casque obligatoire." in old.content.decode()


def test_arrival_at_the_desk_is_refused_until_signed_and_no_override_lifts_it(orgs, visit_a):
    """A missing consent is signed, never overridden: an admin's override reason
    (which lifts the watchlist) does not arrive an unsigned visit."""
    from visitors import services as visits
    from visitors.errors import VisitError

    with tenant_scope(orgs.a.org):
        text = consent_text(orgs.a, [visit_a.visit_type])
        with pytest.raises(VisitError) as refused:
            visits.arrive(visit=visit_a, desk=orgs.a.desk, by=orgs.a.members["reception"].user)
        assert refused.value.checks and not refused.value.overridable
        assert "Consignes de sécurité" in refused.value.message
        other = make_visit(orgs.a, visit_type=visit_a.visit_type)
        with pytest.raises(VisitError) as still:
            visits.arrive(
                visit=other,
                desk=orgs.a.desk,
                by=orgs.a.members["admin"].user,
                override_reason="Escorted visitor",
            )
        assert "Consignes de sécurité" in still.value.message
        assert not JournalEntry.objects.filter(verb="visit.override", target_id=str(other.pk)).exists()
        assert Visit.objects.get(pk=other.pk).status == "expected"
        sign(visit_a, text)
        assert visits.arrive(visit=visit_a, desk=orgs.a.desk, by=orgs.a.members["reception"].user).arrived_at


def test_certificate_falls_back_to_the_font_inside_reportlab(
    orgs, visit_a, settings, tmp_path, local_store, caplog
):
    from documents import certificates

    settings.DOCUMENTS_FONT_DIRS = [tmp_path / "no-fonts-here"]
    certificates._fonts.cache_clear()
    try:
        with tenant_scope(orgs.a.org):
            [consent] = sign(visit_a, consent_text(orgs.a, [visit_a.visit_type]))
        pdf = read(local_store, consent.certificate_key)
        assert "Hélène" in PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
        assert "certificates use Vera" in caplog.text
    finally:
        certificates._fonts.cache_clear()
