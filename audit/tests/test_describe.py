"""Journal entries in words (audit/describe.py): names looked up when shown,
"erased person" for a person gone, desks named, special cases told apart."""

from django.utils import translation

from audit import services
from audit.describe import describe
from tenancy.context import Actor


def test_entries_read_as_sentences_with_names_desks_and_the_zone(orgs, scoped):
    a = orgs.a
    user = a.members["reception"].user
    with scoped(a.org), translation.override("fr"):
        entries = [
            services.record(
                "visit.arrived", site=a.site, data={"desk_id": a.desk.pk}, actor=Actor(user_id=user.pk)
            ),
            services.record(
                "badge.printed",
                site=a.site,
                data={"desk": a.desk.pk, "reprint": True},
                actor=Actor(user_id=user.pk),
            ),
            services.record("visit.departed", data={"automatic": True}),
            services.record("visit.cancelled", actor=Actor(user_id=10**9)),
            services.record("visit.updated", actor=Actor(token_id=3)),
            services.record("something.new"),
        ]
        lines = [line.text for line in describe(entries, tz="Europe/Paris")]
        stamp = describe(entries[:1], tz="America/New_York")[0].time_label
    assert lines == [
        f"Arrivée enregistrée par {user.get_full_name()} au guichet Desk 1",
        f"Badge réimprimé par {user.get_full_name()} au guichet Desk 1",
        "Sortie enregistrée automatiquement à la fermeture",
        "Annulée par personne effacée",
        "Modifiée par un programme (API)",
        "Autre action (something.new)",
    ]
    assert stamp.endswith("(America/New_York)")
