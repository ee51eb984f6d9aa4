"""Volunteers open the letters their work needs in the admin (the queue, their own claims, the
history). What they may see of a letter is narrowed in LetterAdmin, not by this permission."""

from django.db import migrations

VOLUNTEER_PERMS = [("letters", "view_letter")]


def grant(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name="Volunteers")
    for app_label, codename in VOLUNTEER_PERMS:
        group.permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group = Group.objects.filter(name="Volunteers").first()
    if group is None:
        return
    for app_label, codename in VOLUNTEER_PERMS:
        group.permissions.remove(
            *Permission.objects.filter(content_type__app_label=app_label, codename=codename)
        )


class Migration(migrations.Migration):
    dependencies = [("letters", "0003_staff_groups")]
    operations = [migrations.RunPython(grant, revoke)]
