"""The visit page's documents section: consents signed or still to sign (with
their certificates and a "have it signed" link to the desk's signing page,
which brings the desk back here), and attachments."""

from urllib.parse import urlencode

from django.template.loader import render_to_string
from django.urls import reverse

from tenancy.models import Role
from visitors.models import VisitStatus

from .selectors import attachments_for, consents_for, missing_texts

SIGNABLE = (VisitStatus.EXPECTED, VisitStatus.ARRIVED, VisitStatus.PENDING_APPROVAL)


def documents_section(request, visit) -> str:
    member = request.membership
    missing = missing_texts(visit) if visit.status in SIGNABLE else []
    sign_url = ""
    if missing and member.role in (Role.ADMIN, Role.RECEPTION):
        sign_url = (
            reverse("visit_documents", kwargs={"pk": visit.pk})
            + "?"
            + urlencode({"next": request.get_full_path()})
        )
    context = {
        "visit": visit,
        "missing": missing,
        "sign_url": sign_url,
        "consents": consents_for(member).filter(visit=visit).select_related("version__consent_text"),
        "attachments": attachments_for(member).filter(visit=visit, purged_at__isnull=True),
        "zone": visit.site.timezone,
    }
    return render_to_string("documents/visit_section.html", context, request=request)
