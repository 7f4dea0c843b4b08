"""Badges' part in the retention of visits: a reprint reason is free text
("name misspelt: ...") about the visitor, so it goes when the visit is
anonymised (visitors/retention.py calls this in the same transaction).
Imported at start-up by the retention app, like every `APP/retention.py`."""

from visitors.retention import PLACEHOLDER, on_visits_anonymised

from .models import BadgePrint


def blank_reprint_reasons(visit_ids) -> None:
    BadgePrint.objects.filter(visit_id__any_of=visit_ids).exclude(reprint_reason="").update(
        reprint_reason=PLACEHOLDER
    )


on_visits_anonymised(blank_reprint_reasons)
