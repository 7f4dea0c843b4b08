"""Data-subject requests: finding a person across the data types, exporting
what we hold about them (access), erasing it (erasure) with a purge's proof."""

import calendar
import csv
import datetime
import io
import json
import logging
import re
import unicodedata
import zipfile

from django.db import transaction
from django.db.models import CharField, F, Func, Q, Value
from django.db.models.functions import Concat
from django.utils import formats, timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from audit import services as audit
from config.registries import retention_types

from . import purge
from .holds import active_holds, describe, hold_on
from .models import RequestKind, RequestStatus, SubjectRequest

log = logging.getLogger(__name__)


class SubjectHeld(Exception):
    """The person's data is under a legal hold: the erasure is refused."""

    def __init__(self, hold):
        self.hold = hold
        super().__init__(_("Erasure refused: the data is under %(hold)s.") % {"hold": describe(hold)})


def fold(text: str) -> str:
    """Lower case without accents ("Hélène" → "helene"), as `vestibule_fold` does in SQL."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower().strip()


def digits(phone: str) -> str:
    return re.sub(r"\D", "", phone or "")


def one_month_after(day: datetime.date) -> datetime.date:
    """GDPR Art. 12(3): one month, the same day of the next month (or its last day)."""
    year, month = (day.year + 1, 1) if day.month == 12 else (day.year, day.month + 1)
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


class Fold(Func):
    function = "vestibule_fold"
    output_field = CharField()


class Digits(Func):
    template = "regexp_replace(%(expressions)s, '[^0-9]', '', 'g')"
    output_field = CharField()


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


def _phone_q(field, phone):
    wanted = digits(phone)[-9:]  # the national number, whatever the prefix
    return Q(**{f"{field}_digits__endswith": wanted}) if len(wanted) >= 6 else None


def matching_visitors(request):
    from visitors.models import Visitor

    rows = Visitor.objects.annotate(
        folded=Fold(Concat(F("first_name"), Value(" "), F("last_name"), output_field=CharField())),
        phone_digits=Digits(F("phone")),
    )
    q = Q(pk__in=[])
    if request.full_name.strip():
        name_q = Q()
        for token in fold(request.full_name).split():
            name_q &= Q(folded__contains=token)
        q |= name_q
    if request.email:
        q |= Q(email__iexact=request.email)
    if request.phone and (phone_q := _phone_q("phone", request.phone)):
        q |= phone_q
    return rows.filter(q).exclude(anonymized_at__isnull=False)


def targets(request) -> dict[str, list[int]]:
    """Ids per data type that belong to the person: the confirmed visitors (or
    every match), their visits, and the rows linked to either."""
    from visitors.models import Visit

    visitor_ids = list(request.visitor_ids) or list(matching_visitors(request).values_list("pk", flat=True))
    visit_ids = list(Visit.objects.filter(visitor_id__in=visitor_ids).values_list("pk", flat=True))
    found = {"visitor_identities": visitor_ids, "visits": visit_ids}
    for rtype in retention_types:
        if rtype.key in found or rtype.key == "journal":
            continue
        rows = rtype.queryset()
        fields = {f.name for f in rows.model._meta.get_fields()}
        q = Q(pk__in=[])
        if "visitor" in fields:
            q |= Q(visitor_id__in=visitor_ids)
        if "visit" in fields or "visit_id" in fields:
            q |= Q(visit_id__in=visit_ids)
        if "signer_name" in fields and request.full_name.strip():
            rows = rows.annotate(signer_folded=Fold(F("signer_name")))
            name_q = Q()
            for token in fold(request.full_name).split():
                name_q &= Q(signer_folded__contains=token)
            q |= name_q
        if "recipient" in fields:
            if request.email:
                q |= Q(recipient__iexact=request.email)
            if request.phone:
                rows = rows.annotate(recipient_digits=Digits(F("recipient")))
                if phone_q := _phone_q("recipient", request.phone):
                    q |= phone_q
        found[rtype.key] = list(rows.filter(q).values_list("pk", flat=True))
    return found


def _plain(value):
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    return value


def collect(request) -> dict[str, list[dict]]:
    """Every row about the person, field by field."""
    out = {}
    for key, ids in targets(request).items():
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


def person_language(request, rows: dict) -> str:
    """The language the person reads: their visitor record's, else their
    organization's."""
    for row in rows.get("visitor_identities", []):
        if row.get("language"):
            return row["language"]
    return request.organization.default_language or "fr"


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
    from documents import storage

    rows = collect(request)
    language = person_language(request, rows)
    buffer = io.BytesIO()
    taken: set[str] = set()
    listing: list[tuple[str, int, list[str]]] = []
    written_keys: set[str] = set()
    with translation.override(language), zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        data_name = _unique(slugify(_("all the data")) + ".json", taken)
        archive.writestr(data_name, json.dumps(rows, indent=2, ensure_ascii=False, default=str))
        store = storage.document_storage()
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
                try:
                    content = storage.read(store, storage_key)
                except (OSError, *storage.STORAGE_ERRORS):
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
    from .models import RunStatus

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


@transaction.atomic
def complete_access(request) -> None:
    request.status = RequestStatus.DONE
    request.completed_at = timezone.now()
    request.save(update_fields=["status", "completed_at"])
    audit.record("retention.request_completed", target=request, data={})
