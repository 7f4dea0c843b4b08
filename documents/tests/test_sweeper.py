"""The sweep of objects left without their row (a rolled-back request, a killed process)."""

import base64
import contextlib
import datetime
import os
import time

import pytest
from botocore.exceptions import ClientError
from django.utils import timezone

from audit.models import JournalEntry
from documents import services, sweeper, tasks
from documents.models import Attachment
from tenancy.scope import tenant_scope
from visitors.tests.factories import make_visit, make_visit_type

from .helpers import consent_text, pdf_bytes, png_bytes, sign, stored_files, upload

pytestmark = pytest.mark.django_db

DRAWING = "data:image/png;base64," + base64.b64encode(png_bytes((120, 40), "black")).decode()


class Rollback(Exception):
    pass


def rolled_back_upload(org_fixture, visit, store=None) -> str:
    """The key a request leaves behind when its transaction rolls back after the upload."""
    keys = []
    with contextlib.suppress(Rollback), tenant_scope(org_fixture.org):
        attachment = services.upload_attachment(
            visit=visit, upload=upload(pdf_bytes()), channel="desk", store=store
        )
        keys.append(attachment.storage_key)
        raise Rollback
    return keys[0]


def age(store, *keys, days=2):
    then = time.time() - days * 86400
    for key in keys:
        os.utime(store.path(key), (then, then))


def orphans_entries(org_fixture):
    with tenant_scope(org_fixture.org):
        return list(
            JournalEntry.objects.filter(verb="document.orphans_removed").values_list("data", flat=True)
        )


def test_an_old_orphan_is_removed_and_journaled_and_a_second_run_does_nothing(orgs, visit_a, local_store):
    orphans = [rolled_back_upload(orgs.a, visit_a) for _ in range(2)]
    with contextlib.suppress(Rollback), tenant_scope(orgs.a.org):
        [consent] = sign(visit_a, consent_text(orgs.a, [visit_a.visit_type]), signature_data=DRAWING)
        orphans += [consent.signature_key, consent.certificate_key]
        raise Rollback
    age(local_store, *orphans)
    assert set(orphans) <= set(stored_files(local_store))

    assert sweeper.sweep_orphans(organization_id=orgs.a.org.pk) == 4
    assert not set(orphans) & set(stored_files(local_store))
    assert orphans_entries(orgs.a) == [{"count": 4}]

    assert sweeper.sweep_orphans(organization_id=orgs.a.org.pk) == 0
    assert orphans_entries(orgs.a) == [{"count": 4}]


def test_objects_with_a_row_and_other_prefixes_stay(orgs, visit_a, local_store):
    with tenant_scope(orgs.a.org):
        attachment = services.upload_attachment(visit=visit_a, upload=upload(pdf_bytes()), channel="desk")
        [consent] = sign(visit_a, consent_text(orgs.a, [visit_a.visit_type]), signature_data=DRAWING)
    archive_key = local_store.save(f"archives/{orgs.a.org.pk}/export.zip", upload(b"PK"))
    kept = [attachment.storage_key, consent.signature_key, consent.certificate_key, archive_key]
    age(local_store, *kept)

    assert sweeper.sweep_orphans(organization_id=orgs.a.org.pk) == 0
    assert sorted(kept) == stored_files(local_store)
    assert orphans_entries(orgs.a) == []


def test_a_young_orphan_stays_until_the_grace_has_passed(orgs, visit_a, local_store):
    key = rolled_back_upload(orgs.a, visit_a)
    age(local_store, key, days=0.5)

    assert sweeper.sweep_orphans(organization_id=orgs.a.org.pk) == 0
    assert key in stored_files(local_store)
    in_two_days = timezone.now() + datetime.timedelta(days=2)
    assert sweeper.sweep_orphans(organization_id=orgs.a.org.pk, now=in_two_days) == 1


def test_a_row_committed_while_the_sweep_runs_keeps_its_object(orgs, visit_a, local_store, monkeypatch):
    key = rolled_back_upload(orgs.a, visit_a)
    age(local_store, key)
    modified_time = local_store.get_modified_time

    def row_arrives_meanwhile(name):
        with tenant_scope(orgs.a.org):
            Attachment.objects.create(
                organization=orgs.a.org,
                visit=visit_a,
                storage_key=name,
                original_name="late.pdf",
                content_type="application/pdf",
                size=1,
                sha256="0" * 64,
                channel="desk",
            )
        return modified_time(name)

    monkeypatch.setattr(local_store, "get_modified_time", row_arrives_meanwhile)
    assert sweeper.sweep_orphans(organization_id=orgs.a.org.pk) == 0
    assert key in stored_files(local_store)


def test_another_organizations_objects_are_left_to_its_own_sweep(orgs, visit_a, local_store):
    with tenant_scope(orgs.b.org):
        visit_b = make_visit(orgs.b, visit_type=make_visit_type(orgs.b))
    theirs = rolled_back_upload(orgs.b, visit_b)
    age(local_store, theirs)

    assert sweeper.sweep_orphans(organization_id=orgs.a.org.pk) == 0
    assert theirs in stored_files(local_store)
    assert orphans_entries(orgs.a) == []
    assert sweeper.sweep_orphans(organization_id=orgs.b.org.pk) == 1
    assert orphans_entries(orgs.b) == [{"count": 1}]


def test_a_storage_error_on_one_object_does_not_stop_the_sweep(orgs, visit_a, local_store, monkeypatch):
    stuck, *others = [rolled_back_upload(orgs.a, visit_a) for _ in range(3)]
    age(local_store, stuck, *others)
    delete = local_store.delete

    def failing_delete(name):
        if name == stuck:
            raise PermissionError(13, "Permission denied")
        delete(name)

    monkeypatch.setattr(local_store, "delete", failing_delete)
    assert sweeper.sweep_orphans(organization_id=orgs.a.org.pk) == 2
    assert stored_files(local_store) == [stuck]
    assert orphans_entries(orgs.a) == [{"count": 2}]

    monkeypatch.setattr(local_store, "delete", delete)
    assert sweeper.sweep_orphans(organization_id=orgs.a.org.pk) == 1  # the next run retries
    assert stored_files(local_store) == []


def test_the_daily_task_sweeps_every_organization(orgs, visit_a, local_store):
    with tenant_scope(orgs.b.org):
        visit_b = make_visit(orgs.b, visit_type=make_visit_type(orgs.b))
    keys = [rolled_back_upload(orgs.a, visit_a), rolled_back_upload(orgs.b, visit_b)]
    age(local_store, *keys)

    tasks.sweep_document_orphans()
    assert stored_files(local_store) == []
    assert orphans_entries(orgs.a) == orphans_entries(orgs.b) == [{"count": 1}]


def test_on_s3_the_old_orphan_goes_and_referenced_objects_stay(orgs, visit_a, s3_storage, s3_client):
    orphan = rolled_back_upload(orgs.a, visit_a, store=s3_storage)
    with tenant_scope(orgs.a.org):
        attachment = services.upload_attachment(
            visit=visit_a, upload=upload(pdf_bytes()), channel="desk", store=s3_storage
        )
        [consent] = sign(
            visit_a, consent_text(orgs.a, [visit_a.visit_type]), signature_data=DRAWING, store=s3_storage
        )
    kept = [attachment.storage_key, consent.signature_key, consent.certificate_key]

    def present(key) -> bool:
        try:
            s3_client.head_object(Bucket=s3_storage.test_bucket, Key=key)
            return True
        except ClientError:
            return False

    assert sweeper.sweep_orphans(organization_id=orgs.a.org.pk, store=s3_storage) == 0  # still young
    assert present(orphan)
    in_two_days = timezone.now() + datetime.timedelta(days=2)
    assert sweeper.sweep_orphans(organization_id=orgs.a.org.pk, store=s3_storage, now=in_two_days) == 1
    assert not present(orphan)
    assert all(present(key) for key in kept)
    assert orphans_entries(orgs.a) == [{"count": 1}]
