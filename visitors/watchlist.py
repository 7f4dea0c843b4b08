"""Watchlist matching: accent- and case-insensitive, in PostgreSQL, with the
same folding (`vestibule_fold`) as the visitor search."""

from django.db import connection
from django.db.models import F, Func, Q, TextField, Value
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import WatchlistEntry


class Fold(Func):
    function = "vestibule_fold"
    output_field = TextField()


def _listed(*, first_name: str, last_name: str, company: str = "", email: str = ""):
    """The watchlist's rule, once: active entries naming this person, by the
    same first and last name once folded (a company given on both sides must
    agree too), or by the same e-mail."""
    now = timezone.now()
    active = WatchlistEntry.objects.filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))
    by_name = Q(first_folded=Fold(Value(first_name.strip())), last_folded=Fold(Value(last_name.strip())))
    if company.strip():
        by_name &= Q(company="") | Q(company_folded=Fold(Value(company.strip())))
    condition = by_name
    if email.strip():
        condition |= Q(email__iexact=email.strip())
    return active.annotate(
        first_folded=Fold(F("first_name")),
        last_folded=Fold(F("last_name")),
        company_folded=Fold(F("company")),
    ).filter(condition)


def matches(*, first_name: str, last_name: str, company: str = "", email: str = "") -> list[WatchlistEntry]:
    """Active entries naming this person (`_listed`)."""
    return list(_listed(first_name=first_name, last_name=last_name, company=company, email=email))


def matches_for_visitor(visitor) -> list[WatchlistEntry]:
    if visitor is None:
        return []
    return matches(**_of_visitor(visitor))


def problem_message() -> str:
    return _("This person is on the watchlist: do not let them in, call security.")


def _of_visitor(visitor) -> dict:
    return {
        "first_name": visitor.first_name,
        "last_name": visitor.last_name,
        "company": visitor.company,
        "email": visitor.email,
    }


def listed_gate(visit) -> tuple[str, list]:
    """The watchlist check's gate, exact: `_listed` compiled into the one
    statement that opens the gates of every arrival check (visitors.checks), so
    a person not listed costs no query of its own."""
    if visit.visitor is None:
        return "false", []
    query = _listed(**_of_visitor(visit.visitor)).values("pk")[:1].query
    sql, params = query.get_compiler(connection=connection).as_sql()
    return f"EXISTS ({sql})", list(params)


def watchlist_check(visit) -> list[str]:
    """Registered with `listed_gate`, so it runs only when the gate found the
    visitor listed; it still asks `matches()` itself, so that it stays right
    when called without its gate (a second query, for a listed person only)."""
    return [problem_message()] if matches_for_visitor(visit.visitor) else []
