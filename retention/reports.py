"""The purge report for compliance: the run's proof as CSV and as PDF."""

import csv
import io

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from .purge import figures

COLUMNS = [
    ("data_type", gettext_lazy("Data type")),
    ("site", gettext_lazy("Site")),
    ("action", gettext_lazy("Action")),
    ("cutoff", gettext_lazy("Cut-off")),
    ("rows_anonymised", gettext_lazy("Rows anonymised")),
    ("rows_deleted", gettext_lazy("Rows deleted")),
    ("objects_deleted", gettext_lazy("Storage objects deleted")),
    ("rows_held", gettext_lazy("Rows held")),
    ("object_failures", gettext_lazy("Storage failures")),
    ("oldest", gettext_lazy("Oldest")),
    ("newest", gettext_lazy("Newest")),
    ("digest", gettext_lazy("SHA-256 of ids")),
]


def _header(run) -> list[tuple[str, str]]:
    proof = figures(run)
    return [
        (_("Run"), str(run.pk)),
        (_("Kind"), run.get_kind_display()),
        (_("Started"), proof["started_at"] or ""),
        (_("Finished"), proof["finished_at"] or ""),
        (_("Status"), run.get_status_display()),
        (_("Digest of the run"), run.digest),
    ]


def report_csv(run) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    for label, value in _header(run):
        writer.writerow([label, value])
    writer.writerow([])
    writer.writerow([str(label) for _key, label in COLUMNS])
    for row in figures(run)["types"]:
        writer.writerow(["" if row[key] is None else row[key] for key, _label in COLUMNS])
    return out.getvalue()


def report_pdf(run) -> bytes:
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=landscape(A4), title=_("Purge report"))
    styles = getSampleStyleSheet()
    small = styles["BodyText"].clone("small", fontSize=7, leading=8)
    story = [Paragraph(_("Purge report"), styles["Title"])]
    story += [Paragraph(f"<b>{label}</b>: {value}", styles["BodyText"]) for label, value in _header(run)]
    story.append(Spacer(1, 12))
    data = [[Paragraph(str(label), small) for _key, label in COLUMNS]]
    for row in figures(run)["types"]:
        data.append([Paragraph("" if row[key] is None else str(row[key]), small) for key, _label in COLUMNS])
    widths = [60, 30, 45, 70, 45, 40, 45, 35, 40, 70, 70, 200]
    table = Table(data, colWidths=widths, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.lightgrey),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    story.append(table)
    story.append(Spacer(1, 12))
    story.append(
        Paragraph(
            _(
                "The digest of a data type is the SHA-256 of the sorted ids it touched, one per line; "
                "the same figures are in the activity journal entry retention.purged of this run."
            ),
            styles["BodyText"],
        )
    )
    doc.build(story)
    return buffer.getvalue()
