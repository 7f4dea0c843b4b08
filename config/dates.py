"""Dates and times typed by people and programs: parsed, then held to a range.

Python's dates stop at year 9999 and PostgreSQL's arithmetic on them can
overflow (9999-12-31 plus a day), a time-zone offset of +99:00 does not exist,
and a visit in year 1 is a typing error. Every date the API reads goes through
here, so each answers 400 naming its field instead of a 500 further down."""

import datetime

from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.formats import date_format
from django.utils.translation import gettext as _

EARLIEST = datetime.date(2000, 1, 1)
LATEST = datetime.date(2199, 12, 31)


class DateInputError(ValueError):
    """A date that cannot be read or lies outside EARLIEST..LATEST; its message
    is for the person who typed it."""


def out_of_range_message() -> str:
    return _("Enter a date between %(earliest)s and %(latest)s.") % {
        "earliest": date_format(EARLIEST, "SHORT_DATE_FORMAT"),
        "latest": date_format(LATEST, "SHORT_DATE_FORMAT"),
    }


def check_range(value):
    """`value` (a date or a datetime) if it lies in the accepted range."""
    day = value.date() if isinstance(value, datetime.datetime) else value
    if not EARLIEST <= day <= LATEST:
        raise DateInputError(out_of_range_message())
    return value


def parse_day(value: str) -> datetime.date:
    """A YYYY-MM-DD date in range."""
    try:
        day = parse_date(value) if isinstance(value, str) else None
    except ValueError:  # well formed but impossible: 2026-02-30
        day = None
    if day is None:
        raise DateInputError(_("Enter a date as YYYY-MM-DD."))
    return check_range(day)


def parse_moment(value: str) -> datetime.date | datetime.datetime:
    """A YYYY-MM-DD date or an ISO 8601 date and time (its offset within
    ±18:00), in range. A date and time without an offset is left naive."""
    try:
        moment = parse_datetime(value) if isinstance(value, str) else None
    except ValueError:  # 2026-02-30T10:00, or an offset such as +99:00
        moment = None
    if moment is None:
        try:
            return parse_day(value)
        except DateInputError as error:
            if isinstance(value, str) and "T" in value:
                raise DateInputError(_("Enter a date as YYYY-MM-DD or an ISO 8601 date and time.")) from error
            raise
    if moment.tzinfo is not None and abs(moment.utcoffset()) > datetime.timedelta(hours=18):
        raise DateInputError(_("Enter a time-zone offset between -18:00 and +18:00."))
    check_range(moment)
    if timezone.is_aware(moment):
        check_range(moment.astimezone(datetime.UTC))
    return moment
