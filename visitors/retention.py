"""The retention data types of the visitors app: visits and visitor identities
(config.registries; registered at import, which the retention app does at
start-up).

Anonymisation here is anonymisation in the GDPR sense: after it no field of the
row, and no link from it, leads to a person. A visit keeps its site, desks,
visit type, status, dates and badge number (dashboards still count it) but
loses its visitor and every free-text field; the visitor identity is blanked
with fixed placeholders (no hash of the e-mail is kept: a hash of a known
address is a link). The photos, signatures and attachments of the person are
removed by the documents types, which the purge calls for the linked rows
(`cascades`); other apps' free text about a visit goes with it through
`on_visits_anonymised` (badges' reprint reasons).
"""

from django.db.models import Exists, OuterRef, Q
from django.db.models.deletion import ProtectedError
from django.db.transaction import atomic
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from config.lookups import IdArray
from config.registries import PurgeResult, RetentionType, retention_types

from .models import Visit, Visitor

PLACEHOLDER = "[anonymised]"

# Functions called with the ids (an IdArray) of the visits being anonymised, in
# the same transaction: the apps above this one blank their own free text about
# a visit (badges/retention.py).
visit_anonymisers: list = []


def on_visits_anonymised(func) -> None:
    if func not in visit_anonymisers:
        visit_anonymisers.append(func)


def _text_fields(model, candidates) -> list[str]:
    names = {f.name for f in model._meta.get_fields()}
    return [name for name in candidates if name in names]


class VisitsRetention(RetentionType):
    key = "visits"
    label = _("Visits")
    order = 50
    timestamp_field = "expected_until"
    site_field = "site_id"
    visitor_field = "visitor_id"
    default_consultation_days = 30
    default_retention_days = 90
    # Rows of other types that hold the person's data about a visit: purged with it.
    cascades = (("documents", "visit_id"), ("consents", "visit_id"), ("send_log", "visit_id"))

    def __init__(self):
        self.model = Visit
        self.free_text = _text_fields(
            Visit, ("notes", "cancellation_reason", "refusal_reason", "override_reason")
        )

    def queryset(self):
        return self.model.objects.all()

    def pending(self):
        # A visit has no "anonymised" marker of its own: it is anonymised when it
        # no longer points at a visitor and carries no free text.
        personal = Q(visitor__isnull=False)
        for field in self.free_text:
            personal |= ~Q(**{field: ""})
        return self.model.objects.filter(personal)

    def anonymise(self, ids) -> PurgeResult:
        ids = IdArray(ids)  # used more than once: turned into one array literal once
        blank = dict.fromkeys(self.free_text, "")
        count = self.model.objects.filter(pk__any_of=ids).update(visitor=None, **blank)
        for anonymiser in visit_anonymisers:
            anonymiser(ids)
        return PurgeResult(rows_anonymised=count)

    def delete(self, ids) -> PurgeResult:
        rows = self.model.objects.filter(pk__in=list(ids))
        count = rows.count()
        rows.delete()
        return PurgeResult(rows_deleted=count)


class VisitorIdentitiesRetention(RetentionType):
    """The people. An identity expires when it is older than the cut-off and has
    no visit ending after it: a regular visitor is kept while they keep coming."""

    key = "visitor_identities"
    label = _("Visitor identities")
    order = 51
    timestamp_field = "created_at"
    visitor_field = "id"
    anonymised_field = "anonymized_at"
    default_consultation_days = 30
    default_retention_days = 90
    cascades = (("documents", "visitor_id"), ("consents", "visitor_id"))

    def __init__(self):
        self.model = Visitor
        self.visit_model = Visit

    def queryset(self):
        return self.model.objects.all()

    def expired(self, cutoff, action="anonymise"):
        recent = self.visit_model.objects.filter(visitor_id=OuterRef("pk"), expected_until__gte=cutoff)
        return super().expired(cutoff, action).filter(~Exists(recent))

    def consultation_q(self, cutoff) -> Q:
        """In daily screens while recent or still visiting (as `expired`): a
        regular visitor is not archived for having been created long ago."""
        recent = self.visit_model.objects.filter(visitor_id=OuterRef("pk"), expected_until__gte=cutoff)
        return Q(created_at__gte=cutoff) | Q(Exists(recent))

    def hold_q(self, hold) -> Q:
        """A visitor has no site: they are held through the visits of the hold."""
        q = Q()
        site_ids = [s.pk for s in hold.sites.all()]
        visits = self.visit_model.objects.all()
        if site_ids:
            visits = visits.filter(site_id__in=site_ids)
        if hold.period_start:
            visits = visits.filter(expected_until__date__gte=hold.period_start)
        if hold.period_end:
            visits = visits.filter(expected_at__date__lte=hold.period_end)
        if site_ids or hold.period_start or hold.period_end:
            q &= Q(Exists(visits.filter(visitor_id=OuterRef("pk"))))
        if hold.visitor_id:
            q &= Q(pk=hold.visitor_id)
        return q

    def _unlink(self, ids) -> None:
        self.visit_model.objects.filter(visitor_id__any_of=ids).update(visitor=None)

    def anonymise(self, ids) -> PurgeResult:
        ids = IdArray(ids)  # used twice: turned into one array literal once
        self._unlink(ids)
        count = self.model.objects.filter(pk__any_of=ids, anonymized_at__isnull=True).update(
            first_name=PLACEHOLDER,
            last_name=PLACEHOLDER,
            email="",
            phone="",
            company="",
            language="",
            anonymized_at=timezone.now(),
        )
        return PurgeResult(rows_anonymised=count)

    def delete(self, ids) -> PurgeResult:
        self._unlink(ids)
        try:
            with atomic():
                self.model.objects.filter(pk__in=list(ids)).delete()
        except ProtectedError:
            # Another app protects the row (a legal hold, a watchlist link):
            # blanking it still removes every personal field.
            return self.anonymise(ids)
        return PurgeResult(rows_deleted=len(ids))


retention_types.register(VisitsRetention())
retention_types.register(VisitorIdentitiesRetention())
