"""Retention policies: defaults, validation, safe changes, and the plan a purge
follows (which cut-off and action for which data type and site)."""

import datetime
import zoneinfo

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit import services as audit
from config.registries import retention_types

from .models import Action, RetentionPolicy

# CNIL guidance, in days (README, "Retention defaults"): consultation, retention, action.
CNIL_DEFAULTS = {
    "visits": (30, 90, Action.ANONYMISE),
    "visitor_identities": (30, 90, Action.ANONYMISE),
    "journal": (365, 365, Action.DELETE),
    "send_log": (30, 90, Action.DELETE),
    "export_files": (7, 7, Action.DELETE),
}
NIGHTLY_HOUR = 3
DELAY = datetime.timedelta(hours=24)
# The order of a run: visits before identities (an identity expires once its
# visits are gone), the journal last (so the run's own entries are not in it).
ORDER = ["visits", "documents", "consents", "send_log", "visitor_identities", "export_files"]


def ordered_types() -> list:
    types = list(retention_types)

    def rank(rtype):
        if rtype.key == "journal":
            return (2, 0)
        return (0, ORDER.index(rtype.key)) if rtype.key in ORDER else (1, 0)

    return sorted(types, key=rank)


def defaults_for(rtype) -> tuple[int, int, str]:
    consultation, retention, action = CNIL_DEFAULTS.get(
        rtype.key, (rtype.default_consultation_days, rtype.default_retention_days, rtype.default_action)
    )
    if action not in rtype.actions:
        action = rtype.default_action
    return consultation, retention, action


def ensure_defaults(organization) -> None:
    """Every registered type has an organization-wide policy (created lazily, so
    a type registered by a later release gets its default too)."""
    existing = set(RetentionPolicy.objects.filter(site__isnull=True).values_list("data_type", flat=True))
    for rtype in retention_types:
        if rtype.key in existing:
            continue
        consultation, retention, action = defaults_for(rtype)
        try:
            with transaction.atomic():
                RetentionPolicy.objects.create(
                    organization=organization,
                    data_type=rtype.key,
                    consultation_days=consultation,
                    retention_days=retention,
                    action=action,
                )
        except IntegrityError:
            pass  # created meanwhile by another request


def policies(organization):
    ensure_defaults(organization)
    return RetentionPolicy.objects.select_related("site")


def validate(*, data_type, site, consultation_days, retention_days, action) -> dict[str, str]:
    """Field errors, by field name (the API answers 400 naming them)."""
    errors = {}
    rtype = retention_types.get(data_type)
    if rtype is None:
        errors["data_type"] = _("Unknown data type: %(type)s.") % {"type": data_type}
    for field, value in (("consultation_days", consultation_days), ("retention_days", retention_days)):
        if value is None or value <= 0:
            errors[field] = _("The period must be at least one day.")
    if not ({"consultation_days", "retention_days"} & set(errors)) and retention_days < consultation_days:
        errors["retention_days"] = _("The retention period cannot be shorter than the consultation period.")
    if rtype is not None:
        if action not in rtype.actions:
            errors["action"] = _("This data type cannot be handled with this action.")
        if site is not None and rtype.site_field is None:
            errors["site"] = _("This data type has no site: its policy cannot differ per site.")
    return errors


def next_nightly(organization, after: datetime.datetime) -> datetime.datetime:
    """The first nightly run (03:00 in the organization's time zone) at or after `after`."""
    tz = zoneinfo.ZoneInfo(organization.timezone or "Europe/Paris")
    local = after.astimezone(tz)
    run = datetime.datetime.combine(local.date(), datetime.time(NIGHTLY_HOUR), tzinfo=tz)
    if run < local:
        run = datetime.datetime.combine(local.date() + datetime.timedelta(days=1), run.timetz())
    return run.astimezone(datetime.UTC)


def _values(policy) -> dict:
    return {
        "consultation_days": policy.consultation_days,
        "retention_days": policy.retention_days,
        "action": policy.action,
    }


def _more_destructive(policy, retention_days, action) -> bool:
    return retention_days < policy.retention_days or (
        action == Action.DELETE and policy.action == Action.ANONYMISE
    )


def _apply(policy, *, consultation_days, retention_days, action, now) -> None:
    policy.consultation_days = consultation_days
    if _more_destructive(policy, retention_days, action):
        # Shortened: the current values stay in force until the first nightly
        # run at least 24 hours from now.
        policy.pending_retention_days = retention_days
        policy.pending_action = action
        policy.effective_at = next_nightly(policy.organization, now + DELAY)
    else:
        policy.retention_days = retention_days
        policy.action = action
        policy.pending_retention_days = None
        policy.pending_action = ""
        policy.effective_at = None


def _journal(verb, policy, old, now=None):
    audit.record(
        verb,
        target=policy,
        site=policy.site_id,
        data={
            "data_type": policy.data_type,
            "site": policy.site_id,
            "old": old,
            "new": {
                "consultation_days": policy.consultation_days,
                "retention_days": policy.pending_retention_days or policy.retention_days,
                "action": policy.pending_action or policy.action,
            },
            "effective_at": (policy.effective_at or now or timezone.now()).isoformat(),
        },
    )


@transaction.atomic
def update_policy(*, policy, by=None, consultation_days, retention_days, action, now=None) -> RetentionPolicy:
    now = now or timezone.now()
    old = _values(policy)
    _apply(policy, consultation_days=consultation_days, retention_days=retention_days, action=action, now=now)
    policy.updated_by = by
    policy.save()
    _journal("retention.policy_changed", policy, old, now)
    return policy


@transaction.atomic
def create_site_policy(
    *, organization, data_type, site, by=None, consultation_days, retention_days, action, now=None
) -> RetentionPolicy:
    """A site's own policy starts from the organization's, so that a shorter one
    waits 24 hours like any other shortening."""
    now = now or timezone.now()
    base = policies(organization).get(data_type=data_type, site__isnull=True)
    policy = RetentionPolicy(
        organization=organization,
        data_type=data_type,
        site=site,
        consultation_days=base.consultation_days,
        retention_days=base.retention_days,
        action=base.action,
        updated_by=by,
    )
    old = _values(policy)
    _apply(policy, consultation_days=consultation_days, retention_days=retention_days, action=action, now=now)
    policy.save()
    _journal("retention.policy_changed", policy, old, now)
    return policy


@transaction.atomic
def delete_site_policy(*, policy) -> None:
    old = _values(policy)
    data = {"data_type": policy.data_type, "site": policy.site_id, "old": old}
    audit.record("retention.policy_removed", target=policy, site=policy.site_id, data=data)
    policy.delete()


def apply_due(organization, now) -> None:
    """Put in force the shortened periods whose 24 hours have passed."""
    due = RetentionPolicy.objects.filter(effective_at__isnull=False, effective_at__lte=now)
    for policy in due.select_for_update():
        old = _values(policy)
        policy.retention_days = policy.pending_retention_days
        policy.action = policy.pending_action
        policy.pending_retention_days = None
        policy.pending_action = ""
        policy.effective_at = None
        policy.save()
        _journal("retention.policy_applied", policy, old, now)


def plan(organization, *, now, overrides: dict | None = None, apply_pending=False) -> list[dict]:
    """What a purge at `now` does: one entry per data type, plus one per site
    with its own policy. `overrides` ({(data_type, site_id): {...}}) replace the
    stored values, for the dry run of an edit. Pending (shortened) values count
    only once in force, unless `apply_pending` (the dry run shows both)."""
    overrides = overrides or {}
    rows = list(policies(organization))
    entries = []
    for rtype in ordered_types():
        own = [p for p in rows if p.data_type == rtype.key]
        base = next((p for p in own if p.site_id is None), None)
        site_rows = [p for p in own if p.site_id is not None] if rtype.site_field else []
        site_ids = [p.site_id for p in site_rows]
        for extra_key in overrides:
            if (
                extra_key[0] == rtype.key
                and extra_key[1]
                and extra_key[1] not in site_ids
                and rtype.site_field
            ):
                site_ids.append(extra_key[1])
        for site_id in [None, *site_ids]:
            policy = next((p for p in own if p.site_id == site_id), None) or base
            if policy is None:
                continue
            retention_days, action = policy.retention_days, policy.action
            if policy.pending_retention_days and (apply_pending or policy.effective_at <= now):
                retention_days, action = policy.pending_retention_days, policy.pending_action
            edited = overrides.get((rtype.key, site_id), {})
            retention_days = edited.get("retention_days", retention_days)
            action = edited.get("action", action)
            entries.append(
                {
                    "data_type": rtype.key,
                    "site_id": site_id,
                    "excluded_site_ids": site_ids if site_id is None else [],
                    "retention_days": retention_days,
                    "action": action,
                    "cutoff": now - datetime.timedelta(days=retention_days),
                }
            )
    return entries
