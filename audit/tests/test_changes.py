"""The change history (django-auditlog's entries, model audit.ChangeEntry) is
inside tenancy: one organization's entries, under row-level security, naming
the member by id and the client by the address the server saw."""

import datetime

import pytest
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from audit.models import ChangeEntry
from config.registries import retention_types
from sites.models import Site
from tenancy.scope import tenant_scope

pytestmark = pytest.mark.django_db


def edit_site(client, site, name):
    response = client.post(
        f"/sites/{site.pk}/",
        {
            "name": name,
            "address": "1 rue de la Paix",
            "timezone": "Europe/Paris",
            "language": "fr",
            "end_of_day": "19:00",
        },
        REMOTE_ADDR="192.0.2.10",
        HTTP_X_FORWARDED_FOR="203.0.113.66",
    )
    assert response.status_code == 302


def test_a_change_names_the_organization_the_member_and_the_trusted_address(orgs, client_for):
    admin = orgs.a.members["admin"]
    edit_site(client_for(admin), orgs.a.site, "Siège rénové")
    with tenant_scope(orgs.a.org):
        change = ChangeEntry.objects.get_for_object(Site.objects.get(pk=orgs.a.site.pk)).latest()
    assert change.changes_dict["name"] == ["Org A HQ", "Siège rénové"]
    assert change.organization_id == orgs.a.org.pk
    assert change.member_id == admin.pk
    assert change.remote_addr == "192.0.2.10"  # not the client's X-Forwarded-For
    columns = {f.column for f in ChangeEntry._meta.concrete_fields}
    assert not {"actor_id", "actor_email", "remote_port"} & columns


def test_change_history_is_under_row_level_security(orgs, client_for):
    edit_site(client_for(orgs.a.members["admin"]), orgs.a.site, "Siège A")
    edit_site(client_for(orgs.b.members["admin"]), orgs.b.site, "Siège B")
    with transaction.atomic(), connection.cursor() as cursor:
        # The application role with no organization set sees nothing.
        cursor.execute("SELECT set_config('app.organization_id', '', true)")
        cursor.execute("SELECT count(*) FROM audit_changeentry")
        assert cursor.fetchone()[0] == 0
    with tenant_scope(orgs.a.org), connection.cursor() as cursor:
        cursor.execute("SELECT DISTINCT organization_id FROM audit_changeentry")
        assert cursor.fetchall() == [(orgs.a.org.pk,)]
        cursor.execute(
            "UPDATE audit_changeentry SET object_repr = 'x' WHERE organization_id = %s", [orgs.b.org.pk]
        )
        assert cursor.rowcount == 0
        with pytest.raises(DatabaseError, match="row-level security"), transaction.atomic():
            cursor.execute(
                "INSERT INTO audit_changeentry (organization_id, content_type_id, object_pk, object_repr, "
                "action, changes_text, timestamp) "
                "SELECT %s, id, '1', 'forged', 1, '', now() FROM django_content_type LIMIT 1",
                [orgs.b.org.pk],
            )
    with tenant_scope(orgs.b.org):
        assert ChangeEntry.objects.filter(object_repr="Siège B").exists()
        assert not ChangeEntry.objects.filter(object_repr="x").exists()


def test_the_application_role_cannot_read_auditlogs_old_table():
    with pytest.raises(DatabaseError, match="permission denied"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM auditlog_logentry")


def test_change_history_has_a_retention_type_that_deletes(orgs, client_for):
    edit_site(client_for(orgs.a.members["admin"]), orgs.a.site, "Siège ancien")
    history = retention_types["change_history"]
    later = timezone.now() + datetime.timedelta(seconds=1)
    with tenant_scope(orgs.a.org):
        ids = list(history.expired(later, "delete").values_list("pk", flat=True))
        assert ids
        assert history.delete(ids).rows_deleted == len(ids)
        assert not ChangeEntry.objects.exists()
