"""The registry's data version: a counter bumped once per committed transaction that writes statistics inputs.

See reports/data_version.py for the design (and why not the audit tables' highest id). This migration
is a snapshot: it installs the trigger on the input tables that exist at this point; tables added
later get theirs from the post_migrate hook in reports.apps.
"""

from django.db import migrations

CREATE = """
CREATE TABLE reports_data_version (
    id smallint PRIMARY KEY CHECK (id = 1),
    version bigint NOT NULL
);
INSERT INTO reports_data_version (id, version) VALUES (1, 0);

-- One row per writing transaction, from its first write until its commit.
CREATE TABLE reports_data_change (id bigserial PRIMARY KEY);

-- Statement-level, on every input table: the first write of a transaction files one change.
CREATE FUNCTION reports_note_data_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('reports.data_changed', true) IS DISTINCT FROM 'on' THEN
        PERFORM set_config('reports.data_changed', 'on', true);  -- local to the transaction
        INSERT INTO reports_data_change DEFAULT VALUES;
    END IF;
    RETURN NULL;
END
$$;

-- Deferred to COMMIT: the counter's row is locked only while the transaction commits.
CREATE FUNCTION reports_bump_data_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM reports_data_change WHERE id = NEW.id;
    INSERT INTO reports_data_version (id, version) VALUES (1, 1)
    ON CONFLICT (id) DO UPDATE SET version = reports_data_version.version + 1;
    RETURN NULL;
END
$$;

CREATE CONSTRAINT TRIGGER reports_bump_data_version AFTER INSERT ON reports_data_change
DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION reports_bump_data_version();
"""

DROP = """
DROP FUNCTION IF EXISTS reports_note_data_change() CASCADE;
DROP TABLE IF EXISTS reports_data_change;
DROP FUNCTION IF EXISTS reports_bump_data_version() CASCADE;
DROP TABLE IF EXISTS reports_data_version;
"""

INPUT_APPS = ("units", "cadres", "postings", "plans")


def install_triggers(apps, schema_editor):
    connection = schema_editor.connection
    quote = connection.ops.quote_name
    tables = set()
    for label in INPUT_APPS:
        for model in apps.get_app_config(label).get_models(include_auto_created=True):
            meta = model._meta
            if meta.proxy or not meta.managed or any(field.name == "pgh_id" for field in meta.local_fields):
                continue
            tables.add(meta.db_table)
    with connection.cursor() as cursor:
        for table in sorted(tables):
            cursor.execute(
                f"CREATE TRIGGER reports_data_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {quote(table)} "
                "FOR EACH STATEMENT EXECUTE FUNCTION reports_note_data_change()"
            )


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0003_statistics_run"),
        ("units", "0004_unit_unit_name_key_trgm"),
        ("cadres", "0003_cadre_cadre_search_key_trgm"),
        ("postings", "0007_posting_unit_direction_start_idx"),
        ("plans", "0002_initial"),
    ]

    operations = [
        migrations.RunSQL(CREATE, DROP),
        # Reversing drops the functions CASCADE, which removes the triggers with them.
        migrations.RunPython(install_triggers, migrations.RunPython.noop),
    ]
