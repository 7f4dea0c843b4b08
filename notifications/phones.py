"""Phone numbers and addresses: normalised for sending, masked for display."""

from django.utils.translation import gettext as _

from visitors.contact import ContactError, clean_phone


class InvalidPhone(ValueError):
    pass


def normalize_phone(raw: str) -> str:
    """E.164 (+33612345678), checked by `phonenumbers` as every visitor's number
    is (`visitors.contact`): a number written the national way (06 12 34 56 78)
    is read in the default region; a number no operator could route (too short,
    an unassigned prefix) is refused."""
    try:
        number = clean_phone(raw)
    except ContactError as exc:
        raise InvalidPhone(exc.message) from None
    if not number:
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
