"""Visitor search through a trigram index, under row-level security.

1. `search_text` is a stored generated column (folded name and company): the
   index's recheck then compares plain text instead of calling unaccent() again
   on every candidate row. Django does not map it; PostgreSQL keeps it current
   on every insert and update (anonymisation included).
2. `LIKE` (textlike) is not leakproof, so PostgreSQL refuses to evaluate it in
   an index scan ahead of the row-level security policy and would scan every
   visitor. The SECURITY DEFINER function runs the indexed search with the
   owner's rights but filters on the transaction's `app.organization_id`
   itself, so it returns exactly the rows the policy would.
"""

from django.db import migrations

SEARCH = r"""
ALTER TABLE visitors_visitor ADD COLUMN search_text text
    GENERATED ALWAYS AS (vestibule_visitor_search(first_name, last_name, company)) STORED;
CREATE INDEX visitor_search_trgm ON visitors_visitor USING gin (search_text gin_trgm_ops);

CREATE FUNCTION vestibule_visitor_search_ids(p_word text) RETURNS SETOF bigint
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
    SELECT id FROM visitors_visitor
    WHERE organization_id = NULLIF(current_setting('app.organization_id', true), '')::bigint
      AND search_text
          LIKE '%' || replace(replace(replace(vestibule_fold(p_word), '\', '\\'), '%', '\%'), '_', '\_') || '%'
$$;
"""

UNSEARCH = """
DROP FUNCTION vestibule_visitor_search_ids(text);
DROP INDEX visitor_search_trgm;
ALTER TABLE visitors_visitor DROP COLUMN search_text;
"""


class Migration(migrations.Migration):
    dependencies = [("visitors", "0004_search_and_kiosk_lookup")]

    operations = [migrations.RunSQL(SEARCH, UNSEARCH)]
