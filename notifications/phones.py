"""Phone numbers and addresses: normalised for sending, masked for display."""

import re

from django.utils.translation import gettext as _

E164 = re.compile(r"^\+[1-9]\d{6,14}$")


class InvalidPhone(ValueError):
    pass


def normalize_phone(raw: str, default_country: str = "33") -> str:
    """E.164 (+33612345678). French habits are accepted: 06 12 34 56 78,
    0033 6..., dots and dashes."""
    number = re.sub(r"[\s.\-()/]", "", raw or "")
    if number.startswith("00"):
        number = "+" + number[2:]
    elif number.startswith("0") and len(number) == 10:
        number = f"+{default_country}{number[1:]}"
    if not E164.match(number):
        raise InvalidPhone(_("“%(number)s” is not a valid phone number.") % {"number": raw})
    return number


def mask_email(address: str) -> str:
    """j***@acme.fr: enough to recognise, not enough to harvest."""
    local, at, domain = address.partition("@")
    if not at:
        return "***"
    return f"{local[:1]}***@{domain}"


def mask_phone(number: str) -> str:
    """+33 6** ** ** 12 for French numbers; +44 7*** ***12 style elsewhere."""
    if number.startswith("+33") and len(number) == 12:
        return f"+33 {number[3]}** ** ** {number[-2:]}"
    if len(number) < 6:
        return "***"
    hidden = len(number) - 6
    return f"{number[:3]} {number[3]}{'*' * hidden} {number[-2:]}"


def mask(channel: str, recipient: str) -> str:
    return mask_phone(recipient) if channel == "sms" else mask_email(recipient)
