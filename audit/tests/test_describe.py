"""Journal entries as sentences (audit/sentences.py): names looked up when
shown, once for a list, "personne effacée" for a person gone, desks named,
special cases told apart, times with their zone."""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from audit import services
from audit.names import Names
from audit.sentences import describe, history
from tenancy.context import Actor


def _arrival(a, user):
    return services.record(
        "visit.arrived", site=a.site, data={"desk_id": a.desk.pk}, actor=Actor(user_id=user.pk)
    )


def test_entries_read_as_sentences_with_names_desks_and_the_zone(orgs, scoped):
    a = orgs.a
    user = a.members["reception"].user
    with scoped(a.org), translation.override("fr"):
        entries = [
            _arrival(a, user),
            services.record(
                "badge.printed",
                site=a.site,
                data={"desk": a.desk.pk, "reprint": True},
                actor=Actor(user_id=user.pk),
            ),
            services.record("visit.departed", data={"automatic": True}),
            services.record("visit.cancelled", actor=Actor(user_id=10**9)),
            services.record("visit.updated", actor=Actor(token_id=3)),
            services.record("site.updated", actor=Actor(user_id=user.pk)),
            services.record("something.new"),
        ]
        lines = [line.text for line in history(entries, tz="Europe/Paris")]
        stamp = history(entries[:1], tz="America/New_York")[0].time_label
    assert lines == [
        f"Arrivée enregistrée par {user.get_full_name()} au guichet Desk 1",
        f"Badge réimprimé par {user.get_full_name()} au guichet Desk 1",
        "Sortie enregistrée automatiquement à la fermeture",
        "Annulée par personne effacée",
        "Modifiée par un programme (API)",
        f"Site modifié, par {user.get_full_name()}",
        "Something new",  # words, never a code
    ]
    assert stamp.endswith("(America/New_York)")


def test_a_list_resolves_its_names_once(orgs, scoped):
    a = orgs.a
    user = a.members["reception"].user
    with scoped(a.org), translation.override("fr"):
        entries = [_arrival(a, user) for _ in range(5)]
        names = Names(entries)
        with CaptureQueriesContext(connection) as first:
            describe(entries[0], names, target=False)
        with CaptureQueriesContext(connection) as rest:
            texts = {describe(e, names, target=False) for e in entries[1:]}
    assert len(first.captured_queries) <= 2  # the user and the desk, once
    assert not rest.captured_queries
    assert texts == {f"Arrivée enregistrée par {user.get_full_name()} au guichet Desk 1"}
