"""How a person's messages are found for a data-subject request
(config.registries.subject_sources): those about the visits of the visitors
compliance confirmed, and those sent to the e-mail address or phone number the
person gave (a host, a list member or an external address has no visitor
record). Registered at import, which the retention app does at start-up; the
rows' export and erasure are notifications/retention.py's."""

from django.db.models import F, Q

from config.matching import Digits, phone_q
from config.registries import SubjectSource, subject_sources
from visitors.models import Visit

from .models import Message


class SendLogSource(SubjectSource):
    key = "send_log"

    def about(self, person_ids) -> Q:
        # The log keeps a visit id, not a key: the visits are looked up.
        return Q(visit_id__in=Visit.objects.filter(visitor_id__in=list(person_ids)).values("pk"))

    def rows(self, identity, person_ids) -> list[int]:
        rows = Message.objects.all()
        q = self.about(person_ids)
        if identity.email:
            q |= Q(recipient__iexact=identity.email)
        if identity.phone:
            rows = rows.annotate(recipient_digits=Digits(F("recipient")))
            if by_phone := phone_q("recipient", identity.phone):
                q |= by_phone
        return list(rows.filter(q).values_list("pk", flat=True))


subject_sources.register(SendLogSource())
