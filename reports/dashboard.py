"""Figures of the dashboard (Rapports & tableaux de bord).

Every figure is computed from an export dataset's own selection, with the same
filters as its CSV export, so the dashboard and the file always agree (a test
checks it). The apps that own the data say what to count
(`config.registries.dashboard_figures`: the visits' series in `visitors/exports.py`,
badges and messages in their apps); each gets the dashboard's filters its dataset
accepts. Days and hours are local to each visit's site."""

import datetime

from config.exports import get_dataset
from config.registries import dashboard_figures

from .filters import select

DASHBOARD_FILTERS = ("sites", "desks", "visit_types", "period", "from", "to")


def figures(membership, params: dict) -> dict:
    filters = {k: v for k, v in params.items() if k in DASHBOARD_FILTERS and v not in (None, "", [])}
    if not any(k in filters for k in ("period", "from", "to")):
        filters["period"] = "last_7_days"
    selection = select("visits", membership, filters)
    start, end = selection.start, selection.end
    days = [start + datetime.timedelta(days=i) for i in range((end - start).days + 1)][:400]
    result = {"selection": selection, "tables": []}
    selections = {"visits": selection}
    for part in sorted(dashboard_figures, key=lambda p: p.order):
        dataset = get_dataset(part.dataset)
        if dataset is None:
            continue
        if part.dataset not in selections:
            accepted = {k: v for k, v in filters.items() if k in dataset.filters or k in ("from", "to")}
            selections[part.dataset] = select(part.dataset, membership, accepted)
        queryset = selections[part.dataset].queryset()
        result.update(part.figures(queryset, days=days))
        result["tables"].extend(part.tables(queryset))
    return result
