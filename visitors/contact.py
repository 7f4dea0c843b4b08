"""How a visitor can be reached: the one check of e-mail addresses and phone
numbers, used by every path that saves a visitor (forms, group form, CSV
import, API, desk and kiosk walk-ins through `services`).

Phone numbers are stored in E.164 (`+33612345678`); a number written the
national way (`06 12 34 56 78`) is read in the default region
(`VISITORS_PHONE_REGION`, France unless configured)."""

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.utils.translation import gettext as _

_email = EmailValidator()


class ContactError(ValueError):
    """A bad e-mail address or phone number; `field` names which."""

    def __init__(self, field: str, message: str):
        self.field = field
        self.message = message
        super().__init__(message)


def default_region() -> str:
    return getattr(settings, "VISITORS_PHONE_REGION", "FR") or "FR"


def clean_email(value: str) -> str:
    value = (value or "").strip()
    if not value:
        return ""
    try:
        _email(value)
    except ValidationError:
        raise ContactError(
            "email", _("“%(value)s” is not a valid e-mail address.") % {"value": value}
        ) from None
    return value


def clean_phone(value: str, region: str | None = None) -> str:
    """The number in E.164, or ContactError. Empty stays empty."""
    value = (value or "").strip()
    if not value:
        return ""
    problem = _("“%(value)s” is not a valid phone number.") % {"value": value[:60]}
    if len(value) > 40:
        raise ContactError("phone", problem)
    try:
        number = phonenumbers.parse(value, region or default_region())
    except phonenumbers.NumberParseException:
        raise ContactError("phone", problem) from None
    if not phonenumbers.is_valid_number(number):
        raise ContactError("phone", problem)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def clean_contact(values: dict) -> dict:
    """`values` with its e-mail and phone checked and normalised (keys absent
    stay absent). Raises ContactError on the first bad one."""
    values = dict(values)
    if "email" in values:
        values["email"] = clean_email(values["email"])
    if "phone" in values:
        values["phone"] = clean_phone(values["phone"])
    return values


def problems(values: dict) -> list[tuple[str, str]]:
    """Every contact problem of `values` as (field, message), for screens that
    list all of them at once (an import line)."""
    found = []
    for field, check in (("email", clean_email), ("phone", clean_phone)):
        try:
            check(values.get(field, ""))
        except ContactError as exc:
            found.append((field, exc.message))
    return found
