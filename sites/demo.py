"""Demo rows for `seed_demo`: the sites and desks of `tenancy.demo.DEMO`, and
reception's perimeter (the organization's first site)."""

from tenancy.demo import DEMO
from tenancy.models import Membership, Role
from tenancy.services import change_membership

from . import services


def seed(org) -> None:
    spec = next((s for s in DEMO if s["slug"] == org.slug), None)
    if spec is None:
        return
    created = []
    for name, address, desks in spec["sites"]:
        site = services.create_site(organization=org, name=name, address=address, language=spec["language"])
        for desk in desks:
            services.create_desk(site=site, name=desk)
        created.append(site)
    for member in Membership.objects.filter(role=Role.RECEPTION):
        change_membership(membership=member, sites=created[:1])
