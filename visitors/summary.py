"""The home summary's line about approvals: visits waiting for this member."""

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from config.registries import Attention, HomeSummary
from tenancy.models import Role

from .models import VisitStatus
from .selectors import daily_visits


class ApprovalsWaiting(HomeSummary):
    key = "approvals"
    order = 10

    def items(self, membership):
        waiting = daily_visits(membership).filter(status=VisitStatus.PENDING_APPROVAL)
        if membership.role != Role.ADMIN:
            waiting = waiting.filter(Q(visit_type__approvers=membership))
        count = waiting.count()
        if membership.role != Role.ADMIN and not count:
            return []
        url = reverse("visit_list") + "?status=" + VisitStatus.PENDING_APPROVAL
        if not count:
            return [Attention(_("No visit is waiting for approval."), url)]
        label = ngettext(
            "%(n)d visit is waiting for approval.", "%(n)d visits are waiting for approval.", count
        ) % {"n": count}
        return [Attention(label, url, count, alert=True)]
