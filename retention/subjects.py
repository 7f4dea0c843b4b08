"""Data-subject requests: finding a person across the data types, exporting
what we hold about them (access), erasing it (erasure) with a purge's proof.

The workflow is this app's (request, deadline, archive, erasure run, holds);
who the person is and which rows are theirs, the apps that hold the data say
(`config.registries.subject_people` and `subject_sources`, from their
`subjects.py`); the rows' export, files and erasure are their retention types'."""

import calendar
import csv
import datetime
import io
import json
import logging
import zipfile

from django.db import transaction
from django.utils import formats, timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from audit import services as audit
from config.registries import Identity, retention_types, subject_people, subject_sources

from . import purge
from .holds import active_holds, describe, hold_on
from .models import RequestKind, RequestStatus, RunStatus, SubjectRequest

log = logging.getLogger(__name__)


class SubjectHeld(Exception):
    """The person's data is under a legal hold: the erasure is refused."""

    def __init__(self, hold):
        self.hold = hold
        super().__init__(_("Erasure refused: the data is under %(hold)s.") % {"hold": describe(hold)})


def one_month_after(day: datetime.date) -> datetime.date:
    """GDPR Art. 12(3): one month, the same day of the next month (or its last day)."""
    year, month = (day.year + 1, 1) if day.month == 12 else (day.year, day.month + 1)
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@transaction.atomic
def create_request(
    *, organization, by=None, kind, received_on, full_name="", email="", phone="", reference=""
):
    request = SubjectRequest.objects.create(
        organization=organization,
        kind=kind,
        received_on=received_on,
        deadline=one_month_after(received_on),
        full_name=full_name,
        email=email.strip(),
        phone=phone.strip(),
        reference=reference,
        created_by=by,
    )
    audit.record(
        "retention.request_received",
        target=request,
        data={"kind": kind, "deadline": request.deadline.isoformat()},
    )
    return request


def identity(request) -> Identity:
    return Identity(full_name=request.full_name, email=request.email, phone=request.phone)


def candidates(request, limit: int = 50) -> list[dict]:
    """The people the request may be about, for compliance to confirm (a
    search can find namesakes): `id`, `first_name`, `last_name`, `email`, `company`."""
    return subject_people.finder.candidates(identity(request), limit)


def person_ids(request) -> list[int]:
    """The people compliance confirmed, or else every one the request names."""
    return list(request.visitor_ids) or subject_people.finder.find(identity(request))


def targets(request, people=None) -> dict[str, list[int]]:
    """Ids per data type that belong to the person (`people`: their
    `person_ids`): the people's own rows (their identities, their visits)
    first, then each other type's rows, as its app finds them (its subject
    source, else its `visitor_field`)."""
    stated = identity(request)
    people = person_ids(request) if people is None else people
    found = subject_people.finder.own_rows(people)
    for rtype in retention_types:
        if rtype.key in found or rtype.key == "journal":
            continue
        source = subject_sources.get(rtype.key)
        if source is not None:
            found[rtype.key] = source.rows(stated, people)
        elif rtype.visitor_field:
            rows = rtype.queryset().filter(**{f"{rtype.visitor_field}__in": people})
            found[rtype.key] = list(rows.values_list("pk", flat=True))
        else:
            found[rtype.key] = []
    return found


def _plain(value):
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    return value


def collect(found: dict[str, list[int]]) -> dict[str, list[dict]]:
    """Every row about the person (`found`: their `targets`), field by field."""
    out = {}
    for key, ids in found.items():
        rtype = retention_types.get(key)
        if rtype is None or not ids:
            continue
        model = rtype.queryset().model
        names = [f.attname for f in model._meta.concrete_fields]
        out[key] = [
            {name: _plain(value) for name, value in row.items()}
            for row in rtype.queryset().filter(pk__in=ids).order_by("pk").values(*names)
        ]
    return out


def person_language(request, people) -> str:
    """The language the person reads: their visitor record's, else their
    organization's."""
    return subject_people.finder.language(people) or request.organization.default_language or "fr"


def _unique(name: str, taken: set[str]) -> str:
    stem, dot, ext = name.rpartition(".")
    stem, ext = (stem, f".{ext}") if dot else (name, "")
    candidate, n = name, 2
    while candidate in taken:
        candidate, n = f"{stem}-{n}{ext}", n + 1
    taken.add(candidate)
    return candidate


def _folder(rtype, key: str) -> str:
    return slugify(str(getattr(rtype, "subject_folder", None) or rtype.label)) or key


def export_zip(request, *, by=None) -> bytes:
    """An access request's answer, in the person's language: a README listing
    what the archive holds, one JSON file with everything, one CSV per data
    type, and each file once, in its data type's folder, named after what it
    is (`consentements/2026-11-29-regles-de-securite.pdf`)."""
    people = person_ids(request)
    rows = collect(targets(request, people))
    language = person_language(request, people)
    buffer = io.BytesIO()
    taken: set[str] = set()
    listing: list[tuple[str, int, list[str]]] = []
    written_keys: set[str] = set()
    with translation.override(language), zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        data_name = _unique(slugify(_("all the data")) + ".json", taken)
        archive.writestr(data_name, json.dumps(rows, indent=2, ensure_ascii=False, default=str))
        for key, items in rows.items():
            if not items:
                continue
            rtype = retention_types.get(key)
            folder = _folder(rtype, key)
            text = io.StringIO()
            writer = csv.DictWriter(text, fieldnames=list(items[0]))
            writer.writeheader()
            for item in items:
                writer.writerow({k: _safe_cell(v) for k, v in item.items()})
            names = [_unique(f"{folder}.csv", taken)]
            archive.writestr(names[0], text.getvalue())
            describe_files = getattr(rtype, "subject_files", None)
            for base, storage_key in describe_files(items) if describe_files else ():
                # A signature shared by several consents signed at once goes in once.
                if storage_key in written_keys:
                    continue
                content = rtype.read_subject_file(storage_key)
                if content is None:
                    log.warning("file %s of request %s is missing from storage", storage_key, request.pk)
                    continue
                written_keys.add(storage_key)
                name = _unique(f"{folder}/{base}", taken)
                archive.writestr(name, content)
                names.append(name)
            listing.append((str(rtype.label) if rtype else key, len(items), names))
        readme = _readme(request, data_name, listing)
        archive.writestr(_unique(slugify(_("README")).upper() + ".txt", taken), readme)
    audit.record(
        "retention.request_exported",
        target=request,
        data={
            "types": {k: len(v) for k, v in rows.items()},
            "files": len(written_keys),
            "language": language,
        },
        actor=None,
    )
    return buffer.getvalue()


def _readme(request, data_name: str, listing) -> str:
    lines = [
        _("Your personal data held by %(organization)s") % {"organization": request.organization.name},
        "",
        _(
            "This archive answers your access request received on %(received)s (GDPR, article 15). "
            "It holds every record about you and every file you gave us or signed."
        )
        % {"received": formats.date_format(request.received_on, "DATE_FORMAT")},
        "",
        _("%(name)s: all the data below in one file (JSON).") % {"name": data_name},
    ]
    for label, count, names in listing:
        lines += [
            "",
            ngettext("%(label)s: %(n)s record", "%(label)s: %(n)s records", count)
            % {"label": label, "n": count},
        ]
        lines += [f"  - {name}" for name in names]
    return "\r\n".join(lines) + "\r\n"


def _safe_cell(value):
    """No spreadsheet formula injection from a visitor's own name."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def erasure_preview(request) -> dict:
    """What an erasure would touch, before it runs: the count per data type, and
    the legal hold that would refuse it (nothing is written)."""
    found = targets(request)
    counts, hold = [], None
    holds = active_holds()
    for key, ids in found.items():
        rtype = retention_types.get(key)
        if rtype is None:
            continue
        counts.append({"data_type": key, "label": str(rtype.label), "count": len(ids)})
        if ids and hold is None:
            hold = hold_on(rtype.queryset().filter(pk__in=ids), rtype, holds)
    return {"types": counts, "total": sum(c["count"] for c in counts), "hold": hold}


def erase(request, *, by=None):
    """Anonymise everything about the person, with a purge run's proof.

    Refused (the hold named) when any of their data is under a legal hold: the
    request is marked refused, which the deadline report shows."""
    found = targets(request)
    holds = active_holds()
    for key, ids in found.items():
        rtype = retention_types.get(key)
        if rtype is None or not ids:
            continue
        hold = hold_on(rtype.queryset().filter(pk__in=ids), rtype, holds)
        if hold is not None:
            request.status = RequestStatus.REFUSED
            request.refused_hold = hold
            request.save(update_fields=["status", "refused_hold"])
            audit.record("retention.request_refused", target=request, data={"hold": hold.pk})
            raise SubjectHeld(hold)
    run = purge.start_erasure(
        organization=request.organization, subject_request=request, targets=found, by=by
    )
    purge.execute(request.organization_id, run.pk)
    run.refresh_from_db()
    assert run.status == RunStatus.DONE
    return run


def erasure_completed(run) -> None:
    """Called in the run's last transaction: the request is done, and its own
    search terms go too (the ledger keeps the ids)."""
    request = SubjectRequest.objects.get(pk=run.subject_request_id)
    request.status = RequestStatus.DONE
    request.completed_at = timezone.now()
    if request.kind == RequestKind.ERASURE:
        request.full_name = ""
        request.email = ""
        request.phone = ""
    request.save()
    audit.record("retention.request_completed", target=request, data={"run": run.pk})
