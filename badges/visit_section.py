"""The visit page's badge section: print the badge of a visitor on site, or
reprint it with a reason, through the print page and its services (the
reprint form posts to the print page, which records the print)."""

import zoneinfo

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.formats import date_format

from tenancy.models import Role
from visitors.models import VisitStatus

from .forms import ReprintForm
from .models import BadgePrint


def badge_section(request, visit) -> str | None:
    if request.membership.role not in (Role.ADMIN, Role.RECEPTION):
        return None
    prints = list(BadgePrint.objects.filter(visit=visit).select_related("printed_by", "desk")[:10])
    zone = visit.site.timezone
    for badge in prints:
        local = timezone.localtime(badge.printed_at, zoneinfo.ZoneInfo(zone))
        badge.when = f"{date_format(local, 'SHORT_DATE_FORMAT')} {local:%H:%M} ({zone})"
    if not prints and visit.status != VisitStatus.ARRIVED:
        return None
    context = {
        "visit": visit,
        "prints": prints,
        "can_print": visit.status == VisitStatus.ARRIVED,
        "form": ReprintForm(),
    }
    return render_to_string("badges/visit_section.html", context, request=request)
