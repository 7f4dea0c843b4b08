"""The preview before exporting: the first 20 rows, columns that are empty in
every row, the row count, and why rows are missing when there are few."""

from dataclasses import dataclass, field

from django.db.models import TextField
from django.db.models.functions import Cast

from . import csvwriter
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


def preview(membership, dataset, filters=None, columns=None) -> Preview:
    from .services import SMALL_EXPORT_ROWS

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
        streamable=total <= SMALL_EXPORT_ROWS,
    )
