"""Test fixtures shared by every app.

The test database is created and migrated with the owner role (as production
migrates), then every test runs as the application role, bound by row-level
security. Two organizations with one member per role let every test ask "and
can the other tenant see it?".
"""

import os
from contextlib import contextmanager
from types import SimpleNamespace

import pytest
from django.db import connections


@contextmanager
def owner_credentials():
    """Point `default` at the owner role for the duration of the block (and at the
    owner's server: behind PgBouncer, the owner creates and drops databases directly)."""
    default, owner = connections["default"], connections["owner"]
    keys = ("USER", "PASSWORD", "HOST", "PORT")
    saved = {k: default.settings_dict.get(k) for k in keys}
    default.close()
    for key in keys:
        default.settings_dict[key] = owner.settings_dict[key]
    try:
        yield
    finally:
        default.close()
        default.settings_dict.update(saved)


@pytest.fixture(scope="session")
def django_db_setup(django_test_environment, django_db_modify_db_settings, django_db_blocker):
    """One test database per session, and per xdist worker: the settings put the
    pid in its name, and `django_db_modify_db_settings` adds the worker's suffix
    (`_gw0`). The owner alias mirrors `default`, so both use the worker's database."""
    from django.test.utils import setup_databases, teardown_databases

    with django_db_blocker.unblock():
        with owner_credentials():
            config = setup_databases(verbosity=0, interactive=False, keepdb=False)
        connections["owner"].close()
    name = connections["default"].settings_dict["NAME"]
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    assert connections["owner"].settings_dict["NAME"] == name, "owner alias off the test database"
    assert not worker or name.endswith(f"_{worker}"), f"{name} is not {worker}'s own database"
    yield
    with django_db_blocker.unblock():
        connections["owner"].close()
        connections["default"].close()
        if os.environ.get("VESTIBULE_PGBOUNCER_ADMIN_URL"):
            # The pool keeps its server connections after the clients leave.
            from config.pgbouncer import release

            release(os.environ["VESTIBULE_PGBOUNCER_ADMIN_URL"], name)
        with owner_credentials():
            teardown_databases(config, verbosity=0)


@pytest.fixture(scope="session", autouse=True)
def _own_media_root(tmp_path_factory):
    """Files stored by tests go to this session's (this xdist worker's) own folder,
    never var/media: parallel workers, or a sweep of orphan files, must not see
    each other's files. Tests that set MEDIA_ROOT themselves still do."""
    from django.test.utils import override_settings

    override = override_settings(MEDIA_ROOT=str(tmp_path_factory.mktemp("media")))
    override.enable()
    yield
    override.disable()


@pytest.fixture(autouse=True)
def _default_language():
    """A request through LanguageMiddleware leaves its language active in this
    thread; the next test starts in the default language (French) again, whatever
    ran before it on this worker (xdist changes the order from run to run)."""
    yield
    from django.utils import translation

    translation.deactivate()


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Throttle counters and cached values must not leak from one test to the next;
    only this session's keys are removed (other sessions, and the other xdist
    workers, share the server: KEY_PREFIX holds the process's pid)."""
    yield
    from django.conf import settings
    from django.core.cache import cache

    client = cache._cache.get_client(None, write=True)
    keys = list(client.scan_iter(f"{settings.CACHES['default']['KEY_PREFIX']}:*"))
    if keys:
        client.delete(*keys)


ROLES = ("admin", "reception", "host", "compliance")


def make_org(slug: str, name: str):
    """An organization with two sites (two desks each) and one member per role;
    the reception member's perimeter is the first site only."""
    from django.contrib.auth import get_user_model

    from sites.models import Desk, Site
    from tenancy.models import Membership, Organization
    from tenancy.scope import tenant_scope

    User = get_user_model()
    org = Organization.objects.create(name=name, slug=slug)
    with tenant_scope(org):
        site = Site.objects.create(organization=org, name=f"{name} HQ", timezone="Europe/Paris")
        site2 = Site.objects.create(organization=org, name=f"{name} Plant", timezone="Europe/Paris")
        desks = [
            Desk.objects.create(organization=org, site=s, name=f"Desk {i}")
            for s in (site, site2)
            for i in (1, 2)
        ]
        members = {}
        for role in ROLES:
            user = User.objects.create_user(
                f"{role}@{slug}.test", "pw-Secret-123", full_name=f"{role} {slug}"
            )
            membership = Membership.objects.create(organization=org, user=user, role=role)
            if role == "reception":
                membership.sites.set([site])
            members[role] = membership
    return SimpleNamespace(
        org=org, site=site, site2=site2, desk=desks[0], desk_other_site=desks[2], members=members
    )


@pytest.fixture
def orgs(db):
    """Organization A (ours) and B (the other tenant)."""
    return SimpleNamespace(a=make_org("org-a", "Org A"), b=make_org("org-b", "Org B"))


@pytest.fixture
def client_for(client):
    """A web client signed in as a membership (its organization active)."""
    from django.test import Client

    def make(membership):
        c = Client()
        c.force_login(membership.user)
        session = c.session
        session["membership_id"] = membership.pk
        session["organization_id"] = membership.organization_id
        session.save()
        return c

    return make


@pytest.fixture
def scoped():
    """`with scoped(org):` for assertions on tenant rows from a test."""
    from tenancy.scope import tenant_scope

    return tenant_scope
