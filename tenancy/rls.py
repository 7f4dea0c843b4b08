"""Row-level security for tenant tables, as a reusable migration operation.

Every table with an `organization_id` column gets:
- RLS enabled and FORCED (the table owner is bound too, unless it has BYPASSRLS);
- a policy that admits a row only when its organization is the one the
  transaction set in `app.organization_id`, for reads (USING) and for writes
  (WITH CHECK). When the setting is missing the comparison is with NULL: no rows.
"""

from django.db.migrations.operations.base import Operation

CURRENT_ORG = "NULLIF(current_setting('app.organization_id', true), '')::bigint"
CURRENT_USER = "NULLIF(current_setting('app.user_id', true), '')::bigint"


class EnableRLS(Operation):
    reversible = True
    reduces_to_sql = True

    def __init__(self, model_name: str, self_read_column: str | None = None):
        self.model_name = model_name
        # A column naming the signed-in user that may read the row outside any
        # organization (a user's own memberships, for the organization switcher).
        self.self_read_column = self_read_column

    def state_forwards(self, app_label, state):
        pass

    def _table(self, app_label, state):
        return state.apps.get_model(app_label, self.model_name)._meta.db_table

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        table = schema_editor.quote_name(self._table(app_label, to_state))
        schema_editor.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        schema_editor.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
        schema_editor.execute(
            f"CREATE POLICY tenant_isolation ON {table} "
            f"USING (organization_id = {CURRENT_ORG}) "
            f"WITH CHECK (organization_id = {CURRENT_ORG})"
        )
        if self.self_read_column:
            column = schema_editor.quote_name(self.self_read_column)
            schema_editor.execute(
                f"CREATE POLICY self_read ON {table} FOR SELECT USING ({column} = {CURRENT_USER})"
            )

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        table = schema_editor.quote_name(self._table(app_label, from_state))
        schema_editor.execute(f"DROP POLICY IF EXISTS self_read ON {table}")
        schema_editor.execute(f"DROP POLICY IF EXISTS tenant_isolation ON {table}")
        schema_editor.execute(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY")
        schema_editor.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")

    def describe(self):
        return f"Enable row-level security on {self.model_name}"

    def deconstruct(self):
        kwargs = {"model_name": self.model_name}
        if self.self_read_column:
            kwargs["self_read_column"] = self.self_read_column
        return (self.__class__.__name__, [], kwargs)


def _key_index(table: str) -> str:
    return f"{table[:50]}_tenant_key"


class TenantForeignKeys(Operation):
    """Foreign keys that carry the organization: the database itself refuses a
    row of one organization pointing at a row of another (foreign-key checks do
    not see row-level security, so a single-column key would accept it).

    For each named field (a ForeignKey or OneToOneField to a tenant model):
    1. the referenced table gets a unique index on (organization_id, id), once;
    2. the table gets FOREIGN KEY (organization_id, <field>_id) REFERENCES
       it (organization_id, id), DEFERRABLE INITIALLY DEFERRED like Django's own,
       so rows may be written in any order inside a transaction (restores).
    Django's single-column key stays: the ORM, its joins and cascades use it.
    A NULL <field>_id passes (MATCH SIMPLE), as SET_NULL needs. Going backwards
    drops the keys and leaves the unique indexes (other keys may use them)."""

    reversible = True
    reduces_to_sql = True

    def __init__(self, model_name: str, fields: list[str]):
        self.model_name = model_name
        self.fields = list(fields)

    def state_forwards(self, app_label, state):
        pass

    def _keys(self, app_label, schema_editor, state):
        model = state.apps.get_model(app_label, self.model_name)
        table = model._meta.db_table
        for name in self.fields:
            field = model._meta.get_field(name)
            target = field.related_model._meta.db_table
            constraint = schema_editor._create_index_name(
                table, ["organization_id", field.column], suffix="_tenant_fk"
            )
            yield table, field.column, target, constraint

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        q = schema_editor.quote_name
        for table, column, target, constraint in self._keys(app_label, schema_editor, to_state):
            index = q(_key_index(target))
            schema_editor.execute(
                f"CREATE UNIQUE INDEX IF NOT EXISTS {index} ON {q(target)} (organization_id, id)"
            )
            schema_editor.execute(
                f"ALTER TABLE {q(table)} ADD CONSTRAINT {q(constraint)} "
                f"FOREIGN KEY (organization_id, {q(column)}) REFERENCES {q(target)} (organization_id, id) "
                "DEFERRABLE INITIALLY DEFERRED"
            )

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        q = schema_editor.quote_name
        for table, _column, _target, constraint in self._keys(app_label, schema_editor, from_state):
            schema_editor.execute(f"ALTER TABLE {q(table)} DROP CONSTRAINT IF EXISTS {q(constraint)}")

    def describe(self):
        return f"Tenant-consistent foreign keys on {self.model_name}: {', '.join(self.fields)}"

    def deconstruct(self):
        return (self.__class__.__name__, [], {"model_name": self.model_name, "fields": self.fields})


class EnableLinkRLS(Operation):
    """Row-level security for the link table of a many-to-many field between
    tenant models, which has no organization_id of its own: a link row is
    visible, and may be written, only when both rows it joins belong to the
    transaction's organization. The check names the organization explicitly,
    so a row another policy lets the session read (a user's own membership in
    another organization) still cannot be linked."""

    reversible = True
    reduces_to_sql = True

    def __init__(self, model_name: str, field: str):
        self.model_name = model_name
        self.field = field

    def state_forwards(self, app_label, state):
        pass

    def _link(self, app_label, state):
        model = state.apps.get_model(app_label, self.model_name)
        through = model._meta.get_field(self.field).remote_field.through
        sides = [
            (f.column, f.related_model._meta.db_table)
            for f in through._meta.concrete_fields
            if f.is_relation and f.many_to_one
        ]
        return through._meta.db_table, sides

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        q = schema_editor.quote_name
        table, sides = self._link(app_label, to_state)
        # Table and column names come from the migration state, quoted.
        same_org = " AND ".join(
            f"EXISTS (SELECT 1 FROM {q(target)} r WHERE r.id = {q(table)}.{q(column)} "  # noqa: S608
            f"AND r.organization_id = {CURRENT_ORG})"
            for column, target in sides
        )
        schema_editor.execute(f"ALTER TABLE {q(table)} ENABLE ROW LEVEL SECURITY")
        schema_editor.execute(f"ALTER TABLE {q(table)} FORCE ROW LEVEL SECURITY")
        schema_editor.execute(
            f"CREATE POLICY tenant_isolation ON {q(table)} USING ({same_org}) WITH CHECK ({same_org})"
        )

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        q = schema_editor.quote_name
        table, _sides = self._link(app_label, from_state)
        schema_editor.execute(f"DROP POLICY IF EXISTS tenant_isolation ON {q(table)}")
        schema_editor.execute(f"ALTER TABLE {q(table)} NO FORCE ROW LEVEL SECURITY")
        schema_editor.execute(f"ALTER TABLE {q(table)} DISABLE ROW LEVEL SECURITY")

    def describe(self):
        return f"Enable row-level security on the links of {self.model_name}.{self.field}"

    def deconstruct(self):
        return (self.__class__.__name__, [], {"model_name": self.model_name, "field": self.field})
