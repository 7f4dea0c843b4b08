"""CSV import of pre-registrations: all lines or none.

The request only checks the file's size and number of lines against the limits
(`check_limits`) and stores it; a Celery task (`visitors.imports`) does the rest:

1. Decodes line by line (UTF-8, with or without BOM), so that every line that is
   not UTF-8 (a Latin-1 export) is reported with its number.
2. Detects the delimiter (semicolon or comma) from the header; a header that
   names no known column is a wrong delimiter or a wrong file.
3. Validates every line (length, control characters, names, dates within the
   visits' window, e-mail and phone, visit type, host) and collects errors. A
   host importing without a `hôte` column imports their own guests.
4. Creates the visits in one transaction only if no line failed.
"""

import csv
import datetime
import unicodedata
import zoneinfo
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from config import translated
from tenancy.models import Membership

from . import contact, services
from .errors import VisitError
from .models import Visitor, VisitType

# Limits checked in the request, before anything is parsed.
MAX_ROWS = 50_000
MAX_BYTES = 20 * 1024 * 1024
# A line of this tool's columns is a few hundred characters; a longer one is not
# a visit (and Python's csv module would refuse a cell over 131,072 characters).
MAX_LINE_CHARS = 4_000
LABELS = {
    "first_name": _lazy("first name"),
    "last_name": _lazy("last name"),
    "company": _lazy("company"),
    "email": _lazy("e-mail address"),
    "phone": _lazy("phone"),
}

COLUMNS = {
    "first_name": ("first_name", "first name", "firstname", "prenom"),
    "last_name": ("last_name", "last name", "lastname", "nom", "nom de famille"),
    "company": ("company", "societe", "entreprise"),
    "email": ("email", "e-mail", "mail", "courriel", "adresse e-mail"),
    "phone": ("phone", "telephone", "tel"),
    "visit_type": ("visit_type", "visit type", "type", "type de visite"),
    "expected_at": ("expected_at", "expected at", "start", "arrivee", "arrivee prevue", "date", "debut"),
    "expected_until": ("expected_until", "expected until", "end", "depart prevu", "fin"),
    "host": ("host", "hote", "host e-mail", "e-mail hote", "email hote"),
}
REQUIRED = ("first_name", "last_name", "visit_type", "expected_at")
FORMATS = (
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%d %H:%M:%S",
    "%d/%m/%Y %H:%M",
    "%d/%m/%Y %Hh%M",
    "%d/%m/%Y",
)


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.strip().lower())
    return "".join(c for c in text if not unicodedata.combining(c)).replace("_", " ").strip()


ALIASES = {_fold(alias): column for column, aliases in COLUMNS.items() for alias in aliases}


@dataclass
class ImportResult:
    errors: list[str] = field(default_factory=list)
    created: list = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def _n(number: int) -> str:
    return number_format(number, force_grouping=True)


class TooLarge(ValueError):
    """A file over the limits, refused before it is parsed; the message names the limit."""


def check_limits(upload) -> int:
    """The number of data lines of `upload` (a Django UploadedFile), or TooLarge.
    Reads the file in chunks counting line ends: bounded work, no parsing."""
    if upload.size > MAX_BYTES:
        raise TooLarge(
            _("The file is %(size)s MB; the limit is %(limit)d MB.")
            % {"size": number_format(upload.size / 1024 / 1024, 1), "limit": MAX_BYTES // 1024 // 1024}
            + " "
            + _("Split it into several files.")
        )
    lines, last = 0, b"\n"
    for chunk in upload.chunks():
        lines += chunk.count(b"\n")
        last = chunk[-1:] or last
    upload.seek(0)
    if last != b"\n":
        lines += 1
    rows = max(lines - 1, 0)  # the header
    if rows > MAX_ROWS:
        raise TooLarge(
            _("The file has %(rows)s lines; the limit is %(limit)s visits per file.")
            % {"rows": _n(rows), "limit": _n(MAX_ROWS)}
            + " "
            + _("Split it into several files.")
        )
    return rows


def _lines(data: bytes, result: ImportResult) -> list[str]:
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    lines = []
    for number, raw in enumerate(data.split(b"\n"), start=1):
        try:
            lines.append(raw.decode("utf-8").rstrip("\r"))
        except UnicodeDecodeError:
            result.errors.append(
                _("Line %(n)d: not UTF-8 text (save the file as “CSV UTF-8”).") % {"n": number}
            )
            lines.append("")
    return lines


def _parse_moment(value: str, tz) -> datetime.datetime | None:
    for fmt in FORMATS:
        try:
            parsed = datetime.datetime.strptime(value.strip(), fmt)
        except ValueError:
            continue
        if fmt == "%d/%m/%Y":
            parsed = parsed.replace(hour=9)
        return timezone.make_aware(parsed, tz)
    return None


def _cell_problems(values: dict) -> list[str]:
    problems = []
    for name, label in LABELS.items():
        limit = Visitor._meta.get_field(name).max_length
        if len(values.get(name, "")) > limit:
            problems.append(
                _("%(field)s longer than %(limit)d characters") % {"field": label, "limit": limit}
            )
    return problems


def _moment_problem(value: datetime.datetime) -> str | None:
    try:
        services.check_moment(value)
    except VisitError as exc:
        return exc.message.rstrip(".")
    return None


def parse(data: bytes, *, site, by=None, progress=None) -> tuple[list[dict], ImportResult]:
    """Check every line; `progress(checked)` is called as lines are checked."""

    result = ImportResult()
    lines = _lines(data, result)
    while lines and not lines[-1].strip():
        lines.pop()
    if not lines:
        result.errors.append(_("The file is empty."))
        return [], result
    header = lines[0]
    if len(header) > MAX_LINE_CHARS or "\x00" in header:
        result.errors.append(_("Line 1: this is not the header of a CSV file of visits."))
        return [], result
    delimiter = ";" if header.count(";") >= header.count(",") and ";" in header else ","
    names = [ALIASES.get(_fold(h)) for h in next(csv.reader([header], delimiter=delimiter))]
    missing = [c for c in REQUIRED if c not in names]
    if missing:
        result.errors.append(
            _("Line 1: missing columns %(cols)s (the separator must be ; or ,).")
            % {"cols": ", ".join(missing)}
        )
        return [], result
    tz = zoneinfo.ZoneInfo(site.timezone)
    types = {}
    for vt in VisitType.objects.filter(active=True):
        for name in translated.translations(vt, "name").values():
            if name:
                types[_fold(name)] = vt
    hosts = {
        m.user.email.lower(): m for m in Membership.objects.filter(is_active=True).select_related("user")
    }
    # A host imports their own guests, as the single form pre-registers them.
    own_host = by if getattr(by, "role", "") == "host" else None
    rows = []
    for number, line in enumerate(lines[1:], start=2):
        if progress is not None and number % 100 == 0:
            progress(number - 1)
        if not line.strip():
            continue
        if len(line) > MAX_LINE_CHARS:
            result.errors.append(
                _("Line %(n)d: longer than %(limit)d characters; this is not a visit.")
                % {"n": number, "limit": MAX_LINE_CHARS}
            )
            continue
        if any(ord(c) < 32 and c != "\t" for c in line):
            result.errors.append(
                _("Line %(n)d: contains an invisible control character (such as NUL); remove it.")
                % {"n": number}
            )
            continue
        try:
            cells = next(csv.reader([line], delimiter=delimiter))
        except csv.Error:
            result.errors.append(_("Line %(n)d: not a readable CSV line.") % {"n": number})
            continue
        values = dict(zip(names, cells, strict=False))
        values = {k: (v or "").strip() for k, v in values.items() if k}
        problems = _cell_problems(values)
        if not values.get("first_name") or not values.get("last_name"):
            problems.append(_("first and last name are required"))
        problems.extend(message.rstrip(".") for _field, message in contact.problems(values))
        vtype = types.get(_fold(values.get("visit_type", "")))
        if vtype is None:
            problems.append(_("unknown visit type “%(t)s”") % {"t": values.get("visit_type", "")[:100]})
        start = _parse_moment(values.get("expected_at", ""), tz)
        if start is None:
            problems.append(
                _("bad date “%(d)s” (use YYYY-MM-DD HH:MM or DD/MM/YYYY HH:MM)")
                % {"d": values.get("expected_at", "")[:40]}
            )
        elif _moment_problem(start):
            problems.append(_moment_problem(start))
            start = None
        end = None
        if values.get("expected_until"):
            end = _parse_moment(values["expected_until"], tz)
            if end is None:
                problems.append(
                    _("bad date “%(d)s” (use YYYY-MM-DD HH:MM or DD/MM/YYYY HH:MM)")
                    % {"d": values["expected_until"][:40]}
                )
            elif _moment_problem(end):
                problems.append(_moment_problem(end))
                end = None
            elif start and end < start:
                problems.append(_("the end is before the start"))
        host = own_host
        if values.get("host"):
            named = hosts.get(values["host"].lower())
            if named is None:
                problems.append(_("unknown host “%(h)s”") % {"h": values["host"][:100]})
            elif own_host is not None and named.pk != own_host.pk:
                problems.append(_("as a host, you import your own guests only"))
            else:
                host = named
        if vtype is not None and vtype.host_required and host is None and not problems:
            problems.append(_("this visit type requires a host"))
        if problems:
            result.errors.append(
                _("Line %(n)d: %(problems)s.") % {"n": number, "problems": "; ".join(problems)}
            )
            continue
        rows.append(
            {
                "line": number,
                "visitor_values": contact.clean_contact(
                    {k: values.get(k, "") for k in ("first_name", "last_name", "company", "email", "phone")}
                ),
                "visit_type": vtype,
                "expected_at": start,
                "expected_until": end,
                "host": host,
            }
        )
    if progress is not None:
        progress(len(lines) - 1)
    if not rows and not result.errors:
        result.errors.append(_("The file has no visit."))
    return rows, result


def import_visits(data: bytes, *, organization, site, by, progress=None) -> ImportResult:
    """Parse and create, all or nothing. `progress(checked=, imported=)` is
    called as the work goes (a Celery task reports it to the screen)."""
    checked = 0

    def on_checked(n):
        nonlocal checked
        checked = n
        if progress is not None:
            progress(checked=n, imported=0)

    rows, result = parse(data, site=site, by=by, progress=on_checked)
    if not result.ok:
        return result
    try:
        with transaction.atomic():
            for row in rows:
                try:
                    result.created.append(
                        services.pre_register(
                            organization=organization,
                            site=site,
                            visit_type=row["visit_type"],
                            expected_at=row["expected_at"],
                            expected_until=row["expected_until"],
                            visitor_values=row["visitor_values"],
                            host=row["host"],
                            by=by,
                        )
                    )
                except VisitError as exc:
                    result.errors.append(
                        _("Line %(n)d: %(problems)s") % {"n": row["line"], "problems": exc.message}
                    )
                if progress is not None and len(result.created) % 50 == 0:
                    progress(checked=checked, imported=len(result.created))
            if result.errors:
                raise _Rollback
    except _Rollback:
        result.created = []
    return result


class _Rollback(Exception):
    pass
