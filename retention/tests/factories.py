"""Old visits and their people, for purge tests. Call inside `tenant_scope`."""

import datetime
import hashlib
import itertools

from django.utils import timezone

from visitors.models import Visit, Visitor, VisitType

_seq = itertools.count(1)


def days_ago(days: int) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(days=days)


def visit_type(org_fixture) -> VisitType:
    return VisitType.objects.create(
        organization=org_fixture.org, name_fr="Visiteur", name_en="Visitor", host_required=False
    )


def old_visit(
    org_fixture, *, days=200, site=None, vtype=None, first_name="Hélène", last_name=None, **kw
) -> Visit:
    """A departed visit `days` ago, with its own visitor."""
    n = next(_seq)
    visitor = kw.pop("visitor", None) or Visitor.objects.create(
        organization=org_fixture.org,
        first_name=first_name,
        last_name=last_name or f"Lefèvre{n}",
        email=f"helene{n}@example.test",
        phone="+33 6 12 34 56 78",
        company="Acme",
    )
    Visitor.objects.filter(pk=visitor.pk).update(created_at=days_ago(days + 1))
    start = days_ago(days)
    return Visit.objects.create(
        organization=org_fixture.org,
        site=site or org_fixture.site,
        desk=org_fixture.desk,
        visitor=visitor,
        visit_type=vtype or visit_type(org_fixture),
        expected_at=start,
        expected_until=start + datetime.timedelta(hours=2),
        arrived_at=start,
        departed_at=start + datetime.timedelta(hours=1),
        status="departed",
        notes=f"Badge for {visitor.first_name}",
        **kw,
    )


def sha(ids) -> str:
    return hashlib.sha256("\n".join(str(i) for i in sorted(ids)).encode()).hexdigest()


def stored_attachment(org_fixture, visit, *, original_name="passport.pdf", content=b"%PDF-1.4 secret"):
    """An attachment of the visit with its file in the documents' store."""
    from documents import storage
    from documents.models import Attachment

    key = storage.put(
        storage.document_storage(), f"org{org_fixture.org.pk}/att-{visit.pk}.pdf", content, "application/pdf"
    )
    return Attachment.objects.create(
        organization=org_fixture.org,
        visit=visit,
        visitor=visit.visitor,
        site=visit.site,
        kind="id_document",
        storage_key=key,
        original_name=original_name,
        content_type="application/pdf",
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        channel="desk",
    )


class Killed(BaseException):
    """A worker killed mid-batch: nothing in the code catches it."""


def die_on_batch(monkeypatch, n: int, *, after_changes: bool = False):
    """Kill the visits' anonymisation at its `n`-th batch, before it changes any
    row or (`after_changes`) once it has, before the commit. Returns a function
    that puts the real anonymisation back."""
    from visitors.retention import VisitsRetention

    real = VisitsRetention.anonymise
    calls = {"n": 0}

    def dying(self, batch):
        calls["n"] += 1
        if calls["n"] == n:
            if after_changes:
                real(self, batch)
            raise Killed
        return real(self, batch)

    monkeypatch.setattr(VisitsRetention, "anonymise", dying)
    return lambda: monkeypatch.setattr(VisitsRetention, "anonymise", real)
