"""`field__any_of=[...]`: `field = ANY(%s::bigint[])` with the ids as one
array parameter.

A purge batch filters on a thousand ids at a time; `__in` sends a thousand
placeholders that the driver parses and binds one by one on every query, and
even a list parameter is quoted element by element on the client (the
connection binds client-side). The ids are therefore sent as the text of one
array literal, `{1,2,3}`, that the server parses in one go.

In `config` because the data types of the domain apps (`APP/retention.py`) use
it as much as the purge does; importing this module registers the lookup."""

from django.db.models import Field, ForeignObject, Lookup


def id_array(ids) -> str:
    """The PostgreSQL text form of a bigint array. `int()` keeps it a list of
    numbers whatever the caller passed."""
    return "{" + ",".join(map(str, map(int, ids))) + "}"


class IdArray:
    """Ids already turned into an array literal, for a query that uses them more
    than once. Not a list on purpose: Django walks a list value element by
    element while building the filter; this it passes through untouched."""

    __slots__ = ("text",)

    def __init__(self, ids):
        if isinstance(ids, IdArray):
            ids = ids.text
        self.text = ids if isinstance(ids, str) else id_array(ids)


class AnyOf(Lookup):
    lookup_name = "any_of"
    prepare_rhs = False

    def get_db_prep_lookup(self, value, connection):
        return "%s", [value.text if isinstance(value, IdArray) else id_array(value)]

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} = ANY({rhs}::bigint[])", [*lhs_params, *rhs_params]


Field.register_lookup(AnyOf)
# Relations keep their own lookup table (Django does not inherit Field's there).
ForeignObject.register_lookup(AnyOf)
