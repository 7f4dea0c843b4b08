"""Watchlist matching: accent- and case-insensitive, in PostgreSQL, with the
same folding (`vestibule_fold`) as the visitor search."""

from django.db.models import F, Func, Q, TextField, Value
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import WatchlistEntry


class Fold(Func):
    function = "vestibule_fold"
    output_field = TextField()


def matches(*, first_name: str, last_name: str, company: str = "", email: str = "") -> list[WatchlistEntry]:
    """Active entries naming this person: same first and last name once folded
    (a company given on both sides must agree too), or the same e-mail."""
    now = timezone.now()
    active = WatchlistEntry.objects.filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))
    by_name = Q(first_folded=Fold(Value(first_name.strip())), last_folded=Fold(Value(last_name.strip())))
    if company.strip():
        by_name &= Q(company="") | Q(company_folded=Fold(Value(company.strip())))
    condition = by_name
    if email.strip():
        condition |= Q(email__iexact=email.strip())
    return list(
        active.annotate(
            first_folded=Fold(F("first_name")),
            last_folded=Fold(F("last_name")),
            company_folded=Fold(F("company")),
        ).filter(condition)
    )


def matches_for_visitor(visitor) -> list[WatchlistEntry]:
    if visitor is None:
        return []
    return matches(
        first_name=visitor.first_name,
        last_name=visitor.last_name,
        company=visitor.company,
        email=visitor.email,
    )


def problem_message() -> str:
    return _("This person is on the watchlist: do not let them in, call security.")


# The same rule as matches(), as one plain SQL condition: it runs on every
# arrival (as the watchlist check's gate), where building the ORM query cost
# more than running it. test_the_watchlist_gate_agrees_with_matches keeps the two
# in step.
_LISTED = """
EXISTS (
  SELECT 1 FROM visitors_watchlistentry
  WHERE organization_id = %s AND (expires_at IS NULL OR expires_at > %s)
    AND ((vestibule_fold(first_name) = vestibule_fold(%s) AND vestibule_fold(last_name) = vestibule_fold(%s)
          AND (%s = '' OR company = '' OR vestibule_fold(company) = vestibule_fold(%s)))
         OR (%s <> '' AND upper(email) = upper(%s))))
"""


def listed_gate(visit) -> tuple[str, list]:
    """The watchlist check's gate: exact, so the check itself only says so."""
    visitor = visit.visitor
    if visitor is None:
        return "false", []
    company, email = visitor.company.strip(), visitor.email.strip()
    return _LISTED, [
        visitor.organization_id,
        timezone.now(),
        visitor.first_name.strip(),
        visitor.last_name.strip(),
        company,
        company,
        email,
        email,
    ]


def watchlist_check(visit) -> list[str]:
    """Registered with `listed_gate`, so it runs only when the gate found the
    visitor listed; it still asks `matches()` itself, so that it stays right
    when called without its gate (a second query, for a listed person only)."""
    return [problem_message()] if matches_for_visitor(visit.visitor) else []
