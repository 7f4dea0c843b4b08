"""Backups & restore URLs in the cross-tenant permission table."""

from tests.permission_table import (
    ADMIN,
    ANON,
    COMPLIANCE,
    HOST,
    MEMBERS,
    RECEPTION,
    add,
    each,
    objects,
    other_org,
)


@objects
def restore_objects(org):
    import datetime

    from django.utils import timezone

    from backups.models import RestoreTicket

    now = timezone.now()
    ticket = RestoreTicket.objects.create(
        organization=org.org,
        environment="production",
        period_start=now - datetime.timedelta(days=2),
        period_end=now - datetime.timedelta(days=1),
        point_in_time=now - datetime.timedelta(days=1),
        data_types=["visits"],
        reason="test",
    )
    ticket.sites.set([org.site])
    return {"restore_ticket": ticket}


CUSTOMER = {ANON: 302, ADMIN: 200, RECEPTION: 403, HOST: 403, COMPLIANCE: 200}
add("backups", "GET", CUSTOMER)
add("restore_ticket_create", "GET", {ANON: 302, ADMIN: 200, RECEPTION: 403, HOST: 403, COMPLIANCE: 403})
add("restore_ticket", "GET", CUSTOMER, {"pk": "restore_ticket"})
other_org("restore_ticket", "GET", {"pk": "restore_ticket"}, {ADMIN: 404, COMPLIANCE: 404})
# Ending support's access early: the organization's admins (who grant it);
# compliance reads the ticket but does not act on it.
END_ACCESS = {ANON: 302, ADMIN: 200, RECEPTION: 403, HOST: 403, COMPLIANCE: 403}
add("restore_ticket_end_access", "GET", END_ACCESS, {"pk": "restore_ticket"})
add("restore_ticket_end_access", "POST", {**END_ACCESS, ADMIN: 302}, {"pk": "restore_ticket"})
other_org("restore_ticket_end_access", "GET", {"pk": "restore_ticket"}, {ADMIN: 404})
other_org("restore_ticket_end_access", "POST", {"pk": "restore_ticket"}, {ADMIN: 404})
add("config_export", "GET", {ANON: 302, ADMIN: 200, RECEPTION: 403, HOST: 403, COMPLIANCE: 403})
add("config_import", "GET", {ANON: 302, ADMIN: 200, RECEPTION: 403, HOST: 403, COMPLIANCE: 403})
# The support console is for platform support staff only (is_platform_support),
# never for an organization's members, whatever their role.
add("support_console", "GET", {ANON: 302, **each(MEMBERS, 403)})
add("support_ticket", "GET", {ANON: 302, **each(MEMBERS, 403)}, {"pk": "restore_ticket"})
other_org("support_ticket", "GET", {"pk": "restore_ticket"}, each(MEMBERS, 403))
add("support_ticket_end_access", "GET", {ANON: 302, **each(MEMBERS, 403)}, {"pk": "restore_ticket"})
add("support_ticket_end_access", "POST", {ANON: 302, **each(MEMBERS, 403)}, {"pk": "restore_ticket"})
other_org("support_ticket_end_access", "GET", {"pk": "restore_ticket"}, each(MEMBERS, 403))

add("restore-ticket-list", "GET", {ANON: 401, ADMIN: 200, RECEPTION: 403, HOST: 403, COMPLIANCE: 200})
add("restore-ticket-list", "POST", {ANON: 401, ADMIN: 400, RECEPTION: 403, HOST: 403, COMPLIANCE: 403})
add(
    "restore-ticket-detail",
    "GET",
    {ANON: 401, ADMIN: 200, COMPLIANCE: 200, RECEPTION: 403},
    {"pk": "restore_ticket"},
)
other_org("restore-ticket-detail", "GET", {"pk": "restore_ticket"}, {ADMIN: 404, COMPLIANCE: 404})
