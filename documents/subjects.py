"""How a person's documents and signed consents are found for a data-subject
request (config.registries.subject_sources): those of the visitors compliance
confirmed or of their visits, and for consents also those signed under the
name the person gave. Registered at import, which the retention app does at
start-up; the rows' export, files and erasure are documents/retention.py's."""

from django.db.models import F, Q

from config.matching import Fold, name_q
from config.registries import SubjectSource, subject_sources
from visitors.models import Visit

from .models import Attachment, SignedConsent


def _linked(person_ids) -> Q:
    visits = Visit.objects.filter(visitor_id__in=list(person_ids)).values("pk")
    return Q(visitor_id__in=list(person_ids)) | Q(visit_id__in=visits)


class DocumentsSource(SubjectSource):
    key = "documents"

    def about(self, person_ids) -> Q:
        return Q(visitor_id__in=list(person_ids))

    def rows(self, identity, person_ids) -> list[int]:
        return list(Attachment.objects.filter(_linked(person_ids)).values_list("pk", flat=True))


class ConsentsSource(SubjectSource):
    key = "consents"

    def about(self, person_ids) -> Q:
        return Q(visitor_id__in=list(person_ids))

    def rows(self, identity, person_ids) -> list[int]:
        rows = SignedConsent.objects.all()
        q = _linked(person_ids)
        if identity.full_name.strip():
            rows = rows.annotate(signer_folded=Fold(F("signer_name")))
            q |= name_q("signer_folded", identity.full_name)
        return list(rows.filter(q).values_list("pk", flat=True))


subject_sources.register(DocumentsSource())
subject_sources.register(ConsentsSource())
