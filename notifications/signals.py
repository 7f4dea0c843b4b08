"""New organizations get the default invitation rule; the demo gets a list."""

from tenancy.models import Membership
from tenancy.scope import tenant_scope

from .models import Event
from .services import ensure_default_rule, save_list, save_rule


def install_defaults(sender, instance, created, raw=False, **kwargs):
    if not created or raw:
        return

    with tenant_scope(instance):
        ensure_default_rule(instance)


def seed_demo(org) -> None:
    ensure_default_rule(org)
    reception = Membership.objects.filter(role="reception")
    security = save_list(
        organization=org,
        name={"fr": "Accueil", "de": "Empfang"}.get(org.default_language, "Reception"),
        members=list(reception),
        emails=[f"securite@{org.slug}.demo"],
    )
    save_rule(organization=org, name="Arrivée → hôte", event=Event.ARRIVED, to_host=True, by_email=True)
    save_rule(
        organization=org, name="Dépassement → accueil", event=Event.OVERDUE, lists=[security], by_email=True
    )
    french = org.default_language == "fr"
    german = org.default_language == "de"
    # Approvals: whoever decides is told a visit waits; the host is told the answer.
    save_rule(
        organization=org,
        name="Visite à approuver → approbateurs"
        if french
        else "Besuch zu genehmigen → Genehmigende"
        if german
        else "Visit to approve → approvers",
        event=Event.PENDING_APPROVAL,
        to_approvers=True,
        by_email=True,
    )
    for event, fr, en, de in (
        (Event.APPROVED, "Visite approuvée → hôte", "Visit approved → host", "Besuch genehmigt → Gastgeber"),
        (Event.REFUSED, "Visite refusée → hôte", "Visit refused → host", "Besuch abgelehnt → Gastgeber"),
    ):
        name = fr if french else de if german else en
        save_rule(organization=org, name=name, event=event, to_host=True, by_email=True)
