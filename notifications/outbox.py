"""From an event to send-log rows: which rules match, who receives what, in
which language and wording. Runs inside the event's transaction (audit
subscribers with `in_transaction=True`), so the rows commit or roll back with
the event. Their text is rendered after the commit (the transaction holds the
organization's journal head, and every write of the organization waits for it),
then the sending is queued (delivery.py).
"""

import logging
import zoneinfo
from dataclasses import dataclass
from functools import partial

from django.conf import settings
from django.contrib.postgres.aggregates import ArrayAgg
from django.db import connection, transaction
from django.db.models import Q, Value
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.formats import date_format

from audit.models import JournalEntry
from tenancy.models import Membership, Role
from tenancy.scope import tenant_scope
from visitors import invitations
from visitors.codes import make_code
from visitors.models import Visit

from . import defaults, templating
from .models import (
    Channel,
    Event,
    Message,
    MessageTemplate,
    NotificationRule,
    RecipientKind,
    RecipientList,
    Status,
)
from .phones import InvalidPhone, normalize_phone

log = logging.getLogger(__name__)

EVENTS = [e.value for e in Event]
# visitors.invitations kinds -> the event whose wording the invitation uses.
INVITATION_EVENTS = {"created": Event.PRE_REGISTERED, "updated": Event.UPDATED, "cancelled": Event.CANCELLED}


@dataclass(frozen=True)
class Recipient:
    kind: str
    email: str
    phone: str
    language: str
    name: str


def supported_language(language: str | None, fallback: str) -> str:
    codes = {code for code, _name in settings.LANGUAGES}
    return language if language in codes else (fallback if fallback in codes else settings.LANGUAGE_CODE)


def public_url(path: str) -> str:
    return settings.PUBLIC_URL + path


_qr_route: list[str] = []


def qr_link(visit: Visit) -> str:
    """The invitation's QR code as a link: the visits app's page when it has
    one, else our public QR image (the code is signed; it reveals nothing)."""

    if not _qr_route:  # resolved once: a failed reverse() is slow
        for name in ("invitation", "invitation_page", "invitation_qr"):
            try:
                reverse(name, kwargs={"code": "x"})
            except NoReverseMatch:
                continue
            _qr_route.append(name)
            break
    return public_url(reverse(_qr_route[0], kwargs={"code": make_code(visit, "invitation")}))


def visit_url(visit: Visit) -> str:
    """The visit page, for staff (an approver approves from there)."""
    try:
        return public_url(reverse("visit_detail", kwargs={"pk": visit.pk}))
    except NoReverseMatch:
        return ""


def extra_links(visit: Visit) -> str:
    """Links other apps add to the visitor's invitation (documents: "sign your
    documents"), through the visits app's `invitations.extra_links`."""

    links = [link for provider in invitations.extra_links for link in provider(visit) or []]
    return "\n".join(f"{label}: {url}" for label, url in links)


def visit_context(
    visit: Visit, *, language: str, recipient_name: str = "", with_qr: bool = True, with_links: bool = False
) -> dict[str, str]:
    """The template variables for one visit, formatted for the site's time zone
    and the recipient's language."""
    with translation.override(language):
        tz = zoneinfo.ZoneInfo(visit.site.timezone)

        def day(value):
            return date_format(timezone.localtime(value, tz), "DATE_FORMAT") if value else ""

        def hour(value):
            return timezone.localtime(value, tz).strftime("%H:%M") if value else ""

        visitor, host = visit.visitor, visit.host
        desk = visit.arrived_desk or visit.desk
        return {
            "visitor.first_name": visitor.first_name if visitor else "",
            "visitor.last_name": visitor.last_name if visitor else "",
            "visitor.full_name": visitor.full_name if visitor else "",
            "visitor.company": visitor.company if visitor else "",
            "visit.date": day(visit.expected_at),
            "visit.time": hour(visit.expected_at),
            "visit.until": hour(visit.expected_until),
            "visit.status": str(visit.get_status_display()),
            "visit.arrived_time": hour(visit.arrived_at),
            "visit.departed_time": hour(visit.departed_at),
            "host.name": host.user.get_full_name() if host else "",
            "host.email": host.user.email if host else "",
            "site.name": visit.site.name,
            "site.address": visit.site.address.replace("\n", ", "),
            "desk.name": desk.name if desk else "",
            "visit_type.name": str(visit.visit_type),  # in the active language
            "organization.name": visit.organization.name,
            "recipient.name": recipient_name,
            "qr_link": qr_link(visit) if with_qr and visit.status != "cancelled" else "",
            "visit.url": visit_url(visit),
            "visit.cancellation_reason": visit.cancellation_reason,
            "visit.refusal_reason": visit.refusal_reason,
            "visit.links": extra_links(visit) if with_links else "",
        }


class Wording:
    """The organization's templates for one event, loaded once per event."""

    def __init__(self, event: str):
        self.event = event
        self.custom = {(t.channel, t.language): t for t in MessageTemplate.objects.filter(event=event)}
        texts = [t.subject + t.body for t in self.custom.values()]
        texts += [
            "".join(texts) for (text_event, _lang), texts in defaults.TEXTS.items() if text_event == event
        ]
        # Signing a QR code costs more than the rest of the context.
        self.uses_qr = any("qr_link" in text for text in texts)
        self.uses_links = any("visit.links" in text for text in texts)

    def pick(self, channel: str, language: str) -> tuple[str, str, str]:
        template = self.custom.get((channel, language))
        if template is not None:
            return template.subject, template.body, f"custom #{template.pk}"
        subject, body = defaults.default_template(self.event, channel, language)
        return subject, body, "default"


def load_visit(visit_id) -> Visit | None:
    return (
        Visit.objects.select_related(
            "organization", "visitor", "host__user", "site", "desk", "arrived_desk", "visit_type"
        )
        .filter(pk=visit_id)
        .first()
    )


def visit_id_of(entry: JournalEntry) -> int | None:
    if entry.target_type == "visitors.visit" and entry.target_id.isdigit():
        return int(entry.target_id)
    value = (entry.data or {}).get("visit_id")
    return int(value) if isinstance(value, int | str) and str(value).isdigit() else None


def in_scope(rule: NotificationRule, visit: Visit, entry: JournalEntry | None) -> bool:
    """Empty scope means every site, desk and visit type."""
    if rule.site_ids and visit.site_id not in rule.site_ids:
        return False
    desk_id = (entry.data or {}).get("desk_id") if entry is not None else None
    desk_id = desk_id or visit.arrived_desk_id or visit.desk_id
    if rule.desk_ids and desk_id not in rule.desk_ids:
        return False
    return not rule.type_ids or visit.visit_type_id in rule.type_ids


def approvers_of(visit: Visit) -> list[Membership]:
    """Who may decide the visit (visitors.services.can_decide): its type's
    approvers, or the organization's admins when the type names none."""
    active = Membership.objects.filter(is_active=True).select_related("user").order_by("pk")
    named = list(active.filter(pk__in=visit.visit_type.approvers.values("pk")))
    return named or list(active.filter(role=Role.ADMIN))


def recipients(rule: NotificationRule, visit: Visit, org_language: str) -> list[Recipient]:
    found = []
    if rule.to_host and visit.host is not None and visit.host.is_active:
        user = visit.host.user
        found.append(
            Recipient(
                RecipientKind.HOST,
                user.email,
                "",
                supported_language(user.language, org_language),
                user.get_full_name(),
            )
        )
    if rule.to_visitor and visit.visitor is not None:
        v = visit.visitor
        found.append(
            Recipient(
                RecipientKind.VISITOR,
                v.email,
                v.phone,
                supported_language(v.language, org_language),
                v.full_name,
            )
        )
    if getattr(rule, "to_approvers", False):
        for member in approvers_of(visit):
            user = member.user
            found.append(
                Recipient(
                    RecipientKind.APPROVER,
                    user.email,
                    "",
                    supported_language(user.language, org_language),
                    user.get_full_name(),
                )
            )
    for recipient_list in rule.recipient_lists:
        for member in recipient_list.members.all():
            if member.is_active:
                user = member.user
                found.append(
                    Recipient(
                        RecipientKind.MEMBER,
                        user.email,
                        "",
                        supported_language(user.language, org_language),
                        user.get_full_name(),
                    )
                )
        found += [Recipient(RecipientKind.EXTERNAL, e, "", org_language, "") for e in recipient_list.emails]
        found += [Recipient(RecipientKind.EXTERNAL, "", p, org_language, "") for p in recipient_list.phones]
    return found


class Texts:
    """The variables of one visit for each (language, recipient name), built
    once per event when its rows are rendered."""

    def __init__(self, visit: Visit, wording: Wording):
        self.visit, self.wording = visit, wording
        self.contexts: dict[tuple[str, str], dict[str, str]] = {}

    def context(self, language: str, name: str) -> dict[str, str]:
        key = (language, name)
        if key not in self.contexts:
            self.contexts[key] = visit_context(
                self.visit,
                language=language,
                recipient_name=name,
                with_qr=self.wording.uses_qr,
                with_links=self.wording.uses_links,
            )
        return self.contexts[key]


def build_messages(
    *,
    event: str,
    visit: Visit,
    rules: list[NotificationRule],
    entry: JournalEntry | None,
    skip: set[tuple[str, str]] = frozenset(),
) -> list[Message]:
    """Unsaved rows, one per channel and address: a person reached by two rules
    gets one message (the first rule's). Their subject and body are empty: each
    row carries what renders them (`row.draft`), which `save_and_queue` does
    after the commit (`render`)."""
    org = visit.organization
    wording = Wording(event)
    texts = Texts(visit, wording)
    seen: set[tuple[str, str]] = set(skip)
    rows = []
    for rule in rules:
        for person in recipients(rule, visit, org.default_language):
            for channel in rule.channels:
                raw = person.email if channel == Channel.EMAIL else person.phone
                if not raw:
                    continue  # nobody to reach on this channel (no phone for a host)
                status, error, address = Status.QUEUED, "", raw.strip()
                if channel == Channel.SMS:
                    try:
                        address = normalize_phone(raw)
                    except InvalidPhone as exc:
                        status, error = Status.FAILED, str(exc)
                else:
                    address = address.lower()
                if (channel, address) in seen:
                    continue
                seen.add((channel, address))
                subject, body, label = wording.pick(channel, person.language)
                now = timezone.now()
                row = Message(
                    organization_id=org.pk,
                    channel=channel,
                    recipient=address,
                    recipient_kind=person.kind,
                    event=event,
                    journal_entry_id=entry.pk if entry is not None else None,
                    visit_id=visit.pk,
                    rule=rule,
                    site_id=visit.site_id,
                    template=label,
                    language=person.language,
                    status=status,
                    last_error=error,
                    failed_at=now if status == Status.FAILED else None,
                    next_attempt_at=now,
                )
                row.draft = (texts, subject, body, person.name)
                rows.append(row)
    return rows


def render(rows: list[Message]) -> None:
    """Fill in the text of drafted rows (`build_messages`), in memory and in the
    database; called after the event's commit, in the organization's scope. A
    row the sender already rendered (`render_missing`) is left alone."""
    for row in rows:
        texts, subject, body, name = row.draft
        context = texts.context(row.language, name)
        row.subject = templating.render(subject, context)[:255]
        row.body = templating.render(body, context)
        Message.objects.filter(pk=row.pk, body="").update(subject=row.subject, body=row.body)
        del row.draft


def render_missing(message: Message) -> None:
    """A row whose event committed but whose text was not rendered (the process
    stopped between the commit and `render`): rendered from the visit as it is
    now, just before sending. The recipient's name comes from the rule again."""
    visit = load_visit(message.visit_id) if message.visit_id else None
    if visit is None:
        return
    wording = Wording(message.event)
    name = ""
    if message.rule_id:
        rules = rules_for(pk=message.rule_id)
        attach_lists(rules)
        for rule in rules:
            for person in recipients(rule, visit, visit.organization.default_language):
                if message.recipient in (person.email.strip().lower(), person.phone):
                    name = person.name
                    break
    subject, body, _label = wording.pick(message.channel, message.language)
    message.draft = (Texts(visit, wording), subject, body, name)
    render([message])


def _render_and_enqueue(organization_id: int, drafts: list[Message], queued: list[int]) -> None:
    """After the event's commit: the rows' text (outside the transaction that
    held the journal's head), then their sending."""
    # delivery imports this module.
    from .delivery import enqueue

    try:
        # The organization object the drafts already hold: no query to find it.
        with tenant_scope(drafts[0].draft[0].visit.organization):
            render(drafts)
    except Exception:
        # The sender renders what is still empty before sending (render_missing).
        log.exception("rendering %d message(s) failed; left to the sender", len(drafts))
    if queued:
        enqueue(organization_id, queued)


def save_and_queue(rows: list[Message]) -> list[Message]:
    """Insert the rows; after the commit, render the drafted ones and queue
    their sending."""
    if not rows:
        return rows
    Message.objects.bulk_create(rows)
    queued = [m.pk for m in rows if m.status == Status.QUEUED]
    drafts = [m for m in rows if hasattr(m, "draft")]
    if drafts:
        transaction.on_commit(
            partial(_render_and_enqueue, rows[0].organization_id, drafts, queued), robust=True
        )
    elif queued:
        from .delivery import enqueue  # cycle: notifications.delivery imports this module

        transaction.on_commit(partial(enqueue, rows[0].organization_id, queued), robust=True)
    return rows


def rules_for(**filters) -> list[NotificationRule]:
    """Rules with their scope as id arrays, in one query (this runs in every
    event's transaction); list members are loaded only for rules that match."""
    return list(
        NotificationRule.objects.filter(**filters)
        .annotate(
            site_ids=ArrayAgg("sites", distinct=True, filter=Q(sites__isnull=False), default=Value([])),
            desk_ids=ArrayAgg("desks", distinct=True, filter=Q(desks__isnull=False), default=Value([])),
            type_ids=ArrayAgg(
                "visit_types", distinct=True, filter=Q(visit_types__isnull=False), default=Value([])
            ),
            list_ids=ArrayAgg("lists", distinct=True, filter=Q(lists__isnull=False), default=Value([])),
        )
        .order_by("pk")
    )


def attach_lists(rules: list[NotificationRule]) -> None:
    wanted = {pk for r in rules for pk in r.list_ids}
    found = {}
    if wanted:
        found = {
            lst.pk: lst
            for lst in RecipientList.objects.filter(pk__in=wanted).prefetch_related("members__user")
        }
    for rule in rules:
        rule.recipient_lists = [found[pk] for pk in rule.list_ids if pk in found]


def _has_rules(organization_id: int, event: str) -> bool:
    """A plain EXISTS before the aggregate query: most events of most
    organizations have no rule, and this runs while the journal head is locked."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT EXISTS (SELECT 1 FROM notifications_notificationrule "
            "WHERE organization_id = %s AND event = %s AND active AND NOT is_default)",
            [organization_id, event],
        )
        return cursor.fetchone()[0]


def on_event(entry: JournalEntry) -> None:
    """Audit subscriber (in the event's transaction): the rules of this event."""
    if not _has_rules(entry.organization_id, entry.verb):
        return
    rules = rules_for(event=entry.verb, active=True, is_default=False)
    if not rules:
        return
    visit = load_visit(visit_id_of(entry))
    if visit is None:
        log.warning("%s #%s: no visit to notify about", entry.verb, entry.pk)
        return
    matching = [r for r in rules if in_scope(r, visit, entry)]
    attach_lists(matching)
    save_and_queue(build_messages(event=entry.verb, visit=visit, rules=matching, entry=entry))


def default_rule() -> NotificationRule | None:
    found = rules_for(is_default=True)
    attach_lists(found)
    return found[0] if found else None


def send_invitation(message, *, visit, kind: str) -> bool:
    """Replaces `visitors.invitations.sender`: the visits app decides when a
    visitor is invited (not a walk-in, not before approval, again when the time
    or place changes); the organization's default rule decides whether and how
    (active, scope, channels), our templates say it, and the send log keeps it.
    Called inside the visit's transaction and tenant scope (`writes_outbox`).
    True when the send log holds a message for it (so the screens may say the
    invitation is on its way)."""
    event = INVITATION_EVENTS.get(kind, Event.PRE_REGISTERED)
    rule = default_rule()
    visit = load_visit(visit.pk)
    if rule is None or not rule.active or visit is None or not in_scope(rule, visit, None):
        return False
    entry = (
        JournalEntry.objects.filter(
            verb__in=[event, "visit.approved"], target_type="visitors.visit", target_id=str(visit.pk)
        )
        .order_by("-seq")
        .first()
    )
    # An admin's rule on the same event may already have written to the visitor.
    skip = set()
    if entry is not None:
        skip = set(
            Message.objects.filter(journal_entry_id=entry.pk, visit_id=visit.pk).values_list(
                "channel", "recipient"
            )
        )
    rows = build_messages(event=event, visit=visit, rules=[rule], entry=entry, skip=skip)
    with transaction.atomic():
        save_and_queue(rows)
    return bool(rows or skip)


# Only writes send-log rows (a task sends them after commit): the visits app may
# call it inside the visit's transaction (visitors.invitations.schedule).
send_invitation.writes_outbox = True
