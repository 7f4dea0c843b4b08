"""Management commands scripts rely on."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from sites.models import Desk, Site
from tenancy.models import Membership, Organization
from tenancy.scope import tenant_scope


@pytest.mark.django_db
def test_createorganization_makes_an_org_with_its_admin():
    call_command(
        "createorganization",
        name="Initech",
        slug="initech",
        admin_email="Boss@Initech.test",
        admin_password="pw-Secret-123",
    )
    org = Organization.objects.get(slug="initech")
    with tenant_scope(org):
        member = Membership.objects.select_related("user").get()
    assert member.role == "admin" and member.user.email == "boss@initech.test"
    with pytest.raises(CommandError, match="already exists"):
        call_command(
            "createorganization",
            name="Initech",
            slug="initech",
            admin_email="x@initech.test",
            admin_password="pw",
        )


@pytest.mark.django_db
def test_seed_demo_creates_two_orgs_and_is_idempotent():
    call_command("seed_demo")
    call_command("seed_demo")
    assert set(Organization.objects.values_list("slug", flat=True)) == {"acme", "globex"}
    acme = Organization.objects.get(slug="acme")
    with tenant_scope(acme):
        assert Site.objects.count() == 2
        # The sites app's demo hook: the sites, their desks, reception's perimeter.
        assert Desk.objects.count() == 4
        reception = Membership.objects.get(role="reception")
        assert [s.name for s in reception.sites.all()] == ["Lyon — Siège"]
        assert not Membership.objects.get(role="admin").site_ids
        assert set(Membership.objects.values_list("role", flat=True)) == {
            "admin",
            "reception",
            "host",
            "compliance",
        }
    call_command("verify_journal", organization="acme")


@pytest.mark.django_db
def test_verify_journal_refuses_an_unknown_organization():
    with pytest.raises(CommandError, match="Unknown organization"):
        call_command("verify_journal", organization="nope")
