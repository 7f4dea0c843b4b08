"""Why an export is empty or small ("Export vide / incomplet"), with counts.

Computed by relaxing one filter at a time and counting what comes back:
1. the perimeter: the same filters over the whole organization, minus what the
   member may see, is what sits at sites outside the perimeter;
2. the consultation period: rows that retention has moved to the archive;
3. the period: the rows without it, and where the first and last ones fall, so
   "the period ends before the first visit on 2026-03-02" can be said;
4. each other filter (sites, desks, visit types, statuses, host): the rows that
   would come back without it; a chosen site or visit type that has no rows at
   all is named.
Counts only: nothing outside the perimeter is ever shown, only how many.
"""

import zoneinfo

from django.db.models import Max, Min
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from sites.models import Site

from .filters import Selection, choices_of

SMALL = 20
FILTER_LABELS = {
    "sites": lambda: _("sites"),
    "desks": lambda: _("desks"),
    "visit_types": lambda: _("visit types"),
    "statuses": lambda: _("statuses"),
    "host": lambda: _("host"),
}


def _day(moment, tz):
    """The local date of a moment, ISO: compared with the selection's dates."""
    return date_format(timezone.localtime(moment, zoneinfo.ZoneInfo(tz)).date(), "Y-m-d")


def _shown_day(moment, tz):
    """The same date as a person reads it, in the active language."""
    return date_format(timezone.localtime(moment, zoneinfo.ZoneInfo(tz)).date(), "DATE_FORMAT")


def diagnose(selection: Selection, total: int | None = None) -> list[str]:
    """Sentences explaining missing rows; empty when nothing is filtered out."""
    dataset = selection.dataset
    noun = str(dataset.noun)
    total = selection.queryset().count() if total is None else total
    notes = []
    if total == 0:
        notes.append(_("0 %(noun)s match.") % {"noun": noun})
    hidden = selection.queryset(perimeter=False).count() - total
    if hidden > 0:
        notes.append(
            ngettext(
                "%(n)d of the %(noun)s matching these filters is at sites outside your perimeter.",
                "%(n)d of the %(noun)s matching these filters are at sites outside your perimeter.",
                hidden,
            )
            % {"n": hidden, "noun": noun}
        )
    archived = selection.queryset(without="archive").count() - total
    if archived > 0:
        notes.append(
            ngettext(
                "%(n)d of the %(noun)s matching these filters is past the consultation period (archived).",
                "%(n)d of the %(noun)s matching these filters are past the consultation period (archived).",
                archived,
            )
            % {"n": archived, "noun": noun}
        )
    if "period" in selection.conditions:
        notes.extend(_period_notes(selection, total, noun))
    for name in ("sites", "desks", "visit_types", "statuses", "host"):
        if name not in selection.conditions:
            continue
        more = selection.queryset(without=name).count() - total
        if more > 0:
            notes.append(
                ngettext(
                    "%(n)d more %(noun)s match without the filter on %(filter)s.",
                    "%(n)d more %(noun)s match without the filter on %(filter)s.",
                    more,
                )
                % {"n": more, "noun": noun, "filter": FILTER_LABELS[name]()}
            )
    notes.extend(_empty_choices(selection, noun))
    return notes


def _period_notes(selection, total, noun):
    dataset = selection.dataset
    relaxed = selection.queryset(without="period")
    outside = relaxed.count() - total
    notes = []
    if outside <= 0:
        return notes
    notes.append(
        ngettext(
            "%(n)d %(noun)s match these filters outside the period.",
            "%(n)d %(noun)s match these filters outside the period.",
            outside,
        )
        % {"n": outside, "noun": noun}
    )
    if total == 0:
        field = dataset.filters["period"]
        bounds = relaxed.aggregate(first=Min(field), last=Max(field))
        tz = selection.organization.timezone
        if bounds["first"] and selection.end and _day(bounds["first"], tz) > selection.end.isoformat():
            notes.append(
                _("The period ends before the first of them, on %(day)s.")
                % {"day": _shown_day(bounds["first"], tz)}
            )
        if bounds["last"] and selection.start and _day(bounds["last"], tz) < selection.start.isoformat():
            notes.append(
                _("The period starts after the last of them, on %(day)s.")
                % {"day": _shown_day(bounds["last"], tz)}
            )
    return notes


def _empty_choices(selection, noun):
    """Chosen sites or visit types that have no rows at all (in the perimeter)."""
    notes = []
    dataset = selection.dataset
    base = dataset.queryset(selection.membership)
    for name, objects in (
        ("sites", lambda ids: Site.objects.filter(pk__in=ids)),
        ("visit_types", lambda ids: choices_of("visit_types", ids)),
    ):
        ids = selection.filters.get(name) or []
        if not ids:
            continue
        path = dataset.filters[name]
        used = set(base.filter(**{f"{path}__in": ids}).order_by().values_list(path, flat=True).distinct())
        for obj in objects([i for i in ids if i not in used]):
            notes.append(_("'%(name)s' has no %(noun)s.") % {"name": str(obj), "noun": noun})
    return notes
