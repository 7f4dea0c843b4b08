"""The evacuation roll call as a PDF (reportlab): one line per person on site,
with a box to tick at the assembly point."""

import zoneinfo

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Table, TableStyle


def render_roll_call(out, site, visits) -> None:
    tz = zoneinfo.ZoneInfo(site.timezone)
    styles = getSampleStyleSheet()
    now = timezone.localtime(timezone.now(), tz)
    story = [
        Paragraph(_("On site now: %(site)s") % {"site": site.name}, styles["Title"]),
        Paragraph(
            _("%(n)d people on site at %(time)s")
            % {"n": len(visits), "time": date_format(now, "DATETIME_FORMAT")},
            styles["Normal"],
        ),
    ]
    rows = [["", _("Visitor"), _("Company"), _("Host"), _("Arrived"), _("Desk"), _("Badge")]]
    for visit in visits:
        rows.append(
            [
                "[  ]",
                str(visit.visitor),
                getattr(visit.visitor, "company", ""),
                visit.host.user.get_full_name() if visit.host_id else "",
                timezone.localtime(visit.arrived_at, tz).strftime("%H:%M") if visit.arrived_at else "",
                visit.arrived_desk.name if visit.arrived_desk_id else "",
                str(visit.badge_number or ""),
            ]
        )
    table = Table(
        rows, repeatRows=1, colWidths=[8 * mm, 45 * mm, 38 * mm, 38 * mm, 16 * mm, 25 * mm, 14 * mm]
    )
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, 0), "Helvetica-Bold"),
                ("FONTSIZE", (0, 0), (-1, -1), 8),
                ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke),
            ]
        )
    )
    story.append(table)
    SimpleDocTemplate(out, pagesize=A4, title=f"On site — {site.name}").build(story)
