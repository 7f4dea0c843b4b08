"""The home summary's lines about purges: the last run, and runs that failed."""

import datetime

from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from config.registries import Attention, HomeSummary

from .models import PurgeRun, RunStatus


class PurgeRuns(HomeSummary):
    key = "purge_runs"
    order = 30

    def items(self, membership):
        found = []
        since = timezone.now() - datetime.timedelta(days=30)
        failed = PurgeRun.objects.filter(status=RunStatus.FAILED, created_at__gte=since).count()
        if failed:
            label = ngettext(
                "%(n)d purge run failed in the last 30 days.",
                "%(n)d purge runs failed in the last 30 days.",
                failed,
            ) % {"n": failed}
            found.append(Attention(label, reverse("retention"), failed, alert=True))
        last = PurgeRun.objects.filter(status=RunStatus.DONE).order_by("-finished_at").first()
        if last is None:
            found.append(Attention(_("No purge run has finished yet."), reverse("retention")))
        else:
            when = date_format(timezone.localtime(last.finished_at), "DATE_FORMAT")
            found.append(
                Attention(
                    _("Last purge run finished on %(day)s.") % {"day": when},
                    reverse("retention_run_detail", kwargs={"pk": last.pk}),
                )
            )
        return found
