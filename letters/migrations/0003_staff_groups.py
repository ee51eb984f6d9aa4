"""The two staff roles. Volunteers translate; coordinators run everything else. Permissions are
created here first because Django only adds them after all migrations have run."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

VOLUNTEER_PERMS = [
    ("letters", "translate_letter"),
    ("prisoners", "view_prisoner"),
]
COORDINATOR_PERMS = [
    ("letters", "translate_letter"),
    ("letters", "review_letter"),
    ("letters", "coordinate_letters"),
    ("letters", "view_letter"),
    ("letters", "add_letter"),
    ("letters", "change_letter"),
    ("letters", "view_letterevent"),
    ("letters", "view_notification"),
    ("letters", "view_postingbatch"),
    ("letters", "add_postingbatch"),
    ("letters", "change_postingbatch"),
    ("letters", "view_volunteerprofile"),
    ("letters", "add_volunteerprofile"),
    ("letters", "change_volunteerprofile"),
    ("prisoners", "view_prisoner"),
    ("prisoners", "add_prisoner"),
    ("prisoners", "change_prisoner"),
    ("prisoners", "view_prisonaddress"),
    ("prisoners", "add_prisonaddress"),
    ("prisoners", "change_prisonaddress"),
    ("payments", "view_payment"),
    ("payments", "change_payment"),
    ("payments", "view_stripeevent"),
]


def create_groups(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, perms in (("Volunteers", VOLUNTEER_PERMS), ("Coordinators", COORDINATOR_PERMS)):
        group, _ = Group.objects.get_or_create(name=name)
        for app_label, codename in perms:
            group.permissions.add(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=["Volunteers", "Coordinators"]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("letters", "0002_letterevent_append_only"),
        ("payments", "0001_initial"),
        ("prisoners", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]
    operations = [migrations.RunPython(create_groups, remove_groups)]
