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
