"""`field__any_of=[...]`: `field = ANY(%s)` with the ids as one array parameter.

A purge batch filters on a thousand ids at a time; `__in` sends a thousand
placeholders that the driver parses and binds one by one on every query,
which costs more than the query itself at that size."""

from django.db.models import Field, ForeignObject, Lookup


class AnyOf(Lookup):
    lookup_name = "any_of"
    prepare_rhs = False

    def get_db_prep_lookup(self, value, connection):
        return "%s", [list(value)]

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} = ANY({rhs})", [*lhs_params, *rhs_params]


Field.register_lookup(AnyOf)
# Relations keep their own lookup table (Django does not inherit Field's there).
ForeignObject.register_lookup(AnyOf)
