"""Matching what a person states (a name, an e-mail address, a phone number)
against stored rows, for data-subject requests: each app that holds person
data finds its own rows with these (`APP/subjects.py`), the same way.

Names compare folded (lower case, no accents: "Hélène" finds "helene", as
`vestibule_fold` does in SQL) and token by token; phones by their national
number, whatever the prefix and punctuation."""

import re
import unicodedata

from django.db.models import CharField, Func, Q


def fold(text: str) -> str:
    """Lower case without accents ("Hélène" → "helene"), as `vestibule_fold` does in SQL."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower().strip()


def digits(phone: str) -> str:
    return re.sub(r"\D", "", phone or "")


class Fold(Func):
    function = "vestibule_fold"
    output_field = CharField()


class Digits(Func):
    template = "regexp_replace(%(expressions)s, '[^0-9]', '', 'g')"
    output_field = CharField()


def name_q(folded: str, full_name: str) -> Q:
    """Every word of `full_name` in the annotation `folded` (a `Fold` of the
    row's name)."""
    q = Q()
    for token in fold(full_name).split():
        q &= Q(**{f"{folded}__contains": token})
    return q


def phone_q(field, phone):
    """The annotation `<field>_digits` (a `Digits` of the row's phone) ends with
    the national number of `phone`; None when `phone` is too short to tell."""
    wanted = digits(phone)[-9:]  # the national number, whatever the prefix
    return Q(**{f"{field}_digits__endswith": wanted}) if len(wanted) >= 6 else None
