"""Writes of documents: consent texts and their versions, signatures, attachments.

Each state change is journaled in the caller's transaction. Objects are written
to storage before the row that points to them, and removed again if the row
cannot be written: a row never points to a missing object."""

import base64
import binascii
import hashlib
import logging

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from audit import services as audit
from config import translated
from visitors.models import Visit

from . import files, storage
from .certificates import render_certificate
from .models import (
    Attachment,
    AttachmentKind,
    ConsentKind,
    ConsentRequirement,
    ConsentText,
    ConsentVersion,
    DocumentPolicy,
    SignedConsent,
)
from .selectors import policy_for

log = logging.getLogger(__name__)

# The translated wording of a version (config/translated.py): `title={"fr": ...}`
# or `title_fr=...` in the services' keyword arguments.
WORDING = ("title", "body")
SIGNATURE_MAX_BYTES = 300 * 1024


class SigningRefused(Exception):
    """The signature cannot be recorded; the message says why, to the signer."""


CHANGED_MESSAGE = gettext_lazy(
    "This text has changed since the page was opened: read the current version below, then sign again."
)
ALREADY_SIGNED_MESSAGE = gettext_lazy("This text has already been signed: nothing was signed twice.")


# --- consent texts ------------------------------------------------------------------------
def _set_visit_types(text: ConsentText, visit_types) -> None:
    wanted = {vt.pk for vt in visit_types}
    ConsentRequirement.objects.filter(consent_text=text).exclude(visit_type_id__in=wanted).delete()
    have = set(ConsentRequirement.objects.filter(consent_text=text).values_list("visit_type_id", flat=True))
    ConsentRequirement.objects.bulk_create(
        ConsentRequirement(organization_id=text.organization_id, consent_text=text, visit_type_id=pk)
        for pk in sorted(wanted - have)
    )


@transaction.atomic
def create_consent_text(
    *,
    organization,
    by=None,
    kind=ConsentKind.OTHER,
    visit_types=(),
    validity_months=None,
    active=True,
    **wording,
) -> ConsentText:
    # `kind` is optional in the API as in the model (its default: "other").
    text = ConsentText.objects.create(
        organization=organization, kind=kind, validity_months=validity_months, active=active
    )
    version = ConsentVersion(organization=organization, consent_text=text, number=1, created_by=by)
    for attribute, values in translated.collect(wording, WORDING).items():
        translated.assign(version, attribute, values)
    version.save()
    text.current_version = version
    text.save(update_fields=["current_version"])
    _set_visit_types(text, visit_types)
    audit.record("consent_text.created", target=text, data={"version_id": version.pk})
    return text


@transaction.atomic
def update_consent_text(*, text: ConsentText, by=None, **values) -> ConsentText:
    """Change a text. New wording makes a new version once the current one has
    been signed; an unsigned current version is corrected in place."""
    text = ConsentText.objects.select_for_update().get(pk=text.pk)
    changed = [
        f for f in ("kind", "validity_months", "active") if f in values and getattr(text, f) != values[f]
    ]
    for field in changed:
        setattr(text, field, values[field])
    current = text.current_version
    wording = translated.collect(values, WORDING)
    new_wording = {
        attribute: {
            code: v
            for code, v in given.items()
            if translated.get(current, attribute, code, fallback=False) != (v or "")
        }
        for attribute, given in wording.items()
    }
    new_wording = {attribute: given for attribute, given in new_wording.items() if given}
    if new_wording:
        if current.signatures.exists():
            version = ConsentVersion(
                organization_id=text.organization_id,
                consent_text=text,
                number=current.number + 1,
                created_by=by,
            )
            for attribute in WORDING:
                translated.assign(version, attribute, translated.translations(current, attribute))
                translated.assign(version, attribute, wording.get(attribute, {}))
            version.save()
            text.current_version = version
            changed.append("current_version")
            audit.record("consent_text.versioned", target=text, data={"version_id": version.pk})
        else:
            for attribute, given in new_wording.items():
                translated.assign(current, attribute, given)
            current.save(update_fields=[*new_wording, "i18n"])
            changed.append("wording")
    if changed:
        text.save()
        audit.record("consent_text.updated", target=text, data={"fields": changed})
    if "visit_types" in values:
        _set_visit_types(text, values["visit_types"])
    return text


# --- signing ---------------------------------------------------------------------------------
def text_digest(version: ConsentVersion, language: str) -> str:
    return hashlib.sha256(version.shown_text(language).encode("utf-8")).hexdigest()


def decode_signature(data: str | None) -> bytes | None:
    """A drawn signature from the canvas (a PNG data URL), re-encoded so that
    only pixels are kept. Empty means "no drawing", which is allowed."""
    if not data:
        return None
    prefix = "data:image/png;base64,"
    if not data.startswith(prefix) or len(data) > SIGNATURE_MAX_BYTES * 4 // 3 + len(prefix) + 4:
        raise SigningRefused(_("The drawn signature is not a valid image."))
    try:
        raw = base64.b64decode(data[len(prefix) :], validate=True)
        return files.inspect(
            raw, name="signature.png", allowed_types=["image/png"], limit=SIGNATURE_MAX_BYTES
        ).content
    except (binascii.Error, files.RefusedFile) as exc:
        raise SigningRefused(_("The drawn signature is not a valid image.")) from exc


def sign_consents(
    *,
    visit,
    versions: list[ConsentVersion],
    language: str,
    signer_name: str,
    channel: str,
    signature_data: str | None = None,
    shown_digests: dict[int, str] | None = None,
    ip: str | None = None,
    user_agent: str = "",
    by=None,
    store=None,
) -> list[SignedConsent]:
    """Record the signature of one or more texts for a visit.

    1. Every version must be the current version of an active text of the
       visit's organization; when the page sent the digest of what it showed,
       it must match (the text changed while the visitor was reading: refuse).
    2. The signature image and each certificate are written to storage first.
    3. The rows and their journal entries are written in one transaction; if
       that fails, the objects just written are removed.
    """
    store = store or storage.document_storage()
    signer_name = " ".join((signer_name or "").split())
    if not signer_name:
        raise SigningRefused(_("Type your full name to sign."))
    if not versions:
        raise SigningRefused(_("There is nothing to sign."))
    language = translated.supported(language) or translated.default_language()
    for version in versions:
        text = version.consent_text
        if version.organization_id != visit.organization_id or text.organization_id != visit.organization_id:
            raise SigningRefused(_("This text does not belong to the visit's organization."))
        if text.current_version_id != version.pk or not text.active:
            raise SigningRefused(CHANGED_MESSAGE)
        if shown_digests and shown_digests.get(version.pk) not in (None, text_digest(version, language)):
            raise SigningRefused(CHANGED_MESSAGE)
    _refuse_signed_twice(visit, versions)
    signature = decode_signature(signature_data)
    written: list[str] = []
    try:
        signature_key = ""
        if signature:
            signature_key = storage.put(
                store, files.random_key("signatures", visit.organization_id, ".png"), signature, "image/png"
            )
            written.append(signature_key)
        now = timezone.now()
        consents = []
        for version in versions:
            consent = SignedConsent(
                organization_id=visit.organization_id,
                visit=visit,
                visitor_id=visit.visitor_id,
                site_id=visit.site_id,
                version=version,
                text_sha256=text_digest(version, language),
                # The language of the words shown: the one asked for when the version has it.
                language=version.shown_language(language),
                signer_name=signer_name[:200],
                signature_key=signature_key,
                channel=channel,
                signed_at=now,
                ip=ip,
                user_agent=(user_agent or "")[:400],
                recorded_by=by,
            )
            pdf = render_certificate(consent=consent, signature_png=signature)
            consent.certificate_key = storage.put(
                store, files.random_key("certificates", visit.organization_id, ".pdf"), pdf, "application/pdf"
            )
            consent.certificate_sha256 = hashlib.sha256(pdf).hexdigest()
            written.append(consent.certificate_key)
            consents.append(consent)
        with transaction.atomic():
            # Two pages signing the same visit (two tabs, a double tap) queue
            # here; the second finds the first's signature and is refused.
            list(Visit.objects.select_for_update().filter(pk=visit.pk).values_list("pk", flat=True))
            _refuse_signed_twice(visit, versions)
            for consent in consents:
                consent.save(force_insert=True)
                audit.record(
                    "consent.signed",
                    target=consent,
                    site=visit.site_id,
                    data={
                        "visit_id": visit.pk,
                        "visitor_id": visit.visitor_id,
                        "version_id": consent.version_id,
                        "channel": channel,
                        "text_sha256": consent.text_sha256,
                    },
                )
    except Exception:
        for key in written:
            storage.remove(store, key)
        raise
    return consents


def _refuse_signed_twice(visit, versions) -> None:
    if SignedConsent.objects.filter(
        visit_id=visit.pk, version__in=versions, anonymised_at__isnull=True
    ).exists():
        raise SigningRefused(ALREADY_SIGNED_MESSAGE)


def versions_to_sign(visit, version_ids) -> list[ConsentVersion]:
    """The versions named by a signing form or API call, resolved inside the
    current organization; unknown ids (another organization's) are refused."""
    ids = {int(v) for v in version_ids}
    found = list(ConsentVersion.objects.select_related("consent_text").filter(pk__in=ids))
    if len(found) != len(ids):
        raise SigningRefused(_("Unknown consent text version."))
    return sorted(found, key=lambda v: (v.consent_text.kind, v.consent_text_id))


# --- attachments -----------------------------------------------------------------------------
def upload_attachment(
    *,
    visit,
    upload,
    kind: str = AttachmentKind.OTHER,
    channel: str,
    by=None,
    store=None,
    name: str | None = None,
) -> Attachment:
    """Check, clean and keep a file handed over for a visit.

    1. Size against the organization's limit, read without trusting the client.
    2. Type from the bytes, polyglots refused, images stripped of metadata.
    3. Object written under a random key, then the row; the object is removed
       if the row cannot be written. (Should the caller's transaction roll back
       later, what remains is an unreferenced object, never a row pointing to
       a missing one.)
    """
    store = store or storage.document_storage()
    policy = policy_for(visit.organization_id)
    content = files.read_limited(upload, policy.max_size_bytes)
    clean = files.inspect(
        content,
        name=name if name is not None else getattr(upload, "name", ""),
        allowed_types=policy.allowed_types,
        limit=policy.max_size_bytes,
    )
    if kind not in AttachmentKind.values:
        kind = AttachmentKind.OTHER
    key = storage.put(
        store, files.random_key("attachments", visit.organization_id), clean.content, clean.content_type
    )
    try:
        with transaction.atomic():
            attachment = Attachment.objects.create(
                organization_id=visit.organization_id,
                visit=visit,
                visitor_id=visit.visitor_id,
                site_id=visit.site_id,
                kind=kind,
                storage_key=key,
                original_name=clean.name,
                content_type=clean.content_type,
                size=clean.size,
                sha256=clean.sha256,
                channel=channel,
                uploaded_by=by,
            )
            audit.record(
                "document.uploaded",
                target=attachment,
                site=visit.site_id,
                data={"visit_id": visit.pk, "kind": kind, "sha256": clean.sha256, "size": clean.size},
            )
    except Exception:
        storage.remove(store, key)
        raise
    return attachment


def download_attachment(*, attachment: Attachment, store=None):
    """The response delivering the file, journaled; None when the object is gone."""
    store = store or storage.document_storage()
    if attachment.purged_at or not storage.exists(store, attachment.storage_key):
        return None
    audit.record(
        "document.downloaded",
        target=attachment,
        site=attachment.site_id,
        data={"visit_id": attachment.visit_id, "kind": attachment.kind},
    )
    return storage.serve(
        store,
        attachment.storage_key,
        filename=files.safe_name(attachment.original_name),
        content_type=attachment.content_type,
    )


def download_certificate(*, consent: SignedConsent, store=None):
    store = store or storage.document_storage()
    if consent.anonymised_at or not storage.exists(store, consent.certificate_key):
        return None
    audit.record(
        "document.downloaded",
        target=consent,
        site=consent.site_id,
        data={"visit_id": consent.visit_id, "kind": "consent_certificate"},
    )
    return storage.serve(
        store, consent.certificate_key, filename=f"consent-{consent.pk}.pdf", content_type="application/pdf"
    )


@transaction.atomic
def update_policy(*, organization, allowed_types, max_size_mb: int) -> DocumentPolicy:
    policy, _created = DocumentPolicy.objects.get_or_create(organization=organization)
    policy.allowed_types = list(allowed_types)
    policy.max_size_mb = max_size_mb
    policy.save()
    audit.record(
        "documents.policy_updated",
        target=policy,
        data={"allowed_types": policy.allowed_types, "max_size_mb": max_size_mb},
    )
    return policy
