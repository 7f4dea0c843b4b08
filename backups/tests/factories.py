"""Small data sets for backup tests: a few visits per organization, their
journal, one stored file."""

import datetime
from types import SimpleNamespace

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from tenancy.scope import tenant_scope


def visit_type(org):
    from visitors.models import VisitType

    return VisitType.objects.create(
        organization=org, name_fr="Réunion", name_en="Meeting", host_required=False
    )


def populate(orgs) -> SimpleNamespace:
    from visitors import services as visits

    out = SimpleNamespace(visits={}, visitors={}, files=[])
    start = timezone.now().replace(microsecond=0) + datetime.timedelta(hours=1)
    for name in ("a", "b"):
        org = getattr(orgs, name)
        with tenant_scope(org.org):
            vt = visit_type(org.org)
            created = []
            for n in range(3):
                created.append(
                    visits.pre_register(
                        organization=org.org,
                        site=org.site if n < 2 else org.site2,
                        visit_type=vt,
                        expected_at=start + datetime.timedelta(minutes=n),
                        visitor_values={
                            "first_name": f"Jeanne{n}",
                            "last_name": f"Dupont-{name}",
                            "email": f"jeanne{n}.{name}@example.org",
                        },
                        invite=False,
                    )
                )
            visits.arrive(visit=created[0], desk=org.desk)
            out.visits[name] = created
            out.visitors[name] = [v.visitor for v in created]
        key = default_storage.save(
            f"documents/{org.org.slug}/note.txt", ContentFile(f"note of {name}".encode())
        )
        out.files.append(key)
    return out
