"""The retention registry entries for documents and consents (local disk)."""

import io

import pytest

from config.registries import RetentionType, retention_types
from documents import services
from documents.models import Attachment, SignedConsent
from documents.retention import ConsentsRetention, DocumentsRetention
from tenancy.scope import tenant_scope

from .helpers import consent_text, pdf_bytes, sign, stored_files, upload

pytestmark = pytest.mark.django_db


def test_both_types_are_registered():
    for key, cls in (("documents", DocumentsRetention), ("consents", ConsentsRetention)):
        assert isinstance(retention_types[key], cls) and isinstance(retention_types[key], RetentionType)
        assert retention_types[key].timestamp_field and retention_types[key].site_field == "site_id"


def test_anonymise_then_delete_attachments(orgs, visit_a, local_store):
    with tenant_scope(orgs.a.org):
        first = services.upload_attachment(
            visit=visit_a, upload=upload(pdf_bytes(), "passeport.pdf"), channel="desk"
        )
        second = services.upload_attachment(visit=visit_a, upload=upload(pdf_bytes()), channel="desk")
        kind = DocumentsRetention()
        assert set(kind.queryset().values_list("pk", flat=True)) == {first.pk, second.pk}
        result = kind.anonymise([first.pk])
        assert (result.rows_anonymised, result.objects_deleted) == (1, 1)
        first.refresh_from_db()
        assert first.purged_at and first.original_name == "[anonymised]" and first.visitor_id is None
        assert first.size and first.kind  # counts for statistics survive
        assert kind.delete([first.pk, second.pk]).rows_deleted == 2
        assert not Attachment.objects.exists()
    assert stored_files(local_store) == []


def test_anonymise_and_delete_consents(orgs, visit_a, local_store):
    with tenant_scope(orgs.a.org):
        text = consent_text(orgs.a, [visit_a.visit_type])
        [consent] = sign(visit_a, text)
        kind = ConsentsRetention()
        assert kind.anonymise([consent.pk]).rows_anonymised == 1
        consent.refresh_from_db()
        assert (
            consent.signer_name == "[anonymised]" and consent.user_agent == "" and consent.visitor_id is None
        )
        assert consent.text_sha256 and consent.version_id == text.current_version_id
        assert kind.delete([consent.pk]).rows_deleted == 1
        assert not SignedConsent.objects.exists()
    assert stored_files(local_store) == []


def test_a_file_that_cannot_be_removed_keeps_its_row(orgs, visit_a, local_store, monkeypatch):
    with tenant_scope(orgs.a.org):
        attachment = services.upload_attachment(visit=visit_a, upload=upload(pdf_bytes()), channel="desk")
        monkeypatch.setattr("documents.storage.remove", lambda store, key: False)
        result = DocumentsRetention().delete([attachment.pk])
        assert result.rows_deleted == 0 and result.object_failures == [attachment.storage_key]
        assert Attachment.objects.filter(pk=attachment.pk).exists()


def test_demo_seed_adds_consent_texts_required_by_the_visit_types():
    from django.core.management import call_command

    from documents.models import ConsentText
    from tenancy.demo import DEMO
    from tenancy.models import Organization

    call_command("seed_demo", stdout=io.StringIO())
    org = Organization.objects.get(slug=DEMO[0]["slug"])
    with tenant_scope(org):
        texts = list(ConsentText.objects.all())
        assert len(texts) == 2
        assert all(t.visit_types.exists() for t in texts)
