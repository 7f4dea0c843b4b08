"""Watchlist matching: accent- and case-insensitive, in PostgreSQL, with the
same folding (`vestibule_fold`) as the visitor search."""

from django.db.models import BooleanField, Func, TextField
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import WatchlistEntry


class Fold(Func):
    function = "vestibule_fold"
    output_field = TextField()


# The watchlist's rule, once, as one SQL condition on a row of the entries'
# table: active, and the same first and last name once folded (a company given
# on both sides must agree too), or the same e-mail. Hand-written because it
# runs on every arrival (in the statement that opens the arrival checks' gates,
# visitors.checks), where compiling the same rule through the ORM cost about a
# quarter of the arrival's CPU; `matches()` filters with the same text.
_LISTED = """
(visitors_watchlistentry.expires_at IS NULL OR visitors_watchlistentry.expires_at > %s)
AND ((vestibule_fold(visitors_watchlistentry.first_name) = vestibule_fold(%s)
      AND vestibule_fold(visitors_watchlistentry.last_name) = vestibule_fold(%s)
      AND (%s = '' OR visitors_watchlistentry.company = ''
           OR vestibule_fold(visitors_watchlistentry.company) = vestibule_fold(%s)))
     OR (%s <> '' AND upper(visitors_watchlistentry.email) = upper(%s)))
"""


def _listed(*, first_name: str, last_name: str, company: str = "", email: str = "") -> tuple[str, list]:
    company, email = company.strip(), email.strip()
    return _LISTED, [timezone.now(), first_name.strip(), last_name.strip(), company, company, email, email]


def matches(*, first_name: str, last_name: str, company: str = "", email: str = "") -> list[WatchlistEntry]:
    """Active entries naming this person (`_LISTED`)."""
    sql, params = _listed(first_name=first_name, last_name=last_name, company=company, email=email)
    # A constant text; the values travel as parameters.
    return list(WatchlistEntry.objects.filter(RawSQL(sql, params, output_field=BooleanField())))  # noqa: S611


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
    """The watchlist check's gate: `_LISTED` for the visit's visitor, exact,
    so the check itself only says so."""
    visitor = visit.visitor
    if visitor is None:
        return "false", []
    sql, params = _listed(**_of_visitor(visitor))
    # The table's name is the model's; the values travel as parameters.
    table = WatchlistEntry._meta.db_table
    return (
        f"EXISTS (SELECT 1 FROM {table} WHERE {table}.organization_id = %s AND {sql})",  # noqa: S608
        [visitor.organization_id, *params],
    )


def watchlist_check(visit) -> list[str]:
    """Registered with `listed_gate`, so it runs only when the gate found the
    visitor listed; it still asks `matches()` itself, so that it stays right
    when called without its gate (a second query, for a listed person only)."""
    return [problem_message()] if matches_for_visitor(visit.visitor) else []
