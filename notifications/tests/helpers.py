from audit import services as audit
from notifications.models import Message, NotificationRule, RecipientList


def fire(verb, visit, **data):
    """Record an event about a visit as the visits app does (call in a scope)."""
    return audit.record(
        verb,
        target=visit,
        site=visit.site,
        data={"visit_id": visit.pk, "host_id": visit.host_id, "visitor_id": visit.visitor_id, **data},
    )


def rule(org, event="visit.arrived", *, sites=(), desks=(), visit_types=(), lists=(), **values):
    values.setdefault("name", f"rule {event}")
    made = NotificationRule.objects.create(organization=org, event=event, **values)
    made.sites.set(sites)
    made.desks.set(desks)
    made.visit_types.set(visit_types)
    made.lists.set(lists)
    return made


def recipient_list(org, name="Sécurité", members=(), emails=(), phones=()):
    made = RecipientList.objects.create(organization=org, name=name, emails=list(emails), phones=list(phones))
    made.members.set(members)
    return made


def messages(**filters):
    return list(Message.objects.filter(**filters).order_by("id"))
