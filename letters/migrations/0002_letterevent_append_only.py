"""On PostgreSQL the database itself refuses to change or delete a letter event: the audit
trail stays true even against a raw UPDATE. (SQLite, the embedded default, relies on the model.)"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION letters_letterevent_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'letters_letterevent is append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER letters_letterevent_append_only
    BEFORE UPDATE OR DELETE ON letters_letterevent
    FOR EACH ROW EXECUTE FUNCTION letters_letterevent_append_only();
"""
DROP = """
DROP TRIGGER IF EXISTS letters_letterevent_append_only ON letters_letterevent;
DROP FUNCTION IF EXISTS letters_letterevent_append_only();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("letters", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
