"""The two kinds of Celery task, and no third (`tests/test_tasks.py` fails on a
task of ours that is neither):

- `@tenant_task`: work for one organization. The task takes `organization_id`
  (a keyword or its first argument), refuses to be sent or to run without it
  (`MissingOrganization`), and its body runs inside
  `tenant_scope(organization_id)`: one transaction, the django-scopes scope and
  the `app.organization_id` setting that row-level security reads.

      @tenant_task
      def expire_exports(organization_id: int) -> int:
          return services.expire_exports()

  `@tenant_task(steps=True)` is for a body that must commit in steps or call
  the network outside any transaction (claim a message, send it, record the
  outcome; an export committing its progress): the task still refuses to run
  without `organization_id`, and the body (or the service it calls) opens
  `tenant_scope(organization_id)` around each of its steps.

- `@platform_task`: work above the tenants (beat's fan-out over the
  organizations, backups). It says so: it opens each organization's scope
  itself, or none.

Both take Celery's usual options (`name=`, `bind=True`, `acks_late=True`...).
"""

import inspect

from celery import Task, shared_task

from .scope import tenant_scope


class MissingOrganization(TypeError):
    """A tenant task sent or run without an organization id."""


class TenantTask(Task):
    """Base of `@tenant_task`: see the module docstring."""

    tenant = True
    steps = False

    def organization_id(self, args, kwargs) -> int:
        try:
            arguments = inspect.signature(self.run).bind_partial(*args, **kwargs).arguments
        except TypeError:
            arguments = {}
        value = arguments.get("organization_id")
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise MissingOrganization(
                f"{self.name} is a tenant task: it runs for one organization and needs "
                f"organization_id (an organization's id), got {value!r}"
            )
        return value

    def apply_async(self, args=None, kwargs=None, *more, **options):
        # Refused when sent, not only when a worker picks it up: the caller
        # sees the mistake in its own traceback.
        self.organization_id(args or (), kwargs or {})
        return super().apply_async(args, kwargs, *more, **options)

    def __call__(self, *args, **kwargs):
        organization_id = self.organization_id(args, kwargs)
        if self.steps:
            return super().__call__(*args, **kwargs)
        with tenant_scope(organization_id):
            return super().__call__(*args, **kwargs)


class PlatformTask(Task):
    """Base of `@platform_task`: above the tenants, on purpose."""

    tenant = False


def _decorator(base, check, args, options):
    def decorate(fun):
        check(fun)
        return shared_task(base=base, **options)(fun)

    if len(args) == 1 and callable(args[0]):
        return decorate(args[0])
    if args:
        raise TypeError("pass the task's options as keywords")
    return decorate


def _takes_organization(fun) -> None:
    if "organization_id" not in inspect.signature(fun).parameters:
        raise TypeError(f"{fun.__qualname__}: a tenant task takes organization_id")


def tenant_task(*args, steps: bool = False, **options):
    """A task for one organization (see the module docstring)."""
    return _decorator(TenantTask, _takes_organization, args, {**options, "steps": steps})


def platform_task(*args, **options):
    """A task above the tenants (see the module docstring)."""
    return _decorator(PlatformTask, lambda fun: None, args, options)
