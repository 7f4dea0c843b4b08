"""The home summary's line about restore drills: the last one and its result."""

import datetime

from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from config.registries import Attention, HomeSummary

from .models import DrillReport

# A drill older than this is worth a look.
STALE_DAYS = 35


class RestoreDrills(HomeSummary):
    key = "restore_drills"
    order = 40

    def items(self, membership):
        url = reverse("backups")
        last = DrillReport.objects.filter(kind="drill").order_by("-started_at").first()
        if last is None:
            return [Attention(_("No restore drill has run yet."), url, alert=True)]
        day = date_format(timezone.localtime(last.started_at), "DATE_FORMAT")
        if not last.ok:
            return [
                Attention(_("The last restore drill, on %(day)s, failed.") % {"day": day}, url, alert=True)
            ]
        stale = last.started_at < timezone.now() - datetime.timedelta(days=STALE_DAYS)
        return [
            Attention(_("The last restore drill, on %(day)s, succeeded.") % {"day": day}, url, alert=stale)
        ]
