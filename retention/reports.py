"""The purge report for compliance: the run's proof as CSV and as PDF, in words
(data types, actions and sites by their names, times in the organization's
time zone with the zone named). The journal entry `retention.purged` keeps the
same figures with their codes, for machines."""

import csv
import io
import zoneinfo
from xml.sax.saxutils import escape

from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from audit.labels import action_label, colon, data_type_label
from config.fonts import BOLD, REGULAR, ensure_fonts
from sites.models import Site

from .purge import figures

# (key, label, width in points of the PDF's column); the digest has its own table.
COLUMNS = [
    ("data_type", gettext_lazy("Data type"), 95),
    ("site", gettext_lazy("Site"), 80),
    ("action", gettext_lazy("Action"), 62),
    ("cutoff", gettext_lazy("Cut-off"), 84),
    ("rows_anonymised", gettext_lazy("Rows anonymised"), 62),
    ("rows_deleted", gettext_lazy("Rows deleted"), 52),
    ("objects_deleted", gettext_lazy("Storage objects deleted"), 62),
    ("rows_held", gettext_lazy("Rows held"), 46),
    ("object_failures", gettext_lazy("Storage failures"), 56),
    ("oldest", gettext_lazy("Oldest"), 84),
    ("newest", gettext_lazy("Newest"), 84),
]
DIGEST = ("digest", gettext_lazy("SHA-256 of ids"))
NUMBERS = {"rows_anonymised", "rows_deleted", "objects_deleted", "rows_held", "object_failures"}
MOMENTS = {"cutoff", "oldest", "newest"}


def _moment(value, tz) -> str:
    moment = parse_datetime(value) if isinstance(value, str) else value
    if moment is None:
        return ""
    local = timezone.localtime(moment, tz)
    return f"{date_format(local, 'SHORT_DATETIME_FORMAT')} ({local.tzname()})"


def _rows(run) -> tuple[dict, list[dict]]:
    """The proof with every code and timestamp in words."""
    proof = figures(run)
    tz = zoneinfo.ZoneInfo(run.organization.timezone or "Europe/Paris")
    site_ids = {row["site"] for row in proof["types"] if row["site"]}
    sites = dict(Site.objects.filter(pk__in=site_ids).values_list("pk", "name")) if site_ids else {}
    rows = []
    for row in proof["types"]:
        words = dict(row)
        words["data_type"] = data_type_label(row["data_type"])
        words["site"] = sites.get(row["site"], _("Deleted site")) if row["site"] else _("All sites")
        words["action"] = action_label(row["action"])
        for key in MOMENTS:
            words[key] = _moment(row[key], tz) if row[key] else ""
        rows.append(words)
    header = {
        "started_at": _moment(proof["started_at"], tz) if proof["started_at"] else "",
        "finished_at": _moment(proof["finished_at"], tz) if proof["finished_at"] else "",
    }
    return header, rows


def _header(run, header) -> list[tuple[str, str]]:
    return [
        (_("Run"), str(run.pk)),
        (_("Kind"), run.get_kind_display()),
        (_("Started"), header["started_at"] or "—"),
        (_("Finished"), header["finished_at"] or "—"),
        (_("Status"), run.get_status_display()),
        (_("Digest of the run"), run.digest),
    ]


def report_csv(run) -> str:
    header, rows = _rows(run)
    out = io.StringIO()
    writer = csv.writer(out)
    for label, value in _header(run, header):
        writer.writerow([label, value])
    writer.writerow([])
    writer.writerow([str(label) for _key, label, _width in COLUMNS] + [str(DIGEST[1])])
    for row in rows:
        writer.writerow(
            ["" if row[key] is None else row[key] for key, _label, _width in COLUMNS] + [row["digest"]]
        )
    return out.getvalue()


def _pdf_text(text: str, font: str) -> str:
    # The base-14 fonts have no narrow no-break space; a no-break space keeps
    # the French colon with its word.
    text = escape(str(text))
    return text if "DejaVu" in font else text.replace("\u202f", "\u00a0")


def report_pdf(run) -> bytes:
    """Table cells are Paragraphs in columns wide enough for their longest word
    (splitLongWords off): a cell wraps between words, never inside one. The
    digests, 64 characters without a space, have a table of their own."""
    font_file = ensure_fonts()
    header, rows = _rows(run)
    buffer = io.BytesIO()
    margin = 36
    doc = SimpleDocTemplate(
        buffer,
        pagesize=landscape(A4),
        title=_("Purge report"),
        leftMargin=margin,
        rightMargin=margin,
        topMargin=margin,
        bottomMargin=margin,
    )
    styles = getSampleStyleSheet()
    body = styles["BodyText"].clone("body", fontName=REGULAR, fontSize=9, leading=11)
    title = styles["Title"].clone("title", fontName=BOLD)
    cell = body.clone("cell", fontSize=8, leading=10, splitLongWords=0)
    head = cell.clone("head", fontName=BOLD)
    number = cell.clone("number", alignment=TA_RIGHT)
    mono = cell.clone("mono", fontName="Courier", fontSize=7, leading=9)

    def text(value):
        return _pdf_text(value, font_file)

    story = [Paragraph(text(_("Purge report")), title)]
    story += [
        Paragraph(f"<b>{text(label)}</b>{text(colon())} {text(value)}", body)
        for label, value in _header(run, header)
    ]
    story.append(Spacer(1, 12))

    widths = [width for _key, _label, width in COLUMNS]
    data = [[Paragraph(text(label), head) for _key, label, _width in COLUMNS]]
    for row in rows:
        data.append(
            [
                Paragraph(text("" if row[key] is None else row[key]), number if key in NUMBERS else cell)
                for key, _label, _width in COLUMNS
            ]
        )
    story.append(_table(data, widths))
    story.append(Spacer(1, 12))

    digest_widths = [190, 95, doc.width - 285]
    digests = [[Paragraph(text(label), head) for label in (_("Data type"), _("Site"), DIGEST[1])]]
    digests += [
        [
            Paragraph(text(row["data_type"]), cell),
            Paragraph(text(row["site"]), cell),
            Paragraph(row["digest"] or "", mono),
        ]
        for row in rows
    ]
    story.append(_table(digests, digest_widths))
    story.append(Spacer(1, 12))
    story.append(
        Paragraph(
            text(
                _(
                    "The digest of a data type is the SHA-256 of the sorted ids it touched, one per line; "
                    "the same figures are in the activity journal, in the entry “Purge done” of this run."
                )
            ),
            body,
        )
    )
    doc.build(story)
    return buffer.getvalue()


def _table(data, widths) -> Table:
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
    return table
