"""Row-level security on the reports tables, and the SQL functions that render a
timestamp as ISO 8601 with the offset of a given time zone, and a phone number
without a leading "+".

The date function is a single SQL expression so that PostgreSQL inlines it:
writing a million dates costs what `to_char` costs, and exports stay near the
speed of COPY.
"""

from django.db import migrations

from tenancy.rls import EnableRLS

ISO8601 = r"""
CREATE OR REPLACE FUNCTION vestibule_iso8601(ts timestamptz, tz text) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT to_char(timezone(tz, ts), 'YYYY-MM-DD"T"HH24:MI:SS')
      || CASE WHEN timezone(tz, ts) < timezone('UTC', ts) THEN '-' ELSE '+' END
      || to_char(CASE WHEN timezone(tz, ts) < timezone('UTC', ts)
                      THEN timezone('UTC', ts) - timezone(tz, ts)
                      ELSE timezone(tz, ts) - timezone('UTC', ts) END, 'HH24:MI')
$$
"""

# The SQL twin of reports.csvwriter.format_phone (a test keeps them in step).
PHONE = r"""
CREATE OR REPLACE FUNCTION vestibule_phone(p text) RETURNS text
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE d text; n int; code text; rest text;
BEGIN
  p := btrim(p, E' \t\r\n');
  IF p IS NULL OR left(p, 1) <> '+' OR p !~ '^\+[0-9\s()./-]{4,}$' THEN
    RETURN p;
  END IF;
  d := regexp_replace(p, '\D', '', 'g');
  n := CASE WHEN left(d, 1) IN ('1', '7') THEN 1
            WHEN left(d, 2) = ANY ('{20,27,30,31,32,33,34,36,39,40,41,43,44,45,46,47,48,49,51,52,53,54,55,56,57,58,60,61,62,63,64,65,66,81,82,84,86,90,91,92,93,94,95,98}'::text[]) THEN 2
            ELSE 3 END;
  code := left(d, n);
  rest := substr(d, n + 1);
  IF code = '33' AND length(rest) = 9 THEN
    RETURN '(+33) ' || substr(rest, 1, 1) || ' ' || substr(rest, 2, 2) || ' ' || substr(rest, 4, 2)
        || ' ' || substr(rest, 6, 2) || ' ' || substr(rest, 8, 2);
  END IF;
  RETURN '(+' || code || ') ' || rtrim(regexp_replace(rest, '(\d{3})', '\1 ', 'g'), ' ');
END
$$
"""


class Migration(migrations.Migration):
    dependencies = [("reports", "0001_initial")]

    operations = [
        EnableRLS("exportjob"),
        EnableRLS("exportschedule"),
        EnableRLS("schedulerun"),
        migrations.RunSQL(ISO8601, "DROP FUNCTION IF EXISTS vestibule_iso8601(timestamptz, text)"),
        migrations.RunSQL(PHONE, "DROP FUNCTION IF EXISTS vestibule_phone(text)"),
    ]
