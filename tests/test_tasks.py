"""Tenant tasks (issue 16, point 5): every Celery task of ours is a tenant task
(it needs its organization's id and runs in that organization's scope) or a
platform task (it says it works above the tenants), never a bare one."""

import importlib
from importlib.util import find_spec

import pytest
from django.db import connection
from django_scopes import ScopeError

from config.celery import app as celery_app
from sites.models import Site
from tenancy.tasks import MissingOrganization, PlatformTask, TenantTask, platform_task, tenant_task

APPS = [
    "tenancy",
    "audit",
    "sites",
    "visitors",
    "documents",
    "badges",
    "notifications",
    "reports",
    "retention",
    "backups",
    "config",
]


def our_tasks() -> dict:
    celery_app.loader.import_default_modules()
    for app in APPS:
        if find_spec(f"{app}.tasks") is not None:
            importlib.import_module(f"{app}.tasks")
    return {
        name: task
        for name, task in celery_app.tasks.items()
        if type(task).__module__.split(".")[0] in APPS and not name.startswith("celery.")
    }


def test_every_task_of_ours_is_a_tenant_or_a_platform_task():
    tasks = our_tasks()
    # Not a vacuous pass: the apps' tasks modules were found and loaded.
    assert {"visitors.tasks.auto_checkout", "notifications.send_message", "backups.run_backup"} <= set(tasks)
    neither = sorted(name for name, task in tasks.items() if not isinstance(task, (TenantTask, PlatformTask)))
    assert not neither, f"tasks that are neither @tenant_task nor @platform_task: {neither}"


def test_every_tenant_task_takes_the_organization_first_or_by_name():
    for name, task in our_tasks().items():
        if isinstance(task, TenantTask):
            assert (
                task.organization_id((7,), {}) == 7 or task.organization_id((), {"organization_id": 7}) == 7
            ), name


def test_a_tenant_task_needs_organization_id():
    with pytest.raises(TypeError, match="takes organization_id"):

        @tenant_task(name="tests.no_organization")
        def no_organization(job_id: int) -> None:
            pass


@tenant_task(name="tests.seen_from_a_task")
def seen_from_a_task(organization_id: int) -> dict:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*), array_agg(DISTINCT organization_id) FROM sites_site")
        raw_count, raw_orgs = cursor.fetchone()
    return {
        "orm": sorted(Site.objects.values_list("pk", flat=True)),
        "raw_count": raw_count,
        "raw_orgs": raw_orgs,
        "in_transaction": connection.in_atomic_block,
    }


@tenant_task(steps=True, name="tests.steps_from_a_task")
def steps_from_a_task(organization_id: int) -> bool:
    return connection.in_atomic_block


@platform_task(name="tests.platform_from_a_task")
def platform_from_a_task() -> int:
    return Site.objects.count()


@pytest.mark.django_db
def test_a_tenant_task_refuses_to_be_sent_or_run_without_its_organization(orgs):
    with pytest.raises(MissingOrganization, match=r"tests\.seen_from_a_task is a tenant task"):
        seen_from_a_task.delay()
    with pytest.raises(MissingOrganization):
        seen_from_a_task.delay(organization_id=None)
    for wrong in ((), (None,), ("1",), (True,), (0,)):
        with pytest.raises(MissingOrganization):
            seen_from_a_task.apply(wrong).get()
    with pytest.raises(MissingOrganization):
        steps_from_a_task.apply(()).get()


@pytest.mark.django_db
def test_a_tenant_task_runs_in_its_organizations_scope_under_row_level_security(orgs):
    a, b = orgs.a, orgs.b
    for org, sites in ((a, {a.site.pk, a.site2.pk}), (b, {b.site.pk, b.site2.pk})):
        pk = org.org.pk
        for seen in (
            seen_from_a_task.apply((pk,)).get(),
            seen_from_a_task.apply(kwargs={"organization_id": pk}).get(),
            seen_from_a_task(pk),
        ):
            assert set(seen["orm"]) == sites
            # Raw SQL passes the ORM by: row-level security alone keeps it to the org.
            assert seen["raw_count"] == len(sites)
            assert seen["raw_orgs"] == [pk]
            assert seen["in_transaction"]


@pytest.mark.django_db(transaction=True)
def test_a_tenant_task_opens_its_transaction_a_steps_task_none_and_a_platform_task_no_scope(orgs):
    assert seen_from_a_task.apply((orgs.a.org.pk,)).get()["in_transaction"] is True
    assert steps_from_a_task.apply((orgs.a.org.pk,)).get() is False
    with pytest.raises(ScopeError):
        platform_from_a_task.apply().get()
