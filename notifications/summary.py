"""The home summary's line about the send log: messages that failed lately."""

import datetime

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from config.registries import Attention, HomeSummary

from .models import Message, Status

DAYS = 7


class FailedSends(HomeSummary):
    key = "failed_sends"
    order = 20

    def items(self, membership):
        since = timezone.now() - datetime.timedelta(days=DAYS)
        failed = Message.objects.filter(status=Status.FAILED, created_at__gte=since)
        if not membership.sees_all_sites:
            failed = failed.filter(site_id__in=membership.site_ids)
        count = failed.count()
        url = reverse("message_log") + "?status=" + Status.FAILED
        if not count:
            return [Attention(_("No e-mail or SMS failed in the last 7 days."), url)]
        label = ngettext(
            "%(n)d e-mail or SMS failed in the last 7 days.",
            "%(n)d e-mails or SMS failed in the last 7 days.",
            count,
        ) % {"n": count}
        return [Attention(label, url, count, alert=True)]
