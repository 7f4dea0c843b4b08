"""Writes of lists, rules and templates (journaled), the default rule, the
overdue check, test sends, and the JSON export/import of the configuration."""

import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from audit import services as audit
from audit.models import JournalEntry
from sites.models import Desk, Site
from tenancy.models import Membership
from visitors.models import Visit, VisitStatus, VisitType

from . import defaults, templating
from .models import Channel, Event, Message, MessageTemplate, NotificationRule, RecipientKind, RecipientList
from .outbox import save_and_queue
from .phones import normalize_phone

RULE_FIELDS = ("name", "event", "active", "to_host", "to_visitor", "to_approvers", "by_email", "by_sms")
RULE_SCOPES = ("sites", "desks", "visit_types", "lists")


def _ids(objects) -> list[int]:
    return sorted(o.pk for o in objects)


# --- lists ---------------------------------------------------------------------------------
@transaction.atomic
def save_list(*, organization, recipient_list=None, name, description="", members=(), emails=(), phones=()):
    creating = recipient_list is None
    recipient_list = recipient_list or RecipientList(organization=organization)
    recipient_list.name = name
    recipient_list.description = description
    recipient_list.emails = sorted({e.strip().lower() for e in emails if e.strip()})
    recipient_list.phones = sorted({normalize_phone(p) for p in phones if p.strip()})
    recipient_list.save()
    recipient_list.members.set(members)
    audit.record(
        "notification_list.created" if creating else "notification_list.updated",
        target=recipient_list,
        data={"list_id": recipient_list.pk, "member_ids": _ids(members)},
    )
    return recipient_list


@transaction.atomic
def delete_list(*, recipient_list) -> None:
    list_id = recipient_list.pk
    recipient_list.delete()
    audit.record("notification_list.deleted", target=("notifications.recipientlist", list_id))


# --- rules -----------------------------------------------------------------------------------
@transaction.atomic
def save_rule(*, organization, rule=None, **values) -> NotificationRule:
    creating = rule is None
    rule = rule or NotificationRule(organization=organization)
    for field in RULE_FIELDS:
        if field in values:
            setattr(rule, field, values[field])
    rule.save()
    for relation in RULE_SCOPES:
        if relation in values:
            getattr(rule, relation).set(values[relation])
    audit.record(
        "notification_rule.created" if creating else "notification_rule.updated",
        target=rule,
        data={"rule_id": rule.pk, "event": rule.event},
    )
    return rule


@transaction.atomic
def delete_rule(*, rule) -> None:
    rule_id = rule.pk
    rule.delete()
    audit.record("notification_rule.deleted", target=("notifications.notificationrule", rule_id))


def ensure_default_rule(organization) -> NotificationRule | None:
    """The invitation rule every organization starts with: the visitor, by
    e-mail, on every site. Idempotent; called in the organization's scope."""
    if NotificationRule.objects.filter(is_default=True).exists():
        return None
    names = defaults.DEFAULT_RULE["names"]
    name = names.get(organization.default_language) or names[settings.LANGUAGE_CODE]
    return NotificationRule.objects.create(
        organization=organization,
        name=name,
        event=defaults.DEFAULT_RULE["event"],
        to_visitor=True,
        by_email=True,
        is_default=True,
    )


# --- templates ---------------------------------------------------------------------------------
@transaction.atomic
def save_template(*, organization, event, channel, language, subject="", body) -> MessageTemplate:
    """Refused (ValidationError with the line) when it would not render."""
    if channel == Channel.SMS:
        subject = ""
    templating.validate(
        channel=channel, subject=subject, body=body, sample=templating.sample_context(language)
    )
    template, _created = MessageTemplate.objects.update_or_create(
        organization=organization,
        event=event,
        channel=channel,
        language=language,
        defaults={"subject": subject, "body": body},
    )
    audit.record(
        "message_template.saved",
        target=template,
        data={"template_id": template.pk, "event": event, "channel": channel, "language": language},
    )
    return template


@transaction.atomic
def reset_template(*, template) -> None:
    """Back to the shipped wording."""
    template_id = template.pk
    template.delete()
    audit.record("message_template.reset", target=("notifications.messagetemplate", template_id))


def current_wording(event, channel, language) -> tuple[str, str, bool]:
    """(subject, body, is_custom) as the editor shows it."""
    template = MessageTemplate.objects.filter(event=event, channel=channel, language=language).first()
    if template is not None:
        return template.subject, template.body, True
    subject, body = defaults.default_template(event, channel, language)
    return subject, body, False


def preview(*, channel, subject, body, language) -> dict:
    sample = templating.sample_context(language)
    text = templating.render(body, sample)
    result = {"subject": templating.render(subject, sample), "body": text, "problems": []}
    try:
        templating.validate(channel=channel, subject=subject, body=body, sample=sample)
    except Exception as exc:  # ValidationError: shown beside the preview
        result["problems"] = [m for ms in getattr(exc, "message_dict", {}).values() for m in ms]
    if channel == Channel.SMS:
        result["sms"] = templating.sms_length(text)
    return result


@transaction.atomic
def send_test(*, organization, membership, channel, subject, body, language) -> Message:
    """ "Send a test to me": the editor's text with sample data, to the member's
    own address, through the real send log and backends."""
    templating.validate(
        channel=channel, subject=subject, body=body, sample=templating.sample_context(language)
    )
    if channel == Channel.SMS:
        raise ValueError(_("Members have no phone number in Vestibule: test SMS cannot be sent to you."))
    sample = templating.sample_context(language)
    with translation.override(language):
        prefix = _("[Test]")
    message = Message(
        organization=organization,
        channel=channel,
        recipient=membership.user.email,
        recipient_kind=RecipientKind.TEST,
        event="test",
        template="editor",
        language=language,
        subject=f"{prefix} {templating.render(subject, sample)}"[:255],
        body=templating.render(body, sample),
        next_attempt_at=timezone.now(),
    )
    save_and_queue([message])
    audit.record("message.test", target=message, data={"message_id": message.pk})
    return message


# --- visit.overdue -----------------------------------------------------------------------------
def record_overdue(now=None) -> int:
    """In the current scope: journal `visit.overdue` once for each visit still
    on site after expected_until + grace. The journal is the memory of "once"."""
    now = now or timezone.now()
    limit = now - datetime.timedelta(minutes=settings.NOTIFICATIONS_OVERDUE_GRACE_MINUTES)
    late = list(
        Visit.objects.filter(status=VisitStatus.ARRIVED, expected_until__lt=limit).values_list(
            "pk", "site_id", "visitor_id", "host_id", "visit_type_id"
        )[:1000]
    )
    if not late:
        return 0
    done = set(
        JournalEntry.objects.filter(
            verb=Event.OVERDUE, target_type="visitors.visit", target_id__in=[str(v[0]) for v in late]
        ).values_list("target_id", flat=True)
    )
    count = 0
    for visit_id, site_id, visitor_id, host_id, type_id in late:
        if str(visit_id) in done:
            continue
        with transaction.atomic():
            audit.record(
                Event.OVERDUE,
                target=("visitors.visit", visit_id),
                site=site_id,
                data={
                    "visit_id": visit_id,
                    "visitor_id": visitor_id,
                    "host_id": host_id,
                    "visit_type_id": type_id,
                },
            )
        count += 1
    return count


# --- configuration capture ------------------------------------------------------------------------
EXPORT_VERSION = 1


def export_config() -> dict:
    """Lists, rules and templates of the current organization, as JSON-ready
    data. Sites, desks, visit types and members are named, not numbered, so
    the file can be imported into another organization (a restore, a twin)."""
    lists = RecipientList.objects.prefetch_related("members__user")
    rules = NotificationRule.objects.prefetch_related("sites", "desks__site", "visit_types", "lists")
    return {
        "version": EXPORT_VERSION,
        "lists": [
            {
                "name": lst.name,
                "description": lst.description,
                "members": sorted(m.user.email for m in lst.members.all()),
                "emails": lst.emails,
                "phones": lst.phones,
            }
            for lst in lists
        ],
        "rules": [
            {
                "name": r.name,
                "event": r.event,
                "active": r.active,
                "is_default": r.is_default,
                "sites": sorted(s.name for s in r.sites.all()),
                "desks": sorted([d.site.name, d.name] for d in r.desks.all()),
                "visit_types": sorted(t.name for t in r.visit_types.all()),  # in LANGUAGE_CODE
                "to_host": r.to_host,
                "to_visitor": r.to_visitor,
                "to_approvers": r.to_approvers,
                "lists": sorted(lst.name for lst in r.lists.all()),
                "by_email": r.by_email,
                "by_sms": r.by_sms,
            }
            for r in rules
        ],
        "templates": [
            {
                "event": t.event,
                "channel": t.channel,
                "language": t.language,
                "subject": t.subject,
                "body": t.body,
            }
            for t in MessageTemplate.objects.all()
        ],
    }


class ConfigImportError(ValueError):
    pass


def _lookup(model_qs, key, names, what):
    found = {key(o): o for o in model_qs}
    missing = [n for n in names if (tuple(n) if isinstance(n, list) else n) not in found]
    if missing:
        raise ConfigImportError(
            _("Unknown %(what)s: %(names)s") % {"what": what, "names": ", ".join(map(str, missing))}
        )
    return [found[tuple(n) if isinstance(n, list) else n] for n in names]


@transaction.atomic
def import_config(*, organization, data: dict) -> dict:
    """Replace lists, rules and templates by those of an export. All or
    nothing: an unknown site or an invalid template refuses the whole file."""
    if not isinstance(data, dict) or data.get("version") != EXPORT_VERSION:
        raise ConfigImportError(
            _("This is not a Vestibule notification export (version %(v)s).") % {"v": EXPORT_VERSION}
        )
    events = {e.value for e in Event}
    MessageTemplate.objects.all().delete()
    NotificationRule.objects.all().delete()
    RecipientList.objects.all().delete()
    members = {m.user.email: m for m in Membership.objects.select_related("user").filter(is_active=True)}
    lists = {}
    for item in data.get("lists", []):
        people = [members[e] for e in item.get("members", []) if e in members]
        lists[item["name"]] = save_list(
            organization=organization,
            name=item["name"],
            description=item.get("description", ""),
            members=people,
            emails=item.get("emails", []),
            phones=item.get("phones", []),
        )
    for item in data.get("rules", []):
        if item.get("event") not in events:
            raise ConfigImportError(_("Unknown event: %(event)s") % {"event": item.get("event")})
        rule = save_rule(
            organization=organization,
            **{f: item[f] for f in RULE_FIELDS if f in item},
            sites=_lookup(Site.objects.all(), lambda s: s.name, item.get("sites", []), _("sites")),
            desks=_lookup(
                Desk.objects.select_related("site"),
                lambda d: (d.site.name, d.name),
                item.get("desks", []),
                _("desks"),
            ),
            visit_types=_lookup(
                VisitType.objects.all(), lambda t: t.name, item.get("visit_types", []), _("visit types")
            ),
            lists=[lists[n] for n in item.get("lists", []) if n in lists],
        )
        if item.get("is_default"):
            NotificationRule.objects.filter(pk=rule.pk).update(is_default=True)
    for item in data.get("templates", []):
        save_template(
            organization=organization,
            **{k: item.get(k, "") for k in ("event", "channel", "language", "subject", "body")},
        )
    audit.record(
        "notification_config.imported", data={"lists": len(lists), "rules": len(data.get("rules", []))}
    )
    return {
        "lists": len(lists),
        "rules": len(data.get("rules", [])),
        "templates": len(data.get("templates", [])),
    }
