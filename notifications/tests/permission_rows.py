"""Every notifications URL in the cross-tenant permission table."""

from tests.permission_table import (
    ADMIN,
    ANON,
    COMPLIANCE,
    EVERYONE,
    HOST,
    MEMBERS,
    RECEPTION,
    add,
    each,
    objects,
    other_org,
)

ADMIN_ONLY_HTML = {ANON: 302, ADMIN: 200, RECEPTION: 403, HOST: 403, COMPLIANCE: 403}
ADMIN_ONLY_POST = {ANON: 302, ADMIN: 302, RECEPTION: 403, HOST: 403, COMPLIANCE: 403}
ADMIN_ONLY_API = {ANON: 401, ADMIN: 200, RECEPTION: 403, HOST: 403, COMPLIANCE: 403}
NOT_ADMIN_API = {RECEPTION: 403, HOST: 403, COMPLIANCE: 403}


@objects
def notification_objects(org):
    from django.utils import timezone

    from notifications.models import Message, MessageTemplate, NotificationRule, RecipientList

    recipient_list = RecipientList.objects.create(
        organization=org.org, name="Sécurité", emails=["guard@example.test"], phones=["+33612345678"]
    )
    rule = NotificationRule.objects.create(
        organization=org.org, name="Arrivals", event="visit.arrived", to_host=True
    )
    template = MessageTemplate.objects.create(
        organization=org.org,
        event="visit.arrived",
        channel="sms",
        language="fr",
        body="{{ visitor.full_name }}",
    )
    message = Message.objects.create(
        organization=org.org,
        channel="email",
        recipient="host@example.test",
        recipient_kind="host",
        event="visit.arrived",
        language="fr",
        site=org.site,
        status="failed",
        failed_at=timezone.now(),
    )
    return {
        "notification_list": recipient_list,
        "notification_rule": rule,
        "message_template": template,
        "message": message,
    }


# --- HTML ---------------------------------------------------------------------------------
for name in (
    "notification_rules",
    "notification_rule_create",
    "notification_lists",
    "notification_list_create",
    "message_templates",
    "notification_config_export",
    "notification_config_import",
):
    add(name, "GET", ADMIN_ONLY_HTML)
for name, key in (
    ("notification_rule_edit", "notification_rule"),
    ("notification_list_edit", "notification_list"),
):
    add(name, "GET", ADMIN_ONLY_HTML, {"pk": key})
    other_org(name, "GET", {"pk": key}, {ADMIN: 404})
for name, key in (
    ("notification_rule_delete", "notification_rule"),
    ("notification_list_delete", "notification_list"),
):
    add(name, "POST", ADMIN_ONLY_POST, {"pk": key})
    other_org(name, "POST", {"pk": key}, {ADMIN: 404})
TEMPLATE = {"event": "visit.arrived", "channel": "email", "language": "fr"}
add("message_template_edit", "GET", ADMIN_ONLY_HTML, TEMPLATE)
add("message_template_edit", "GET", {ADMIN: 404}, {**TEMPLATE, "event": "visit.unknown"})
add("message_log", "GET", {ANON: 302, ADMIN: 200, RECEPTION: 403, HOST: 403, COMPLIANCE: 200})
add(
    "message_detail",
    "GET",
    {ANON: 302, ADMIN: 200, RECEPTION: 403, HOST: 403, COMPLIANCE: 200},
    {"pk": "message"},
)
other_org("message_detail", "GET", {"pk": "message"}, {ADMIN: 404, COMPLIANCE: 404})
add("message_retry", "POST", ADMIN_ONLY_POST, {"pk": "message"})
other_org("message_retry", "POST", {"pk": "message"}, {ADMIN: 404, COMPLIANCE: 404})
# Public endpoints: Twilio (signature checked first) and the invitation's QR image.
add("twilio_status", "POST", each(EVERYONE, 403), {"token": "forged"})
add("invitation_qr", "GET", each(EVERYONE, 404), {"code": "forged"})

# --- API ----------------------------------------------------------------------------------
for base, key in (
    ("notification-list", "notification_list"),
    ("notification-rule", "notification_rule"),
    ("message-template", "message_template"),
):
    add(f"{base}-list", "GET", ADMIN_ONLY_API)
    add(f"{base}-list", "POST", {ANON: 401, ADMIN: 400, **NOT_ADMIN_API})
    add(f"{base}-detail", "GET", ADMIN_ONLY_API, {"pk": key})
    add(f"{base}-detail", "PATCH", {ADMIN: 200, **NOT_ADMIN_API}, {"pk": key})
    add(f"{base}-detail", "DELETE", {ANON: 401, **NOT_ADMIN_API, ADMIN: 204}, {"pk": key})
    other_org(f"{base}-detail", "GET", {"pk": key}, each(MEMBERS, 404) | NOT_ADMIN_API)
    other_org(f"{base}-detail", "PATCH", {"pk": key}, {ADMIN: 404})
    other_org(f"{base}-detail", "DELETE", {"pk": key}, {ADMIN: 404})
add("message-template-preview", "POST", {ANON: 401, ADMIN: 400, **NOT_ADMIN_API})
add("message-list", "GET", {ANON: 401, ADMIN: 200, RECEPTION: 403, HOST: 403, COMPLIANCE: 200})
add(
    "message-detail",
    "GET",
    {ANON: 401, ADMIN: 200, RECEPTION: 403, HOST: 403, COMPLIANCE: 200},
    {"pk": "message"},
)
other_org("message-detail", "GET", {"pk": "message"}, {ADMIN: 404, COMPLIANCE: 404})
add(
    "message-retry",
    "POST",
    {ANON: 401, RECEPTION: 403, HOST: 403, COMPLIANCE: 403, ADMIN: 202},
    {"pk": "message"},
)
other_org("message-retry", "POST", {"pk": "message"}, {ADMIN: 404})
add("notification-config", "GET", ADMIN_ONLY_API)
add("notification-config", "POST", {ANON: 401, ADMIN: 400, **NOT_ADMIN_API})
