"""The database refuses to change or delete a reply's event (as for letters' events), and the
staff roles get the replies' permissions: volunteers transcribe and translate; coordinators
record, review and withhold."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION replies_replyevent_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'replies_replyevent is append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER replies_replyevent_append_only
    BEFORE UPDATE OR DELETE ON replies_replyevent
    FOR EACH ROW EXECUTE FUNCTION replies_replyevent_append_only();
"""
DROP = """
DROP TRIGGER IF EXISTS replies_replyevent_append_only ON replies_replyevent;
DROP FUNCTION IF EXISTS replies_replyevent_append_only();
"""
PERMS = {
    "Volunteers": ["translate_reply", "view_reply"],
    "Coordinators": [
        "translate_reply",
        "review_reply",
        "coordinate_replies",
        "view_reply",
        "view_replyevent",
    ],
}


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)
    app_config = apps.get_app_config("replies")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in PERMS.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(
            *Permission.objects.filter(content_type__app_label="replies", codename__in=codenames)
        )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("replies", "0001_initial"), ("letters", "0003_staff_groups")]
    operations = [migrations.RunPython(forwards, backwards)]
