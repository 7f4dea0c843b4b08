"""CSV import of pre-registrations: all lines or none.

1. Decodes line by line (UTF-8, with or without BOM), so that every line that is
   not UTF-8 (a Latin-1 export) is reported with its number.
2. Detects the delimiter (semicolon or comma) from the header; a header that
   names no known column is a wrong delimiter or a wrong file.
3. Validates every line (names, dates, visit type, host) and collects errors.
4. Creates the visits in one transaction only if no line failed.
"""

import csv
import datetime
import unicodedata
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tenancy.models import Membership

from . import services
from .errors import VisitError
from .models import VisitType

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


def parse(data: bytes, *, site) -> tuple[list[dict], ImportResult]:
    import zoneinfo

    result = ImportResult()
    lines = _lines(data, result)
    while lines and not lines[-1].strip():
        lines.pop()
    if not lines:
        result.errors.append(_("The file is empty."))
        return [], result
    header = lines[0]
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
        types[_fold(vt.name_fr)] = vt
        types[_fold(vt.name_en)] = vt
    hosts = {
        m.user.email.lower(): m for m in Membership.objects.filter(is_active=True).select_related("user")
    }
    rows = []
    for number, line in enumerate(lines[1:], start=2):
        if not line.strip():
            continue
        values = dict(zip(names, next(csv.reader([line], delimiter=delimiter)), strict=False))
        values = {k: (v or "").strip() for k, v in values.items() if k}
        problems = []
        if not values.get("first_name") or not values.get("last_name"):
            problems.append(_("first and last name are required"))
        vtype = types.get(_fold(values.get("visit_type", "")))
        if vtype is None:
            problems.append(_("unknown visit type “%(t)s”") % {"t": values.get("visit_type", "")})
        start = _parse_moment(values.get("expected_at", ""), tz)
        if start is None:
            problems.append(
                _("bad date “%(d)s” (use YYYY-MM-DD HH:MM or DD/MM/YYYY HH:MM)")
                % {"d": values.get("expected_at", "")}
            )
        end = None
        if values.get("expected_until"):
            end = _parse_moment(values["expected_until"], tz)
            if end is None:
                problems.append(
                    _("bad date “%(d)s” (use YYYY-MM-DD HH:MM or DD/MM/YYYY HH:MM)")
                    % {"d": values["expected_until"]}
                )
            elif start and end < start:
                problems.append(_("the end is before the start"))
        host = None
        if values.get("host"):
            host = hosts.get(values["host"].lower())
            if host is None:
                problems.append(_("unknown host “%(h)s”") % {"h": values["host"]})
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
                "visitor_values": {
                    k: values.get(k, "") for k in ("first_name", "last_name", "company", "email", "phone")
                },
                "visit_type": vtype,
                "expected_at": start,
                "expected_until": end,
                "host": host,
            }
        )
    if not rows and not result.errors:
        result.errors.append(_("The file has no visit."))
    return rows, result


def import_visits(data: bytes, *, organization, site, by) -> ImportResult:
    rows, result = parse(data, site=site)
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
                            host=row["host"] or (by if getattr(by, "role", "") == "host" else None),
                            by=by,
                        )
                    )
                except VisitError as exc:
                    result.errors.append(
                        _("Line %(n)d: %(problems)s") % {"n": row["line"], "problems": exc.message}
                    )
            if result.errors:
                raise _Rollback
    except _Rollback:
        result.created = []
    return result


class _Rollback(Exception):
    pass
