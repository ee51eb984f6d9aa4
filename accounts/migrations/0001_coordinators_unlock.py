"""Coordinators may see failed sign-ins and lift lockouts (deleting an attempt unlocks)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

PERMS = ["view_accessattempt", "delete_accessattempt", "view_accessfailurelog"]


def grant(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name="Coordinators")
    group.permissions.add(
        *Permission.objects.filter(content_type__app_label="axes", codename__in=PERMS)
    )


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group in Group.objects.filter(name="Coordinators"):
        group.permissions.remove(
            *Permission.objects.filter(content_type__app_label="axes", codename__in=PERMS)
        )


class Migration(migrations.Migration):
    dependencies = [
        ("letters", "0003_staff_groups"),
        ("axes", "0009_add_session_hash"),
    ]
    operations = [migrations.RunPython(grant, revoke)]
