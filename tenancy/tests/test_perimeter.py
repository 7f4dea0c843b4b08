"""`Membership.perimeter_sql` says in SQL what `sees_all_sites` and `site_ids`
say in Python: the hand-written arrival read depends on the two agreeing."""

import pytest
from django.db import connection

from sites.models import Site

pytestmark = pytest.mark.django_db


def _sites_by_sql(member) -> set[int]:
    condition = member.perimeter_sql("s.id")
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT s.id FROM sites_site s WHERE {condition}", member.perimeter_params())
        return {row[0] for row in cursor.fetchall()}


def _sites_by_python(member) -> set[int]:
    member.__dict__.pop("_site_ids", None)
    if member.sees_all_sites:
        return set(Site.objects.values_list("pk", flat=True))
    return set(member.site_ids)


@pytest.mark.parametrize("role", ["admin", "reception", "compliance"])
@pytest.mark.parametrize("perimeter", ["none", "first site", "both sites"])
def test_perimeter_sql_agrees_with_site_ids(orgs, scoped, role, perimeter):
    org = orgs.a
    member = org.members[role]
    with scoped(org.org):
        member.sites.set(
            {"none": [], "first site": [org.site], "both sites": [org.site, org.site2]}[perimeter]
        )
        expected = _sites_by_python(member)
        assert _sites_by_sql(member) == expected
        # Not a vacuous agreement: each case gives what its role promises.
        if perimeter == "none":
            assert expected == ({org.site.pk, org.site2.pk} if role != "reception" else set())
        else:
            assert org.site.pk in expected
