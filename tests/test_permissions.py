"""Runs the cross-tenant permission table (tests/permission_table.py)."""

from collections import defaultdict

import pytest
from django.urls import URLResolver, get_resolver, reverse

from audit import services as audit
from tenancy.scope import tenant_scope
from tenancy.tokens import create_token

from .permission_table import ANON, OBJECTS, OUTSIDE, TABLE

BY_NAME = defaultdict(list)
for _row in TABLE:
    BY_NAME[_row[0]].append(_row)


def url_names(patterns=None):
    for pattern in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(pattern, URLResolver):
            yield from url_names(pattern.url_patterns)
        else:
            yield pattern.name


def test_every_url_is_in_the_permission_table():
    names = set(url_names())
    assert None not in names, "every URL pattern needs a name to be listed in the table"
    missing = sorted(names - set(BY_NAME))
    assert missing == [], f"URLs missing from tests/permission_table.py: {missing}"
    stale = sorted(set(BY_NAME) - names)
    assert stale == [], f"rows for URLs that no longer exist: {stale}"


def objects_of(org):
    with tenant_scope(org.org):
        journal = audit.record("test.fixture", target=org.site, site=org.site)
        token, _key = create_token(membership=org.members["admin"])
        found = {
            "site": org.site,
            "desk": org.desk,
            "member": org.members["host"],
            "journal": journal,
            "token": token,
        }
        for factory in OBJECTS:
            found.update(factory(org))
    return found


def outside_objects_of(org):
    found = {"site": org.site2, "desk": org.desk_other_site}
    with tenant_scope(org.org):
        for factory in OUTSIDE:
            found.update(factory(org))
    return found


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(BY_NAME))
def test_permission_table(name, orgs, client_for, client):
    objects = {
        "own": objects_of(orgs.a),
        "other": objects_of(orgs.b),
        "own-outside": outside_objects_of(orgs.a),
    }
    failures = []
    for _name, method, kwargs, role, org, expected in BY_NAME[name]:
        resolved = {
            key: (getattr(objects[org][value], "pk", None) if value in objects[org] else value)
            for key, value in kwargs.items()
        }
        url = reverse(name, kwargs=resolved)
        http = client if role == ANON else client_for(orgs.a.members[role])
        response = (
            getattr(http, method.lower())(url, content_type="application/json")
            if method in ("PATCH", "PUT")
            else getattr(http, method.lower())(url)
        )
        if response.status_code != expected:
            failures.append(f"{method} {url} as {role} ({org}): {response.status_code}, expected {expected}")
    assert failures == []
