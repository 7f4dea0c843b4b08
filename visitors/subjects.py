"""How a person is found for a data-subject request (access, erasure): the
visitors the request names, by name (accent- and case-insensitive, word by
word), e-mail address or phone number, and their own rows (identities,
visits). Installed into `config.registries.subject_people` at import, which the
retention app does at start-up; the retention app runs the request itself."""

from django.db.models import CharField, F, Q, Value
from django.db.models.functions import Concat

from config.matching import Digits, Fold, name_q, phone_q
from config.registries import PersonFinder, subject_people

from .models import Visit, Visitor


def matching_visitors(identity):
    """The visitors (not anonymised) that `identity` names: any of its full
    name (every word), e-mail address or phone number."""
    rows = Visitor.objects.annotate(
        folded=Fold(Concat(F("first_name"), Value(" "), F("last_name"), output_field=CharField())),
        phone_digits=Digits(F("phone")),
    )
    q = Q(pk__in=[])
    if identity.full_name.strip():
        q |= name_q("folded", identity.full_name)
    if identity.email:
        q |= Q(email__iexact=identity.email)
    if identity.phone and (by_phone := phone_q("phone", identity.phone)):
        q |= by_phone
    return rows.filter(q).exclude(anonymized_at__isnull=False)


class Visitors(PersonFinder):
    def find(self, identity) -> list[int]:
        return list(matching_visitors(identity).values_list("pk", flat=True))

    def candidates(self, identity, limit: int) -> list[dict]:
        return [
            {
                "id": v.pk,
                "first_name": v.first_name,
                "last_name": v.last_name,
                "email": v.email,
                "company": v.company,
            }
            for v in matching_visitors(identity)[:limit]
        ]

    def own_rows(self, person_ids) -> dict[str, list[int]]:
        person_ids = list(person_ids)
        visit_ids = list(Visit.objects.filter(visitor_id__in=person_ids).values_list("pk", flat=True))
        return {"visitor_identities": person_ids, "visits": visit_ids}

    def language(self, person_ids) -> str:
        """The language of the first of them (by id) whose language is known."""
        found = (
            Visitor.objects.filter(pk__in=list(person_ids))
            .exclude(language="")
            .order_by("pk")
            .values_list("language", flat=True)
            .first()
        )
        return found or ""


subject_people.install(Visitors())
