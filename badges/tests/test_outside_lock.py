"""The badge PDF is drawn after the request commits: while it is drawn, the
organization's journal head (the lock every write of the organization takes)
is free, and no transaction is open."""

import pytest
from django.db import OperationalError, connection, connections, transaction

from audit.models import JournalEntry
from badges import rendering, services
from tenancy.scope import tenant_scope

from .conftest import on_site


def head_is_free(org_id: int) -> bool:
    """From another connection: can the journal head be locked right now?"""
    try:
        with transaction.atomic(using="owner"), connections["owner"].cursor() as cursor:
            cursor.execute(
                "SELECT 1 FROM audit_journalhead WHERE organization_id = %s FOR UPDATE NOWAIT", [org_id]
            )
            return cursor.fetchone() is not None
    except OperationalError:  # lock not available
        return False


@pytest.mark.django_db(transaction=True, databases=["default", "owner"])
def test_the_printed_badge_is_drawn_with_the_journal_head_free(orgs, client_for, monkeypatch):
    a = orgs.a
    with tenant_scope(a.org):
        services.create_template(organization=a.org, by=None, name="Étiquette", preset="brother_ql_62x100")
        visit = on_site(a)
    seen = []
    real = rendering.render

    def probing(badges, *, title):
        seen.append({"head free": head_is_free(a.org.pk), "in a transaction": connection.in_atomic_block})
        return real(badges, title=title)

    monkeypatch.setattr(rendering, "render", probing)
    client = client_for(a.members["reception"])
    response = client.post(
        f"/api/v1/visits/{visit.pk}/badge/print/", {"desk": a.desk.pk}, content_type="application/json"
    )
    assert response.status_code == 201 and response.content.startswith(b"%PDF")
    assert seen == [{"head free": True, "in a transaction": False}]
    with tenant_scope(a.org):
        assert JournalEntry.objects.filter(verb="badge.printed", target_id=str(visit.pk)).count() == 1
    # The desk's own PDF of the print, and the badge as it prints now: drawn the same way.
    prints = response["X-Badge-Prints"]
    assert client.get(f"/badges/print/badges.pdf?ids={prints}").content.startswith(b"%PDF")
    assert client.get(f"/api/v1/visits/{visit.pk}/badge.pdf").content.startswith(b"%PDF")
    assert seen[1:] == [{"head free": True, "in a transaction": False}] * 2
    connections["owner"].close()


@pytest.mark.django_db(transaction=True, databases=["default", "owner"])
def test_a_drawing_that_fails_after_commit_says_the_print_is_kept(orgs, client_for, monkeypatch):
    """The print is committed before its PDF is drawn: a drawing that fails
    then (a broken font or image on the server) answers 503 with words in the
    member's language, not a server error, and the print can be opened again
    once the drawing works."""
    a = orgs.a
    with tenant_scope(a.org):
        visit = on_site(a)
    real = rendering.render

    def broken(badges, *, title):
        raise OSError("cannot open resource")

    monkeypatch.setattr(rendering, "render", broken)
    client = client_for(a.members["reception"])
    response = client.post(
        f"/api/v1/visits/{visit.pk}/badge/print/",
        {"desk": a.desk.pk},
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="fr",
    )
    assert response.status_code == 503
    assert "Le badge n'a pas pu être dessiné" in response.json()["detail"]
    with tenant_scope(a.org):
        assert JournalEntry.objects.filter(verb="badge.printed", target_id=str(visit.pk)).count() == 1
    monkeypatch.setattr(rendering, "render", real)
    assert client.get(f"/api/v1/visits/{visit.pk}/badge.pdf").content.startswith(b"%PDF")
