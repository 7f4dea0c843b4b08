"""The preview before exporting: the first 20 rows, columns that are empty in
every row, the row count, and why rows are missing when there are few."""

import datetime
import re
from dataclasses import dataclass, field

from django.db.models import TextField
from django.db.models.functions import Cast
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from . import csvwriter, services
from .diagnostics import SMALL, diagnose
from .filters import select

PREVIEW_ROWS = 20


@dataclass
class Preview:
    dataset: str
    header: list[str]
    keys: list[str]
    rows: list[list]
    total: int
    empty_columns: list[str] = field(default_factory=list)
    diagnostics: list[str] = field(default_factory=list)
    streamable: bool = True

    @property
    def display_rows(self) -> list[list[str]]:
        """The rows as a person reads them on the page: no `None`, dates and
        times in the local format (the wall time of the row's site)."""
        return [[display_cell(cell) for cell in row] for row in self.rows]

    @property
    def empty_labels(self) -> list[str]:
        by_key = dict(zip(self.keys, self.header, strict=True))
        return [str(by_key.get(key, key)) for key in self.empty_columns]

    def as_dict(self) -> dict:
        return {
            "dataset": self.dataset,
            "columns": [{"key": k, "label": h} for k, h in zip(self.keys, self.header, strict=True)],
            "rows": self.rows,
            "total": self.total,
            "empty_columns": self.empty_columns,
            "diagnostics": self.diagnostics,
            "streamable": self.streamable,
        }


_ISO_MOMENT = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([+-]\d{2}(:?\d{2})?|Z)?$")
_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def display_cell(cell) -> str:
    if cell is None:
        return ""
    if isinstance(cell, bool):
        return _("yes") if cell else _("no")
    if isinstance(cell, datetime.datetime):
        return date_format(cell, "SHORT_DATETIME_FORMAT")
    if isinstance(cell, datetime.date):
        return date_format(cell, "SHORT_DATE_FORMAT")
    if isinstance(cell, str):
        if _ISO_MOMENT.match(cell):
            try:
                return date_format(datetime.datetime.fromisoformat(cell), "SHORT_DATETIME_FORMAT")
            except ValueError:
                return cell
        if _ISO_DAY.match(cell):
            return date_format(datetime.date.fromisoformat(cell), "SHORT_DATE_FORMAT")
    return str(cell)


def preview(membership, dataset, filters=None, columns=None) -> Preview:
    selection = select(dataset, membership, filters, columns)
    total = selection.queryset().count()
    # Rows as the file will show them (same cleaning), ready for a table.
    encoder = csvwriter._row_cleaner(selection.kinds, None, selection.transforms)
    rows = [list(row if encoder is None else encoder(row)) for row in selection.values()[:PREVIEW_ROWS]]
    keys = [c.key for c in selection.columns]
    empty = []
    if total:
        # "Empty for every row" is checked on the whole selection, not the sample.
        for i, column in enumerate(selection.columns):
            expression = column.expression(selection.dataset.tz_expression(selection.organization))
            as_text = Cast(expression, TextField())
            filled = (
                selection.queryset().annotate(_v=as_text).exclude(_v__isnull=True).exclude(_v="").exists()
            )
            if not filled:
                empty.append(keys[i])
    notes = diagnose(selection, total) if total < SMALL else []
    return Preview(
        dataset=selection.dataset.key,
        header=selection.header,
        keys=keys,
        rows=rows,
        total=total,
        empty_columns=empty,
        diagnostics=notes,
        streamable=total <= services.SMALL_EXPORT_ROWS,
    )
