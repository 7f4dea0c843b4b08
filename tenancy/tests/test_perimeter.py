"""What each role's perimeter holds (`sees_all_sites`, `site_ids`): the one
rule every read of visits and desks narrows by (`visitors.selectors.in_perimeter`,
`sites.selectors.desks_for`)."""

import pytest

from sites.models import Site

pytestmark = pytest.mark.django_db


def _sites_by_python(member) -> set[int]:
    member.__dict__.pop("_site_ids", None)
    if member.sees_all_sites:
        return set(Site.objects.values_list("pk", flat=True))
    return set(member.site_ids)


@pytest.mark.parametrize("role", ["admin", "reception", "compliance"])
@pytest.mark.parametrize("perimeter", ["none", "first site", "both sites"])
def test_each_role_sees_the_sites_of_its_perimeter(orgs, scoped, role, perimeter):
    org = orgs.a
    member = org.members[role]
    with scoped(org.org):
        member.sites.set(
            {"none": [], "first site": [org.site], "both sites": [org.site, org.site2]}[perimeter]
        )
        expected = _sites_by_python(member)
        if perimeter == "none":
            assert expected == ({org.site.pk, org.site2.pk} if role != "reception" else set())
        elif perimeter == "first site":
            assert expected == {org.site.pk}
        else:
            assert expected == {org.site.pk, org.site2.pk}
