"""HTML: consent texts (admin), a visit's documents and signing at the desk, the
kiosk and invitation signing pages (no login, signed links), archives."""

from functools import wraps

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.cache import add_never_cache_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from config import translated
from config.csrf import opaque_origin_allowed
from tenancy.context import client_ip
from tenancy.permissions import ADMIN, COMPLIANCE, HOST, RECEPTION, get_for_member, member_required
from tenancy.scope import tenant_scope
from visitors import kiosk
from visitors.models import Visit

from . import archive as archives
from . import files, services, storage, tokens
from .forms import ArchiveForm, ConsentTextForm, PolicyForm, UploadForm
from .hooks import visit_language
from .models import ConsentText, ConsentVersion, SignedConsent, SigningChannel, UploadChannel
from .selectors import archives_for, attachments_for, consents_for, missing_texts, policy_for, visits_for


# --- consent texts ------------------------------------------------------------------------------
@member_required(ADMIN, COMPLIANCE)
def consent_texts(request):
    texts = ConsentText.objects.select_related("current_version").prefetch_related("visit_types")
    return render(request, "documents/consent_texts.html", {"texts": texts})


@member_required(ADMIN)
def consent_text_edit(request, pk=None):
    text = get_for_member(ConsentText.objects.select_related("current_version"), pk=pk) if pk else None
    initial = {"active": True}
    version = None
    if text is not None:
        version = text.current_version
        initial = {
            "kind": text.kind,
            "validity_months": text.validity_months,
            "active": text.active,
            "visit_types": list(text.visit_types.all()),
        }
    form = ConsentTextForm(request.POST or None, initial=initial, version=version)
    if request.method == "POST" and form.is_valid():
        values = dict(form.cleaned_data)
        if text is None:
            services.create_consent_text(organization=request.organization, by=request.user, **values)
        else:
            services.update_consent_text(text=text, by=request.user, **values)
        messages.success(request, _("Consent text saved."))
        return redirect("consent_texts")
    versions = text.versions.all() if text else []
    signed = text is not None and text.current_version.signatures.exists()
    return render(
        request,
        "documents/consent_text_form.html",
        {"form": form, "text": text, "versions": versions, "signed": signed},
    )


@member_required(ADMIN, COMPLIANCE)
def consent_version_detail(request, pk, version_pk):
    version = get_for_member(ConsentVersion.objects.filter(consent_text_id=pk), pk=version_pk)
    return render(
        request,
        "documents/consent_version.html",
        {
            "version": version,
            "signatures": version.signatures.count(),
            # Every configured language the version has words in, LANGUAGE_CODE first.
            "wordings": [
                (
                    code,
                    translated.get(version, "title", code, fallback=False),
                    translated.get(version, "body", code, fallback=False),
                )
                for code in translated.languages()
                if code == translated.default_language() or translated.has(version, "title", code)
            ],
        },
    )


@member_required(ADMIN)
def document_settings(request):
    policy = policy_for(request.organization)
    form = PolicyForm(
        request.POST or None,
        initial={"allowed_types": policy.allowed_types, "max_size_mb": policy.max_size_mb},
    )
    if request.method == "POST" and form.is_valid():
        services.update_policy(organization=request.organization, **form.cleaned_data)
        messages.success(request, _("Document settings saved."))
        return redirect("document_settings")
    return render(request, "documents/settings.html", {"form": form})


# --- a visit's documents, at the desk or by the host ---------------------------------------------
@member_required(ADMIN, RECEPTION, HOST, COMPLIANCE)
def visit_documents(request, pk):
    visit = get_for_member(visits_for(request.membership), pk=pk)
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        if request.membership.role == COMPLIANCE:
            raise PermissionDenied
        if form.is_valid():
            channel = UploadChannel.HOST if request.membership.role == HOST else UploadChannel.DESK
            try:
                services.upload_attachment(
                    visit=visit,
                    upload=form.cleaned_data["file"],
                    kind=form.cleaned_data["kind"],
                    channel=channel,
                    by=request.user,
                )
            except (files.RefusedFile, storage.StorageUnavailable) as exc:
                form.add_error("file", str(exc))
            else:
                messages.success(request, _("Document added."))
                return redirect("visit_documents", pk=visit.pk)
    context = {
        "visit": visit,
        "form": form,
        "consents": consents_for(request.membership).filter(visit=visit),
        "attachments": attachments_for(request.membership).filter(visit=visit, purged_at__isnull=True),
        "missing": missing_texts(visit),
        "can_upload": request.membership.role != COMPLIANCE,
        "can_sign": request.membership.role in (ADMIN, RECEPTION),
    }
    return render(request, "documents/visit_documents.html", context)


def _language_url(request, language: str) -> str:
    """This page in another language, its other parameters kept (`next`)."""
    query = request.GET.copy()
    query["lang"] = language
    return f"{request.path}?{query.urlencode()}"


def safe_next(request) -> str:
    """The `next` path of the desk's signing page: a path of this site only
    (no scheme, no other host), else nothing."""
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    if (
        wanted.startswith("/")
        and not wanted.startswith("//")
        and "\\" not in wanted
        and url_has_allowed_host_and_scheme(wanted, allowed_hosts={request.get_host()})
    ):
        return wanted
    return ""


def _signing_page(
    request, visit, *, channel, by=None, template="documents/sign.html", context=None, on_signed=None
):
    """The signing form shared by the desk, the kiosk and the invitation page.

    1. The texts shown are the current versions still missing.
    2. A POST must name exactly versions still missing and carry the digest of
       what was shown: a text replaced or corrected meanwhile, or signed
       meanwhile (another tab), is refused and the page shows what is current.
    3. Once nothing is left, `on_signed()` may answer instead (the desk goes
       back where it came from, the kiosk registers the arrival)."""
    language = page_language(request, visit)
    error = None
    done = False
    if request.method == "POST" and request.POST.get("action", "sign") == "sign":
        posted = [int(v) for v in request.POST.getlist("version") if v.isdigit()]
        accepted = [v for v in posted if request.POST.get(f"accept_{v}")]
        digests = {v: request.POST.get(f"digest_{v}", "") for v in posted}
        current = {text.current_version_id for text in missing_texts(visit)}
        try:
            with translation.override(language):
                if not posted:
                    raise services.SigningRefused(_("There is nothing to sign."))
                if not set(posted) <= current:
                    raise services.SigningRefused(_refusal_for(visit, posted))
                if set(accepted) != set(posted):
                    raise services.SigningRefused(_("Tick every text to accept it."))
                services.sign_consents(
                    visit=visit,
                    versions=services.versions_to_sign(visit, posted),
                    language=language,
                    signer_name=request.POST.get("signer_name", ""),
                    signature_data=request.POST.get("signature", ""),
                    shown_digests=digests,
                    channel=channel,
                    ip=client_ip(request),
                    user_agent=request.META.get("HTTP_USER_AGENT", ""),
                    by=by,
                )
        except (services.SigningRefused, storage.StorageUnavailable) as exc:
            with translation.override(language):
                error = str(exc)
        else:
            done = True
    versions = [text.current_version for text in missing_texts(visit)]
    if done and not versions and on_signed is not None:
        response = on_signed(language)
        if response is not None:
            return response
    shown = [
        {
            "version": v,
            "title": v.title_in(language),
            "body": v.body_in(language),
            "digest": services.text_digest(v, language),
        }
        for v in versions
    ]
    context = {
        "visit": visit,
        "texts": shown,
        "language": language,
        "other_languages": _other_languages(request, language),
        "error": error,
        "done": done,
        "channel": channel,
        **(context or {}),
    }
    with translation.override(language):
        return render(request, template, context, status=400 if error else 200)


def _other_languages(request, language: str) -> list[tuple[str, str, str]]:
    """(code, "Read in English" in that language's own words, URL) for each other
    configured language."""
    links = []
    for code in translated.languages():
        if code != language:
            with translation.override(code):
                text = _("Read in %(language)s") % {
                    "language": translation.get_language_info(code)["name_local"]
                }
            links.append((code, text, _language_url(request, code)))
    return links


def page_language(request, visit) -> str:
    """The language chosen on the page (`?lang=`, then the form's), else the
    visitor's own."""
    language = request.GET.get("lang") or request.POST.get("language") or visit_language(visit)
    return translated.supported(language) or translated.default_language()


def _refusal_for(visit, posted) -> str:
    """Why a posted version cannot be signed: signed already, or replaced."""
    if SignedConsent.objects.filter(
        visit_id=visit.pk, version_id__in=posted, anonymised_at__isnull=True
    ).exists():
        return str(services.ALREADY_SIGNED_MESSAGE)
    return str(services.CHANGED_MESSAGE)


@member_required(ADMIN, RECEPTION)
def visit_consents(request, pk):
    """Signing at the desk, on the desk's screen or a tablet. `next` (a path of
    this site) is where to go back once everything is signed: the desk, or the
    visit's page."""
    visit = get_for_member(visits_for(request.membership), pk=pk)
    back = safe_next(request)

    def go_back(_language):
        if back:
            messages.success(request, _("Documents signed."))
            return redirect(back)
        return None

    return _signing_page(
        request,
        visit,
        channel=SigningChannel.DESK,
        by=request.user,
        context={"staff": True, "next": back, "signer_name": str(visit.visitor or "")},
        on_signed=go_back,
    )


# --- pages for visitors, reached with a signed link -------------------------------------------------
def _visit_from_token(token: str, salt: str):
    payload = tokens.read_token(token, salt=salt)
    if payload is None:
        return None, None
    return payload, payload["o"]


def _refused(request, kiosk_start_url="", language=None):
    with translation.override(language or translation.get_language()):
        return render(
            request, "documents/link_refused.html", {"kiosk_start_url": kiosk_start_url}, status=403
        )


def _link_page(view):
    """Pages opened by a secret link: the link must not leak through the Referer
    header, be cached by a shared proxy, or be indexed.

    `same-origin`, not `no-referrer`: with `no-referrer` Chromium sends
    `Origin: null` on the page's own POSTs (signing, upload, language), which
    CSRF refuses. `same-origin` gives our own pages their origin and other sites
    nothing. The CSRF token stays required (config/csrf.py)."""

    @opaque_origin_allowed
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        response["Referrer-Policy"] = "same-origin"
        response["X-Robots-Tag"] = "noindex, nofollow"
        add_never_cache_headers(response)
        return response

    return wrapper


@_link_page
def kiosk_consent_sign(request, key, token):
    """Signing at the kiosk, a step of that kiosk: a revoked kiosk closes it;
    once everything is signed, the kiosk registers the arrival."""

    found = kiosk.lookup(key)
    language = kiosk.wanted_language(request)
    if found is None:
        return kiosk.closed(request, language)
    _token_id, kiosk_org, site_id = found
    start = kiosk.start_url(key)
    payload, org_id = _visit_from_token(token, tokens.KIOSK_SALT)
    if payload is None or org_id != kiosk_org:
        return _refused(request, kiosk.start_url(key, language), language)
    with tenant_scope(org_id):
        visit = (
            Visit.objects.select_related("visitor", "site", "visit_type")
            .filter(pk=payload["v"], site_id=site_id)
            .first()
        )
        if visit is None or not tokens.visit_matches(visit, payload):
            return _refused(request, kiosk.start_url(key, language), language)
        return _signing_page(
            request,
            visit,
            channel=SigningChannel.KIOSK,
            template="documents/public_sign.html",
            context={"public": True, "kiosk": True, "kiosk_start_url": start},
            on_signed=lambda language: kiosk.arrive_and_welcome(
                request, key=key, site=visit.site, visit=visit, language=language
            ),
        )


@_link_page
def invitation_documents(request, token):
    payload, org_id = _visit_from_token(token, tokens.INVITATION_SALT)
    if payload is None:
        return _refused(request)
    with tenant_scope(org_id):
        visit = Visit.objects.select_related("visitor", "site", "visit_type").filter(pk=payload["v"]).first()
        if visit is None or not tokens.visit_matches(visit, payload):
            return _refused(request)
        form = UploadForm(request.POST or None, request.FILES or None)
        upload_error = None
        uploaded = False
        if request.method == "POST" and request.POST.get("action") == "upload":
            with translation.override(page_language(request, visit)):
                if form.is_valid():
                    try:
                        services.upload_attachment(
                            visit=visit,
                            upload=form.cleaned_data["file"],
                            kind=form.cleaned_data["kind"],
                            channel=UploadChannel.INVITATION,
                        )
                        uploaded = True
                    except (files.RefusedFile, storage.StorageUnavailable) as exc:
                        upload_error = str(exc)
                else:
                    upload_error = _("Choose a file to send.")
        return _signing_page(
            request,
            visit,
            channel=SigningChannel.INVITATION,
            template="documents/public_sign.html",
            context={
                "public": True,
                "upload_form": form,
                "upload_error": upload_error,
                "uploaded": uploaded,
            },
        )


# --- archives ---------------------------------------------------------------------------------------
@member_required(ADMIN, COMPLIANCE)
def document_archives(request):
    form = ArchiveForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            archives.request_archive(
                membership=request.membership,
                site_ids=[s.pk for s in form.cleaned_data["sites"]],
                date_from=form.cleaned_data["date_from"],
                date_to=form.cleaned_data["date_to"],
            )
        except archives.ArchiveRefused as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("The archive is being built; it will appear below when ready."))
            return redirect("document_archives")
    return render(
        request,
        "documents/archives.html",
        {"form": form, "archives": archives_for(request.membership)[:50], "reasons": archives.REASONS},
    )
