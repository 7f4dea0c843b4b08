"""Restore tickets: what a customer asks for, how support moves it along.

States: new → needs information → accepted → preview ready → applied →
verified → closed, or refused (with a reason) from any open state. The
customer is e-mailed after commit at each change; every change is journaled
in the organization's journal (ids only)."""

import datetime

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import transaction
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.utils.translation import ngettext

from audit import services as audit
from config.registries import restore_checks, restore_parts

from .models import BackupRun, RestoreTicket, SupportGrant, TicketComment, TicketState

MAX_DAYS = 31
S = TicketState
TRANSITIONS = {
    S.NEW: (S.NEEDS_INFO, S.ACCEPTED, S.REFUSED),
    S.NEEDS_INFO: (S.NEW, S.ACCEPTED, S.REFUSED),
    S.ACCEPTED: (S.PREVIEW_READY, S.NEEDS_INFO, S.REFUSED),
    S.PREVIEW_READY: (S.APPLIED, S.ACCEPTED, S.REFUSED),
    S.APPLIED: (S.VERIFIED,),
    S.VERIFIED: (S.CLOSED,),
    S.CLOSED: (),
    S.REFUSED: (),
}
GRANT_HOURS = 4


class TicketError(ValueError):
    pass


def backup_window() -> tuple[datetime.datetime | None, datetime.datetime | None]:
    runs = BackupRun.objects.filter(status__in=["ok", "partial"])
    oldest = runs.order_by("started_at").values_list("started_at", flat=True).first()
    newest = runs.order_by("-started_at").values_list("started_at", flat=True).first()
    return oldest, newest


def _when(moment) -> str:
    local = timezone.localtime(moment)
    return f"{formats.date_format(local, 'DATETIME_FORMAT')} ({local.tzname()})"


def not_covered(point_in_time, *, later_is_newest: bool = False) -> str:
    """Why no backup covers this moment, naming the window; "" when one does.
    With `later_is_newest`, a moment after the newest backup is covered by it
    (support restoring a ticket opened before the last nightly run)."""
    oldest, newest = backup_window()
    if later_is_newest and newest is not None and point_in_time > newest:
        return ""
    if oldest is None:
        return _("No backup covers %(moment)s: no backup has been made yet.") % {
            "moment": _when(point_in_time)
        }
    if not oldest <= point_in_time <= newest:
        return _(
            "No backup covers %(moment)s: the backups go from %(oldest)s to %(newest)s. "
            "Choose a moment in that window."
        ) % {"moment": _when(point_in_time), "oldest": _when(oldest), "newest": _when(newest)}
    return ""


def validate(
    *, sites, period_start, period_end, point_in_time, reason, data_types, visit_ids
) -> dict[str, str]:
    """What is missing or wrong, by field (empty when the ticket may be sent).
    Runs in the organization's scope: visit ids of another organization are
    'not found', like ids that do not exist."""
    errors: dict[str, str] = {}
    if not sites:
        errors["sites"] = _("Choose at least one site.")
    if not (reason or "").strip():
        errors["reason"] = _("Give the reason for the restore.")
    if not data_types:
        errors["data_types"] = _("Choose the data types to restore.")
    if not period_start or not period_end:
        errors["period_start"] = _("Give the interval concerned (from and to).")
    elif period_end <= period_start:
        errors["period_end"] = _("The end of the interval must be after its start.")
    elif period_end - period_start > datetime.timedelta(days=MAX_DAYS):
        errors["period_end"] = _("The interval is longer than %(days)s days: narrow the period down.") % {
            "days": MAX_DAYS
        }
    if not point_in_time:
        errors["point_in_time"] = _("Give the point in time to return to.")
    elif uncovered := not_covered(point_in_time):
        errors["point_in_time"] = uncovered
    if visit_ids:
        owner = restore_parts.get("visits")
        found = owner.known_ids(visit_ids) if owner is not None else set()
        unknown = [str(i) for i in visit_ids if i not in found]
        if unknown:
            errors["visit_ids"] = _("These visits do not exist in your organization: %(ids)s.") % {
                "ids": ", ".join(unknown)
            }
    return errors


@transaction.atomic
def open_ticket(*, organization, by, sites, attachments=(), **values) -> RestoreTicket:
    errors = validate(
        sites=sites,
        period_start=values.get("period_start"),
        period_end=values.get("period_end"),
        point_in_time=values.get("point_in_time"),
        reason=values.get("reason"),
        data_types=values.get("data_types"),
        visit_ids=values.get("visit_ids") or [],
    )
    if errors:
        raise TicketError(errors)
    ticket = RestoreTicket.objects.create(organization=organization, created_by=by, **values)
    ticket.sites.set(sites)
    for upload in attachments:
        ticket.attachments.create(organization=organization, file=upload)
    audit.record(
        "restore.ticket_opened",
        target=ticket,
        data={"ticket": ticket.pk, "sites": [s.pk for s in sites], "data_types": ticket.data_types},
    )
    _notify(ticket)
    return ticket


def _notify(ticket: RestoreTicket, step=None) -> None:
    """E-mail the customer who opened the ticket, after commit. `step` is a
    callable returning the sentence for a step that is not a change of state
    (an access granted); it is called in the recipient's language."""
    user = ticket.created_by
    if user is None or not user.email:
        return
    ticket_id, state, email = ticket.pk, ticket.get_state_display, user.email
    language = user.language or ticket.organization.default_language or settings.LANGUAGE_CODE
    reason = ticket.refusal_reason
    report = ticket.result.get("closing_report") if ticket.state == S.CLOSED else None
    preview = ticket.preview.get("counts") if ticket.state == S.PREVIEW_READY and not step else None
    applied = ticket.result if ticket.state == S.APPLIED and not step else None

    def send():
        with translation.override(language):
            if step is not None:
                subject = _("Restore ticket #%(id)s: %(step)s") % {"id": ticket_id, "step": step(short=True)}
                body = step(short=False)
            else:
                subject = _("Restore ticket #%(id)s: %(state)s") % {"id": ticket_id, "state": state()}
                body = _("Your restore ticket #%(id)s is now: %(state)s.") % {
                    "id": ticket_id,
                    "state": state(),
                }
            if reason and step is None:
                body += "\n\n" + _("Reason: %(reason)s") % {"reason": reason}
            if preview:
                body += "\n\n" + _("What the restore would bring back:") + "\n" + _counts_text(preview)
            if applied:
                body += "\n\n" + _("What was restored:") + "\n" + _applied_text(applied)
            if report:
                body += "\n\n" + _("Closing report") + "\n" + _report_text(report)
            send_mail(subject, body, None, [email], fail_silently=True)

    transaction.on_commit(send)


def _counts_text(counts: dict) -> str:
    return "\n".join(
        _("%(table)s: %(create)s to re-create, %(revert)s to revert, %(since)s created since (left alone)")
        % {"table": table_label(table), **c}
        for table, c in counts.items()
    )


def _applied_text(result: dict) -> str:
    lines = [
        _("%(table)s: %(created)s re-created, %(reverted)s reverted") % {"table": table_label(table), **c}
        for table, c in result.get("applied", {}).items()
    ]
    replayed = sum(result.get("erasures", {}).get("replayed", {}).values())
    lines.append(
        ngettext(
            "%(n)s erasure made since the backup applied again: the person stays erased.",
            "%(n)s erasures made since the backup applied again: those people stay erased.",
            replayed,
        )
        % {"n": replayed}
    )
    lines += [
        f"{'✔' if c['ok'] else '✘'} {check_label(c['name'])}: {c['detail']}" for c in result.get("checks", [])
    ]
    return "\n".join(lines)


# The words for the tables and the checks of the apps come with their restore
# parts and checks (APP/restore.py); these are the drill's own steps.
CHECKS = {
    "journey": _lazy("Pre-registration, arrival, badge and export"),
    "fetch": _lazy("Backup fetched"),
    "checksums_and_decrypt": _lazy("Checksums and decryption"),
    "age_command": _lazy("Decrypted with the age command"),
    "start_scratch_server": _lazy("Scratch PostgreSQL started"),
    "restore_database": _lazy("Database restored"),
    "restore_objects": _lazy("Files restored"),
    "row_counts": _lazy("Row counts as in the backup"),
    "objects": _lazy("Files at every destination"),
    "post_restore": _lazy("Post-restore checks"),
}


def table_label(table: str) -> str:
    """The words for a table of a preview or a result (named by its database table)."""
    for part in restore_parts:
        for entry in part.tables:
            if apps.get_model(entry.model)._meta.db_table == table:
                return str(entry.label or table)
    return table


def check_label(name: str) -> str:
    check = restore_checks.get(name)
    return str(check.label) if check is not None else str(CHECKS.get(name, name))


@transaction.atomic
def grant_by_customer(*, ticket: RestoreTicket, by, hours: int = GRANT_HOURS) -> list[SupportGrant]:
    """The customer lets platform support into the organization's data for this
    ticket, for `hours`: one grant per support person, all ending together."""

    if ticket.state in (S.CLOSED, S.REFUSED):
        raise TicketError({"grant": _("Access is granted only for an open ticket.")})
    if not 1 <= hours <= 8:
        raise TicketError({"hours": _("Access lasts from 1 to 8 hours.")})
    now = timezone.now()
    until = now + datetime.timedelta(hours=hours)
    staff = get_user_model().objects.filter(is_platform_support=True, is_active=True).order_by("pk")
    grants = [
        SupportGrant.objects.create(
            organization_id=ticket.organization_id, ticket=ticket, user=user, granted_at=now, expires_at=until
        )
        for user in staff
    ]
    audit.record(
        "support.access_granted",
        target=ticket,
        data={
            "ticket": ticket.pk,
            "grants": [g.pk for g in grants],
            "by_customer": True,
            "hours": hours,
            "expires_at": until.isoformat(),
        },
    )

    def step(short):
        if short:
            return _("support access granted")
        return _("Support may open your organization's data for restore ticket #%(id)s until %(until)s.") % {
            "id": ticket.pk,
            "until": _when(until),
        }

    _notify(ticket, step=step)
    return grants


def refuse_data_access(*, ticket: RestoreTicket, user, action: str) -> str:
    """Support asked for the ticket's data without an access in force: the
    refusal is journaled in the customer's journal, and its reason returned."""
    last = SupportGrant.objects.filter(ticket=ticket, user=user).order_by("-expires_at").first()
    expired = last is not None and (last.revoked_at is not None or last.expires_at <= timezone.now())
    audit.record(
        "support.access_refused",
        target=ticket,
        data={
            "ticket": ticket.pk,
            "user_id": user.pk,
            "action": action,
            "grant": last.pk if last else None,
            "reason": "expired" if expired else "no_grant",
        },
    )
    if expired:
        return _("The access the customer granted ended on %(until)s: ask them for a new one.") % {
            "until": _when(last.revoked_at or last.expires_at)
        }
    return _("The customer has not granted access to their data for this ticket.")


@transaction.atomic
def change_state(*, ticket: RestoreTicket, to: str, by, reason: str = "") -> RestoreTicket:
    ticket = RestoreTicket.objects.select_for_update().get(pk=ticket.pk)
    if to not in TRANSITIONS[ticket.state]:
        raise TicketError(
            {
                "state": _("A ticket cannot go from %(from)s to %(to)s.")
                % {"from": ticket.get_state_display(), "to": S(to).label}
            }
        )
    if to == S.REFUSED and not reason.strip():
        raise TicketError({"reason": _("Give the reason for the refusal.")})
    previous = ticket.state
    ticket.state = to
    if to == S.REFUSED:
        ticket.refusal_reason = reason.strip()
    if to == S.CLOSED:
        ticket.result = {**ticket.result, "closing_report": closing_report(ticket)}
    ticket.save(update_fields=["state", "refusal_reason", "result", "updated_at"])
    audit.record(
        "restore.ticket_state", target=ticket, data={"ticket": ticket.pk, "from": previous, "to": to}
    )
    _notify(ticket)
    return ticket


@transaction.atomic
def comment(*, ticket: RestoreTicket, by, body: str, by_support: bool) -> TicketComment:
    if not body.strip():
        raise TicketError({"body": _("Write a comment.")})
    note = TicketComment.objects.create(
        organization_id=ticket.organization_id,
        ticket=ticket,
        author=by,
        body=body.strip(),
        by_support=by_support,
    )
    audit.record("restore.ticket_commented", target=ticket, data={"ticket": ticket.pk, "comment": note.pk})
    # The customer answering a question sends the ticket back to support's queue.
    if not by_support and ticket.state == S.NEEDS_INFO:
        change_state(ticket=ticket, to=S.NEW, by=by)
    return note


@transaction.atomic
def revoke_access(*, grant: SupportGrant) -> None:
    SupportGrant.objects.filter(pk=grant.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
    audit.record(
        "support.access_revoked", target=grant.ticket, data={"ticket": grant.ticket_id, "grant": grant.pk}
    )


@transaction.atomic
def end_access(*, ticket: RestoreTicket, user=None) -> int:
    """End support's access to the ticket's data before it expires, each grant
    journaled: the customer's admin ends every grant in force; a support person
    (`user`) only their own. Returns how many ended."""
    now = timezone.now()
    grants = SupportGrant.objects.select_for_update().filter(
        ticket=ticket, revoked_at__isnull=True, expires_at__gt=now
    )
    if user is not None:
        grants = grants.filter(user=user)
    grants = list(grants.order_by("pk"))
    for grant in grants:
        revoke_access(grant=grant)
    return len(grants)


def access_in_force(ticket: RestoreTicket, user=None) -> bool:
    grants = SupportGrant.objects.filter(
        ticket=ticket, revoked_at__isnull=True, expires_at__gt=timezone.now()
    )
    return (grants.filter(user=user) if user is not None else grants).exists()


def active_grant(ticket: RestoreTicket, user) -> SupportGrant | None:
    return (
        SupportGrant.objects.filter(
            ticket=ticket, user=user, revoked_at__isnull=True, expires_at__gt=timezone.now()
        )
        .order_by("-expires_at")
        .first()
    )


def closing_report(ticket: RestoreTicket) -> dict:
    """What was restored, the checks run after it, and the times."""
    return {
        "restored": ticket.result.get("applied", {}),
        "erasures_replayed": ticket.result.get("erasures", {}).get("replayed", {}),
        "checks": ticket.result.get("checks", []),
        "backup": ticket.backup.backup_id if ticket.backup else None,
        "opened_at": ticket.created_at.isoformat(),
        "applied_at": ticket.result.get("applied_at"),
        "closed_at": timezone.now().isoformat(),
    }


def _report_text(report: dict) -> str:
    lines = [
        _("%(table)s: %(created)s re-created, %(reverted)s reverted") % {"table": table_label(table), **c}
        for table, c in report["restored"].items()
    ]
    lines += [f"{'✔' if c['ok'] else '✘'} {check_label(c['name'])}: {c['detail']}" for c in report["checks"]]
    lines.append(f"{report['opened_at']} → {report['closed_at']}")
    return "\n".join(lines)
