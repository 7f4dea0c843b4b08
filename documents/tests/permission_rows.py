"""Rows of the cross-tenant permission table for the documents URLs."""

from types import SimpleNamespace

from tests.permission_table import (
    ADMIN,
    ANON,
    COMPLIANCE,
    EVERYONE,
    HOST,
    MEMBERS,
    RECEPTION,
    add,
    each,
    objects,
    other_org,
    outside_objects,
)


def _documents_of(org, visit):
    """An attachment and a signed consent of `visit`, their files really stored."""
    from documents import services
    from documents.tests.helpers import consent_text, pdf_bytes, sign, upload

    text = consent_text(org, [visit.visit_type])
    return {
        "doc_visit": visit,
        "doc_attachment": services.upload_attachment(visit=visit, upload=upload(pdf_bytes()), channel="desk"),
        "doc_consent": sign(visit, text)[0],
        "consent_text": text,
        "consent_version": text.current_version,
    }


@objects
def document_objects(org):
    import datetime

    from django.utils import timezone

    from documents import files, storage
    from documents.models import ArchiveStatus, DocumentArchive
    from documents.tokens import invitation_token, kiosk_token
    from sites.models import Site
    from visitors.configuration import create_kiosk_token
    from visitors.tests.factories import make_visit

    # A site of its own: the foundation's rows delete `site`, which visits protect.
    site = Site.objects.create(organization=org.org, name=f"{org.org.name} Documents")
    org.members["reception"].sites.add(site)
    visit = make_visit(org, site=site)
    found = _documents_of(org, visit)
    key = storage.put(
        storage.document_storage(),
        files.random_key("archives", org.org.pk, ".zip"),
        b"PK\x05\x06" + b"\0" * 18,
        "application/zip",
    )
    found["doc_archive"] = DocumentArchive.objects.create(
        organization=org.org,
        requested_by=org.members["admin"],
        site_ids=[site.pk],
        date_from=timezone.now().date(),
        date_to=timezone.now().date(),
        status=ArchiveStatus.READY,
        storage_key=key,
        expires_at=timezone.now() + datetime.timedelta(days=1),
    )
    # The signed links are the visitor's credential; the table passes their text.
    found["invitation_link"] = SimpleNamespace(pk=invitation_token(visit))
    found["kiosk_link"] = SimpleNamespace(pk=kiosk_token(visit))
    found["doc_kiosk_key"] = SimpleNamespace(pk=create_kiosk_token(site=site)[1])
    return found


@outside_objects
def document_outside_objects(org):
    from visitors.tests.factories import make_visit

    return _documents_of(org, make_visit(org, site=org.site2))


NOT_ANON = {ANON: 401}
READ_ALL = {ANON: 401, **each(MEMBERS, 200)}
ADMIN_ONLY_HTML = {ANON: 302, ADMIN: 200, RECEPTION: 403, HOST: 403, COMPLIANCE: 403}
ADMIN_COMPLIANCE_HTML = {ANON: 302, ADMIN: 200, RECEPTION: 403, HOST: 403, COMPLIANCE: 200}

# --- HTML: consent texts, settings, archives -----------------------------------------------
add("consent_texts", "GET", ADMIN_COMPLIANCE_HTML)
add("consent_text_create", "GET", ADMIN_ONLY_HTML)
add("consent_text_edit", "GET", ADMIN_ONLY_HTML, {"pk": "consent_text"})
other_org("consent_text_edit", "GET", {"pk": "consent_text"}, {ADMIN: 404})
version_kwargs = {"pk": "consent_text", "version_pk": "consent_version"}
add("consent_version_detail", "GET", ADMIN_COMPLIANCE_HTML, version_kwargs)
other_org("consent_version_detail", "GET", version_kwargs, {ADMIN: 404, COMPLIANCE: 404})
add("document_settings", "GET", ADMIN_ONLY_HTML)
add("document_archives", "GET", ADMIN_COMPLIANCE_HTML)

# --- HTML: a visit's documents and the desk signing page ------------------------------------
visit_kwargs = {"pk": "doc_visit"}
add("visit_documents", "GET", {ANON: 302, **each(MEMBERS, 200)}, visit_kwargs)
add("visit_documents", "GET", {ADMIN: 200, RECEPTION: 404}, visit_kwargs, org="own-outside")
other_org("visit_documents", "GET", visit_kwargs, each(MEMBERS, 404))
add(
    "visit_consents", "GET", {ANON: 302, ADMIN: 200, RECEPTION: 200, HOST: 403, COMPLIANCE: 403}, visit_kwargs
)
add("visit_consents", "GET", {ADMIN: 200, RECEPTION: 404}, visit_kwargs, org="own-outside")
other_org("visit_consents", "GET", visit_kwargs, {ADMIN: 404, RECEPTION: 404})

# --- HTML: signing pages for visitors (the signed link is the credential) ---------------------
for name, link in (("kiosk_consent_sign", "kiosk_link"), ("invitation_documents", "invitation_link")):
    key = {"key": "doc_kiosk_key"} if name == "kiosk_consent_sign" else {}
    add(name, "GET", each(EVERYONE, 200), {**key, "token": link})
    add(name, "GET", each(EVERYONE, 403), {**key, "token": "forged-token"})
    add(name, "POST", each(EVERYONE, 403), {**key, "token": "forged-token"})
    # Another organization's valid link works for whoever holds it, signed in or not.
    other_org(name, "GET", {**key, "token": link}, {ANON: 200, ADMIN: 200})
# A kiosk's signing step closes with the kiosk (a key of no kiosk).
add("kiosk_consent_sign", "GET", each(EVERYONE, 404), {"key": "no-such-kiosk", "token": "kiosk_link"})

# --- API -----------------------------------------------------------------------------------------
add("consent-text-list", "GET", READ_ALL)
add("consent-text-list", "POST", {ANON: 401, ADMIN: 400, RECEPTION: 403, HOST: 403, COMPLIANCE: 403})
add("consent-text-detail", "GET", READ_ALL, {"pk": "consent_text"})
add("consent-text-detail", "PATCH", {ANON: 401, ADMIN: 200, RECEPTION: 403, HOST: 403, COMPLIANCE: 403},
    {"pk": "consent_text"})  # fmt: skip
other_org("consent-text-detail", "GET", {"pk": "consent_text"}, each(MEMBERS, 404))
other_org("consent-text-detail", "PATCH", {"pk": "consent_text"}, {ADMIN: 404})

add("visit-consents", "GET", READ_ALL, visit_kwargs)
add("visit-consents", "GET", {ADMIN: 200, RECEPTION: 404, HOST: 200, COMPLIANCE: 200}, visit_kwargs,
    org="own-outside")  # fmt: skip
add(
    "visit-consents",
    "POST",
    {ANON: 401, ADMIN: 400, RECEPTION: 400, HOST: 403, COMPLIANCE: 403},
    visit_kwargs,
)
other_org("visit-consents", "GET", visit_kwargs, each(MEMBERS, 404))
other_org("visit-consents", "POST", visit_kwargs, {ADMIN: 404, RECEPTION: 404})

add("visit-attachments", "GET", READ_ALL, visit_kwargs)
add("visit-attachments", "GET", {ADMIN: 200, RECEPTION: 404, HOST: 200, COMPLIANCE: 200}, visit_kwargs,
    org="own-outside")  # fmt: skip
add(
    "visit-attachments",
    "POST",
    {ANON: 401, ADMIN: 400, RECEPTION: 400, HOST: 400, COMPLIANCE: 403},
    visit_kwargs,
)
other_org("visit-attachments", "GET", visit_kwargs, each(MEMBERS, 404))
other_org("visit-attachments", "POST", visit_kwargs, {ADMIN: 404, RECEPTION: 404, HOST: 404})

add("attachment-download", "GET", READ_ALL, {"pk": "doc_attachment"})
OUTSIDE_READERS = {ADMIN: 200, RECEPTION: 404, HOST: 200, COMPLIANCE: 200}
add("attachment-download", "GET", OUTSIDE_READERS, {"pk": "doc_attachment"}, org="own-outside")
other_org("attachment-download", "GET", {"pk": "doc_attachment"}, each(MEMBERS, 404))

add("consent-certificate", "GET", READ_ALL, {"pk": "doc_consent"})
# A visitor's documents follow the visit: the host of the second site's visit
# reads them, reception (first site only) does not.
add("consent-certificate", "GET", OUTSIDE_READERS, {"pk": "doc_consent"}, org="own-outside")
other_org("consent-certificate", "GET", {"pk": "doc_consent"}, each(MEMBERS, 404))

ARCHIVE_ROLES = {ANON: 401, ADMIN: 200, RECEPTION: 403, HOST: 403, COMPLIANCE: 200}
add("document-archive-list", "GET", ARCHIVE_ROLES)
add("document-archive-list", "POST", {ANON: 401, ADMIN: 400, RECEPTION: 403, HOST: 403, COMPLIANCE: 400})
# The fixture archive was requested by the admin: compliance cannot see it.
mine = {ANON: 401, ADMIN: 200, RECEPTION: 403, HOST: 403, COMPLIANCE: 404}
add("document-archive-detail", "GET", mine, {"pk": "doc_archive"})
add("document-archive-download", "GET", mine, {"pk": "doc_archive"})
other_org("document-archive-detail", "GET", {"pk": "doc_archive"}, {ADMIN: 404, COMPLIANCE: 404})
other_org("document-archive-download", "GET", {"pk": "doc_archive"}, {ADMIN: 404})
